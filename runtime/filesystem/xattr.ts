/**
 * File metadata as envd stores it: one extended attribute `user.e2b.<key>` per entry. The runtime
 * has no `--allow-ffi`, so it cannot call `getxattr(2)` itself; it runs `getfattr`/`setfattr`
 * from Debian's `attr` package instead, one process per batch of paths (listing a directory reads
 * every entry's metadata with a single `getfattr`). Where the tools are missing or the filesystem
 * has no user xattrs, metadata reads as empty and writes report `false`, so files still work.
 *
 * @module
 */

/** The xattr namespace prefix of E2B metadata keys. */
export const METADATA_PREFIX = "user.e2b.";

/** Paths per `getfattr` invocation, well below the kernel's argument-size limit. */
const BATCH = 256;

let toolsMissing = false;

/** Escapes a path as the `attr` tools quote names: `\ooo` for bytes outside printable ASCII. */
export function quoteAttrPath(path: string): string {
  let out = "";
  for (const byte of new TextEncoder().encode(path)) {
    out += byte <= 0x20 || byte >= 0x7f || byte === 0x5c
      ? `\\${byte.toString(8).padStart(3, "0")}`
      : String.fromCharCode(byte);
  }
  return out;
}

/** Reverses {@linkcode quoteAttrPath}. */
export function unquoteAttrPath(quoted: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < quoted.length; i++) {
    const octal = quoted[i] === "\\" ? /^[0-7]{3}/.exec(quoted.slice(i + 1)) : null;
    if (octal) {
      bytes.push(parseInt(octal[0], 8));
      i += 3;
    } else {
      bytes.push(...new TextEncoder().encode(quoted[i]));
    }
  }
  return new TextDecoder().decode(new Uint8Array(bytes));
}

/**
 * Parses `getfattr -d -e base64 --absolute-names` output into metadata per path; paths with no
 * E2B attribute are absent, as getfattr prints no block for them.
 */
export function parseGetfattrDump(text: string): Map<string, Record<string, string>> {
  const result = new Map<string, Record<string, string>>();
  let current: Record<string, string> | undefined;
  for (const line of text.split("\n")) {
    if (line.startsWith("# file: ")) {
      current = {};
      result.set(unquoteAttrPath(line.slice(8)), current);
      continue;
    }
    if (!current || !line.startsWith(METADATA_PREFIX)) continue;
    const eq = line.indexOf("=");
    const key = (eq < 0 ? line : line.slice(0, eq)).slice(METADATA_PREFIX.length);
    const raw = eq < 0 ? "" : line.slice(eq + 1);
    current[key] = decodeAttrValue(raw);
  }
  for (const [path, metadata] of result) {
    if (Object.keys(metadata).length === 0) result.delete(path);
  }
  return result;
}

function decodeAttrValue(raw: string): string {
  if (raw.startsWith("0s")) {
    return new TextDecoder().decode(Uint8Array.fromBase64(raw.slice(2)));
  }
  if (raw.startsWith('"') && raw.endsWith('"')) return unquoteAttrPath(raw.slice(1, -1));
  return raw;
}

async function run(
  cmd: string,
  args: string[],
  stdin?: string,
): Promise<Deno.CommandOutput | undefined> {
  if (toolsMissing) return undefined;
  try {
    const child = new Deno.Command(cmd, {
      args,
      stdin: stdin === undefined ? "null" : "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    if (stdin !== undefined) {
      const writer = child.stdin.getWriter();
      await writer.write(new TextEncoder().encode(stdin));
      await writer.close();
    }
    return await child.output();
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      toolsMissing = true;
      return undefined;
    }
    throw error;
  }
}

/**
 * Reads the E2B metadata of many paths (symlinks followed); a path without any, or one that
 * cannot be read, is absent from the result.
 */
export async function readMetadataMany(
  paths: readonly string[],
): Promise<Map<string, Record<string, string>>> {
  const result = new Map<string, Record<string, string>>();
  for (let i = 0; i < paths.length; i += BATCH) {
    const batch = paths.slice(i, i + BATCH);
    const out = await run("getfattr", [
      "--absolute-names",
      "-d",
      "-m",
      "^user\\.e2b\\.",
      "-e",
      "base64",
      "--",
      ...batch,
    ]);
    // getfattr exits non-zero when one path fails but still prints the others.
    if (!out) return result;
    for (const [path, metadata] of parseGetfattrDump(new TextDecoder().decode(out.stdout))) {
      result.set(path, metadata);
    }
  }
  return result;
}

/** Reads the E2B metadata of one path; empty when it has none. */
export async function readMetadata(path: string): Promise<Record<string, string>> {
  return (await readMetadataMany([path])).get(path) ?? {};
}

/**
 * Sets `metadata` on `path` with one `setfattr --restore`. Returns `false` when the tools are
 * missing or the filesystem refuses user xattrs, so that an upload still succeeds there.
 */
export async function writeMetadata(
  path: string,
  metadata: Readonly<Record<string, string>>,
): Promise<boolean> {
  const entries = Object.entries(metadata);
  if (entries.length === 0) return true;
  let dump = `# file: ${quoteAttrPath(path)}\n`;
  for (const [key, value] of entries) {
    dump += `${METADATA_PREFIX}${key}=0s${new TextEncoder().encode(value).toBase64()}\n`;
  }
  const out = await run("setfattr", ["--restore=-"], dump);
  return out?.success ?? false;
}
