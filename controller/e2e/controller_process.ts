/**
 * The controller as the separate program it is in a cluster (`deno run <its flags>
 * controller/main.ts`), against a kubeconfig, for the end-to-end tests of this folder: its output
 * kept, its health endpoint on a free loopback port, and signals sent to it as a kubelet or an
 * operator would (SIGTERM to stop it, SIGKILL to crash it, SIGSTOP/SIGCONT to freeze it).
 *
 * @module
 */

/** The controller's permissions (see its `main.ts`). */
const FLAGS = ["--allow-net", "--allow-env", "--allow-read"];
const MAIN = new URL("../main.ts", import.meta.url).pathname;

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

/** One controller process. */
export class ControllerProcess {
  /** A name for messages (`a`, `b`, ...). */
  readonly name: string;
  /** Port of its `/healthz`, `/readyz` and `/metrics`. */
  readonly healthPort: number;
  /** Resolves with its exit code once it has exited and its output is read. */
  readonly exited: Promise<number>;
  readonly #child: Deno.ChildProcess;
  #output = "";

  /** Starts `controller/main.ts` with `args` and a health endpoint on a free port. */
  constructor(name: string, args: readonly string[]) {
    this.name = name;
    this.healthPort = freePort();
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        ...FLAGS,
        MAIN,
        ...args,
        "--health-host",
        "127.0.0.1",
        "--health-port",
        String(this.healthPort),
      ],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.#child = child;
    const pumps = [child.stdout, child.stderr].map(async (stream) => {
      for await (const text of stream.pipeThrough(new TextDecoderStream())) this.#output += text;
    });
    this.exited = (async () => {
      const status = await child.status;
      await Promise.all(pumps);
      return status.code;
    })();
  }

  /** Everything it printed so far (JSON log lines). */
  get output(): string {
    return this.#output;
  }

  /** Its process id. */
  get pid(): number {
    return this.#child.pid;
  }

  /** Sends `signal`; a process that is gone already is not an error. */
  signal(signal: Deno.Signal): void {
    try {
      this.#child.kill(signal);
    } catch { /* exited */ }
  }

  /** SIGTERM, then its exit code. */
  async stop(): Promise<number> {
    this.signal("SIGTERM");
    return await this.exited;
  }

  /** `GET path` of its health endpoint: status and body, or undefined when it does not answer. */
  async health(path: string): Promise<{ status: number; body: string } | undefined> {
    try {
      const res = await fetch(`http://127.0.0.1:${this.healthPort}${path}`, {
        signal: AbortSignal.timeout(2000),
      });
      return { status: res.status, body: await res.text() };
    } catch {
      return undefined;
    }
  }

  /** Whether it leads, from its `kruise_agents_leader` series; undefined when it does not answer. */
  async leading(): Promise<boolean | undefined> {
    const metrics = await this.health("/metrics");
    const value = metrics && /^kruise_agents_leader\{[^}]*\} ([01])$/m.exec(metrics.body)?.[1];
    return value ? value === "1" : undefined;
  }

  /** The identity it campaigns with, from its log. */
  identity(): string | undefined {
    return /"msg":"campaigning for the leader lease".*?"identity":"([^"]+)"/.exec(this.#output)
      ?.[1];
  }
}
