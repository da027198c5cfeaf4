/**
 * The shape rules of the code base, checked on every run: no source file over 500 lines and no
 * function over 80 lines, so a long one is split into named steps when it is written, not after
 * it has been copied. Generated code (`shared/envd/gen`) is exempt.
 *
 * Functions are found the way `deno fmt` lays them out: a line that opens a function, method,
 * constructor, getter or arrow-function body with `{` at the end, closed by the first later line
 * at the same indentation that starts with `}`. Run `deno test -A hack/code_shape_test.ts` to see
 * the offenders.
 *
 * @module
 */
import assert from "node:assert/strict";

const ROOT = new URL("../", import.meta.url).pathname;
const MAX_FILE_LINES = 500;
const MAX_FUNCTION_LINES = 80;

/** A function-like block and its length in lines (signature to closing brace). */
export interface Block {
  /** `path:line`. */
  where: string;
  /** The opening line, trimmed. */
  head: string;
  /** Lines from the opening line to the closing brace, both included. */
  lines: number;
}

const OPENERS = [
  /^(export\s+)?(default\s+)?(async\s+)?function\*?\s*\w*\s*[<(]/,
  /^(static\s+)?(async\s+)?\*?(get\s+|set\s+)?#?\w+\s*(<[^>]*>)?\(.*\)?.*\{$/,
  /^constructor\s*\(/,
  /^(export\s+)?(const|let)\s+\w+.*=\s*(async\s+)?(\([^)]*\)|\w+)\s*(:\s*[^=]+)?=>\s*\{$/,
];
const NOT_FUNCTIONS = /^(if|for|while|switch|catch|return|else|do|try|with)\b/;

/** The function-like blocks of `text`. */
export function blocks(text: string, path: string): Block[] {
  const lines = text.split("\n");
  const out: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const trimmed = line.trim();
    if (!trimmed.endsWith("{")) continue;
    // A signature broken over several lines (`foo(\n  a,\n): T {`) starts at the line that ends
    // with `(`; it is matched as one line.
    let start = i;
    if (/^\)/.test(trimmed)) {
      while (start > 0 && !/\($/.test(lines[start]!.trim())) start--;
    }
    const head = lines.slice(start, i + 1).map((l) => l.trim()).join(" ");
    if (NOT_FUNCTIONS.test(head) || !OPENERS.some((re) => re.test(head))) continue;
    const indent = lines[start]!.length - lines[start]!.trimStart().length;
    let end = i + 1;
    while (end < lines.length) {
      const l = lines[end]!;
      if (
        l.trim() !== "" && l.length - l.trimStart().length === indent && l.trim().startsWith("}")
      ) {
        break;
      }
      end++;
    }
    out.push({ where: `${path}:${start + 1}`, head, lines: end - start + 1 });
  }
  return out;
}

async function sources(): Promise<string[]> {
  const out = await new Deno.Command("git", {
    args: ["ls-files", "--cached", "--others", "--exclude-standard", "*.ts"],
    cwd: ROOT,
    stdout: "piped",
  }).output();
  return new TextDecoder().decode(out.stdout).split("\n")
    .filter((p) => p !== "" && !p.includes("/gen/"));
}

Deno.test("blocks() finds functions, methods and arrow bodies with their lengths", () => {
  const text = [
    "export async function a(x: number): Promise<void> {",
    "  if (x) {",
    "  }",
    "}",
    "class C {",
    "  #m(",
    "    y: string,",
    "  ): void {",
    "    return;",
    "  }",
    "}",
    "const f = (z: number) => {",
    "};",
  ].join("\n");
  assert.deepEqual(blocks(text, "t.ts").map((b) => [b.where, b.lines]), [
    ["t.ts:1", 4],
    ["t.ts:6", 5],
    ["t.ts:12", 2],
  ]);
});

Deno.test(`no source file over ${MAX_FILE_LINES} lines, no function over ${MAX_FUNCTION_LINES}`, async () => {
  const longFiles: string[] = [];
  const longFunctions: string[] = [];
  for (const path of await sources()) {
    let text: string;
    try {
      text = await Deno.readTextFile(`${ROOT}${path}`);
    } catch {
      continue; // deleted in the working tree
    }
    const count = text.split("\n").length - (text.endsWith("\n") ? 1 : 0);
    if (count > MAX_FILE_LINES) longFiles.push(`${path} (${count})`);
    for (const block of blocks(text, path)) {
      if (block.lines > MAX_FUNCTION_LINES) {
        longFunctions.push(`${block.where} (${block.lines}) ${block.head}`);
      }
    }
  }
  assert.deepEqual({ longFiles, longFunctions }, { longFiles: [], longFunctions: [] });
});
