/**
 * A certificate authority of this machine's own, so that `deno task dev` can serve E2B's domain
 * scheme (`https://api.{domain}`, `https://{port}-{id}.{domain}`) with certificates that the
 * unmodified SDKs verify: E2B's SDKs speak `https` to every host they build from a domain, and
 * only the URL overrides (`E2B_API_URL`, `E2B_SANDBOX_URL`) let them speak plain HTTP, which
 * leaves signed file URLs and `getHost()` broken. Trusting it is the client's choice, made with
 * the CA variables that dev prints (`NODE_EXTRA_CA_CERTS`, `SSL_CERT_FILE`, ...); nothing is added
 * to the system's trust store.
 *
 * {@linkcode ensureLocalTls} keeps, in one directory (dev's `{data dir}/tls`):
 *
 * | file | what | mode |
 * | --- | --- | --- |
 * | `ca.pem` | the CA certificate, the one thing clients trust | 0644 |
 * | `ca-key.pem` | its key; it never leaves the directory | 0600 |
 * | `server.pem`, `server-key.pem` | the serving certificate and its key | 0644, 0600 |
 * | `ca-bundle.pem` | the system's roots followed by `ca.pem` | 0644 |
 *
 * The bundle exists because the OpenSSL and rustls clients (`SSL_CERT_FILE`: Python's `ssl`,
 * `httpx`, and `pyqwest`, which the e2b Python SDK's transports are; `REQUESTS_CA_BUNDLE`)
 * *replace* their roots with the file they are given, where Node's `NODE_EXTRA_CA_CERTS` and
 * Deno's `DENO_CERT` add to theirs: a bundle keeps every other https site working in a shell
 * that exported it.
 *
 * The certificates are made by the `openssl` command (Debian's `openssl`, installed by
 * hack/setup.sh) rather than by an X.509 writer of our own, which would be a few hundred lines of
 * DER to get right and to keep right. Each start checks them with `openssl verify` (chain,
 * purpose, expiry, every host name the scheme uses) and makes what does not pass anew, so a
 * changed `--domain` or an expiring certificate needs nothing from the user beyond re-exporting.
 *
 * Two rules that every TLS client here enforces shape the names:
 * - A wildcard must leave at least two labels: Node (`tls.checkServerIdentity`: "*.tld wildcards
 *   are not allowed"), OpenSSL (Python, curl) and rustls (Deno, pyqwest) all reject a
 *   certificate for `*.localhost` as a match for `8000-abc.localhost`. So the domain has at least
 *   two labels (dev's default is `e2b.localhost`), and {@linkcode assertWildcardDomain} says why
 *   when it has not.
 * - The CA is limited by X.509 name constraints to the domain, `localhost` (with every name under
 *   it) and the loopback addresses, so its key, were it ever copied, could not vouch for any other
 *   site to a client that trusts it.
 *
 * @module
 */

import { pathExists } from "@kruise-agents/shared/std";

/** Host names and addresses a serving certificate covers. */
export interface ServerNames {
  /** DNS names, the wildcard first. */
  dns: string[];
  /** IP addresses. */
  ips: string[];
}

/** What {@linkcode ensureLocalTls} returns: the files, and the PEM `Deno.serve` takes. */
export interface LocalTls {
  /** The CA certificate (trust this). */
  caFile: string;
  /** The system's roots and the CA, for clients whose CA variable replaces their roots. */
  bundleFile: string;
  /** The serving certificate. */
  certFile: string;
  /** Its private key (mode 0600). */
  keyFile: string;
  /** PEM of the serving certificate, for `Deno.serve({ cert })`. */
  cert: string;
  /** PEM of its key, for `Deno.serve({ key })`. */
  key: string;
}

/** Options of {@linkcode ensureLocalTls}. */
export interface LocalTlsOptions {
  /** The domain the scheme serves, without a port (`e2b.localhost`). */
  domain: string;
  /** Files whose first existing one holds the system's roots, for the bundle.
   * @default {SYSTEM_ROOTS} */
  systemRoots?: readonly string[];
  /** The `openssl` program. @default {"openssl"} */
  openssl?: string;
}

/** Where Debian/Ubuntu, Fedora/RHEL and Alpine/Arch keep the system's roots as one PEM file. */
export const SYSTEM_ROOTS: readonly string[] = [
  "/etc/ssl/certs/ca-certificates.crt",
  "/etc/pki/tls/certs/ca-bundle.crt",
  "/etc/ssl/cert.pem",
];

/** Validity of the CA, days. */
const CA_DAYS = 3650;
/** Validity of a serving certificate, days: the most that browsers accept from any CA. */
const SERVER_DAYS = 397;
/** A certificate that ends within this many seconds is made anew. */
const RENEW_BEFORE_SECONDS = 30 * 86_400;

const LABEL = "[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?";
const DNS_NAME = new RegExp(`^${LABEL}(?:\\.${LABEL})*$`);

/**
 * Checks that `domain` is a DNS name whose wildcard (`*.{domain}`) TLS clients accept: at least
 * two labels, and not all digits at the end (an IP address has no wildcard). Throws `RangeError`
 * saying why otherwise.
 */
export function assertWildcardDomain(domain: string): void {
  if (!DNS_NAME.test(domain) || /^\d+$/.test(domain.split(".").at(-1)!)) {
    throw new RangeError(`Cannot serve domain "${domain}": it is not a lowercase DNS name`);
  }
  if (domain.split(".").length < 2) {
    throw new RangeError(
      `Cannot serve domain "${domain}": TLS clients (Node, OpenSSL, rustls) accept no ` +
        `certificate for "*.${domain}", so {port}-{id}.${domain} could not be verified; use a ` +
        `name under it, such as "e2b.${domain}"`,
    );
  }
}

/** The names a serving certificate for `domain` covers: E2B's hosts and loopback. */
export function serverNames(domain: string): ServerNames {
  return { dns: [`*.${domain}`, domain, `api.${domain}`, "localhost"], ips: ["127.0.0.1", "::1"] };
}

/** Host names and addresses that `openssl verify` checks a serving certificate against: one of
 * each kind the scheme uses (a sandbox host stands for the wildcard). */
export function probeNames(domain: string): { hosts: string[]; ips: string[] } {
  const names = serverNames(domain);
  return { hosts: [`49983-probe.${domain}`, ...names.dns.slice(1)], ips: names.ips };
}

/** The CA's name constraints for `domain`: the domain, `localhost` and everything under them,
 * and the loopback addresses. */
export function nameConstraints(domain: string): string[] {
  const dns = domain === "localhost" || domain.endsWith(".localhost")
    ? ["localhost"]
    : [domain, "localhost"];
  return [
    ...dns.map((d) => `permitted;DNS:${d}`),
    "permitted;IP:127.0.0.0/255.0.0.0",
    `permitted;IP:::1/${Array(8).fill("ffff").join(":")}`,
  ];
}

/** The `openssl req` configuration of the CA. */
export function caConfig(domain: string, commonName: string): string {
  return [
    "[req]",
    "distinguished_name = dn",
    "prompt = no",
    "x509_extensions = ext",
    "[dn]",
    "O = kruise-agents dev",
    `CN = ${commonName}`,
    "[ext]",
    "basicConstraints = critical, CA:TRUE, pathlen:0",
    "keyUsage = critical, keyCertSign, cRLSign",
    "subjectKeyIdentifier = hash",
    `nameConstraints = critical, ${nameConstraints(domain).join(", ")}`,
    "",
  ].join("\n");
}

/** The `openssl req`/`x509 -req` configuration of a serving certificate. */
export function serverConfig(domain: string): string {
  const names = serverNames(domain);
  const alt = [...names.dns.map((n) => `DNS:${n}`), ...names.ips.map((n) => `IP:${n}`)];
  return [
    "[req]",
    "distinguished_name = dn",
    "prompt = no",
    "[dn]",
    `CN = api.${domain}`,
    "[ext]",
    "basicConstraints = critical, CA:FALSE",
    "keyUsage = critical, digitalSignature",
    "extendedKeyUsage = serverAuth",
    "subjectKeyIdentifier = hash",
    "authorityKeyIdentifier = keyid",
    `subjectAltName = ${alt.join(", ")}`,
    "",
  ].join("\n");
}

/** The bundle: the system's roots (if any), then the CA. */
export function bundleText(systemRoots: string | undefined, caPem: string): string {
  if (!systemRoots) return caPem;
  return `${systemRoots.trimEnd()}\n${caPem}`;
}

/**
 * Makes sure `dir` holds a CA and a serving certificate for `domain` that verify, creating or
 * renewing what does not (see the module doc), and rewrites the bundle. Idempotent: a second call
 * with the same domain changes no certificate.
 */
export async function ensureLocalTls(dir: string, options: LocalTlsOptions): Promise<LocalTls> {
  const { domain } = options;
  assertWildcardDomain(domain);
  const openssl = new OpenSsl(options.openssl ?? "openssl");
  const files = {
    caFile: `${dir}/ca.pem`,
    caKeyFile: `${dir}/ca-key.pem`,
    certFile: `${dir}/server.pem`,
    keyFile: `${dir}/server-key.pem`,
    bundleFile: `${dir}/ca-bundle.pem`,
  };
  await Deno.mkdir(dir, { recursive: true, mode: 0o711 });
  // Others may reach the certificates by name (an SDK user other than root), not list the
  // directory; the keys are root's alone.
  await Deno.chmod(dir, 0o711);

  const caUsable = await pathExists(files.caKeyFile) &&
    await openssl.succeeds([
      "x509",
      "-noout",
      "-in",
      files.caFile,
      "-checkend",
      `${RENEW_BEFORE_SECONDS}`,
    ]);
  if (!caUsable) await createCa(openssl, files, domain);
  if (!await serverVerifies(openssl, files, domain)) {
    await issueServer(openssl, files, domain);
    if (!await serverVerifies(openssl, files, domain)) {
      // The CA's name constraints leave the new names out (the domain changed): a new CA, whose
      // certificate the clients must then be given again.
      await createCa(openssl, files, domain);
      await issueServer(openssl, files, domain);
      if (!await serverVerifies(openssl, files, domain)) {
        throw new Error(
          `Cannot issue a server certificate for "${domain}" that openssl verifies; see ${dir}`,
        );
      }
    }
  }
  const caPem = await Deno.readTextFile(files.caFile);
  let roots: string | undefined;
  for (const path of options.systemRoots ?? SYSTEM_ROOTS) {
    roots = await Deno.readTextFile(path).catch(() => undefined);
    if (roots) break;
  }
  await writeAtomically(files.bundleFile, bundleText(roots, caPem), 0o644);
  return {
    caFile: files.caFile,
    bundleFile: files.bundleFile,
    certFile: files.certFile,
    keyFile: files.keyFile,
    cert: await Deno.readTextFile(files.certFile),
    key: await Deno.readTextFile(files.keyFile),
  };
}

interface Files {
  caFile: string;
  caKeyFile: string;
  certFile: string;
  keyFile: string;
}

async function createCa(openssl: OpenSsl, files: Files, domain: string): Promise<void> {
  const key = await openssl.newKey();
  await writeAtomically(files.caKeyFile, key, 0o600);
  // A name of its own per CA, so that a user who finds it among their trusted certificates can
  // tell which machine and which start made it.
  const name = `kruise-agents dev CA ${Deno.hostname()} ${new Date().toISOString()}`;
  const cert = await openssl.withConfig(caConfig(domain, name), (config) =>
    openssl.run([
      "req",
      "-x509",
      "-new",
      "-key",
      files.caKeyFile,
      "-config",
      config,
      "-days",
      `${CA_DAYS}`,
      "-set_serial",
      randomSerial(),
      "-sha256",
    ]));
  await writeAtomically(files.caFile, cert, 0o644);
}

async function issueServer(openssl: OpenSsl, files: Files, domain: string): Promise<void> {
  const key = await openssl.newKey();
  await writeAtomically(files.keyFile, key, 0o600);
  const cert = await openssl.withConfig(serverConfig(domain), async (config) => {
    const csr = await openssl.run(["req", "-new", "-key", files.keyFile, "-config", config]);
    return await openssl.run([
      "x509",
      "-req",
      "-CA",
      files.caFile,
      "-CAkey",
      files.caKeyFile,
      "-set_serial",
      randomSerial(),
      "-days",
      `${SERVER_DAYS}`,
      "-sha256",
      "-extfile",
      config,
      "-extensions",
      "ext",
    ], csr);
  });
  await writeAtomically(files.certFile, cert, 0o644);
}

/** Whether the serving certificate chains to the CA, serves TLS servers, lasts past the renewal
 * margin and matches every probe name, as OpenSSL's own host-name rules judge. */
async function serverVerifies(openssl: OpenSsl, files: Files, domain: string): Promise<boolean> {
  if (!await pathExists(files.certFile) || !await pathExists(files.keyFile)) return false;
  const checkend = [
    "x509",
    "-noout",
    "-in",
    files.certFile,
    "-checkend",
    `${RENEW_BEFORE_SECONDS}`,
  ];
  if (!await openssl.succeeds(checkend)) return false;
  const verify = ["verify", "-x509_strict", "-purpose", "sslserver", "-CAfile", files.caFile];
  const { hosts, ips } = probeNames(domain);
  const checks = [
    ...hosts.map((h) => [...verify, "-verify_hostname", h, files.certFile]),
    ...ips.map((ip) => [...verify, "-verify_ip", ip, files.certFile]),
  ];
  for (const args of checks) if (!await openssl.succeeds(args)) return false;
  return true;
}

/** A positive 128-bit serial number, as `openssl -set_serial` takes it. */
function randomSerial(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[0] = bytes[0]! & 0x7f | 0x01;
  return `0x${Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")}`;
}

/** Writes `text` under a temporary name created with `mode`, then renames it over `path`: a key
 * is never readable by others, not even for a moment, and a crash leaves the old file whole. */
async function writeAtomically(path: string, text: string, mode: number): Promise<void> {
  const tmp = `${path}.tmp-${crypto.randomUUID()}`;
  try {
    await Deno.writeTextFile(tmp, text, { mode, createNew: true });
    await Deno.chmod(tmp, mode);
    await Deno.rename(tmp, path);
  } catch (error) {
    await Deno.remove(tmp).catch(() => {});
    throw error;
  }
}

/** The `openssl` command. */
class OpenSsl {
  #program: string;

  constructor(program: string) {
    this.#program = program;
  }

  /** Runs `args` (with `stdin`), returns stdout; throws with stderr when it fails. */
  async run(args: string[], stdin?: string): Promise<string> {
    const child = new Deno.Command(this.#program, {
      args,
      stdin: stdin === undefined ? "null" : "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    if (stdin !== undefined) {
      const writer = child.stdin.getWriter();
      await writer.write(new TextEncoder().encode(stdin));
      await writer.close();
    }
    const out = await child.output();
    if (!out.success) {
      const stderr = new TextDecoder().decode(out.stderr).trim();
      throw new Error(`Cannot run openssl ${args[0]}: ${stderr || `exit code ${out.code}`}`);
    }
    return new TextDecoder().decode(out.stdout);
  }

  /** Whether `args` exit 0 (a check: `-checkend`, `verify`). */
  async succeeds(args: string[]): Promise<boolean> {
    const out = await new Deno.Command(this.#program, {
      args,
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).output();
    return out.success;
  }

  /** A new P-256 key, PKCS #8 PEM (what `Deno.serve` and every client take). */
  newKey(): Promise<string> {
    return this.run(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"]);
  }

  /** Calls `use` with the path of a temporary file holding `config`, removed after. */
  async withConfig<T>(config: string, use: (path: string) => Promise<T>): Promise<T> {
    const path = await Deno.makeTempFile({ prefix: "kruise-agents-openssl-", suffix: ".cnf" });
    try {
      await Deno.writeTextFile(path, config);
      return await use(path);
    } finally {
      await Deno.remove(path).catch(() => {});
    }
  }
}
