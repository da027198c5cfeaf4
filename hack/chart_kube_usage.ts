/**
 * What a program asks of the Kubernetes API, read from its source: the RBAC rules the chart must
 * grant it, no more. The programs reach Kubernetes only through the `shared/kube` seam, so the
 * calls are few and regular: `kube.<method>(RESOURCE, ...)` and `new Informer({ resource:
 * RESOURCE })` (which lists and watches), where `RESOURCE` is a `Resource` constant such as
 * `SANDBOXES`. The files scanned are exactly the modules the program's `main.ts` loads
 * (`deno info --json`), so a test double or a sibling program never counts, and a new call or a
 * new resource (a Lease for leader election, say) shows up here without editing this file.
 *
 * A call made through a variable (`kube.get(resource, ...)` with a lower-case name) is the seam's
 * own plumbing (the informer, the clients) and is not counted: the constant at the call site above
 * it is.
 *
 * @module
 */

/** One RBAC rule: verbs on one resource (or subresource) of one API group. */
export interface Rule {
  /** API group (`""` for the core group). */
  apiGroup: string;
  /** Plural resource name, with `/status` (or `/resize`, ...) for a subresource. */
  resource: string;
  /** Verbs, sorted. */
  verbs: string[];
}

/** A `Resource` constant found in the sources. */
interface ResourceConstant {
  apiGroup: string;
  plural: string;
}

/** The RBAC verbs and subresource behind each method of the seam's `KubeClient`. */
const METHOD_VERBS: Record<string, { verb: string; status?: boolean }> = {
  get: { verb: "get" },
  list: { verb: "list" },
  watch: { verb: "watch" },
  create: { verb: "create" },
  update: { verb: "update" },
  updateStatus: { verb: "update", status: true },
  patch: { verb: "patch" },
  patchStatus: { verb: "patch", status: true },
  delete: { verb: "delete" },
};

const CALL = new RegExp(
  String.raw`\.(${Object.keys(METHOD_VERBS).join("|")})\s*(?:<[^>()]*>)?\(\s*([A-Z][A-Z0-9_]*)\b`,
  "g",
);
const INFORMER_RESOURCE = /\bresource:\s*([A-Z][A-Z0-9_]*)\b/g;
const RESOURCE_CONSTANT = /\bconst\s+([A-Z][A-Z0-9_]*)\s*:\s*Resource\s*=\s*\{([^}]*)\}/g;

/**
 * `text` without its comments (block comments, and lines that are only a `//` comment): JSDoc
 * examples show seam calls (`kube.get(SANDBOXES, ...)`, `headers.get(NAME)`) that the program
 * itself never makes.
 */
function code(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
}

/** The local source files `entry` loads (tests excluded), as absolute paths. */
export async function programFiles(entry: string): Promise<string[]> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", entry],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    throw new Error(`deno info ${entry} failed: ${new TextDecoder().decode(out.stderr)}`);
  }
  const graph = JSON.parse(new TextDecoder().decode(out.stdout)) as {
    modules: { specifier: string }[];
  };
  return graph.modules
    .map((m) => m.specifier)
    .filter((s) => s.startsWith("file://") && !s.endsWith("_test.ts"))
    .map((s) => new URL(s).pathname)
    .sort();
}

function resourceConstants(texts: string[]): Map<string, ResourceConstant> {
  const out = new Map<string, ResourceConstant>();
  for (const text of texts) {
    for (const [, name, body] of text.matchAll(RESOURCE_CONSTANT)) {
      const apiVersion = /apiVersion:\s*"([^"]+)"/.exec(body!)?.[1];
      const plural = /plural:\s*"([^"]+)"/.exec(body!)?.[1];
      if (apiVersion === undefined || plural === undefined) {
        throw new TypeError(`Cannot read the Resource constant ${name}: no apiVersion or plural`);
      }
      const slash = apiVersion.lastIndexOf("/");
      out.set(name!, { apiGroup: slash < 0 ? "" : apiVersion.slice(0, slash), plural });
    }
  }
  return out;
}

/**
 * The RBAC rules that the calls in `texts` (a program's sources) need, one per resource and
 * subresource, sorted by group and resource. Throws `TypeError` for a call on a constant that no
 * text defines as a `Resource`.
 */
export function rulesOf(sources: string[]): Rule[] {
  const texts = sources.map(code);
  const constants = resourceConstants(texts);
  const verbs = new Map<string, Set<string>>();
  const add = (name: string, verb: string, subresource: string | undefined) => {
    const constant = constants.get(name);
    if (constant === undefined) {
      throw new TypeError(`Cannot map ${name} to a resource: no "const ${name}: Resource" found`);
    }
    const key = `${constant.apiGroup}|${constant.plural}${subresource ? `/${subresource}` : ""}`;
    verbs.set(key, (verbs.get(key) ?? new Set()).add(verb));
  };
  for (const text of texts) {
    for (const match of text.matchAll(CALL)) {
      const [, method, name] = match;
      const { verb, status } = METHOD_VERBS[method!]!;
      // A patch through another subresource names it in its options (`{ subresource: "resize" }`),
      // within the call: up to the statement's end.
      const call = text.slice(match.index, text.indexOf(";", match.index));
      const named = /\bsubresource:\s*"([a-z]+)"/.exec(call)?.[1];
      add(name!, verb, status ? "status" : named);
    }
    for (const [, name] of text.matchAll(INFORMER_RESOURCE)) {
      add(name!, "list", undefined);
      add(name!, "watch", undefined);
    }
  }
  return [...verbs].map(([key, set]) => {
    const [apiGroup, resource] = key.split("|") as [string, string];
    return { apiGroup, resource, verbs: [...set].sort() };
  }).sort((a, b) => `${a.apiGroup}|${a.resource}`.localeCompare(`${b.apiGroup}|${b.resource}`));
}

/** The RBAC rules the program started by `entry` (e.g. `controller/main.ts`) needs. */
export async function programRules(entry: string): Promise<Rule[]> {
  const files = await programFiles(entry);
  return rulesOf(await Promise.all(files.map((f) => Deno.readTextFile(f))));
}

if (import.meta.main) {
  for (const entry of Deno.args) {
    console.log(entry);
    for (const rule of await programRules(entry)) {
      console.log(`  ${rule.apiGroup || "core"} ${rule.resource}: ${rule.verbs.join(", ")}`);
    }
  }
}
