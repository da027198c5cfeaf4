/**
 * POSIX path functions with the semantics of Node's `path.posix`, for code that must not load
 * Deno's Node compatibility layer: importing any `node:` module costs a process about 5 MB of
 * resident memory, which matters for the in-sandbox runtime (idle RSS target 60 MB). A stand-in
 * for `@std/path/posix`, which is on JSR and unreachable here.
 *
 * @example
 * ```ts
 * import { posix } from "@kruise-agents/shared/std";
 * posix.join("/home/user", "../etc"); // "/home/etc"
 * ```
 *
 * @module
 */

function normalizeSegments(path: string, absolute: boolean): string {
  const out: string[] = [];
  for (const segment of path.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") {
      if (out.length > 0 && out[out.length - 1] !== "..") out.pop();
      else if (!absolute) out.push("..");
    } else out.push(segment);
  }
  return out.join("/");
}

/** Collapses `//`, `.` and `..`; keeps a trailing slash; `""` becomes `"."`. */
function normalize(path: string): string {
  if (path === "") return ".";
  const absolute = path.startsWith("/");
  const trailing = path.endsWith("/");
  let body = normalizeSegments(path, absolute);
  if (body === "" && !absolute) body = ".";
  if (body !== "" && trailing) body += "/";
  return absolute ? `/${body}` : body;
}

/** Joins the non-empty parts with `/` and normalizes; no parts (or all empty) is `"."`. */
function join(...parts: string[]): string {
  const joined = parts.filter((p) => p !== "").join("/");
  return joined === "" ? "." : normalize(joined);
}

/** Strips trailing slashes but keeps a lone root. */
function trimTrailing(path: string): string {
  let end = path.length;
  while (end > 1 && path[end - 1] === "/") end--;
  return path.slice(0, end);
}

/**
 * The directory part, as Node computes it: everything before the last slash that follows a
 * non-slash character (`"/a/b"` → `"/a"`, `"a//b"` → `"a/"`, `"a"` → `"."`, `"/"` → `"/"`).
 */
function dirname(path: string): string {
  if (path === "") return ".";
  const rooted = path.startsWith("/");
  let seenName = false;
  for (let i = path.length - 1; i >= 1; i--) {
    if (path[i] !== "/") seenName = true;
    else if (seenName) return rooted && i === 1 ? "//" : path.slice(0, i);
  }
  return rooted ? "/" : ".";
}

/** The last segment, without `suffix` when it ends with it. */
function basename(path: string, suffix?: string): string {
  const trimmed = trimTrailing(path);
  if (trimmed === "/") return "";
  const base = trimmed.slice(trimmed.lastIndexOf("/") + 1);
  return suffix && base.endsWith(suffix) ? base.slice(0, base.length - suffix.length) : base;
}

/** The extension of the last segment, from its last `.` (not a leading one): `".txt"` or `""`. */
function extname(path: string): string {
  const base = basename(path);
  const dot = base.lastIndexOf(".");
  return dot <= 0 || base === ".." ? "" : base.slice(dot);
}

/** The path from absolute `from` to absolute `to`. */
function relative(from: string, to: string): string {
  const a = normalize(from).split("/").filter(Boolean);
  const b = normalize(to).split("/").filter(Boolean);
  let common = 0;
  while (common < a.length && common < b.length && a[common] === b[common]) common++;
  return [...Array(a.length - common).fill(".."), ...b.slice(common)].join("/");
}

/**
 * Node-compatible POSIX path functions (a subset: the ones this project uses).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { posix } from "@kruise-agents/shared/std";
 * assert.equal(posix.join("/home/user", "../root", "a.txt"), "/home/root/a.txt");
 * assert.equal(posix.relative("/a/b", "/a/c/d"), "../c/d");
 * ```
 */
export const posix: {
  /** {@linkcode normalize} */
  normalize: (path: string) => string;
  /** {@linkcode join} */
  join: (...parts: string[]) => string;
  /** {@linkcode dirname} */
  dirname: (path: string) => string;
  /** {@linkcode basename} */
  basename: (path: string, suffix?: string) => string;
  /** {@linkcode extname} */
  extname: (path: string) => string;
  /** {@linkcode relative} */
  relative: (from: string, to: string) => string;
} = { normalize, join, dirname, basename, extname, relative };
