/** Counting the tasks a uid already runs, from /proc (RLIMIT_NPROC counts all of them). */
import { readdir, readFile, stat } from "node:fs/promises";

/**
 * Number of tasks (threads included, as RLIMIT_NPROC counts them) of processes whose
 * effective uid is `uid` (the owner of /proc/<pid>). Threads matter: a container server
 * of the same uid runs dozens, and counting it as one left sandboxes unable to fork.
 */
export async function countProcessesOf(uid: number): Promise<number> {
  const entries = await readdir("/proc").catch(() => [] as string[]);
  let count = 0;
  await Promise.all(
    entries
      .filter((e) => /^\d+$/.test(e))
      .map(async (e) => {
        const st = await stat(`/proc/${e}`).catch(() => null);
        if (st?.uid !== uid) return;
        const status = await readFile(`/proc/${e}/status`, "utf8").catch(() => "");
        count += Number(/^Threads:\s+(\d+)/m.exec(status)?.[1] ?? 1);
      }),
  );
  return count;
}
