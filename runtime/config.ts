/**
 * Command-line flags of agent-runtime, parsed into a typed config by a pure function.
 *
 * @module
 */

/** The runtime's configuration. */
export interface RuntimeConfig {
  /** Address to listen on. @default {"0.0.0.0"} */
  host: string;
  /** envd API port. @default {49983} */
  port: number;
  /** Code-interpreter port; 0 turns the code interpreter off, "auto" picks a free port.
   * @default {49999} */
  interpreterPort: number | "auto";
  /** Default run-as user until `/init` names one. @default {"user"} */
  defaultUser: string;
  /**
   * A file holding the access token, read once at start (for running outside a pod); without
   * it the token comes from the `KRUISE_AGENTS_ACCESS_TOKEN` env var, if set.
   */
  accessTokenFile: string | undefined;
}

/** The usage text printed for `--help` and for bad flags. */
export const USAGE =
  `Usage: agent-runtime [--host ADDR] [--port N] [--interpreter-port N] [--user NAME]
                     [--access-token-file PATH]

  --host ADDR                address to listen on (default 0.0.0.0)
  --port N                   envd API port (default 49983)
  --interpreter-port N       code-interpreter port, 0 to disable, auto for any free
                             port (default 49999)
  --user NAME                default run-as user until /init sets one (default user)
  --access-token-file PATH   read the access token from PATH once at start; without it
                             the token is taken from $KRUISE_AGENTS_ACCESS_TOKEN, and
                             without either the runtime is open until /init sets one`;

function port(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    throw new RangeError(`Cannot parse --${name}: "${value}" is not a port number`);
  }
  return n;
}

const FLAGS = ["host", "port", "interpreter-port", "user", "access-token-file"] as const;
type Flag = typeof FLAGS[number];

/**
 * Reads `--flag value` and `--flag=value` pairs. Hand-written rather than `node:util`'s
 * `parseArgs`, which every other program uses, because of what it costs an idle sandbox:
 * measured on Deno 2.9.6 (a bare `Deno.serve` with `--max-semi-space-size=1`, RSS after 1.5 s,
 * three runs each), importing `node:util` and calling `parseArgs` raises resident memory from
 * 38.6–39.8 MB to 39.9–41.4 MB, 1.3 MB per sandbox, against an idle target of 40 MB.
 */
function readFlags(args: string[]): Partial<Record<Flag, string>> {
  const values: Partial<Record<Flag, string>> = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    const name = m?.[1] as Flag | undefined;
    if (!m || !name || !FLAGS.includes(name)) {
      throw new TypeError(`Unknown option '${arg}'`);
    }
    const value = m[2] ?? args[++i];
    if (value === undefined) throw new TypeError(`Option '--${name}' needs a value`);
    values[name] = value;
  }
  return values;
}

/** Parses `args` (without the program name); throws `TypeError`/`RangeError` on bad flags. */
export function parseConfig(args: string[]): RuntimeConfig {
  const values = readFlags(args);
  return {
    host: values.host ?? "0.0.0.0",
    port: port(values.port, "port", 49983),
    interpreterPort: values["interpreter-port"] === "auto"
      ? "auto"
      : port(values["interpreter-port"], "interpreter-port", 49999),
    defaultUser: values.user ?? "user",
    accessTokenFile: values["access-token-file"],
  };
}
