/**
 * The import rule of ARCHITECTURE.md, checked: prints the folder-level import graph of
 * src/ (and what host/ and cli/ take from src/) and exits 1 when an import breaks the rule.
 *
 * Violations:
 * - an arrow between top-level folders of src/ that ALLOWED does not list, or a folder
 *   ALLOWED does not know (a new folder has to be placed on purpose);
 * - any cycle between folders, and any cycle between files;
 * - an import from host/, containers/ or cli/ into src/ outside NODE_SIDE (those run on
 *   Node, so they may only take runtime-neutral modules);
 * - an import between those Node-side folders outside NODE_PEERS.
 * Type-only imports count too: a type arrow is still an arrow a reader has to follow.
 *
 * Usage: node scripts/check-imports.ts [root]   (root defaults to this repository)
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";

/** Which folders of src/ each folder may import. Everything else is a violation. */
export const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  errors: [],
  shared: ["errors"],
  config: ["errors", "shared"],
  sandbox: ["errors", "shared"],
  tasks: ["errors", "shared", "config", "sandbox"],
  codemode: ["errors", "shared", "config", "sandbox"],
  workspace: ["errors", "shared", "config", "sandbox", "tasks", "codemode"],
  mcp: ["errors", "shared", "config", "sandbox", "tasks", "codemode", "workspace"],
  worker: ["errors", "shared", "config", "sandbox", "tasks", "codemode", "workspace", "mcp"],
};

/** What the Node-side folders may import from src/ (path prefixes under src/). */
export const NODE_SIDE: Readonly<Record<string, readonly string[]>> = {
  host: ["errors/", "shared/", "sandbox/backend.ts"],
  cli: ["errors/", "shared/", "mcp/schemas/", "tasks/types.ts", "workspace/names.ts"],
  containers: ["errors/", "shared/"],
};

/**
 * What the Node-side folders may import from each other (path prefixes from the root).
 * The container runner isolates like the sandbox host, so it reuses the host's isolation
 * and settings parser; the host never depends on the runner, and the CLI on neither.
 */
export const NODE_PEERS: Readonly<Record<string, readonly string[]>> = {
  host: [],
  cli: [],
  containers: ["host/src/isolation/", "host/src/config.ts"],
};

export interface Edge {
  from: string;
  to: string;
  /** "a/x.ts -> b/y.ts" for every file import behind this arrow. */
  files: string[];
}

export interface Report {
  edges: Edge[];
  violations: string[];
  /** Number of source files read. */
  files: number;
}

const IMPORT =
  /(?:^|[\s;])(?:import|export)\s[^"';]*?from\s*["']([^"']+)["']|(?:^|[\s;])import\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g;

function sourceFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    if (name === "node_modules") continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (name.endsWith(".ts")) out.push(path);
  }
  return out;
}

/** Removes comments so an example import inside a comment is not an arrow. */
function stripComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:"'`])\/\/.*$/gm, "$1");
}

/** The relative imports of a file, resolved to absolute paths. */
function importsOf(file: string): string[] {
  const out: string[] = [];
  for (const match of stripComments(readFileSync(file, "utf8")).matchAll(IMPORT)) {
    const spec = match[1] ?? match[2] ?? match[3];
    if (spec?.startsWith(".")) out.push(resolve(dirname(file), spec));
  }
  return out;
}

export function analyse(root: string): Report {
  const srcDir = join(root, "src");
  const arrows = new Map<string, Edge>();
  const violations: string[] = [];
  const fileEdges = new Map<string, string[]>();
  const inSrc = (path: string) => !relative(srcDir, path).startsWith("..");
  const arrow = (from: string, to: string, line: string) => {
    const key = `${from}->${to}`;
    const edge = arrows.get(key) ?? { from, to, files: [] };
    edge.files.push(line);
    arrows.set(key, edge);
  };

  const files = sourceFiles(srcDir);
  for (const file of files) {
    const from = folderOf(srcDir, file);
    for (const target of importsOf(file)) {
      if (!inSrc(target)) {
        violations.push(`${relative(root, file)} imports ${relative(root, target)}, outside src/`);
        continue;
      }
      fileEdges.set(file, [...(fileEdges.get(file) ?? []), target]);
      const to = folderOf(srcDir, target);
      if (to !== from) arrow(from, to, `${relative(srcDir, file)} -> ${relative(srcDir, target)}`);
    }
  }
  const srcEdges = [...arrows.values()];
  for (const edge of srcEdges) {
    const allowed = ALLOWED[edge.from];
    if (!allowed)
      violations.push(`src/${edge.from}/ has no place in the rule (ALLOWED in scripts/check-imports.ts)`);
    else if (!allowed.includes(edge.to)) {
      violations.push(`${edge.from} -> ${edge.to} is against the rule:\n    ${edge.files.join("\n    ")}`);
    }
  }
  for (const cycle of folderCycles(srcEdges)) violations.push(`folder cycle: ${cycle.join(" -> ")}`);
  for (const group of fileCycles(fileEdges)) {
    violations.push(`file cycle: ${group.map((f) => relative(root, f)).join(", ")}`);
  }

  let nodeFiles = 0;
  for (const [side, prefixes] of Object.entries(NODE_SIDE)) {
    for (const file of sourceFiles(join(root, side))) {
      nodeFiles++;
      for (const target of importsOf(file)) {
        if (!inSrc(target)) {
          const peer = relative(root, target).split(sep).join("/");
          const other = Object.keys(NODE_SIDE).find((s) => s !== side && peer.startsWith(`${s}/`));
          if (!other) continue;
          arrow(side, other, `${relative(root, file)} -> ${peer}`);
          const allowed = NODE_PEERS[side] ?? [];
          if (!allowed.some((p) => peer.startsWith(p))) {
            const may = allowed.length > 0 ? allowed.join(", ") : "nothing";
            violations.push(
              `${relative(root, file)} imports ${peer}: ${side}/ may import ${may} of ${other}/`,
            );
          }
          continue;
        }
        const rel = relative(srcDir, target).split(sep).join("/");
        arrow(side, `src/${folderOf(srcDir, target)}`, `${relative(root, file)} -> src/${rel}`);
        if (!prefixes.some((p) => rel.startsWith(p))) {
          violations.push(
            `${relative(root, file)} imports src/${rel}: ${side}/ may only import ${prefixes.join(", ")}`,
          );
        }
      }
    }
  }
  const edges = [...arrows.values()].sort((a, b) => `${a.from} ${a.to}`.localeCompare(`${b.from} ${b.to}`));
  return { edges, violations, files: files.length + nodeFiles };
}

/** The top-level folder of src/ a file belongs to; files directly in src/ count as "src". */
function folderOf(srcDir: string, file: string): string {
  const rel = relative(srcDir, file).split(sep);
  return rel.length > 1 ? (rel[0] as string) : "src";
}

/** Every folder cycle, each reported once, starting from its alphabetically first folder. */
function folderCycles(edges: Edge[]): string[][] {
  const next = new Map<string, string[]>();
  for (const { from, to } of edges) next.set(from, [...(next.get(from) ?? []), to]);
  const found: string[][] = [];
  const walk = (start: string, at: string, path: string[]): void => {
    for (const to of next.get(at) ?? []) {
      if (to === start) found.push([...path, to]);
      else if (to > start && !path.includes(to)) walk(start, to, [...path, to]);
    }
  };
  for (const start of [...next.keys()].sort()) walk(start, start, [start]);
  return found;
}

/** Groups of files that import each other in a circle (Tarjan's strongly connected components). */
function fileCycles(next: Map<string, string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const groups: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, index.size);
    low.set(v, index.get(v) as number);
    stack.push(v);
    onStack.add(v);
    for (const w of next.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) as number, low.get(w) as number));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v) as number, index.get(w) as number));
    }
    if (low.get(v) !== index.get(v)) return;
    const group: string[] = [];
    let w: string;
    do {
      w = stack.pop() as string;
      onStack.delete(w);
      group.push(w);
    } while (w !== v);
    if (group.length > 1) groups.push(group.sort());
  };
  for (const v of [...next.keys()].sort()) if (!index.has(v)) visit(v);
  return groups;
}

export function printGraph(report: Report): string {
  const lines = ["Import graph by folder (from -> to: number of file imports behind the arrow)"];
  for (const edge of report.edges)
    lines.push(`  ${edge.from.padEnd(10)} -> ${edge.to.padEnd(13)} ${edge.files.length}`);
  return lines.join("\n");
}

if (process.argv[1] === import.meta.filename) {
  const root = resolve(process.argv[2] ?? join(import.meta.dirname, ".."));
  const report = analyse(root);
  console.log(printGraph(report));
  if (report.violations.length > 0) {
    console.error(`\n${report.violations.length} import rule violation(s) (rule: ARCHITECTURE.md):`);
    for (const v of report.violations) console.error(`  ${v}`);
    process.exit(1);
  }
  console.log(`\n${report.files} files: no cycles, every arrow follows the rule in ARCHITECTURE.md.`);
}
