/**
 * Splits a stream of text into lines on `\n` (dropping a `\r` before it), so that NDJSON and
 * other line protocols can be read with `for await` without buffering the whole body. A stand-in
 * for `@std/streams/text_line_stream`, which is on JSR and unreachable here. A last line without a
 * trailing newline is still emitted when the input ends.
 *
 * @example
 * ```ts
 * import { TextLineStream } from "@kruise-agents/shared/std";
 * const lines = ReadableStream.from(["a\nb", "\nc"]).pipeThrough(new TextLineStream());
 * console.log(await Array.fromAsync(lines)); // ["a", "b", "c"]
 * ```
 */
export class TextLineStream extends TransformStream<string, string> {
  /** Creates the transform. */
  constructor() {
    let rest = "";
    super({
      transform(chunk, controller) {
        rest += chunk;
        let index: number;
        while ((index = rest.indexOf("\n")) !== -1) {
          const end = index > 0 && rest[index - 1] === "\r" ? index - 1 : index;
          controller.enqueue(rest.slice(0, end));
          rest = rest.slice(index + 1);
        }
      },
      flush(controller) {
        if (rest.length > 0) controller.enqueue(rest.endsWith("\r") ? rest.slice(0, -1) : rest);
      },
    });
  }
}
