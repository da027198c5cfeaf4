/**
 * Code the runtime runs silently in a kernel around user code: the set-up after each kernel start
 * (working directory; for Python also plain tracebacks and the display formatters of
 * `python_startup.ts`) and the setting and unsetting of env vars. Kept apart from the user's cell
 * (upstream prepends it to the cell) so tracebacks keep the user's line numbers and the trailing
 * expression stays the cell's result.
 *
 * Values are embedded as JSON literals, which are valid string literals in Python, JavaScript, R
 * and Java (all four read `\"`, `\\`, `\n` and `\uXXXX`). Java has no settable process
 * environment, so env vars become system properties there, as in E2B's template
 * (`System.getProperty("NAME")`).
 *
 * @module
 */
import type { KernelFamily } from "./language.ts";
import { PYTHON_STARTUP } from "./python_startup.ts";

/** Python set-up: `chdir`, `%colors NoColor` (the SDKs show tracebacks as plain text), formatters. */
function pythonInitCode(cwd: string): string {
  return `def __kruise_agents_cwd():
    import os
    os.chdir(${JSON.stringify(cwd)})
    try:
        get_ipython().run_line_magic("colors", "NoColor")
    except Exception:
        pass
__kruise_agents_cwd()
del __kruise_agents_cwd
${PYTHON_STARTUP}`;
}

/** Single-quotes `value` for bash. */
function bashQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/** Names bash can `export`; others are skipped for bash kernels. */
const BASH_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Code that puts a fresh kernel in `cwd` (and, for Python, sets up display formatters). Empty for
 * kernels the runtime has no set-up for.
 */
export function initCode(family: KernelFamily, cwd: string): string {
  const path = JSON.stringify(cwd);
  switch (family) {
    case "python":
      return pythonInitCode(cwd);
    case "javascript":
      return `Deno.chdir(${path});`;
    case "bash":
      return `cd ${bashQuote(cwd)}`;
    case "r":
      return `setwd(${path})`;
    case "java":
      // The JVM cannot change its working directory; `user.dir` is what Java code reads as the
      // cwd (and the kernel process is started in `cwd` too).
      return `System.setProperty("user.dir", ${path});`;
    case "other":
      return "";
  }
}

function bashEnvCode(set: Readonly<Record<string, string>>, unset: readonly string[]): string {
  return [
    ...Object.entries(set).filter(([name]) => BASH_NAME.test(name)).map(([name, value]) =>
      `export ${name}=${bashQuote(value)}`
    ),
    ...unset.filter((name) => BASH_NAME.test(name)).map((name) => `unset ${name}`),
  ].join("\n");
}

function rEnvCode(set: Readonly<Record<string, string>>, unset: readonly string[]): string {
  const lines: string[] = [];
  const pairs = Object.entries(set).map(([name, value]) =>
    `${JSON.stringify(name)} = ${JSON.stringify(value)}`
  );
  if (pairs.length > 0) lines.push(`invisible(Sys.setenv(${pairs.join(", ")}))`);
  if (unset.length > 0) {
    lines.push(`invisible(Sys.unsetenv(c(${unset.map((n) => JSON.stringify(n)).join(", ")})))`);
  }
  return lines.join("\n");
}

function javaEnvCode(set: Readonly<Record<string, string>>, unset: readonly string[]): string {
  return [
    ...Object.entries(set).map(([name, value]) =>
      `System.setProperty(${JSON.stringify(name)}, ${JSON.stringify(value)});`
    ),
    ...unset.map((name) => `System.clearProperty(${JSON.stringify(name)});`),
  ].join("\n");
}

/**
 * Code that sets every variable in `set` and removes every name in `unset` from the kernel's
 * process environment, so child processes the user's code starts see them too (Java: its system
 * properties, see the module doc). Empty when there is nothing to do.
 */
export function envCode(
  family: KernelFamily,
  set: Readonly<Record<string, string>>,
  unset: readonly string[] = [],
): string {
  if (Object.keys(set).length === 0 && unset.length === 0) return "";
  switch (family) {
    case "python":
      return `(lambda os, s, u: (os.environ.update(s), [os.environ.pop(k, None) for k in u]))(` +
        `__import__("os"), ${JSON.stringify(set)}, ${JSON.stringify(unset)})`;
    case "javascript":
      return `{ for (const [k, v] of Object.entries(${JSON.stringify(set)})) Deno.env.set(k, v); ` +
        `for (const k of ${JSON.stringify(unset)}) Deno.env.delete(k); }`;
    case "bash":
      return bashEnvCode(set, unset);
    case "r":
      return rEnvCode(set, unset);
    case "java":
      return javaEnvCode(set, unset);
    case "other":
      return "";
  }
}

/**
 * What undoes a per-execution `env_vars`: names that also exist sandbox-wide go back to the
 * sandbox-wide value, the others are removed (upstream's semantics: overrides revert to the
 * global value, per-execution variables do not persist).
 */
export function envRestore(
  envVars: Readonly<Record<string, string>>,
  globalEnvs: Readonly<Record<string, string>>,
): { set: Record<string, string>; unset: string[] } {
  const set: Record<string, string> = {};
  const unset: string[] = [];
  for (const name of Object.keys(envVars)) {
    const global = Object.hasOwn(globalEnvs, name) ? globalEnvs[name] : undefined;
    if (global === undefined) unset.push(name);
    else set[name] = global;
  }
  return { set, unset };
}
