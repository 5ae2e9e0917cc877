/** Counting the processes a uid already runs, from /proc (RLIMIT_NPROC counts all of them). */
import { readdir, stat } from "node:fs/promises";

/** Number of processes whose effective uid is `uid` (the owner of /proc/<pid>). */
export async function countProcessesOf(uid: number): Promise<number> {
  const entries = await readdir("/proc").catch(() => [] as string[]);
  let count = 0;
  await Promise.all(
    entries
      .filter((e) => /^\d+$/.test(e))
      .map(async (e) => {
        const st = await stat(`/proc/${e}`).catch(() => null);
        if (st?.uid === uid) count++;
      }),
  );
  return count;
}
