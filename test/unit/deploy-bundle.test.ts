// A Worker built for deployment (wrangler's own bundle of wrangler.toml's entry) does not
// contain the development stand-in for ctx.container, so it can never select it.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { nodeBinary, ROOT } from "../../scripts/lib/stack.ts";

const MARKER = "the local container stand-in runs only with ENVIRONMENT=development";

it("the deployment bundle leaves the local container stand-in out", () => {
  // The marker is real: the development entry's stand-in carries it.
  expect(readFileSync(join(ROOT, "src/sandbox/cloudflare/local-container.ts"), "utf8")).toContain(MARKER);
  const out = mkdtempSync(join(tmpdir(), "codemode-deploy-"));
  try {
    execFileSync(
      nodeBinary(),
      [
        join(ROOT, "node_modules/.bin/wrangler"),
        "deploy",
        "--dry-run",
        "--outdir",
        out,
        "--containers-rollout=none",
      ],
      { cwd: ROOT, stdio: "pipe", env: { ...process.env, WRANGLER_SEND_METRICS: "false" } },
    );
    const bundle = readFileSync(join(out, "index.js"), "utf8");
    expect(bundle).toContain("codemode:code-context:"); // the project's Sandbox class is in it
    expect(bundle).not.toContain(MARKER);
    expect(bundle).not.toContain("LocalContainerSandbox");
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}, 180_000);
