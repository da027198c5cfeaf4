/**
 * The controller's logging seam: one structured line per event, so a test can silence it and a
 * deployment can ship it. `deno task dev` passes its own logger.
 *
 * @module
 */

/** Fields attached to a log line. */
export type LogFields = Record<string, unknown>;

/** Where the controller writes what it does and what went wrong. */
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

/** Writes JSON lines to standard error. */
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

/** Drops everything (tests). */
export const silentLogger: Logger = {
  info(): void {},
  warn(): void {},
  error(): void {},
};

/** Renders an unknown thrown value for a log line. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
