/**
 * In-memory POSIX-ish filesystem for the fake Sandbox container: files, directories,
 * symlinks and mtimes, rooted at "/" with /workspace and /tmp present.
 */
export type FsNode =
  | { kind: "file"; data: Uint8Array; mtime: number }
  | { kind: "dir"; children: Map<string, FsNode>; mtime: number }
  | { kind: "symlink"; target: string; mtime: number };

export class FsError extends Error {
  readonly errno: "ENOENT" | "EISDIR" | "ENOTDIR" | "EEXIST" | "ELOOP";
  constructor(errno: FsError["errno"], message: string) {
    super(message);
    this.errno = errno;
  }
}

const MAX_LINKS = 32;

export function normalize(path: string, cwd = "/"): string {
  const parts: string[] = [];
  for (const seg of (path.startsWith("/") ? path : `${cwd}/${path}`).split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg === "..") parts.pop();
    else parts.push(seg);
  }
  return `/${parts.join("/")}`;
}

function dir(): FsNode & { kind: "dir" } {
  return { kind: "dir", children: new Map(), mtime: Date.now() };
}

export class FakeFs {
  root = dir();

  constructor() {
    this.reset();
  }

  /** What a fresh container has: an empty /workspace and /tmp. */
  reset(): void {
    this.root = dir();
    this.root.children.set("workspace", dir());
    this.root.children.set("tmp", dir());
  }

  /** Resolves symlinks like `realpath -m` (missing components allowed). */
  realpath(path: string, followLast = true): string {
    let resolved = "/";
    const pending = normalize(path).split("/").filter(Boolean);
    let hops = 0;
    while (pending.length > 0) {
      const seg = pending.shift() as string;
      const candidate = normalize(seg, resolved);
      const node = this.#lookup(candidate);
      if (node?.kind === "symlink" && (followLast || pending.length > 0)) {
        if (++hops > MAX_LINKS) throw new FsError("ELOOP", `Too many levels of symbolic links: ${path}`);
        const target = normalize(node.target, resolved);
        pending.unshift(...target.split("/").filter(Boolean));
        resolved = "/";
        continue;
      }
      resolved = candidate;
    }
    return resolved;
  }

  /** Node at `path` after resolving symlinks (all of them, or all but the last). */
  get(path: string, followLast = true): FsNode | undefined {
    return this.#lookup(this.realpath(path, followLast));
  }

  #lookup(absolute: string): FsNode | undefined {
    let node: FsNode = this.root;
    for (const seg of absolute.split("/").filter(Boolean)) {
      if (node.kind !== "dir") return undefined;
      const next = node.children.get(seg);
      if (!next) return undefined;
      node = next;
    }
    return node;
  }

  #parentDir(path: string, create: boolean): { parent: FsNode & { kind: "dir" }; name: string } {
    const real = this.realpath(path, false);
    const i = real.lastIndexOf("/");
    const parentPath = real.slice(0, i) || "/";
    const name = real.slice(i + 1);
    if (create) this.mkdir(parentPath, true);
    const parent = this.get(parentPath);
    if (!parent) throw new FsError("ENOENT", `No such file or directory: ${parentPath}`);
    if (parent.kind !== "dir") throw new FsError("ENOTDIR", `Not a directory: ${parentPath}`);
    return { parent, name };
  }

  read(path: string): Uint8Array {
    const node = this.get(path);
    if (!node) throw new FsError("ENOENT", `No such file or directory: ${path}`);
    if (node.kind === "dir") throw new FsError("EISDIR", `Is a directory: ${path}`);
    if (node.kind !== "file") throw new FsError("ENOENT", `No such file or directory: ${path}`);
    return node.data;
  }

  write(path: string, data: Uint8Array, options: { append?: boolean; createParents?: boolean } = {}): void {
    const existing = this.get(path);
    if (existing?.kind === "dir") throw new FsError("EISDIR", `Is a directory: ${path}`);
    const { parent, name } = this.#parentDir(this.realpath(path), options.createParents ?? false);
    const before = options.append && existing?.kind === "file" ? existing.data : new Uint8Array();
    const merged = new Uint8Array(before.length + data.length);
    merged.set(before);
    merged.set(data, before.length);
    parent.children.set(name, { kind: "file", data: merged, mtime: Date.now() });
    parent.mtime = Date.now();
  }

  mkdir(path: string, recursive: boolean): void {
    const real = this.realpath(path);
    let node: FsNode = this.root;
    const segs = real.split("/").filter(Boolean);
    for (const [i, seg] of segs.entries()) {
      if (node.kind !== "dir") throw new FsError("ENOTDIR", `Not a directory: ${path}`);
      let next: FsNode | undefined = node.children.get(seg);
      if (next === undefined) {
        if (!recursive && i < segs.length - 1)
          throw new FsError("ENOENT", `No such file or directory: ${path}`);
        const created = dir();
        node.children.set(seg, created);
        next = created;
      } else if (next.kind === "symlink") {
        const target = this.get(normalize(segs.slice(0, i + 1).join("/"), "/"));
        if (!target) throw new FsError("ENOENT", `No such file or directory: ${path}`);
        next = target;
      } else if (i === segs.length - 1 && !recursive) {
        throw new FsError("EEXIST", `File exists: ${path}`);
      }
      node = next as FsNode;
    }
    if (node.kind !== "dir") throw new FsError("ENOTDIR", `Not a directory: ${path}`);
  }

  symlink(target: string, path: string): void {
    const { parent, name } = this.#parentDir(path, false);
    if (parent.children.has(name)) throw new FsError("EEXIST", `File exists: ${path}`);
    parent.children.set(name, { kind: "symlink", target, mtime: Date.now() });
  }

  /** Removes the entry itself (a link, not its target). */
  remove(path: string, recursive: boolean): void {
    const node = this.get(path, false);
    if (!node) throw new FsError("ENOENT", `No such file or directory: ${path}`);
    if (node.kind === "dir" && !recursive) throw new FsError("EISDIR", `Is a directory: ${path}`);
    const { parent, name } = this.#parentDir(path, false);
    parent.children.delete(name);
  }

  /** Entries under `path` (absolute paths), depth first, like a recursive listing. */
  list(path: string, recursive: boolean): Array<{ path: string; node: FsNode }> {
    const base = this.realpath(path);
    const node = this.#lookup(base);
    if (!node) throw new FsError("ENOENT", `No such file or directory: ${path}`);
    if (node.kind !== "dir") throw new FsError("ENOTDIR", `Not a directory: ${path}`);
    const out: Array<{ path: string; node: FsNode }> = [];
    const walk = (d: FsNode & { kind: "dir" }, prefix: string) => {
      for (const [name, child] of [...d.children].sort(([a], [b]) => a.localeCompare(b))) {
        const p = prefix === "/" ? `/${name}` : `${prefix}/${name}`;
        out.push({ path: p, node: child });
        if (recursive && child.kind === "dir") walk(child, p);
      }
    };
    walk(node, base);
    return out;
  }
}

export function sizeOf(node: FsNode): number {
  if (node.kind === "file") return node.data.length;
  if (node.kind === "symlink") return node.target.length;
  return 4096;
}
