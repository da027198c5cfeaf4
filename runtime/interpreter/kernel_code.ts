/**
 * Code the runtime runs silently in a kernel around user code: the set-up after each kernel start
 * (working directory, plain tracebacks, the `e2b/data` display formatter) and the setting and
 * unsetting of env vars. Kept apart from the user's cell (upstream prepends it to the cell) so
 * tracebacks keep the user's line numbers and the trailing expression stays the cell's result.
 *
 * Values are embedded as JSON literals, which are valid string literals in Python and JavaScript.
 *
 * @module
 */
import type { KernelFamily } from "./language.ts";

/**
 * Python set-up: `chdir`, `%colors NoColor` (the SDKs show tracebacks as plain text) and the
 * `e2b/data` formatter upstream's template registers for pandas DataFrames (column → values).
 * The formatter swallows its own failures: IPython would otherwise report them as an `error`
 * output of the user's cell. It round-trips through `DataFrame.to_json` so NaN, dates and numpy
 * scalars never reach Jupyter's JSON packer, which would drop the whole display message.
 */
function pythonInitCode(cwd: string): string {
  return `def __e2b_setup():
    import json, os
    os.chdir(${JSON.stringify(cwd)})
    ip = get_ipython()
    try:
        ip.run_line_magic("colors", "NoColor")
    except Exception:
        pass
    from IPython.core.formatters import BaseFormatter
    from traitlets import ObjectName, Unicode

    class E2BDataFormatter(BaseFormatter):
        format_type = Unicode("e2b/data")
        print_method = ObjectName("_repr_e2b_data_")
        _return_type = (dict, str)

    def dataframe(df):
        try:
            split = json.loads(df.to_json(orient="split", default_handler=str, date_format="iso"))
            return {str(c): [row[i] for row in split["data"]] for i, c in enumerate(split["columns"])}
        except Exception:
            return None

    formatter = E2BDataFormatter(parent=ip.display_formatter)
    # pandas 3 reports DataFrame's module as "pandas", earlier versions as "pandas.core.frame".
    formatter.for_type_by_name("pandas", "DataFrame", dataframe)
    formatter.for_type_by_name("pandas.core.frame", "DataFrame", dataframe)
    ip.display_formatter.formatters["e2b/data"] = formatter
__e2b_setup()
del __e2b_setup
`;
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
  switch (family) {
    case "python":
      return pythonInitCode(cwd);
    case "javascript":
      return `Deno.chdir(${JSON.stringify(cwd)});`;
    case "bash":
      return `cd ${bashQuote(cwd)}`;
    case "other":
      return "";
  }
}

/**
 * Code that sets every variable in `set` and removes every name in `unset` from the kernel's
 * process environment, so child processes the user's code starts see them too. Empty when there
 * is nothing to do.
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
    case "bash": {
      const lines = [
        ...Object.entries(set).filter(([name]) => BASH_NAME.test(name)).map(([name, value]) =>
          `export ${name}=${bashQuote(value)}`
        ),
        ...unset.filter((name) => BASH_NAME.test(name)).map((name) => `unset ${name}`),
      ];
      return lines.join("\n");
    }
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
