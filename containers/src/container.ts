/**
 * One local container: the real Sandbox container server (`bun index.js`) in bubblewrap,
 * plus two host-side relays that live in the container's network namespace only:
 *
 * - `ctl.sock` → 127.0.0.1:3000: how the runner reaches the server (HTTP and WebSocket).
 * - 127.0.0.1:80 → `out.sock`: where intercepted hostnames (e.g. `codemode.internal`)
 *   lead, so the Worker can answer them as the platform's outbound interception does.
 *
 * The relays are `socat` processes that joined only the container's network namespace:
 * their sockets sit in a root-only directory the container cannot see, so nothing inside
 * can redirect the runner's connections. Everything the container writes lives in its
 * own tmpfs mounts and vanishes with it, as a Cloudflare container's disk does.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { request } from "node:http";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { containerBwrapArgs } from "./bwrap-args.ts";
import type { RunnerConfig } from "./config.ts";
import type { ContainerCgroup, LimitManager } from "./limits.ts";
import { OutboundQueue } from "./outbound.ts";

export interface StartOptions {
  env: Record<string, string>;
  /** Hostnames whose plain-HTTP traffic goes to the outbound socket. */
  interceptHosts: string[];
}

const NAME = /^[a-z0-9.-]{1,253}$/;
const LAUNCH =
  'n=$1; shift; while [ "$n" -gt 0 ]; do echo $$ > "$1" || exit 125; shift; n=$((n-1)); done; exec "$@"';

/** The server's environment as the image sets it, minus what a local run cannot use. */
function serverEnv(extra: Record<string, string>): Record<string, string> {
  return {
    PATH: "/usr/local/bin:/usr/bin:/bin",
    HOME: "/root",
    LANG: "C.UTF-8",
    TERM: "dumb",
    MPLBACKEND: "Agg",
    PYTHONIOENCODING: "utf-8",
    // Pre-started interpreters: one Python (the common case), the rest on demand.
    PYTHON_POOL_MIN_SIZE: "1",
    JAVASCRIPT_POOL_MIN_SIZE: "0",
    TYPESCRIPT_POOL_MIN_SIZE: "0",
    ...extra,
  };
}

export class LocalContainer {
  readonly dir: string;
  readonly ctlSocket: string;
  readonly outSocket: string;
  /** Resolves with the exit code once the container and its relays are gone. */
  readonly exited: Promise<number>;
  readonly outbound = new OutboundQueue();
  #proc: ChildProcess | null = null;
  #relays: ChildProcess[] = [];
  #cgroup: ContainerCgroup | null = null;
  #childPid = 0;
  #exitCode: number | null = null;
  #resolveExit!: (code: number) => void;
  #log: (line: string) => void;
  readonly id: string;
  readonly generation: number;
  private readonly config: RunnerConfig;
  private readonly limits: LimitManager;
  private readonly imageDir: string;

  constructor(
    id: string,
    generation: number,
    config: RunnerConfig,
    limits: LimitManager,
    imageDir: string,
    log: (line: string) => void,
  ) {
    this.id = id;
    this.imageDir = imageDir;
    this.generation = generation;
    this.config = config;
    this.limits = limits;
    // Short: unix socket paths are limited to 108 bytes.
    this.dir = join(config.root, String(generation));
    this.ctlSocket = join(this.dir, "ctl.sock");
    this.outSocket = join(this.dir, "out.sock");
    this.exited = new Promise((resolve) => {
      this.#resolveExit = resolve;
    });
    this.#log = log;
  }

  get running(): boolean {
    return this.#exitCode === null;
  }

  get exitCode(): number | null {
    return this.#exitCode;
  }

  /** Starts the server and resolves once it answers `/api/ping` (rejects if it exits first). */
  async start(options: StartOptions): Promise<void> {
    const hosts = options.interceptHosts.filter((h) => NAME.test(h));
    // Sockets only: the relays and the runner use it, the container never sees it.
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    // Read by bubblewrap after it dropped to the container's uid, so beside the image.
    const etcDir = join(this.imageDir, "etc", String(this.generation));
    await mkdir(etcDir, { recursive: true, mode: 0o755 });
    await writeFile(join(etcDir, "passwd"), "root:x:0:0:root:/root:/bin/bash\n", { mode: 0o644 });
    await writeFile(join(etcDir, "group"), "root:x:0:\n", { mode: 0o644 });
    const hostLines = ["127.0.0.1 localhost sandbox", ...hosts.map((h) => `127.0.0.1 ${h}`)];
    await writeFile(join(etcDir, "hosts"), `${hostLines.join("\n")}\n`, { mode: 0o644 });

    if (hosts.length > 0) await this.outbound.listen(this.outSocket);
    this.#cgroup = await this.limits.create(`c-${this.id.slice(0, 24)}-${this.generation}`);
    const procs = this.#cgroup?.procsFiles ?? [];
    const asRoot = process.getuid?.() === 0;
    const drop = asRoot
      ? ["/usr/bin/setpriv", `--reuid=${this.config.uid}`, `--regid=${this.config.uid}`, "--clear-groups"]
      : [];
    const bwrap = containerBwrapArgs({
      bwrap: this.config.bwrap,
      imageDir: this.imageDir,
      etcDir,
      diskBytes: this.config.diskBytes,
      env: serverEnv(options.env),
      infoFd: 3,
    });
    const proc = spawn("/bin/sh", ["-c", LAUNCH, "sh", String(procs.length), ...procs, ...drop, ...bwrap], {
      stdio: ["ignore", "pipe", "pipe", "pipe"],
    });
    this.#proc = proc;
    const tag = `[container ${this.id.slice(0, 8)}]`;
    const echo = (chunk: Buffer) => {
      for (const line of chunk.toString().split("\n")) if (line.trim()) this.#log(`${tag} ${line}`);
    };
    proc.stdout?.on("data", echo);
    proc.stderr?.on("data", echo);
    proc.once("exit", (code, signal) => void this.#onExit(code ?? (signal ? 128 + signalNumber(signal) : 1)));

    this.#childPid = await readChildPid(proc);
    this.#relays.push(this.#relay([`UNIX-LISTEN:${this.ctlSocket},fork,mode=600`, "TCP:127.0.0.1:3000"]));
    if (hosts.length > 0) {
      this.#relays.push(
        this.#relay(["TCP-LISTEN:80,bind=127.0.0.1,fork,reuseaddr", `UNIX-CONNECT:${this.outSocket}`]),
      );
    }
    await this.#waitReady(20_000);
  }

  /** A socat that joined only the container's network namespace (dies with the runner). */
  #relay(addresses: string[]): ChildProcess {
    const ns = `/proc/${this.#childPid}/ns`;
    const enter =
      process.getuid?.() === 0
        ? ["nsenter", `--net=${ns}/net`]
        : ["nsenter", `--user=${ns}/user`, `--net=${ns}/net`, "--preserve-credentials"];
    const relay = spawn(
      "/usr/bin/setpriv",
      ["--pdeathsig", "KILL", ...enter, this.config.socat, "-lf", "/dev/null", ...addresses],
      { stdio: "ignore" },
    );
    relay.on("error", () => undefined);
    return relay;
  }

  async #waitReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.running) throw new Error(`container exited during start (code ${this.#exitCode})`);
      if (await this.#ping()) return;
      await sleep(40);
    }
    throw new Error(`container did not answer within ${timeoutMs} ms`);
  }

  #ping(): Promise<boolean> {
    return new Promise((resolve) => {
      const req = request({ socketPath: this.ctlSocket, path: "/api/ping", timeout: 1000 }, (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      });
      req.on("error", () => resolve(false));
      req.on("timeout", () => req.destroy());
      req.end();
    });
  }

  /**
   * Sends a signal to the server, as the platform signals the image's entrypoint (PID 1
   * there). Here bubblewrap's reaper is PID 1 and ignores what it has no handler for, so
   * the signal goes to its child, the server: SIGTERM (the containers package's `stop()`,
   * which `sleepAfter` uses) then stops the server gracefully and the container with it.
   */
  signal(signo: number): void {
    if (!this.running || this.#childPid === 0) return;
    const target = signo === 9 ? this.#childPid : (this.#serverPid() ?? this.#childPid);
    try {
      process.kill(target, signo);
    } catch {
      // already gone
    }
  }

  /** The server's pid on this side: the first child of bubblewrap's reaper. */
  #serverPid(): number | null {
    try {
      const children = readFileSync(`/proc/${this.#childPid}/task/${this.#childPid}/children`, "utf8");
      const first = Number(children.trim().split(/\s+/)[0]);
      return Number.isInteger(first) && first > 0 ? first : null;
    } catch {
      return null;
    }
  }

  /** SIGKILLs every process of the container and waits until it is gone. */
  async destroy(): Promise<number> {
    if (this.running) {
      await this.#cgroup?.kill();
      if (this.#childPid) this.signal(9);
      this.#proc?.kill("SIGKILL");
    }
    return this.exited;
  }

  async #onExit(code: number): Promise<void> {
    if (this.#exitCode !== null) return;
    for (const relay of this.#relays) relay.kill("SIGKILL");
    this.outbound.close();
    await this.#cgroup?.kill().catch(() => undefined);
    const oom = await this.#cgroup?.oomKilled().catch(() => false);
    if (oom) this.#log(`[container ${this.id.slice(0, 8)}] killed: out of memory`);
    await this.#cgroup?.remove().catch(() => undefined);
    // Only the runner writes here (sockets and /etc files); the container never sees it.
    await rm(this.dir, { recursive: true, force: true }).catch(() => undefined);
    await rm(join(this.imageDir, "etc", String(this.generation)), { recursive: true, force: true }).catch(
      () => undefined,
    );
    this.#exitCode = code;
    this.#resolveExit(code);
  }
}

function signalNumber(signal: NodeJS.Signals): number {
  const map: Partial<Record<NodeJS.Signals, number>> = { SIGKILL: 9, SIGTERM: 15, SIGINT: 2, SIGHUP: 1 };
  return map[signal] ?? 1;
}

/** bwrap writes `{"child-pid": N}` to fd 3 once the container's PID 1 exists. */
function readChildPid(proc: ChildProcess): Promise<number> {
  const info = proc.stdio[3];
  return new Promise((resolve, reject) => {
    let text = "";
    const onData = (chunk: Buffer) => {
      text += chunk.toString();
      const m = /"child-pid":\s*(\d+)/.exec(text);
      if (m) {
        info?.removeListener("data", onData);
        resolve(Number(m[1]));
      }
    };
    info?.on("data", onData);
    proc.once("exit", (code) =>
      reject(new Error(`bubblewrap exited (code ${code}) before the container started`)),
    );
  });
}
