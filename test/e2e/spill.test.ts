/**
 * Saved full outputs (/workspace/.outputs) do not pile up: older ones are deleted by age
 * and oldest-first beyond the size budget, the run that just spilled keeps its file, and
 * workspace_info reports the space they take.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Stack, startStack } from "../helpers/stack.ts";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ vars: { OUTPUT_LIMIT_BYTES: "1024", OUTPUT_MAX_BYTES: "150000" } });
});
afterAll(async () => {
  await stack?.stop();
});

interface Run {
  full_output: { stdout?: string };
}

describe("spill files", () => {
  it("are pruned by total size and by age, and workspace_info reports their size", async () => {
    const client = await stack.connect(stack.tokens.alice);
    const spill = async (): Promise<string> => {
      const r = await client.callTool({
        name: "execute_code",
        arguments: { language: "bash", code: "head -c 100000 /dev/zero | tr '\\\\0' x" },
      });
      const path = (r.structuredContent as unknown as Run).full_output.stdout;
      expect(path).toMatch(/^\/workspace\/\.outputs\//);
      return path as string;
    };
    const read = (path: string) => client.callTool({ name: "read_file", arguments: { path } });
    const outputBytes = async () =>
      (
        (await client.callTool({ name: "workspace_info", arguments: {} })).structuredContent as {
          outputs: { bytes: number; maxBytes: number };
        }
      ).outputs;

    const first = await spill();
    expect((await outputBytes()).bytes).toBe(100_000);
    const second = await spill();
    // 200 000 bytes exceed the 150 000 budget: the oldest goes, the newest stays.
    expect((await read(first)).isError).toBe(true);
    expect((await read(second)).isError).toBeFalsy();
    expect(await outputBytes()).toEqual({ bytes: 100_000, maxBytes: 150_000, retentionSeconds: 86_400 });

    // An old file (by its time stamp) goes at the next spill even within the budget.
    await client.callTool({
      name: "execute_code",
      arguments: {
        language: "bash",
        code: "echo old > /workspace/.outputs/old.txt; touch -d '3 days ago' /workspace/.outputs/old.txt",
      },
    });
    const third = await spill();
    expect((await read("/workspace/.outputs/old.txt")).isError).toBe(true);
    expect((await read(third)).isError).toBeFalsy();
    await client.close();
  });
});
