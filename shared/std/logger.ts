/**
 * The one logging seam of every program: one structured JSON line per event on standard error,
 * so a test can silence it, a deployment can ship it, and `deno task dev` (three programs in one
 * process) tells them apart by a `component` field ({@linkcode childLogger}).
 *
 * @module
 */

/**
 * Fields attached to a log line.
 *
 * @example
 * ```ts
 * import { consoleLogger, type LogFields } from "@kruise-agents/shared/std";
 * const fields: LogFields = { sandbox: "default/s", attempt: 2 };
 * consoleLogger.warn("claim retried", fields);
 * ```
 */
export type LogFields = Record<string, unknown>;

/**
 * Where a program writes what it does and what went wrong.
 *
 * @example
 * ```ts
 * import type { Logger } from "@kruise-agents/shared/std";
 * const lines: string[] = [];
 * const memoryLogger: Logger = {
 *   info: (message) => lines.push(`info ${message}`),
 *   warn: (message) => lines.push(`warn ${message}`),
 *   error: (message) => lines.push(`error ${message}`),
 * };
 * memoryLogger.info("started");
 * ```
 */
export interface Logger {
  /** Something worth knowing in normal operation. */
  info(message: string, fields?: LogFields): void;
  /** Something went wrong and will be retried. */
  warn(message: string, fields?: LogFields): void;
  /** Something went wrong and will not be retried. */
  error(message: string, fields?: LogFields): void;
}

function line(level: string, message: string, fields?: LogFields): string {
  return JSON.stringify({ time: new Date().toISOString(), level, msg: message, ...fields });
}

/**
 * Writes JSON lines to standard error.
 *
 * @example
 * ```ts
 * import { consoleLogger } from "@kruise-agents/shared/std";
 * consoleLogger.info("pool filled", { pool: "default/base", replicas: 2 });
 * ```
 */
export const consoleLogger: Logger = {
  info(message: string, fields?: LogFields): void {
    console.error(line("info", message, fields));
  },
  warn(message: string, fields?: LogFields): void {
    console.error(line("warn", message, fields));
  },
  error(message: string, fields?: LogFields): void {
    console.error(line("error", message, fields));
  },
};

/**
 * Drops everything (tests).
 *
 * @example
 * ```ts
 * import { childLogger, silentLogger } from "@kruise-agents/shared/std";
 * const log = childLogger(silentLogger, { component: "test" });
 * log.error("not printed");
 * ```
 */
export const silentLogger: Logger = {
  info(): void {},
  warn(): void {},
  error(): void {},
};

/**
 * A logger that adds `fields` to every line of `logger` (a line's own fields win).
 *
 * @example
 * ```ts
 * import { childLogger, silentLogger } from "@kruise-agents/shared/std";
 * const log = childLogger(silentLogger, { component: "manager" });
 * log.warn("watch restarted", { resource: "sandboxes" });
 * ```
 */
export function childLogger(logger: Logger, fields: LogFields): Logger {
  return {
    info: (message, extra) => logger.info(message, { ...fields, ...extra }),
    warn: (message, extra) => logger.warn(message, { ...fields, ...extra }),
    error: (message, extra) => logger.error(message, { ...fields, ...extra }),
  };
}

/**
 * Renders an unknown thrown value for a log line or an error message.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { errorMessage } from "@kruise-agents/shared/std";
 * assert.equal(errorMessage(new RangeError("too big")), "RangeError: too big");
 * assert.equal(errorMessage("plain"), "plain");
 * ```
 */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
