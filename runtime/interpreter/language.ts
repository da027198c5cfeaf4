/**
 * Language names as the code-interpreter API accepts them, and which Jupyter kernel serves each.
 *
 * @module
 */

/**
 * How the runtime talks to a kernel: which code it sends to change directory and set env vars.
 * `other` kernels get no set-up code (they run in the Jupyter Server's root directory).
 */
export type KernelFamily = "python" | "javascript" | "bash" | "other";

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
      return "javascript";
    case "bash":
      return "bash";
    default:
      return "other";
  }
}

/**
 * Default kernelspec names per language. Python is ipykernel's `python3`; JavaScript and
 * TypeScript both run on Deno's own kernel (`deno jupyter --install` names it `deno`), which
 * speaks TypeScript, so one kernel serves both; bash is bash_kernel's `bash`. Languages not listed
 * use their own name as the kernelspec name, as upstream does.
 */
export const DEFAULT_KERNEL_NAMES: Readonly<Record<string, string>> = Object.freeze({
  python: "python3",
  javascript: "deno",
  typescript: "deno",
  bash: "bash",
});

/** The kernelspec name for a normalized language, with `overrides` taking precedence. */
export function kernelNameFor(
  language: string,
  overrides: Readonly<Record<string, string>> = {},
): string {
  return overrides[language] ?? DEFAULT_KERNEL_NAMES[language] ?? language;
}
