/**
 * Who is calling: the access-token gate and the run-as user. The SDKs send the envd token as
 * `X-Access-Token` and name a user only through `Authorization: Basic base64("<user>:")` (RPC) or
 * `?username=` (`/files`); without either, the sandbox's default user applies.
 *
 * @module
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { ACCESS_TOKEN_HEADER } from "@kruise-agents/shared/envd";
import type { RuntimeState } from "./state.ts";
import type { User, UserDirectory } from "./users.ts";

/** Whether the request carries the current access token (always true when none is set). */
export function hasValidToken(req: Request, state: RuntimeState): boolean {
  return state.accepts(req.headers.get(ACCESS_TOKEN_HEADER));
}

/** The user name from `Authorization: Basic`, or `undefined` when the header names none. */
export function basicAuthUser(headers: Headers): string | undefined {
  const value = headers.get("authorization");
  if (!value || !/^basic /i.test(value)) return undefined;
  let decoded: string;
  try {
    decoded = atob(value.slice(6).trim());
  } catch {
    return undefined;
  }
  const name = decoded.split(":")[0];
  return name || undefined;
}

/**
 * Resolves the run-as user of an RPC: the Basic-auth user, else the default user. An unknown
 * user is `unauthenticated`, as envd's authn middleware answers.
 */
export function rpcUser(headers: Headers, state: RuntimeState, users: UserDirectory): User {
  const name = basicAuthUser(headers) ?? state.defaultUser;
  const user = users.byName(name) ?? fallbackUser(name, state, users);
  if (!user) throw new ConnectError(`invalid username: '${name}'`, Code.Unauthenticated);
  return user;
}

/**
 * When the configured default user does not exist on this machine (a runtime started outside a
 * sandbox image), the runtime's own account stands in for it, so that it still works; a user
 * named explicitly must exist.
 */
export function fallbackUser(
  name: string,
  state: RuntimeState,
  users: UserDirectory,
): User | undefined {
  if (name !== state.defaultUser) return undefined;
  const uid = Deno.uid() ?? 0;
  const own = users.byName(users.userName(uid));
  return own ?? {
    name: String(uid),
    uid,
    gid: Deno.gid() ?? 0,
    home: Deno.env.get("HOME") ?? "/",
    shell: "/bin/sh",
  };
}
