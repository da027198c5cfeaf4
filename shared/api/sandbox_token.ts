/**
 * A sandbox's tokens, from its birth: the envd access token (E2B's `envdAccessToken`, required by
 * the runtime on every call) and the traffic access token (E2B's `trafficAccessToken`, required by
 * the proxy on the other ports of a sandbox whose create asked for no public traffic).
 *
 * Each is derived, not stored: HMAC-SHA256 under one key the control plane holds, over the kind
 * and the Sandbox's namespace, name and uid. The controller derives the envd token when it creates
 * the pod and hands it over in a Secret of the sandbox's own (the pod's env reads it), so the
 * runtime refuses every call from its first second; the manager derives the same token when a
 * create asks for it, with no read on the claim path. Neither token is ever written into an object
 * a sandbox or a reader of Sandboxes can see. A new Sandbox (a new uid) gets new tokens; the same
 * Sandbox keeps them across pause and resume, as E2B's SDKs expect.
 *
 * @module
 */
import type { ObjectMeta } from "./meta.ts";

/**
 * Which token.
 *
 * @example
 * ```ts
 * import { generateTokenKey, importTokenKey, sandboxToken } from "@kruise-agents/shared/api";
 * import type { SandboxTokenKind } from "@kruise-agents/shared/api";
 * const key = await importTokenKey(generateTokenKey());
 * const kind: SandboxTokenKind = "traffic";
 * const token = await sandboxToken(key, kind, { namespace: "default", name: "s", uid: "u1" });
 * ```
 */
export type SandboxTokenKind = "envd" | "traffic";

/**
 * Bytes of a freshly generated key.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { generateTokenKey, TOKEN_KEY_BYTES } from "@kruise-agents/shared/api";
 * assert.equal(atob(generateTokenKey()).length, TOKEN_KEY_BYTES);
 * ```
 */
export const TOKEN_KEY_BYTES = 32;

/**
 * Key of the sandbox's token Secret.
 *
 * @example
 * ```ts
 * import { TOKEN_SECRET_KEY, tokenSecretName } from "@kruise-agents/shared/api";
 * import { ACCESS_TOKEN_ENV } from "@kruise-agents/shared/envd/http";
 * const env = {
 *   name: ACCESS_TOKEN_ENV,
 *   valueFrom: { secretKeyRef: { name: tokenSecretName("s"), key: TOKEN_SECRET_KEY } },
 * };
 * ```
 */
export const TOKEN_SECRET_KEY = "token";

const encoder = new TextEncoder();

/**
 * A new random key, for `--token-key-file` (base64 of {@linkcode TOKEN_KEY_BYTES} bytes).
 *
 * @example
 * ```ts
 * import { generateTokenKey } from "@kruise-agents/shared/api";
 * const keyFileText = `${generateTokenKey()}\n`; // e.g. for a Secret behind --token-key-file
 * ```
 */
export function generateTokenKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(TOKEN_KEY_BYTES));
  return btoa(String.fromCharCode(...bytes));
}

/**
 * The HMAC key of a key file's text (base64, surrounding white space ignored).
 *
 * @throws {TypeError} when the text is not base64 of at least 32 bytes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { generateTokenKey, importTokenKey } from "@kruise-agents/shared/api";
 * const key = await importTokenKey(` ${generateTokenKey()}\n`);
 * assert.equal(key.algorithm.name, "HMAC");
 * await assert.rejects(importTokenKey("c2hvcnQ="), TypeError); // too short
 * ```
 */
export async function importTokenKey(text: string): Promise<CryptoKey> {
  let raw: Uint8Array<ArrayBuffer>;
  try {
    raw = Uint8Array.from(atob(text.trim()), (c) => c.charCodeAt(0));
  } catch {
    throw new TypeError("Cannot read the token key: not base64");
  }
  if (raw.length < TOKEN_KEY_BYTES) {
    throw new TypeError(`Cannot read the token key: ${raw.length} bytes, at least 32 needed`);
  }
  return await crypto.subtle.importKey("raw", raw, { name: "HMAC", hash: "SHA-256" }, false, [
    "sign",
  ]);
}

/**
 * The token of `kind` for the sandbox with `metadata` (namespace, name and uid are required):
 * 43 characters of base64url.
 *
 * @example
 * ```ts
 * import { generateTokenKey, importTokenKey, sandboxToken } from "@kruise-agents/shared/api";
 * const key = await importTokenKey(generateTokenKey());
 * const token = await sandboxToken(key, "envd", { namespace: "default", name: "s", uid: "u1" });
 * ```
 */
export async function sandboxToken(
  key: CryptoKey,
  kind: SandboxTokenKind,
  metadata: Pick<ObjectMeta, "namespace" | "name" | "uid">,
): Promise<string> {
  const { namespace, name, uid } = metadata;
  if (!name || !uid) throw new TypeError("Cannot derive a sandbox token: name and uid are needed");
  const message = encoder.encode(`${kind}\n${namespace ?? ""}\n${name}\n${uid}`);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, message));
  return btoa(String.fromCharCode(...mac)).replaceAll("+", "-").replaceAll("/", "_")
    .replace(/=+$/, "");
}

/**
 * Name of the Secret that carries a sandbox's envd token to its pod.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tokenSecretName } from "@kruise-agents/shared/api";
 * assert.equal(tokenSecretName("python-x7k2p"), "python-x7k2p-access-token");
 * ```
 */
export function tokenSecretName(sandboxName: string): string {
  return `${sandboxName}-access-token`;
}

/**
 * The key in file `path` (as `--token-key-file` names it; in a cluster, a Secret mounted into the
 * controller and the manager).
 *
 * @throws {TypeError} when the file does not hold a key; `Deno.errors.NotFound` when missing.
 *
 * @example
 * ```ts ignore
 * import { readTokenKey, sandboxToken } from "@kruise-agents/shared/api";
 * const key = await readTokenKey("/etc/kruise-agents/token-key");
 * const token = await sandboxToken(key, "envd", { namespace: "default", name: "s", uid: "u1" });
 * ```
 */
export async function readTokenKey(path: string): Promise<CryptoKey> {
  return await importTokenKey(await Deno.readTextFile(path));
}

/**
 * The key in file `path`, created (mode 0600) with a new random key when missing: single-machine
 * mode keeps it in its data directory, so sandboxes keep their tokens across restarts.
 *
 * @example
 * ```ts ignore
 * import { ensureTokenKey } from "@kruise-agents/shared/api";
 * const key = await ensureTokenKey(".data/token-key"); // created on the first run, then reused
 * ```
 */
export async function ensureTokenKey(path: string): Promise<CryptoKey> {
  try {
    return await readTokenKey(path);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  await Deno.writeTextFile(path, `${generateTokenKey()}\n`, { mode: 0o600, createNew: true });
  return await readTokenKey(path);
}
