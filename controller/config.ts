/**
 * The controller's command line, parsed (pure) into a typed {@linkcode Config}. Unknown flags
 * and malformed values throw `TypeError` naming the flag, so a typo fails at start instead of
 * silently running with a default.
 *
 * @module
 */

/** What `main.ts` runs with. */
export interface Config {
  /** A kubeconfig file; absent means the in-cluster service account (or `KUBECONFIG`). */
  kubeconfig?: string;
  /** Only this namespace; absent means all namespaces. */
  namespace?: string;
  /** Concurrent reconciles per controller. */
  workers: number;
  /** Whether `--help` was asked for. */
  help: boolean;
}

/** Usage text for `--help`. */
export const USAGE = `Usage: controller [options]

Reconciles SandboxSets (warm pools) and Sandboxes (pods, pause/resume, deadlines).

Options:
  --kubeconfig PATH   kubeconfig file (default: in-cluster service account, or $KUBECONFIG)
  --namespace NAME    watch only this namespace (default: all)
  --workers N         concurrent reconciles per controller (default: 4)
  --help              print this text
`;

const VALUE_FLAGS = new Set(["kubeconfig", "namespace", "workers"]);

/** Parses `args` (e.g. `Deno.args`); throws `TypeError` on an unknown flag or a bad value. */
export function parseConfig(args: readonly string[]): Config {
  const config: Config = { workers: 4, help: false };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (!arg.startsWith("--")) throw new TypeError(`Cannot parse argument "${arg}": not a flag`);
    const eq = arg.indexOf("=");
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    if (name === "help") {
      config.help = true;
      continue;
    }
    if (!VALUE_FLAGS.has(name)) throw new TypeError(`Cannot parse flag "--${name}": unknown flag`);
    let value: string | undefined;
    if (eq >= 0) value = arg.slice(eq + 1);
    else value = args[++i];
    if (value === undefined || value === "") {
      throw new TypeError(`Cannot parse flag "--${name}": a value is required`);
    }
    switch (name) {
      case "kubeconfig":
        config.kubeconfig = value;
        break;
      case "namespace":
        config.namespace = value;
        break;
      case "workers": {
        const n = Number(value);
        if (!Number.isInteger(n) || n < 1 || n > 64) {
          throw new TypeError(
            `Cannot parse flag "--workers": expected an integer 1..64, got "${value}"`,
          );
        }
        config.workers = n;
        break;
      }
    }
  }
  return config;
}
