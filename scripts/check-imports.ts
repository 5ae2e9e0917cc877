/**
 * Folder import rule for src/: prints the folder-level import graph and fails when an
 * import points against the rule in ARCHITECTURE.md or closes a cycle between folders.
 *
 * Each top-level folder of src/ may import only the folders listed for it in ALLOWED;
 * a folder missing from ALLOWED is itself a violation, so a new folder has to be placed
 * on purpose. Type-only imports count too: a type arrow is still an arrow a reader follows.
 *
 * Usage: node scripts/check-imports.ts [root]   (root defaults to the repository)
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";

/** Who may import whom. Everything else is a violation. */
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

export interface Edge {
  from: string;
  to: string;
  /** "src/a/x.ts -> src/b/y.ts" for every file-level import behind this folder arrow. */
  files: string[];
}

export interface Report {
  edges: Edge[];
  violations: string[];
  /** Number of source files read. */
  files: number;
}

const IMPORT =
  /(?:^|[\s;])(?:import|export)\s[^"';]*?from\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g;

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (name.endsWith(".ts")) out.push(path);
  }
  return out;
}

/** The top-level folder of src/ a file belongs to; files directly in src/ count as "src". */
function folderOf(srcDir: string, file: string): string {
  const rel = relative(srcDir, file).split(sep);
  return rel.length > 1 ? (rel[0] as string) : "src";
}

/** Removes comments so an example import inside a comment is not an arrow. */
function stripComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:"'`])\/\/.*$/gm, "$1");
}

export function analyse(root: string): Report {
  const srcDir = join(root, "src");
  const arrows = new Map<string, Edge>();
  const violations: string[] = [];
  const fileEdges = new Map<string, string[]>();
  const files = sourceFiles(srcDir);
  for (const file of files) {
    const from = folderOf(srcDir, file);
    const text = stripComments(readFileSync(file, "utf8"));
    for (const match of text.matchAll(IMPORT)) {
      const spec = match[1] ?? match[2];
      if (!spec?.startsWith(".")) continue;
      const target = resolve(dirname(file), spec);
      if (relative(srcDir, target).startsWith("..")) {
        violations.push(`${relative(root, file)} imports ${spec}, outside src/`);
        continue;
      }
      fileEdges.set(file, [...(fileEdges.get(file) ?? []), target]);
      const to = folderOf(srcDir, target);
      if (to === from) continue;
      const key = `${from}->${to}`;
      const edge = arrows.get(key) ?? { from, to, files: [] };
      edge.files.push(`${relative(root, file)} -> ${relative(root, target)}`);
      arrows.set(key, edge);
    }
  }
  const edges = [...arrows.values()].sort((a, b) => `${a.from}${a.to}`.localeCompare(`${b.from}${b.to}`));
  for (const edge of edges) {
    const allowed = ALLOWED[edge.from];
    if (!allowed)
      violations.push(`folder src/${edge.from}/ has no place in the rule (scripts/check-imports.ts)`);
    else if (!allowed.includes(edge.to)) {
      violations.push(`${edge.from} -> ${edge.to} is against the rule:\n    ${edge.files.join("\n    ")}`);
    }
  }
  for (const cycle of cycles(edges)) violations.push(`folder cycle: ${cycle.join(" -> ")}`);
  for (const group of fileCycles(fileEdges)) {
    violations.push(`file cycle: ${group.map((f) => relative(root, f)).join(", ")}`);
  }
  return { edges, violations, files: files.length };
}

/** Groups of files that import each other in a circle (strongly connected components). */
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

/** Every folder cycle, each reported once from its smallest member. */
function cycles(edges: Edge[]): string[][] {
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

export function printGraph(report: Report): string {
  const lines = ["Folder import graph of src/ (from -> to, file imports behind each arrow):"];
  for (const edge of report.edges)
    lines.push(`  ${edge.from.padEnd(10)} -> ${edge.to.padEnd(10)} ${edge.files.length}`);
  return lines.join("\n");
}

if (process.argv[1] === import.meta.filename) {
  const root = resolve(process.argv[2] ?? join(import.meta.dirname, ".."));
  const report = analyse(root);
  console.log(printGraph(report));
  if (report.violations.length > 0) {
    console.error(`\n${report.violations.length} import rule violation(s):`);
    for (const v of report.violations) console.error(`  ${v}`);
    process.exit(1);
  }
  console.log(`\n${report.files} files: no cycles; every arrow follows the rule in ARCHITECTURE.md.`);
}
