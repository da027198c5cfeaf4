/**
 * Language names as the code-interpreter API accepts them, and which Jupyter kernel serves each.
 *
 * @module
 */

/**
 * How the runtime talks to a kernel: which code it sends to change directory and set env vars.
 * `other` kernels get no set-up code (they run in the directory they were started in).
 */
export type KernelFamily = "python" | "javascript" | "bash" | "r" | "java" | "other";

/**
 * Normalizes a request's `language` the way upstream does: empty → `python`, `js` → `javascript`,
 * `ts` → `typescript`, everything else lower-cased and trimmed.
 *
 * @example
 * ```ts
 * import { normalizeLanguage } from "./language.ts";
 * normalizeLanguage(" JS "); // "javascript"
 * ```
 */
export function normalizeLanguage(language: string | null | undefined): string {
  const normalized = (language ?? "").trim().toLowerCase();
  if (normalized === "") return "python";
  if (normalized === "js") return "javascript";
  if (normalized === "ts") return "typescript";
  return normalized;
}

/** The family of a normalized language, which decides the set-up code the kernel gets. */
export function kernelFamily(language: string): KernelFamily {
  switch (language) {
    case "python":
      return "python";
    case "javascript":
    case "typescript":
    case "deno":
      return "javascript";
    case "bash":
    case "r":
    case "java":
      return language;
    default:
      return "other";
  }
}

/**
 * Kernelspec names per language, most preferred first; the first one installed serves the
 * language. Python is ipykernel's `python3`. JavaScript, TypeScript and `deno` all run on Deno's
 * own kernel (`deno jupyter --install` names it `deno`), which speaks TypeScript, so one kernel
 * serves them. bash is bash_kernel's `bash`. R is IRkernel: E2B's template registers it as `r`,
 * Debian's `r-cran-irkernel` as IRkernel's default `ir`. Java is `java`, the name both IJava and
 * JJava (PyPI `jjava`) register. Languages not listed use their own name, as upstream does.
 */
export const DEFAULT_KERNEL_NAMES: Readonly<Record<string, readonly string[]>> = Object.freeze({
  python: ["python3"],
  javascript: ["deno"],
  typescript: ["deno"],
  deno: ["deno"],
  bash: ["bash"],
  r: ["r", "ir"],
  java: ["java"],
});

/**
 * The kernelspec names that may serve a normalized language, most preferred first: the override
 * alone when `overrides` names one, else the defaults, else the language itself.
 */
export function kernelCandidates(
  language: string,
  overrides: Readonly<Record<string, string>> = {},
): readonly string[] {
  const override = overrides[language];
  if (override !== undefined) return [override];
  return DEFAULT_KERNEL_NAMES[language] ?? [language];
}

/**
 * The installed kernelspec that serves `language` (see {@linkcode kernelCandidates}), or
 * `undefined` when none of its candidates is installed.
 */
export function pickKernelspec(
  language: string,
  installed: Iterable<string>,
  overrides: Readonly<Record<string, string>> = {},
): string | undefined {
  const names = new Set(installed);
  return kernelCandidates(language, overrides).find((name) => names.has(name));
}
