/**
 * How a workspace file is run, chosen by its extension: the command line that run_file
 * executes and that tasks launched from a path or from code run.
 */
import { AppError } from "../errors/app-error.ts";
import { shellQuote } from "./workspace-path.ts";

/** Interpreter per extension. TypeScript runs on Node's built-in type stripping. */
const RUNNERS: Record<string, string> = {
  ".py": "python3 -u",
  ".js": "node",
  ".mjs": "node",
  ".cjs": "node",
  ".ts": "node",
  ".sh": "bash",
};

export function commandForFile(path: string, args: string[]): string {
  const dot = path.lastIndexOf(".");
  const ext = dot >= 0 ? path.slice(dot).toLowerCase() : "";
  const runner = RUNNERS[ext];
  if (!runner) {
    throw new AppError(
      "UNSUPPORTED_FILE_TYPE",
      `Cannot run "${path}": unsupported extension "${ext || "(none)"}".`,
      {
        suggestion: `Supported: ${Object.keys(RUNNERS).join(", ")}. Use execute_code with language bash for anything else.`,
      },
    );
  }
  return [runner, shellQuote(path), ...args.map(shellQuote)].join(" ");
}
