import assert from "node:assert/strict";
import { TextLineStream } from "./text_line_stream.ts";

Deno.test("TextLineStream splits across chunk borders and keeps a last unterminated line", async () => {
  const cases: [string[], string[]][] = [
    [["a\nb", "\nc"], ["a", "b", "c"]],
    [["a\r\n", "b\r\n"], ["a", "b"]],
    [["", "\n\n"], ["", ""]],
    [["abc"], ["abc"]],
    [[], []],
  ];
  for (const [input, expected] of cases) {
    const lines = ReadableStream.from(input).pipeThrough(new TextLineStream());
    assert.deepEqual(await Array.fromAsync(lines), expected, JSON.stringify(input));
  }
});
