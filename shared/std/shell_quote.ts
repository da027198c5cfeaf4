/**
 * POSIX shell quoting for the `export NAME=value` lines that `deno task dev` and `deno task deploy`
 * print for people to `eval`, and for commands shown to them.
 *
 * @module
 */

/**
 * Quotes `value` for a POSIX shell when it needs it (a data directory with a space, a command
 * line of a hook), so that `eval` reads back exactly `value`.
 *
 * @example
 * ```ts
 * import { shellQuote } from "@kruise-agents/shared/std";
 * console.log(`export DIR=${shellQuote("/tmp/a b")}`); // export DIR='/tmp/a b'
 * ```
 */
export function shellQuote(value: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`;
}
