/**
 * TypeScript → JavaScript for code-mode programs: types are erased with sucrase
 * (pure JavaScript, so it runs inside workerd, where Node's own type stripping is
 * unavailable). Only the TypeScript transform runs: modern syntax is left alone, and
 * sucrase keeps line numbers, so error positions still match the model's code.
 * Top-level `await` and `return` are accepted, as `normalizeCode` expects them.
 */
import { transform } from "sucrase";
import { AppError } from "../errors/app-error.ts";

const FENCE = /^\s*```(?:ts|typescript|js|javascript|tsx|jsx)?[^\n]*\n([\s\S]*?)```\s*$/;

export function stripTypes(code: string): string {
  const source = FENCE.exec(code)?.[1] ?? code;
  try {
    return transform(source, { transforms: ["typescript"], disableESTransforms: true }).code;
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new AppError("INVALID_ARGUMENT", `TypeScript could not be parsed: ${detail}`, {
      suggestion: "Fix the syntax error, or send plain JavaScript with language: javascript.",
    });
  }
}
