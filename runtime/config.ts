/**
 * Command-line flags of agent-runtime, parsed into a typed config by a pure function.
 *
 * @module
 */
import { parseArgs } from "node:util";

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
}

/** The usage text printed for `--help` and for bad flags. */
export const USAGE =
  `Usage: agent-runtime [--host ADDR] [--port N] [--interpreter-port N] [--user NAME]

  --host ADDR            address to listen on (default 0.0.0.0)
  --port N               envd API port (default 49983)
  --interpreter-port N   code-interpreter port, 0 to disable, auto for any free
                         port (default 49999)
  --user NAME            default run-as user until /init sets one (default user)`;

function port(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    throw new RangeError(`Cannot parse --${name}: "${value}" is not a port number`);
  }
  return n;
}

/** Parses `args` (without the program name); throws `TypeError`/`RangeError` on bad flags. */
export function parseConfig(args: string[]): RuntimeConfig {
  const { values } = parseArgs({
    args,
    options: {
      host: { type: "string" },
      port: { type: "string" },
      "interpreter-port": { type: "string" },
      user: { type: "string" },
    },
    strict: true,
    allowPositionals: false,
  });
  return {
    host: values.host ?? "0.0.0.0",
    port: port(values.port, "port", 49983),
    interpreterPort: values["interpreter-port"] === "auto"
      ? "auto"
      : port(values["interpreter-port"], "interpreter-port", 49999),
    defaultUser: values.user ?? "user",
  };
}
