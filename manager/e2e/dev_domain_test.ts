/**
 * End-to-end acceptance of E2B's own domain scheme on one machine: `deno task dev` with its
 * default exports (`E2B_DOMAIN` with the port, `E2B_API_KEY`, the CA variables; no URL
 * variables, no `E2B_DEBUG`) and clients that get only those: the published Python SDKs and JS
 * SDKs (under Deno), plain clients (requests, httpx, Deno's fetch, curl, Node) fetching signed
 * `downloadUrl`/`uploadUrl` links and `https://` + `getHost(port)` of a server inside the
 * sandbox, all verifying dev's certificate chain (no client skips verification). Names resolve
 * through glibc's `myhostname` (hack/setup.sh), to loopback only.
 */
import assert from "node:assert/strict";
import { prepareDataDir, runClient, startDev } from "./dev_harness.ts";

const CLIENTS = new URL("./clients/", import.meta.url).pathname;

/** The last line of a client's stdout, as JSON (what the client scripts print). */
function report(out: { code: number; stdout: string; stderr: string }): Record<string, unknown> {
  assert.equal(out.code, 0, `${out.stderr}\n${out.stdout}`);
  return JSON.parse(out.stdout.trim().split("\n").at(-1)!);
}

Deno.test("dev serves E2B's domain scheme over TLS to the unmodified SDKs and plain clients", async (t) => {
  const dataDir = await Deno.makeTempDir();
  const keys = await prepareDataDir(dataDir);
  await using dev = await startDev(dataDir, { killSandboxesOnExit: true, exports: "domain" });
  const { env, clientEnv } = dev;
  const domain = env.E2B_DOMAIN!;
  const port = domain.split(":")[1]!;
  const curl = (args: string[], environment = clientEnv) =>
    runClient("curl", ["-sS", "--max-time", "60", ...args], environment);
  try {
    await t.step("dev prints the domain with its port, the key and the CA variables", async () => {
      assert.match(domain, /^e2b\.localhost:\d+$/);
      assert.equal(env.E2B_API_KEY, keys.key);
      for (const name of ["E2B_API_URL", "E2B_SANDBOX_URL", "E2B_DEBUG"]) {
        assert.equal(env[name], undefined, name);
      }
      const tls = `${await Deno.realPath(dataDir)}/tls`;
      assert.equal(env.NODE_EXTRA_CA_CERTS, `${tls}/ca.pem`);
      assert.equal(env.DENO_CERT, `${tls}/ca.pem`);
      for (const name of ["SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"]) {
        assert.equal(env[name], `${tls}/ca-bundle.pem`, name);
      }
      assert.equal((await Deno.stat(`${tls}/ca-key.pem`)).mode! & 0o777, 0o600);
      assert.equal((await Deno.stat(`${tls}/server-key.pem`)).mode! & 0o777, 0o600);
    });

    await t.step(
      "the certificate chain verifies for E2B's hosts, and only with dev's CA",
      async () => {
        const handshake = (name: string) =>
          runClient("openssl", [
            "s_client",
            "-connect",
            `127.0.0.1:${port}`,
            "-servername",
            name,
            "-CAfile",
            env.NODE_EXTRA_CA_CERTS!,
            "-verify_hostname",
            name,
            "-verify_return_error",
            "-brief",
          ], clientEnv);
        for (
          const name of [`api.e2b.localhost`, `49983-abc.e2b.localhost`, `8000-x.e2b.localhost`]
        ) {
          const out = await handshake(name);
          assert.equal(out.code, 0, out.stderr);
          assert.match(out.stderr, /Verification: OK/);
        }
        assert.notEqual((await handshake("evil.example")).code, 0);
        // Node's own host-name rules are the strictest (no `*.tld` wildcard): its fetch reaches the
        // API and the data plane with NODE_EXTRA_CA_CERTS alone.
        const node = await runClient("node", [
          "-e",
          `const d = process.env.E2B_DOMAIN;
         Promise.all([\`https://api.\${d}/health\`, \`https://49983-nosuch.\${d}/health\`]
           .map((u) => fetch(u).then(async (r) => [r.status, await r.text()])))
           .then((rs) => console.log(JSON.stringify(rs)));`,
        ], clientEnv);
        assert.equal(node.code, 0, node.stderr);
        const [api, sandbox] = JSON.parse(node.stdout) as [number, string][];
        assert.equal(api![0], 204);
        assert.equal(sandbox![0], 502);
        assert.equal(JSON.parse(sandbox![1]).sandboxId, "nosuch");
        // Without the CA variables the same request fails verification (curl's 60).
        const bare = await curl([`https://api.${domain}/health`], {
          PATH: clientEnv.PATH!,
          HOME: clientEnv.HOME!,
        });
        assert.equal(bare.code, 60, bare.stderr);
      },
    );

    await t.step(
      "the Python SDKs; signed URLs by requests and curl; getHost by httpx and curl",
      async () => {
        const py = report(await runClient("python3", [`${CLIENTS}sdk_flow.py`], clientEnv));
        const id = py.sandboxId as string;
        assert.equal(py.command, `hello from ${id}\n`);
        assert.match(
          py.downloadUrl as string,
          new RegExp(`^https://49983-${id}\\.${domain}/files\\?`),
        );
        assert.match(py.downloadUrl as string, /[?&]signature=v1_/);
        assert.equal(py.download, "signed download");
        assert.equal(py.uploadStatus, 200);
        assert.equal(py.uploaded, "signed upload");
        assert.equal(py.host, `8000-${id}.${domain}`);
        assert.equal(py.hostStatus, 200);
        assert.equal(py.hostBody, "served from the sandbox\n");
        assert.equal(py.code, "42");

        // The sandbox is still running: curl with CURL_CA_BUNDLE, as a user would.
        const download = await curl(["-f", py.downloadUrl as string]);
        assert.equal(download.code, 0, download.stderr);
        assert.equal(download.stdout, "signed download");
        const served = await curl(["-f", `https://${py.host}/index.html`]);
        assert.equal(served.stdout, "served from the sandbox\n");
        const kill = await curl([
          "-X",
          "DELETE",
          "-H",
          `X-API-Key: ${env.E2B_API_KEY}`,
          "-o",
          "/dev/null",
          "-w",
          "%{http_code}",
          `https://api.${domain}/sandboxes/${id}`,
        ]);
        assert.equal(kill.stdout, "204");
        const gone = await curl([`https://${py.host}/index.html`]);
        assert.deepEqual(JSON.parse(gone.stdout), {
          sandboxId: id,
          message: "The sandbox was not found",
          code: 502,
        });
      },
    );

    await t.step("the JS SDKs under Deno; signed URLs and getHost by Deno's fetch", async () => {
      const js = report(
        await runClient(Deno.execPath(), [
          "run",
          "--allow-net",
          "--allow-env",
          "--allow-read",
          "--allow-sys",
          `${CLIENTS}sdk_flow.ts`,
        ], clientEnv),
      );
      const id = js.sandboxId as string;
      assert.equal(js.command, `hello from ${id}\n`);
      assert.equal(js.download, "signed download");
      assert.equal(js.uploadStatus, 200);
      assert.equal(js.uploaded, "signed upload");
      assert.equal(js.host, `8000-${id}.${domain}`);
      assert.equal(js.hostStatus, 200);
      assert.equal(js.hostBody, "served from the sandbox\n");
      assert.equal(js.killed, true);
      assert.deepEqual(js.afterKill, {
        status: 502,
        body: { sandboxId: id, message: "The sandbox was not found", code: 502 },
      });
      assert.equal(js.code, "42");
    });
  } finally {
    await dev.stop();
    await Deno.remove(dataDir, { recursive: true }).catch(() => {});
  }
});
