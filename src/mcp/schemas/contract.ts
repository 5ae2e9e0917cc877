/**
 * What a tool is on the wire: its name and the zod schemas of its arguments and result.
 * The server builds each tool from its contract (src/mcp/tools/*) and the CLI calls tools
 * through the same objects, so the two cannot disagree.
 */
import { z } from "zod";
import { portable } from "./portable.ts";

export interface ToolContract<I extends z.ZodObject, O extends z.ZodObject> {
  name: string;
  input: I;
  output: O;
}

/**
 * @example
 * export const taskStatus = toolContract("task_status", TaskStatusInput, TaskStatus);
 */
export function toolContract<I extends z.ZodObject, O extends z.ZodObject>(
  name: string,
  input: I,
  output: O,
): ToolContract<I, O> {
  return { name, input: portable(strictArguments(input)), output: portable(output) };
}

/**
 * Unknown arguments are an error, not silently dropped: a model that writes `timeout`
 * for `timeout_seconds` must learn that its limit was not set. The message names the
 * unknown keys and lists the valid ones.
 */
function strictArguments<I extends z.ZodObject>(input: I): I {
  const valid = Object.keys(input.shape).join(", ");
  const strict = z.strictObject(input.shape, {
    error: (issue) =>
      issue.code === "unrecognized_keys"
        ? `unknown argument${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => `"${k}"`).join(", ")}; valid arguments: ${valid || "none"}`
        : undefined,
  });
  return (input.description === undefined ? strict : strict.describe(input.description)) as unknown as I;
}
