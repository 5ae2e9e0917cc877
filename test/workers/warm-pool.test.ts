/**
 * The warm pool's bookkeeping, driven deterministically in workerd: each pooled sandbox id
 * is handed out once (and is out of storage before the caller has it), an empty pool
 * answers null, and with SANDBOX_WARM_POOL_SIZE at 0 (this test Worker's configuration) the
 * alarm forgets the idle containers and stops. Starting and renewing real containers, and
 * new workspaces landing on them, is test/e2e/warm-pool.long.test.ts.
 */

import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { pooledSandboxId, renewEveryMs } from "../../src/workspace/warm-pool.ts";

function pool() {
  return env.SANDBOX_POOL.getByName(`test-${crypto.randomUUID()}`);
}

async function seed(stub: ReturnType<typeof pool>, ready: string[]): Promise<void> {
  await runInDurableObject(stub, (_instance, state) => state.storage.put("ready", ready));
}

describe("warm pool", () => {
  it("hands each pooled sandbox out once, removed from storage first; empty answers null", async () => {
    const stub = pool();
    const ids = [pooledSandboxId(), pooledSandboxId(), pooledSandboxId()];
    await seed(stub, ids);
    const got = await Promise.all([stub.claim(), stub.claim(), stub.claim(), stub.claim()]);
    expect(got.filter((id) => id !== null).sort()).toEqual([...ids].sort());
    expect(got.filter((id) => id === null)).toHaveLength(1);
    const left = await runInDurableObject(stub, (_instance, state) => state.storage.get<string[]>("ready"));
    expect(left).toEqual([]);
    expect(await stub.claim()).toBeNull();
  });

  it("with size 0 the alarm lets the idle containers go and does not come back", async () => {
    const stub = pool();
    await seed(stub, [pooledSandboxId()]);
    await runInDurableObject(stub, (_instance, state) => state.storage.put("starting", [pooledSandboxId()]));
    await runInDurableObject(stub, (_instance, state) => state.storage.setAlarm(Date.now()));
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    const after = await runInDurableObject(stub, async (_instance, state) => ({
      ready: await state.storage.get<string[]>("ready"),
      starting: await state.storage.get<string[]>("starting"),
      alarm: await state.storage.getAlarm(),
    }));
    expect(after).toEqual({ ready: [], starting: [], alarm: null });
  });

  it("pooled ids are fresh and well formed; renewal stays well within the idle timeout", () => {
    const a = pooledSandboxId();
    expect(a).toMatch(/^p[0-9a-f]{32}$/);
    expect(pooledSandboxId()).not.toBe(a);
    expect(renewEveryMs(30)).toBe(10_000);
    expect(renewEveryMs(600)).toBe(60_000);
    expect(renewEveryMs(10)).toBeLessThan(10_000);
  });
});
