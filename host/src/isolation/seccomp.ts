/**
 * A seccomp filter for sandboxed processes, as the classic BPF program bubblewrap loads
 * with `--seccomp FD`. It closes the doors the other layers leave open when the host
 * runs as root: new namespaces (a user namespace would give sandboxed code capabilities
 * over its own mounts), mount and its new-API friends, ptrace, the kernel keyring, BPF
 * and perf. Denied calls fail with EPERM (clone3 with ENOSYS, so libc falls back to
 * clone, whose flags the filter can inspect).
 */

const AUDIT_ARCH = { x64: 0xc000003e, arm64: 0xc00000b7 } as const;
type Arch = keyof typeof AUDIT_ARCH;

/** Syscall numbers per architecture (from the kernel's syscall tables). */
const DENIED: Record<Arch, Record<string, number>> = {
  x64: {
    unshare: 272,
    setns: 308,
    mount: 165,
    umount2: 166,
    pivot_root: 155,
    ptrace: 101,
    keyctl: 250,
    add_key: 248,
    request_key: 249,
    open_tree: 428,
    move_mount: 429,
    fsopen: 430,
    fsconfig: 431,
    fsmount: 432,
    fspick: 433,
    mount_setattr: 442,
    bpf: 321,
    perf_event_open: 298,
    process_vm_writev: 311,
  },
  arm64: {
    unshare: 97,
    setns: 268,
    mount: 40,
    umount2: 39,
    pivot_root: 41,
    ptrace: 117,
    keyctl: 219,
    add_key: 217,
    request_key: 218,
    open_tree: 428,
    move_mount: 429,
    fsopen: 430,
    fsconfig: 431,
    fsmount: 432,
    fspick: 433,
    mount_setattr: 442,
    bpf: 280,
    perf_event_open: 241,
    process_vm_writev: 271,
  },
};
const CLONE: Record<Arch, number> = { x64: 56, arm64: 220 };
const CLONE3 = 435;
/** x32 system calls on x86-64 carry this bit; the filter refuses them all. */
const X32_BIT = 0x40000000;
/** CLONE_NEWNS | NEWCGROUP | NEWUTS | NEWIPC | NEWUSER | NEWPID | NEWNET. */
const CLONE_NS_FLAGS =
  0x00020000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000 | 0x20000000 | 0x40000000;

const BPF = {
  LD_W_ABS: 0x20,
  JEQ_K: 0x15,
  JGE_K: 0x35,
  JSET_K: 0x45,
  RET_K: 0x06,
} as const;
const RET = { ALLOW: 0x7fff0000, ERRNO: 0x00050000 } as const;
const EPERM = 1;
const ENOSYS = 38;
/** Offsets in struct seccomp_data. */
const NR = 0;
const ARCH = 4;
const ARG0_LOW = 16;

interface Insn {
  code: number;
  jt: number;
  jf: number;
  k: number;
}

export function seccompArch(): Arch | null {
  return process.arch === "x64" || process.arch === "arm64" ? process.arch : null;
}

/** The filter as bytes (struct sock_filter[], native little-endian) for `arch`. */
export function seccompProgram(arch: Arch): Buffer {
  const denied = Object.values(DENIED[arch]);
  const prog: Insn[] = [];
  const ins = (code: number, k: number, jt = 0, jf = 0) => prog.push({ code, jt, jf, k });
  // Layout: checks, then three return instructions at the end: ALLOW, EPERM, ENOSYS.
  // Jump offsets are relative, so they are filled in once the length is known.
  const jumps: Array<{ at: number; to: "allow" | "eperm" | "enosys"; branch: "jt" | "jf" }> = [];
  const jumpTo = (to: "allow" | "eperm" | "enosys", branch: "jt" | "jf") =>
    jumps.push({ at: prog.length - 1, to, branch });

  ins(BPF.LD_W_ABS, ARCH);
  ins(BPF.JEQ_K, AUDIT_ARCH[arch]);
  // a foreign architecture's numbers would mean other calls: refuse them outright
  jumpTo("eperm", "jf");
  ins(BPF.LD_W_ABS, NR);
  if (arch === "x64") {
    ins(BPF.JGE_K, X32_BIT);
    jumpTo("eperm", "jt");
  }
  for (const nr of denied) {
    ins(BPF.JEQ_K, nr);
    jumpTo("eperm", "jt");
  }
  ins(BPF.JEQ_K, CLONE3);
  jumpTo("enosys", "jt");
  ins(BPF.JEQ_K, CLONE[arch]);
  jumpTo("allow", "jf");
  ins(BPF.LD_W_ABS, ARG0_LOW);
  ins(BPF.JSET_K, CLONE_NS_FLAGS);
  jumpTo("eperm", "jt");
  const allow = prog.length;
  ins(BPF.RET_K, RET.ALLOW);
  const eperm = prog.length;
  ins(BPF.RET_K, RET.ERRNO | EPERM);
  const enosys = prog.length;
  ins(BPF.RET_K, RET.ERRNO | ENOSYS);
  const target = { allow, eperm, enosys };
  for (const j of jumps) {
    const offset = target[j.to] - j.at - 1;
    if (offset > 255) throw new Error("seccomp program too long for a conditional jump");
    const insn = prog[j.at] as Insn;
    insn[j.branch] = offset;
  }

  const buf = Buffer.alloc(prog.length * 8);
  prog.forEach((p, i) => {
    buf.writeUInt16LE(p.code, i * 8);
    buf.writeUInt8(p.jt, i * 8 + 2);
    buf.writeUInt8(p.jf, i * 8 + 3);
    buf.writeUInt32LE(p.k >>> 0, i * 8 + 4);
  });
  return buf;
}
