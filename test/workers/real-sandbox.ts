/**
 * The test Worker's real Sandbox Durable Object: the project's class with the local
 * container stand-in, driving real containers from the runner the global setup started.
 */
import {
  type LocalContainerEnv,
  LocalContainerSandbox,
} from "../../src/sandbox/cloudflare/local-container.ts";

export class RealSandbox extends LocalContainerSandbox {
  /**
   * The test configuration is a production one (origin rules, ENVIRONMENT=production) so
   * the Worker is tested as deployed; only this class, which exists in the test Worker
   * alone, presents the development environment the stand-in requires.
   */
  constructor(ctx: DurableObjectState, env: LocalContainerEnv) {
    super(ctx, { ...env, ENVIRONMENT: "development" });
  }
}
