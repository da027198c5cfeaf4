import assert from "node:assert/strict";
import {
  assertWildcardDomain,
  bundleText,
  ensureLocalTls,
  nameConstraints,
  probeNames,
  serverNames,
} from "./local_ca.ts";

Deno.test("assertWildcardDomain() refuses names whose wildcard no TLS client accepts", () => {
  for (const ok of ["e2b.localhost", "sandbox.test", "a.b.example.com"]) assertWildcardDomain(ok);
  const cases: [string, RegExp][] = [
    ["localhost", /accept no certificate for "\*\.localhost".*"e2b\.localhost"/],
    ["test", /accept no certificate/],
    ["E2B.localhost", /not a lowercase DNS name/],
    ["e2b.localhost:3443", /not a lowercase DNS name/],
    ["127.0.0.1", /not a lowercase DNS name/],
    ["-x.localhost", /not a lowercase DNS name/],
    ["", /not a lowercase DNS name/],
  ];
  for (const [domain, message] of cases) {
    assert.throws(() => assertWildcardDomain(domain), (e) => {
      assert.ok(e instanceof RangeError);
      assert.match(e.message, message);
      return true;
    }, domain);
  }
});

Deno.test("serverNames() covers E2B's hosts and loopback; the CA is constrained to them", () => {
  assert.deepEqual(serverNames("e2b.localhost"), {
    dns: ["*.e2b.localhost", "e2b.localhost", "api.e2b.localhost", "localhost"],
    ips: ["127.0.0.1", "::1"],
  });
  assert.deepEqual(probeNames("e2b.localhost").hosts, [
    "49983-probe.e2b.localhost",
    "e2b.localhost",
    "api.e2b.localhost",
    "localhost",
  ]);
  const loopback = [
    "permitted;IP:127.0.0.0/255.0.0.0",
    "permitted;IP:::1/ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
  ];
  assert.deepEqual(nameConstraints("e2b.localhost"), ["permitted;DNS:localhost", ...loopback]);
  assert.deepEqual(nameConstraints("sandbox.test"), [
    "permitted;DNS:sandbox.test",
    "permitted;DNS:localhost",
    ...loopback,
  ]);
});

Deno.test("bundleText() keeps the system's roots before the CA", () => {
  assert.equal(bundleText("ROOTS\n\n", "CA\n"), "ROOTS\nCA\n");
  assert.equal(bundleText(undefined, "CA\n"), "CA\n");
});

async function openssl(...args: string[]): Promise<{ ok: boolean; text: string }> {
  const out = await new Deno.Command("openssl", { args, stdin: "null" }).output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  return { ok: out.success, text };
}

/** `openssl verify` of the certificate in `tls` for `host`, against its CA alone. */
function verifyHost(
  tls: { caFile: string; certFile: string },
  host: string,
): Promise<{ ok: boolean; text: string }> {
  return openssl("verify", "-CAfile", tls.caFile, "-verify_hostname", host, tls.certFile);
}

Deno.test("ensureLocalTls() makes a CA and a certificate that verify, keeps them, and renews on a new domain", async () => {
  const dir = `${await Deno.makeTempDir()}/tls`;
  const roots = `${dir}-roots.pem`;
  await Deno.writeTextFile(roots, "# the system's roots\n");
  try {
    const first = await ensureLocalTls(dir, { domain: "e2b.localhost", systemRoots: [roots] });
    assert.equal((await Deno.stat(dir)).mode! & 0o777, 0o711);
    assert.equal((await Deno.stat(`${dir}/ca-key.pem`)).mode! & 0o777, 0o600);
    assert.equal((await Deno.stat(first.keyFile)).mode! & 0o777, 0o600);
    assert.equal((await Deno.stat(first.caFile)).mode! & 0o777, 0o644);
    const ca = await Deno.readTextFile(first.caFile);
    assert.equal(await Deno.readTextFile(first.bundleFile), `# the system's roots\n${ca}`);
    assert.match(first.cert, /^-----BEGIN CERTIFICATE-----/);
    assert.match(first.key, /^-----BEGIN PRIVATE KEY-----/);
    // The wildcard spans one label only, and the names are the scheme's alone.
    const verifies = {
      "8000-abc.e2b.localhost": true,
      "api.e2b.localhost": true,
      localhost: true,
      "a.b.e2b.localhost": false,
      "example.com": false,
    };
    for (const [host, expected] of Object.entries(verifies)) {
      const v = await verifyHost(first, host);
      assert.equal(v.ok, expected, `${host}: ${v.text}`);
    }

    // Idempotent: the same certificates on the next start.
    const again = await ensureLocalTls(dir, { domain: "e2b.localhost", systemRoots: [roots] });
    assert.equal(again.cert, first.cert);
    assert.equal(await Deno.readTextFile(again.caFile), ca);

    // The CA's name constraints: even a certificate it signs for another site does not verify.
    const evilKey = `${dir}/evil-key.pem`, evilCsr = `${dir}/evil.csr`, evil = `${dir}/evil.pem`;
    const ext = `${dir}/evil.cnf`;
    await Deno.writeTextFile(ext, "subjectAltName = DNS:bank.example\n");
    assert.ok(
      (await openssl(
        "genpkey",
        "-algorithm",
        "EC",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-out",
        evilKey,
      )).ok,
    );
    assert.ok(
      (await openssl("req", "-new", "-key", evilKey, "-subj", "/CN=bank.example", "-out", evilCsr))
        .ok,
    );
    const signed = await openssl(
      "x509",
      "-req",
      "-in",
      evilCsr,
      "-CA",
      first.caFile,
      "-CAkey",
      `${dir}/ca-key.pem`,
      "-set_serial",
      "7",
      "-days",
      "1",
      "-extfile",
      ext,
      "-out",
      evil,
    );
    assert.ok(signed.ok, signed.text);
    const refused = await openssl("verify", "-CAfile", first.caFile, evil);
    assert.ok(!refused.ok);
    assert.match(refused.text, /name constraint|permitted subtree/i);

    // Another domain outside the constraints: a new CA and certificate, which verify.
    const moved = await ensureLocalTls(dir, { domain: "sandbox.test", systemRoots: [roots] });
    assert.notEqual(await Deno.readTextFile(moved.caFile), ca);
    const v = await verifyHost(moved, "49999-x.sandbox.test");
    assert.ok(v.ok, v.text);
  } finally {
    await Deno.remove(dir.replace(/\/tls$/, ""), { recursive: true });
  }
});

Deno.test("ensureLocalTls() gives Deno.serve a certificate that a client trusting only the CA accepts", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const tls = await ensureLocalTls(dir, { domain: "e2b.localhost", systemRoots: [] });
    await using server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, cert: tls.cert, key: tls.key, onListen() {} },
      () => new Response("ok"),
    );
    using client = Deno.createHttpClient({ caCerts: [await Deno.readTextFile(tls.caFile)] });
    for (const host of ["localhost", "127.0.0.1"]) {
      const res = await fetch(`https://${host}:${server.addr.port}/`, { client });
      assert.equal(await res.text(), "ok");
    }
    // Without it, the default roots refuse the chain.
    await assert.rejects(fetch(`https://localhost:${server.addr.port}/`), (e: Error) => {
      assert.match(`${e.message} ${e.cause}`, /UnknownIssuer|certificate/i);
      return true;
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
