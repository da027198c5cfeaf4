/**
 * A minimal E2B control plane for testing the runtime alone: it hands out one sandbox that is the
 * runtime under test, so the unmodified SDKs can `Sandbox.create()` with an access token and talk
 * to the runtime through `E2B_SANDBOX_URL`. It late-binds the claim's env vars through the
 * runtime's `/init` with the sandbox's token, as the manager does (the runtime has the token from
 * birth). It is a test kit, not the manager: no pools, no templates, one sandbox.
 *
 * @module
 */

/** Options of {@linkcode fakeControlPlane}. */
export interface FakeControlPlaneOptions {
  /** The runtime's envd base URL, for `/init`. */
  envdUrl: string;
  /** envd version to report. */
  envdVersion: string;
  /** The sandbox id to hand out. */
  sandboxId: string;
  /** The runtime's access token (from birth), or undefined for an insecure sandbox. */
  accessToken: string | undefined;
  /** Domain to report. */
  domain: string;
}

const CLIENT_ID = "6532622b";

/** Builds the fetch handler of the fake control plane. */
export function fakeControlPlane(
  options: FakeControlPlaneOptions,
): (req: Request) => Promise<Response> {
  const plane = new FakeSandbox(options);
  return (req) => plane.handle(req);
}

function notFound(id: string): Response {
  return Response.json({
    code: 404,
    message: `Sandbox "${id}" doesn't exist or you don't have access to it`,
  }, { status: 404 });
}

/** The one sandbox the fake control plane hands out, and the E2B routes that act on it. */
class FakeSandbox {
  readonly #options: FakeControlPlaneOptions;
  readonly #startedAt = new Date();
  #endAt: Date;
  #alive = true;

  constructor(options: FakeControlPlaneOptions) {
    this.#options = options;
    this.#endAt = new Date(this.#startedAt.getTime() + 300_000);
  }

  /** Serves one request: create, else an action on the sandbox, else 404. */
  async handle(req: Request): Promise<Response> {
    const url = new URL(req.url);
    const parts = url.pathname.split("/").filter(Boolean);
    if (parts[0] === "v2") parts.shift();
    const body = req.method === "POST"
      ? await req.json().catch(() => ({})) as Record<string, unknown>
      : {};
    if (req.method === "POST" && parts.length === 1 && parts[0] === "sandboxes") {
      return await this.#create(body);
    }
    const id = parts[1] ?? "";
    if (parts[0] !== "sandboxes" || id !== this.#options.sandboxId || !this.#alive) {
      return notFound(id);
    }
    return this.#act(req.method, parts[2], body) ??
      Response.json({ code: 404, message: `${req.method} ${url.pathname} not found` }, {
        status: 404,
      });
  }

  async #create(body: Record<string, unknown>): Promise<Response> {
    this.#alive = true;
    const timeout = typeof body.timeout === "number" ? body.timeout : 300;
    this.#endAt = new Date(Date.now() + timeout * 1000);
    await this.#init((body.envVars ?? {}) as Record<string, string>);
    return Response.json(this.#body(String(body.templateID ?? "base")), { status: 201 });
  }

  /** Connect, kill, timeout and get; undefined for anything else. */
  #act(method: string, action: string | undefined, body: Record<string, unknown>) {
    if (method === "POST" && action === "connect") {
      return Response.json(this.#body("base"), { status: 200 });
    }
    if (method === "DELETE" && action === undefined) {
      this.#alive = false;
      return new Response(null, { status: 204 });
    }
    if (method === "POST" && action === "timeout") {
      this.#endAt = new Date(Date.now() + Number(body.timeout ?? 0) * 1000);
      return new Response(null, { status: 204 });
    }
    if (method === "GET" && action === undefined) {
      return Response.json({
        ...this.#body("base"),
        startedAt: this.#startedAt.toISOString(),
        endAt: this.#endAt.toISOString(),
        cpuCount: navigator.hardwareConcurrency,
        memoryMB: 1024,
        diskSizeMB: 1024,
        state: "running",
      });
    }
    return undefined;
  }

  #body(templateID: string) {
    return {
      sandboxID: this.#options.sandboxId,
      templateID,
      clientID: CLIENT_ID,
      envdVersion: this.#options.envdVersion,
      envdAccessToken: this.#options.accessToken,
      trafficAccessToken: null,
      domain: this.#options.domain,
      alias: templateID,
    };
  }

  /** Late-binds the env vars into the runtime with its token, as the manager does. */
  async #init(envVars: Record<string, string>): Promise<void> {
    const { envdUrl, sandboxId, accessToken } = this.#options;
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (accessToken) headers["x-access-token"] = accessToken;
    const res = await fetch(`${envdUrl}/init`, {
      method: "POST",
      headers,
      body: JSON.stringify({
        envVars: { E2B_SANDBOX_ID: sandboxId, ...envVars },
        defaultUser: "user",
        timestamp: new Date().toISOString(),
      }),
    });
    await res.body?.cancel();
    if (res.status !== 204) throw new Error(`runtime /init answered ${res.status}`);
  }
}
