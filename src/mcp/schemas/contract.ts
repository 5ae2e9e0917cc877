/**
 * What a tool is on the wire: its name and the zod schemas of its arguments and result.
 * The server builds each tool from its contract (src/mcp/tools/*) and the CLI calls tools
 * through the same objects, so the two cannot disagree.
 */
import type { z } from "zod";

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
  return { name, input, output };
}
