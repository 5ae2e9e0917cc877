/**
 * How a bash program reaches the sandbox. Short programs go on the command line
 * (`bash -c`); one argument may not exceed 128 KiB (MAX_ARG_STRLEN), so longer ones are
 * handed over through an inherited descriptor of a host-private file, read into a
 * variable, the descriptor closed, and the text evaluated.
 */
import { type FileHandle, open, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";

/** Well below the kernel's 128 KiB per-argument limit. */
const ARGV_LIMIT = 96 * 1024;
/** The program's descriptor inside the sandbox (after stdin, stdout, stderr). */
const PROGRAM_FD = 3;

export interface BashLaunch {
  argv: string[];
  /** Extra stdio entries after stdin/stdout/stderr. */
  extraStdio: number[];
  /** Closes and removes what the launch needed; call after spawning. */
  release(): Promise<void>;
}

/** Whether a program goes on the command line as it is. */
export function fitsArgv(command: string): boolean {
  return Buffer.byteLength(command) <= ARGV_LIMIT;
}

export async function bashLaunch(command: string, scratchDir: string, id: string): Promise<BashLaunch> {
  if (fitsArgv(command)) {
    return { argv: ["/bin/bash", "-c", command], extraStdio: [], release: async () => undefined };
  }
  const file = join(scratchDir, `${id}.sh`);
  let fh: FileHandle | null = null;
  try {
    await writeFile(file, command, { flag: "wx", mode: 0o600 });
    // a fresh read-only descriptor: its offset is at the start
    fh = await open(file, "r");
  } finally {
    // the open descriptor is all the sandbox needs; the name goes at once
    await unlink(file).catch(() => undefined);
  }
  const handle = fh;
  return {
    argv: [
      "/bin/bash",
      "-c",
      `__codemode_program=$(cat <&${PROGRAM_FD}); exec ${PROGRAM_FD}<&-; eval "$__codemode_program"`,
    ],
    extraStdio: [handle.fd],
    release: () => handle.close(),
  };
}
