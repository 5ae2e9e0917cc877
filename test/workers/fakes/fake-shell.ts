/**
 * A small bash subset for the fake Sandbox container: enough for the adapter's own
 * commands (timeout/bash -c wrapping, realpath, stat, rm, find -delete) and for the
 * shell snippets the contract tests run. Sequences (; && || newline), pipes, quoting,
 * $VAR expansion and the common redirections; builtins listed in BUILTINS.
 */
import { type FakeFs, FsError, normalize, sizeOf } from "./fake-fs.ts";

export interface ShellEnv {
  fs: FakeFs;
  cwd: string;
  env: Record<string, string>;
  signal: AbortSignal;
  out: (s: string) => void;
  err: (s: string) => void;
  stdin?: string;
}

export class Aborted extends Error {}
class Exit extends Error {
  readonly code: number;
  constructor(code: number) {
    super(`exit ${code}`);
    this.code = code;
  }
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new Aborted());
    const t = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(new Aborted());
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

/** Runs a script; resolves to its exit status (143 when aborted from outside). */
export async function runScript(script: string, sh: ShellEnv): Promise<number> {
  try {
    return await runList(parse(tokenize(script, sh)), sh);
  } catch (e) {
    if (e instanceof Exit) return e.code;
    if (e instanceof Aborted) return 143;
    if (e instanceof SyntaxError) {
      sh.err(`bash: syntax error: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}

// ---------- tokenizing ----------

type Token = { op: string } | { word: string };
// Longest first, so ">&2" wins over ">" and "&&" over "&".
const OPS = ["2>&1", "1>&2", "2>>", ">&2", "&&", "||", ">>", "&>", "2>", ";", "|", "\n", ">", "<", "&"];

function tokenize(src: string, sh: ShellEnv): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let word: string | null = null;
  const flush = () => {
    if (word !== null) tokens.push({ word });
    word = null;
  };
  const expandVar = (): string => {
    if (src.startsWith("$((", i)) {
      const end = src.indexOf("))", i);
      const value = arithmetic(src.slice(i + 3, end), sh.env);
      i = end + 2;
      return String(value);
    }
    if (src[i + 1] === "{") {
      const end = src.indexOf("}", i);
      const name = src.slice(i + 2, end);
      i = end + 1;
      return sh.env[name] ?? "";
    }
    if (src[i + 1] === "?") {
      i += 2;
      return sh.env["?"] ?? "0";
    }
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i + 1));
    if (!m) {
      i++;
      return "$";
    }
    i += 1 + m[0].length;
    return sh.env[m[0]] ?? "";
  };
  while (i < src.length) {
    const c = src[i] as string;
    if (c === " " || c === "\t") {
      flush();
      i++;
      continue;
    }
    if (c === "#" && word === null) {
      while (i < src.length && src[i] !== "\n") i++;
      continue;
    }
    // Operators starting with a digit ("2>") only count at the start of a word.
    const op = OPS.find((o) => (word === null || !/^[0-9]/.test(o)) && src.startsWith(o, i));
    if (op) {
      flush();
      tokens.push({ op });
      i += op.length;
      continue;
    }
    if (c === "'") {
      const end = src.indexOf("'", i + 1);
      if (end < 0) throw new SyntaxError("unterminated quote");
      word = (word ?? "") + src.slice(i + 1, end);
      i = end + 1;
      continue;
    }
    if (c === '"') {
      word = word ?? "";
      i++;
      while (i < src.length && src[i] !== '"') {
        if (src[i] === "\\" && i + 1 < src.length && '"\\$`'.includes(src[i + 1] as string)) {
          word += src[i + 1];
          i += 2;
        } else if (src[i] === "$") {
          word += expandVar();
        } else {
          word += src[i];
          i++;
        }
      }
      if (i >= src.length) throw new SyntaxError("unterminated quote");
      i++;
      continue;
    }
    if (c === "\\" && i + 1 < src.length) {
      word = (word ?? "") + (src[i + 1] === "\n" ? "" : src[i + 1]);
      i += 2;
      continue;
    }
    if (c === "$") {
      word = (word ?? "") + expandVar();
      continue;
    }
    word = (word ?? "") + c;
    i++;
  }
  flush();
  return tokens;
}

/** `$(( ... ))`: integers, + - * / %, parentheses and variable names. */
function arithmetic(expr: string, env: Record<string, string>): number {
  const toks = expr.match(/\d+|[A-Za-z_]\w*|[-+*/%()]/g) ?? [];
  let pos = 0;
  const atom = (): number => {
    const t = toks[pos++] ?? "0";
    if (t === "(") {
      const v = sum();
      pos++;
      return v;
    }
    if (t === "-") return -atom();
    return /^\d+$/.test(t) ? Number(t) : Number(env[t] ?? 0);
  };
  const product = (): number => {
    let v = atom();
    while (toks[pos] === "*" || toks[pos] === "/" || toks[pos] === "%") {
      const op = toks[pos++];
      const r = atom();
      v = op === "*" ? v * r : op === "/" ? Math.trunc(v / r) : v % r;
    }
    return v;
  };
  const sum = (): number => {
    let v = product();
    while (toks[pos] === "+" || toks[pos] === "-") v = toks[pos++] === "+" ? v + product() : v - product();
    return v;
  };
  return sum();
}

// ---------- parsing ----------

interface Redirect {
  kind: ">" | ">>" | "2>" | "2>>" | "&>" | "<" | ">&2" | "2>&1";
  target?: string;
}
interface Command {
  words: string[];
  redirects: Redirect[];
}
type Pipeline = Command[];
interface ListItem {
  pipeline: Pipeline;
  /** How this item is joined to the previous one. */
  join: ";" | "&&" | "||";
}

function parse(tokens: Token[]): ListItem[] {
  const items: ListItem[] = [];
  let join: ListItem["join"] = ";";
  let pipeline: Pipeline = [];
  let cmd: Command = { words: [], redirects: [] };
  const endCommand = () => {
    if (cmd.words.length > 0 || cmd.redirects.length > 0) pipeline.push(cmd);
    cmd = { words: [], redirects: [] };
  };
  const endPipeline = (next: ListItem["join"]) => {
    endCommand();
    if (pipeline.length > 0) items.push({ pipeline, join });
    pipeline = [];
    join = next;
  };
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as Token;
    if ("word" in t) {
      cmd.words.push(t.word);
      continue;
    }
    switch (t.op) {
      case ";":
      case "\n":
      case "&":
        endPipeline(";");
        break;
      case "&&":
      case "||":
        endPipeline(t.op);
        break;
      case "|":
        endCommand();
        break;
      case ">&2":
      case "1>&2":
        cmd.redirects.push({ kind: ">&2" });
        break;
      case "2>&1":
        cmd.redirects.push({ kind: "2>&1" });
        break;
      default: {
        const next = tokens[++i];
        if (!next || !("word" in next)) throw new SyntaxError(`expected a file after ${t.op}`);
        cmd.redirects.push({ kind: t.op as Redirect["kind"], target: next.word });
      }
    }
  }
  endPipeline(";");
  return items;
}

// ---------- running ----------

async function runList(items: ListItem[], sh: ShellEnv): Promise<number> {
  let status = 0;
  for (const item of items) {
    if (sh.signal.aborted) throw new Aborted();
    if (item.join === "&&" && status !== 0) continue;
    if (item.join === "||" && status === 0) continue;
    status = await runPipeline(item.pipeline, sh);
    sh.env["?"] = String(status);
  }
  return status;
}

async function runPipeline(pipeline: Pipeline, sh: ShellEnv): Promise<number> {
  let stdin = sh.stdin;
  let status = 0;
  for (const [i, cmd] of pipeline.entries()) {
    const last = i === pipeline.length - 1;
    let captured = "";
    const out = last ? sh.out : (s: string) => (captured += s);
    status = await runCommand(cmd, { ...sh, out, ...(stdin !== undefined ? { stdin } : {}) });
    stdin = captured;
  }
  return status;
}

async function runCommand(cmd: Command, sh: ShellEnv): Promise<number> {
  const words = [...cmd.words];
  // Leading NAME=value words: assignments (alone) or per-command environment.
  const assigns: Record<string, string> = {};
  while (words.length > 0 && /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[0] as string)) {
    const w = words.shift() as string;
    const eq = w.indexOf("=");
    assigns[w.slice(0, eq)] = w.slice(eq + 1);
  }
  if (words.length === 0) {
    Object.assign(sh.env, assigns);
    return 0;
  }
  let out = sh.out;
  let err = sh.err;
  let stdin = sh.stdin;
  const pending: Array<() => void> = [];
  for (const r of cmd.redirects) {
    const target = r.target ? normalize(r.target, sh.cwd) : "";
    const toFile = (append: boolean) => {
      if (target === "/dev/null") return () => {};
      let buf = "";
      pending.push(() => sh.fs.write(target, encoder.encode(buf), { append }));
      if (!append) sh.fs.write(target, new Uint8Array());
      return (s: string) => {
        buf += s;
      };
    };
    try {
      if (r.kind === ">" || r.kind === ">>") out = toFile(r.kind === ">>");
      else if (r.kind === "2>" || r.kind === "2>>") err = toFile(r.kind === "2>>");
      else if (r.kind === "&>") out = err = toFile(false);
      else if (r.kind === ">&2") out = err;
      else if (r.kind === "2>&1") err = out;
      else if (r.kind === "<") stdin = target === "/dev/null" ? "" : decoder.decode(sh.fs.read(target));
    } catch (e) {
      sh.err(`bash: ${r.target}: ${e instanceof Error ? e.message : String(e)}\n`);
      return 1;
    }
  }
  const name = words[0] as string;
  const builtin = BUILTINS[name];
  const env = { ...sh.env, ...assigns };
  const io: ShellEnv = { ...sh, env: name === "export" || name === "cd" ? sh.env : env, out, err };
  if (stdin !== undefined) io.stdin = stdin;
  let status: number;
  if (!builtin) {
    err(`bash: ${name}: command not found\n`);
    status = 127;
  } else {
    try {
      status = await builtin(words.slice(1), io);
    } catch (e) {
      if (e instanceof Exit || e instanceof Aborted) throw e;
      err(`${name}: ${e instanceof Error ? e.message : String(e)}\n`);
      status = 1;
    }
  }
  if (name === "cd") sh.cwd = io.cwd;
  for (const flush of pending) flush();
  return status;
}

type Builtin = (args: string[], sh: ShellEnv) => Promise<number>;

function fileArgs(args: string[]): { flags: Set<string>; rest: string[] } {
  const flags = new Set<string>();
  const rest: string[] = [];
  let done = false;
  for (const a of args) {
    if (!done && a === "--") done = true;
    else if (!done && a.startsWith("-") && a.length > 1) for (const f of a.slice(1)) flags.add(f);
    else rest.push(a);
  }
  return { flags, rest };
}

function parseDuration(text: string): number {
  const m = /^([0-9.]+)([smhd]?)$/.exec(text);
  if (!m) throw new Error(`invalid time interval '${text}'`);
  const unit = { "": 1, s: 1, m: 60, h: 3600, d: 86400 }[m[2] as "" | "s" | "m" | "h" | "d"];
  return Number(m[1]) * unit * 1000;
}

async function runTimeout(args: string[], sh: ShellEnv): Promise<number> {
  let verbose = false;
  let i = 0;
  for (; i < args.length; i++) {
    const a = args[i] as string;
    if (a === "--verbose" || a === "-v") verbose = true;
    else if (a === "-k" || a === "-s") i++;
    else if (a === "--foreground" || a === "--preserve-status") continue;
    else break;
  }
  const ms = parseDuration(args[i] as string);
  const inner = args.slice(i + 1);
  const child = new AbortController();
  const forward = () => child.abort();
  sh.signal.addEventListener("abort", forward, { once: true });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.abort();
  }, ms);
  const notice = () => {
    if (verbose) sh.err(`timeout: sending signal TERM to command ‘${inner[0] ?? ""}’\n`);
  };
  try {
    const name = inner[0] ?? "";
    const builtin = BUILTINS[name];
    if (!builtin) {
      sh.err(`timeout: failed to run command ‘${name}’: No such file or directory\n`);
      return 127;
    }
    const status = await builtin(inner.slice(1), { ...sh, env: { ...sh.env }, signal: child.signal });
    if (timedOut || sh.signal.aborted) {
      notice();
      return timedOut ? 124 : 143;
    }
    return status;
  } catch (e) {
    if (!(e instanceof Aborted)) throw e;
    notice();
    if (timedOut) return 124;
    throw e;
  } finally {
    clearTimeout(timer);
    sh.signal.removeEventListener("abort", forward);
  }
}

const BUILTINS: Record<string, Builtin> = {
  true: async () => 0,
  false: async () => 1,
  ":": async () => 0,
  exit: async (args) => {
    throw new Exit(Number(args[0] ?? 0) & 255);
  },
  echo: async (args, sh) => {
    const noNewline = args[0] === "-n";
    const words = noNewline || args[0] === "-e" ? args.slice(1) : args;
    sh.out(words.join(" ") + (noNewline ? "" : "\n"));
    return 0;
  },
  printf: async (args, sh) => {
    const [fmt = "", ...rest] = args;
    let k = 0;
    const text = fmt
      .replace(/%[sd]/g, () => rest[k++] ?? "")
      .replaceAll("\\n", "\n")
      .replaceAll("\\t", "\t");
    sh.out(text);
    return 0;
  },
  cat: async (args, sh) => {
    const { rest } = fileArgs(args);
    if (rest.length === 0) sh.out(sh.stdin ?? "");
    let status = 0;
    for (const f of rest) {
      try {
        sh.out(decoder.decode(sh.fs.read(normalize(f, sh.cwd))));
      } catch (e) {
        sh.err(
          `cat: ${f}: ${e instanceof FsError && e.errno === "EISDIR" ? "Is a directory" : "No such file or directory"}\n`,
        );
        status = 1;
      }
    }
    return status;
  },
  head: async (args, sh) => {
    const bytes = args[0] === "-c" ? Number(args[1]) : undefined;
    const lines = args[0] === "-n" ? Number(args[1]) : 10;
    const file = args[2] ?? (args[0]?.startsWith("-") ? undefined : args[0]);
    const text = file ? decoder.decode(sh.fs.read(normalize(file, sh.cwd))) : (sh.stdin ?? "");
    if (bytes !== undefined) sh.out(decoder.decode(encoder.encode(text).slice(0, bytes)));
    else
      sh.out(
        text
          .split(/(?<=\n)/)
          .slice(0, lines)
          .join(""),
      );
    return 0;
  },
  wc: async (args, sh) => {
    const text = args[1] ? decoder.decode(sh.fs.read(normalize(args[1], sh.cwd))) : (sh.stdin ?? "");
    sh.out(`${args[0] === "-l" ? text.split("\n").length - 1 : encoder.encode(text).length}\n`);
    return 0;
  },
  grep: async (args, sh) => {
    const { flags, rest } = fileArgs(args);
    const pattern = new RegExp(rest[0] ?? "");
    const input = rest[1] ? decoder.decode(sh.fs.read(normalize(rest[1], sh.cwd))) : (sh.stdin ?? "");
    const lines = input
      .split(/(?<=\n)/)
      .filter((l) => l !== "" && pattern.test(l.replace(/\n$/, "")) !== flags.has("v"));
    sh.out(lines.join(""));
    return lines.length > 0 ? 0 : 1;
  },
  seq: async (args, sh) => {
    const [a, b] = args.length === 1 ? [1, Number(args[0])] : [Number(args[0]), Number(args[1])];
    let s = "";
    for (let n = a; n <= b; n++) s += `${n}\n`;
    sh.out(s);
    return 0;
  },
  sleep: async (args, sh) => {
    await sleep(parseDuration(args[0] ?? "0"), sh.signal);
    return 0;
  },
  pwd: async (_args, sh) => {
    sh.out(`${sh.cwd}\n`);
    return 0;
  },
  cd: async (args, sh) => {
    const target = normalize(args[0] ?? "/workspace", sh.cwd);
    if (sh.fs.get(target)?.kind !== "dir") {
      sh.err(`bash: cd: ${args[0]}: No such file or directory\n`);
      return 1;
    }
    sh.cwd = target;
    return 0;
  },
  export: async (args, sh) => {
    for (const a of args) {
      const eq = a.indexOf("=");
      if (eq > 0) sh.env[a.slice(0, eq)] = a.slice(eq + 1);
    }
    return 0;
  },
  env: async (_args, sh) => {
    for (const [k, v] of Object.entries(sh.env)) if (k !== "?") sh.out(`${k}=${v}\n`);
    return 0;
  },
  ls: async (args, sh) => {
    const { rest } = fileArgs(args);
    const target = normalize(rest[0] ?? ".", sh.cwd);
    const node = sh.fs.get(target);
    if (!node) {
      sh.err(`ls: cannot access '${rest[0]}': No such file or directory\n`);
      return 2;
    }
    if (node.kind !== "dir") sh.out(`${rest[0]}\n`);
    else for (const e of sh.fs.list(target, false)) sh.out(`${e.path.slice(e.path.lastIndexOf("/") + 1)}\n`);
    return 0;
  },
  mkdir: async (args, sh) => {
    const { flags, rest } = fileArgs(args);
    for (const d of rest) sh.fs.mkdir(normalize(d, sh.cwd), flags.has("p"));
    return 0;
  },
  touch: async (args, sh) => {
    for (const f of args) {
      const p = normalize(f, sh.cwd);
      if (!sh.fs.get(p)) sh.fs.write(p, new Uint8Array());
    }
    return 0;
  },
  rm: async (args, sh) => {
    const { flags, rest } = fileArgs(args);
    let status = 0;
    for (const f of rest) {
      try {
        sh.fs.remove(normalize(f, sh.cwd), flags.has("r") || flags.has("R"));
      } catch (e) {
        if (flags.has("f") && e instanceof FsError && e.errno === "ENOENT") continue;
        sh.err(`rm: cannot remove '${f}': ${e instanceof Error ? e.message : String(e)}\n`);
        status = 1;
      }
    }
    return status;
  },
  ln: async (args, sh) => {
    const { rest } = fileArgs(args);
    sh.fs.symlink(rest[0] as string, normalize(rest[1] as string, sh.cwd));
    return 0;
  },
  realpath: async (args, sh) => {
    const { rest } = fileArgs(args);
    for (const p of rest) sh.out(`${sh.fs.realpath(normalize(p, sh.cwd))}\n`);
    return 0;
  },
  stat: async (args, sh) => {
    const fmtAt = args.indexOf("-c");
    const fmt = fmtAt >= 0 ? (args[fmtAt + 1] as string) : "%F";
    const { rest } = fileArgs(args.filter((_, i) => i !== fmtAt && i !== fmtAt + 1));
    const path = normalize(rest[0] as string, sh.cwd);
    const node = sh.fs.get(path, false);
    if (!node) {
      sh.err(`stat: cannot statx '${rest[0]}': No such file or directory\n`);
      return 1;
    }
    const kind =
      node.kind === "dir"
        ? "directory"
        : node.kind === "symlink"
          ? "symbolic link"
          : node.data.length === 0
            ? "regular empty file"
            : "regular file";
    sh.out(
      `${fmt
        .replaceAll("%F", kind)
        .replaceAll("%s", String(sizeOf(node)))
        .replaceAll("%Y", String(Math.floor(node.mtime / 1000)))}\n`,
    );
    return 0;
  },
  find: async (args, sh) => {
    const root = normalize(args[0] ?? ".", sh.cwd);
    const entries = sh.fs.list(root, true);
    if (args.includes("-delete")) {
      for (const e of entries.reverse()) {
        if (sh.fs.get(e.path, false)) sh.fs.remove(e.path, true);
      }
      return 0;
    }
    if (!args.includes("-mindepth")) sh.out(`${root}\n`);
    for (const e of entries) sh.out(`${e.path}\n`);
    return 0;
  },
  timeout: runTimeout,
  bash: async (args, sh) => runShellC(args, sh),
  sh: async (args, sh) => runShellC(args, sh),
};

async function runShellC(args: string[], sh: ShellEnv): Promise<number> {
  if (args[0] !== "-c") throw new Error("only `-c SCRIPT` is supported");
  // A child shell: its own variables and cwd, the parent's streams.
  return runScript(args[1] ?? "", { ...sh, env: { ...sh.env } });
}
