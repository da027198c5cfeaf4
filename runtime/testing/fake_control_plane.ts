/**
 * A minimal E2B control plane for testing the runtime alone: it hands out one sandbox that is the
 * runtime under test, so the unmodified SDKs can `Sandbox.create()` with an access token and talk
 * to the runtime through `E2B_SANDBOX_URL`. It late-binds the token and env vars through the
 * runtime's `/init`, as the manager does. It is a test kit, not the manager: no pools, no
 * templates, one sandbox.
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
  /** Access token to issue (and `/init` into the runtime), or undefined for an insecure sandbox. */
  accessToken: string | undefined;
  /** Domain to report. */
  domain: string;
}

const CLIENT_ID = "6532622b";

/** Builds the fetch handler of the fake control plane. */
export function fakeControlPlane(
  options: FakeControlPlaneOptions,
): (req: Request) => Promise<Response> {
  const startedAt = new Date();
  let endAt = new Date(startedAt.getTime() + 300_000);
  let alive = true;
  let initialized = false;
  const notFound = (id: string) =>
    Response.json({
      code: 404,
      message: `Sandbox "${id}" doesn't exist or you don't have access to it`,
    }, { status: 404 });
  const sandbox = (templateID: string) => ({
    sandboxID: options.sandboxId,
    templateID,
    clientID: CLIENT_ID,
    envdVersion: options.envdVersion,
    envdAccessToken: options.accessToken,
    trafficAccessToken: null,
    domain: options.domain,
    alias: templateID,
  });

  async function init(envVars: Record<string, string>) {
    const res = await fetch(`${options.envdUrl}/init`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        ...(initialized && options.accessToken ? { "x-access-token": options.accessToken } : {}),
      },
      body: JSON.stringify({
        envVars: { E2B_SANDBOX_ID: options.sandboxId, ...envVars },
        accessToken: options.accessToken,
        defaultUser: "user",
        timestamp: new Date().toISOString(),
      }),
    });
    await res.body?.cancel();
    if (res.status !== 204) throw new Error(`runtime /init answered ${res.status}`);
    initialized = true;
  }

  return async (req) => {
    const url = new URL(req.url);
    const parts = url.pathname.split("/").filter(Boolean);
    if (parts[0] === "v2") parts.shift();
    const body = req.method === "POST"
      ? await req.json().catch(() => ({})) as Record<string, unknown>
      : {};
    if (req.method === "POST" && parts.length === 1 && parts[0] === "sandboxes") {
      alive = true;
      const timeout = typeof body.timeout === "number" ? body.timeout : 300;
      endAt = new Date(Date.now() + timeout * 1000);
      await init((body.envVars ?? {}) as Record<string, string>);
      return Response.json(sandbox(String(body.templateID ?? "base")), { status: 201 });
    }
    const id = parts[1] ?? "";
    if (parts[0] !== "sandboxes" || id !== options.sandboxId || !alive) return notFound(id);
    const action = parts[2];
    if (req.method === "POST" && action === "connect") {
      return Response.json(sandbox("base"), { status: 200 });
    }
    if (req.method === "DELETE" && action === undefined) {
      alive = false;
      return new Response(null, { status: 204 });
    }
    if (req.method === "POST" && action === "timeout") {
      endAt = new Date(Date.now() + Number(body.timeout ?? 0) * 1000);
      return new Response(null, { status: 204 });
    }
    if (req.method === "GET" && action === undefined) {
      return Response.json({
        ...sandbox("base"),
        startedAt: startedAt.toISOString(),
        endAt: endAt.toISOString(),
        cpuCount: navigator.hardwareConcurrency,
        memoryMB: 1024,
        diskSizeMB: 1024,
        state: "running",
      });
    }
    return Response.json({ code: 404, message: `${req.method} ${url.pathname} not found` }, {
      status: 404,
    });
  };
}
