/**
 * A victim directory outside every workspace, owned by the user running the tests (root
 * in CI), and a snapshot of what an attack must not change: every entry's owner, mode,
 * type and contents.
 */
import { lstat, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface Victim {
  dir: string;
  /** A name only the victim directory contains (seeing it in a listing is a leak). */
  marker: string;
  snapshot(): Promise<string>;
  remove(): Promise<void>;
}

export async function makeVictim(): Promise<Victim> {
  const dir = await mkdtemp(join(tmpdir(), "codemode-victim-"));
  const marker = `victim-only-${Date.now()}.txt`;
  await writeFile(join(dir, marker), "host secret\n", { mode: 0o600 });
  // names the attacks aim at: a/b, m0/f.txt, b, f.txt
  await writeFile(join(dir, "b"), "host file b\n", { mode: 0o600 });
  await writeFile(join(dir, "f.txt"), "host file f\n", { mode: 0o600 });
  await mkdir(join(dir, "sub"), { mode: 0o700 });
  await writeFile(join(dir, "sub", "b"), "host file sub/b\n", { mode: 0o600 });
  return {
    dir,
    marker,
    snapshot: () => snapshot(dir),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

async function snapshot(dir: string): Promise<string> {
  const lines: string[] = [];
  const walk = async (path: string, shown: string): Promise<void> => {
    const st = await lstat(path);
    const kind = st.isDirectory() ? "d" : st.isFile() ? "f" : st.isSymbolicLink() ? "l" : "o";
    const body = st.isFile() ? JSON.stringify(await readFile(path, "utf8")) : "";
    lines.push(`${shown} ${kind} ${st.uid}:${st.gid} ${(st.mode & 0o7777).toString(8)} ${body}`);
    if (st.isDirectory()) {
      for (const name of (await readdir(path)).sort()) await walk(join(path, name), `${shown}/${name}`);
    }
  };
  await walk(dir, ".");
  return lines.join("\n");
}
