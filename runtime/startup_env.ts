/**
 * What the runtime takes from the environment it was started with:
 *
 * - **The access token** (tokens from birth): the pod gives it in the env var
 *   `KRUISE_AGENTS_ACCESS_TOKEN` (from the sandbox's own Secret). {@linkcode takeAccessToken}
 *   reads it and removes it from the runtime's environment at once, before anything is spawned,
 *   so no command, Jupyter Server or kernel inherits it. Outside a pod, `--access-token-file`
 *   names a file to read it from instead.
 *
 *   The kernel's copy of the start-up environment, `/proc/<runtime pid>/environ`, still shows
 *   the value, to root in the sandbox only (who can read the runtime's memory anyway). Wiping it
 *   in place needs FFI at start-up, which costs an idle runtime about 2.5 MB; it is not done.
 * - **The template's env vars**: the rest of the start-up environment is the template's own
 *   (the container's `env` and the image's), the layer every claim's env vars sit on. Variables
 *   that describe the runtime's own account or shell (`HOME`, `USER`, `PWD`, ...) are left out:
 *   each process gets those of its run-as user. `PATH` is given to processes separately.
 *
 * @module
 */
import { ACCESS_TOKEN_ENV } from "@kruise-agents/shared/envd/http";
import { RUNTIME_OWN_ENV } from "./permissions.ts";

/** Variables of the start-up environment that are the runtime's own, not the template's. */
const NOT_TEMPLATE = new Set([
  "HOME",
  "USER",
  "LOGNAME",
  "SHELL",
  "MAIL",
  "PWD",
  "OLDPWD",
  "SHLVL",
  "_",
  "PATH",
]);

/** The prefix of variables meant for the runtime itself (the token and any later setting). */
const RUNTIME_PREFIX = "KRUISE_AGENTS_";

/**
 * The access token from `file` when given, else from the env var; the env var is removed from
 * the runtime's environment either way. Returns `undefined` when there is none (the runtime is
 * then open until `/init` sets one). Throws when `file` cannot be read or is empty.
 */
export function takeAccessToken(file: string | undefined): string | undefined {
  const fromEnv = Deno.env.get(ACCESS_TOKEN_ENV);
  Deno.env.delete(ACCESS_TOKEN_ENV);
  if (file !== undefined) {
    const token = Deno.readTextFileSync(file).trim();
    if (token === "") throw new TypeError(`Cannot read the access token: '${file}' is empty`);
    return token;
  }
  return fromEnv || undefined;
}

/**
 * The template's env vars in the start-up environment `env`: everything but the runtime's own
 * account and shell variables, its `KRUISE_AGENTS_*` settings and what its launcher added for it
 * (the names in `KRUISE_AGENTS_OWN_ENV`).
 *
 * @example
 * ```ts
 * import { templateEnvVars } from "./startup_env.ts";
 * templateEnvVars({ HOME: "/root", LANG: "C.UTF-8", TEAM: "a" }); // { LANG: "C.UTF-8", TEAM: "a" }
 * ```
 */
export function templateEnvVars(env: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(withoutLauncherEnv(env))) {
    if (!NOT_TEMPLATE.has(key) && !key.startsWith(RUNTIME_PREFIX)) out[key] = value;
  }
  return out;
}

/**
 * `env` without what the images' launcher set for the runtime alone (its allocator settings, the
 * DENO_DIR of its code cache: the names in `KRUISE_AGENTS_OWN_ENV`, and that marker): for the
 * processes the runtime starts from its own environment, such as Jupyter Server and so every
 * kernel, which must not run with the runtime's allocator or write the runtime's code cache.
 *
 * @example
 * ```ts
 * import { withoutLauncherEnv } from "./startup_env.ts";
 * withoutLauncherEnv({ DENO_DIR: "/x", KRUISE_AGENTS_OWN_ENV: "DENO_DIR", LANG: "C" }); // { LANG: "C" }
 * ```
 */
export function withoutLauncherEnv(env: Record<string, string>): Record<string, string> {
  const own = new Set((env[RUNTIME_OWN_ENV] ?? "").split(" ").filter((name) => name !== ""));
  own.add(RUNTIME_OWN_ENV);
  return Object.fromEntries(Object.entries(env).filter(([key]) => !own.has(key)));
}
