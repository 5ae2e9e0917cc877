/**
 * What the model sees, as reviewed files: the full `tools/list` answer (names, titles,
 * descriptions, input and output schemas, annotations, task support) and the TypeScript
 * declarations code mode generates for the real server-everything upstream. Any change
 * to either shows up as a diff of the files in __snapshots__/; update them on purpose
 * with `npx vitest run --project workers test/workers/snapshots.test.ts -u`.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createCodemodeService } from "../../src/codemode/create.ts";
import { configFrom } from "../../src/config/config.ts";
import { ALICE, connect } from "./helpers.ts";

// The first session in a fresh runtime pays for module loading (a few seconds).
describe("snapshots of what the model sees", { timeout: 60_000 }, () => {
  it("tools/list", async () => {
    const { client } = await connect(ALICE);
    const { tools } = await client.listTools();
    await client.close();
    await expect(`${JSON.stringify(tools, null, 2)}\n`).toMatchFileSnapshot(
      "./__snapshots__/tools-list.json",
    );
  });

  it("code-mode declarations of server-everything", async () => {
    const codemode = createCodemodeService(env, configFrom(env));
    const all = await codemode?.searchTools("", 1000);
    expect(all?.servers.find((s) => s.name === "everything")?.state).toBe("ok");
    await expect(all?.declarations).toMatchFileSnapshot("./__snapshots__/codemode-everything.d.ts.snap");
  });
});
