/**
 * The runtime's fetch handler without a socket: envd's HTTP routes, the access-token gate, and
 * the answers to bad input (envd's and Connect's own error shapes).
 */
import assert from "node:assert/strict";
import { createRuntime } from "./server.ts";

function envelope(json: unknown, flags = 0): Uint8Array<ArrayBuffer> {
  const body = new TextEncoder().encode(JSON.stringify(json));
  const out = new Uint8Array(5 + body.length);
  out[0] = flags;
  new DataView(out.buffer).setUint32(1, body.length);
  out.set(body, 5);
  return out;
}

/** Splits a Connect streaming body into its envelopes. */
function envelopes(bytes: Uint8Array): { flags: number; json: unknown }[] {
  const out: { flags: number; json: unknown }[] = [];
  let at = 0;
  while (at < bytes.length) {
    const flags = bytes[at]!;
    const size = new DataView(bytes.buffer, bytes.byteOffset + at + 1, 4).getUint32(0);
    const text = new TextDecoder().decode(bytes.subarray(at + 5, at + 5 + size));
    out.push({ flags, json: JSON.parse(text) });
    at += 5 + size;
  }
  return out;
}

const unary = (path: string, body: string, headers: Record<string, string> = {}) =>
  new Request(`http://sandbox${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body,
  });

Deno.test("createRuntime() serves /health, /init, /envs and /metrics", async () => {
  await using rt = createRuntime();
  const health = await rt.fetch(new Request("http://sandbox/health"));
  assert.equal(health.status, 204);
  assert.equal(health.headers.get("cache-control"), "no-store");

  const init = await rt.fetch(
    new Request("http://sandbox/init", {
      method: "POST",
      body: JSON.stringify({
        envVars: { A: "1" },
        defaultUser: "root",
        timestamp: new Date().toISOString(),
      }),
    }),
  );
  assert.equal(init.status, 204);
  const envs = await (await rt.fetch(new Request("http://sandbox/envs"))).json();
  assert.equal(envs.A, "1");
  assert.equal(envs.E2B_SANDBOX, "true");
  assert.equal(rt.state.defaultUser, "root");

  const metrics = await (await rt.fetch(new Request("http://sandbox/metrics"))).json();
  for (const key of ["ts", "cpu_count", "cpu_used_pct", "mem_total", "mem_used", "disk_total"]) {
    assert.equal(typeof metrics[key], "number", key);
  }
  assert.ok(metrics.mem_total > metrics.mem_used && metrics.mem_used > 0);
});

Deno.test("createRuntime() refuses every call without the token once /init set one", async () => {
  await using rt = createRuntime();
  const set = await rt.fetch(
    new Request("http://sandbox/init", { method: "POST", body: '{"accessToken":"s3cret"}' }),
  );
  assert.equal(set.status, 204);
  for (const req of [unary("/process.Process/List", "{}"), new Request("http://sandbox/envs")]) {
    const res = await rt.fetch(req);
    assert.equal(res.status, 401);
    assert.deepEqual(await res.json(), {
      code: 401,
      message:
        "unauthorized access, please provide a valid access token or method signing if supported",
    });
  }
  const ok = await rt.fetch(unary("/process.Process/List", "{}", { "x-access-token": "s3cret" }));
  assert.equal(ok.status, 200);
  assert.deepEqual(await ok.json(), {});
  // A second /init without the token is refused; with it, accepted.
  const steal = await rt.fetch(
    new Request("http://sandbox/init", { method: "POST", body: '{"accessToken":"mine"}' }),
  );
  assert.equal(steal.status, 401);
  await steal.body?.cancel();
  assert.equal((await rt.fetch(new Request("http://sandbox/health"))).status, 204);
});

Deno.test("createRuntime() answers bad input in envd's and Connect's shapes", async (t) => {
  await using rt = createRuntime();

  await t.step("an /init body over 1 MiB is 413 JSON", async () => {
    const res = await rt.fetch(
      new Request("http://sandbox/init", {
        method: "POST",
        body: JSON.stringify({ envVars: { BIG: "x".repeat(1024 * 1024) } }),
      }),
    );
    assert.equal(res.status, 413);
    assert.equal((await res.json()).code, 413);
  });

  await t.step("malformed /init JSON is 400 JSON", async () => {
    const res = await rt.fetch(new Request("http://sandbox/init", { method: "POST", body: "{" }));
    assert.equal(res.status, 400);
    assert.equal((await res.json()).code, 400);
    const wrongType = await rt.fetch(
      new Request("http://sandbox/init", { method: "POST", body: '{"envVars":{"A":1}}' }),
    );
    assert.equal(wrongType.status, 400);
    assert.match((await wrongType.json()).message, /env var "A" must be a string/);
  });

  await t.step("malformed unary JSON is invalid_argument", async () => {
    const res = await rt.fetch(unary("/process.Process/SendSignal", "{not json"));
    assert.equal(res.status, 400);
    assert.equal((await res.json()).code, "invalid_argument");
  });

  await t.step("an unknown pid is not_found", async () => {
    const res = await rt.fetch(
      unary("/process.Process/SendSignal", '{"process":{"pid":999999},"signal":"SIGNAL_SIGKILL"}'),
    );
    assert.equal(res.status, 404);
    assert.deepEqual(await res.json(), {
      code: "not_found",
      message: "process with pid 999999 not found",
    });
  });

  await t.step("Connect to an unknown pid ends the stream with not_found", async () => {
    const res = await rt.fetch(
      new Request("http://sandbox/process.Process/Connect", {
        method: "POST",
        headers: { "content-type": "application/connect+json" },
        body: envelope({ process: { pid: 999999 } }),
      }),
    );
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "application/connect+json");
    const frames = envelopes(new Uint8Array(await res.arrayBuffer()));
    assert.equal(frames.length, 1);
    assert.equal(frames[0]!.flags, 2);
    assert.deepEqual(frames[0]!.json, {
      error: { code: "not_found", message: "process with pid 999999 not found" },
    });
  });

  await t.step("a cut-off envelope is invalid_argument in the end-of-stream frame", async () => {
    const whole = envelope({ process: { cmd: "/bin/true" } });
    const res = await rt.fetch(
      new Request("http://sandbox/process.Process/Start", {
        method: "POST",
        headers: { "content-type": "application/connect+json" },
        body: whole.slice(0, whole.length - 3),
      }),
    );
    assert.equal(res.status, 200);
    const frames = envelopes(new Uint8Array(await res.arrayBuffer()));
    const last = frames.at(-1)!;
    assert.equal(last.flags, 2);
    assert.equal((last.json as { error: { code: string } }).error.code, "invalid_argument");
  });

  await t.step("a program that does not exist is invalid_argument", async () => {
    const res = await rt.fetch(
      new Request("http://sandbox/process.Process/Start", {
        method: "POST",
        headers: { "content-type": "application/connect+json" },
        body: envelope({ process: { cmd: "/no/such/program" }, stdin: false }),
      }),
    );
    const frames = envelopes(new Uint8Array(await res.arrayBuffer()));
    assert.equal(
      (frames.at(-1)!.json as { error: { code: string } }).error.code,
      "invalid_argument",
    );
  });

  await t.step("an unknown route is a JSON 404 and the runtime still serves", async () => {
    const res = await rt.fetch(new Request("http://sandbox/nope"));
    assert.equal(res.status, 404);
    assert.equal((await res.json()).code, 404);
    const list = await rt.fetch(unary("/process.Process/List", "{}"));
    assert.equal(list.status, 200);
    await list.body?.cancel();
  });
});

Deno.test("Start streams binary protobuf too (application/connect+proto)", async () => {
  const { create, toBinary, fromBinary } = await import("@bufbuild/protobuf");
  const { StartRequestSchema, StartResponseSchema } = await import("@kruise-agents/shared/envd");
  await using rt = createRuntime();
  const msg = toBinary(
    StartRequestSchema,
    create(StartRequestSchema, {
      process: { cmd: "/bin/echo", args: ["bin"] },
      stdin: false,
    }),
  );
  const body = new Uint8Array(5 + msg.length);
  new DataView(body.buffer).setUint32(1, msg.length);
  body.set(msg, 5);
  const res = await rt.fetch(
    new Request("http://sandbox/process.Process/Start", {
      method: "POST",
      headers: { "content-type": "application/connect+proto" },
      body,
    }),
  );
  const bytes = new Uint8Array(await res.arrayBuffer());
  const kinds: string[] = [];
  let at = 0;
  while (at < bytes.length) {
    const flags = bytes[at]!;
    const size = new DataView(bytes.buffer, at + 1, 4).getUint32(0);
    if (flags === 0) {
      const event = fromBinary(StartResponseSchema, bytes.subarray(at + 5, at + 5 + size)).event;
      kinds.push(String(event?.event.case));
    }
    at += 5 + size;
  }
  assert.deepEqual(kinds, ["start", "data", "end"]);
});

/**
 * A Start of `sleep 10` in Connect's JSON streaming protocol; aborting `signal` is the client
 * going away, as `Deno.serve` reports it.
 */
function startSleep(headers: Record<string, string> = {}, signal?: AbortSignal): Request {
  return new Request("http://sandbox/process.Process/Start", {
    method: "POST",
    headers: { "content-type": "application/connect+json", ...headers },
    body: envelope({ process: { cmd: "/bin/sleep", args: ["10"] }, stdin: false }),
    ...(signal ? { signal } : {}),
  });
}

// Regression (issue 10): the stream ended as if complete, with no `end` event and no error, and
// the Python SDK raised "Command ended without an end event" instead of its TimeoutException.
Deno.test("Start ends its stream with deadline_exceeded when Connect-Timeout-Ms passes", async () => {
  await using rt = createRuntime();
  const res = await rt.fetch(startSleep({ "connect-timeout-ms": "300" }));
  const out = envelopes(new Uint8Array(await res.arrayBuffer()));
  assert.deepEqual(out.map((e) => e.flags), [0, 2]);
  const { error } = out[1]?.json as { error: { code: string; message: string } };
  assert.deepEqual(error, { code: "deadline_exceeded", message: "context deadline exceeded" });
  // The deadline is the process's lifetime too: it is killed, not left to sleep on.
  const handle = rt.processes.find({ pid: (out[0]?.json as StartEvent).event.start.pid });
  assert.equal((await handle?.exited)?.status, "signal: killed");
});

/** The first message of a Start stream. */
type StartEvent = { event: { start: { pid: number } } };

Deno.test("shutdown() ends open streams with unavailable and the sandbox-was-killed words", async () => {
  await using rt = createRuntime();
  const res = await rt.fetch(startSleep());
  const reader = res.body!.getReader();
  const first = await reader.read();
  assert.deepEqual(envelopes(first.value!).map((e) => e.flags), [0]);
  rt.shutdown();
  const out: { flags: number; json: unknown }[] = [];
  for (let r = await reader.read(); !r.done; r = await reader.read()) {
    out.push(...envelopes(r.value));
  }
  assert.deepEqual(out.map((e) => e.flags), [2]);
  const { error } = out[0]?.json as { error: { code: string; message: string } };
  assert.equal(error.code, "unavailable");
  assert.match(error.message, /sandbox was killed or reached its end of life/);
});

Deno.test("Start's deadline kills the process also after the client went away", async () => {
  await using rt = createRuntime();
  const client = new AbortController();
  const res = await rt.fetch(startSleep({ "connect-timeout-ms": "500" }, client.signal));
  const reader = res.body!.getReader();
  const [first] = envelopes((await reader.read()).value!);
  client.abort();
  // The stream ends quietly: nobody is left to read an error.
  for (let r = await reader.read(); !r.done; r = await reader.read()) {
    assert.deepEqual(envelopes(r.value).map((e) => e.flags), [2]);
  }
  const handle = rt.processes.find({ pid: (first?.json as StartEvent).event.start.pid });
  await new Promise((resolve) => setTimeout(resolve, 100));
  // The process outlives its request, but not its deadline.
  assert.equal(handle?.running, true);
  assert.equal((await handle?.exited)?.status, "signal: killed");
});

// The Python SDK's HTTP/1.1 client (hyper) stops sending a chunked request body once the
// response head arrives; a server stream that answered its head before reading its request
// lost the message now and then ("missing request message" on the runtime-rpc branch).
// connect-es reads a server stream's request to its end before calling the handler.
Deno.test("Start answers nothing before its request body has been read to the end", async () => {
  await using rt = createRuntime();
  const sent = Promise.withResolvers<void>();
  const body = new ReadableStream<Uint8Array>({
    async start(controller) {
      controller.enqueue(envelope({ process: { cmd: "/bin/echo", args: ["x"] }, stdin: false }));
      await sent.promise;
      controller.close();
    },
  });
  const answered = rt.fetch(
    new Request("http://sandbox/process.Process/Start", {
      method: "POST",
      headers: { "content-type": "application/connect+json" },
      body,
    }),
  );
  const early = await Promise.race([
    answered.then(() => "answered"),
    new Promise((resolve) => setTimeout(() => resolve("waiting"), 300)),
  ]);
  assert.equal(early, "waiting");
  sent.resolve();
  const out = envelopes(new Uint8Array(await (await answered).arrayBuffer()));
  assert.deepEqual(out.map((e) => e.flags), [0, 0, 0, 2]);
});

Deno.test("shutdown() ends an open WatchDir stream with unavailable too", async () => {
  await using rt = createRuntime();
  const dir = await Deno.makeTempDir();
  await Deno.chmod(dir, 0o755); // the default user watches it
  const res = await rt.fetch(
    new Request("http://sandbox/filesystem.Filesystem/WatchDir", {
      method: "POST",
      headers: { "content-type": "application/connect+json" },
      body: envelope({ path: dir, recursive: false }),
    }),
  );
  const reader = res.body!.getReader();
  assert.deepEqual(envelopes((await reader.read()).value!).map((e) => e.json), [{ start: {} }]);
  rt.shutdown();
  const out: { flags: number; json: unknown }[] = [];
  for (let r = await reader.read(); !r.done; r = await reader.read()) {
    out.push(...envelopes(r.value));
  }
  assert.deepEqual(out.map((e) => e.flags), [2]);
  const { error } = out[0]?.json as { error: { code: string; message: string } };
  assert.equal(error.code, "unavailable");
  assert.match(error.message, /sandbox was killed or reached its end of life/);
  await Deno.remove(dir, { recursive: true });
});
