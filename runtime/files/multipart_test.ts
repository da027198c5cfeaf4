import assert from "node:assert/strict";
import { indexOfBytes, multipartBoundary, MultipartError, parseMultipart } from "./multipart.ts";

const enc = (s: string) => new TextEncoder().encode(s);

/** A stream that delivers `bytes` in chunks of `size` (the last may be shorter). */
function chunked(bytes: Uint8Array, size: number): ReadableStream<Uint8Array> {
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.slice(i, i + size));
  return ReadableStream.from(chunks);
}

interface Parsed {
  name?: string;
  filename?: string;
  body: string;
}

async function parseAll(stream: ReadableStream<Uint8Array>, boundary: string): Promise<Parsed[]> {
  const out: Parsed[] = [];
  for await (const part of parseMultipart(stream, boundary)) {
    const body = await new Response(part.body).text();
    const entry: Parsed = { body };
    if (part.name !== undefined) entry.name = part.name;
    if (part.filename !== undefined) entry.filename = part.filename;
    out.push(entry);
  }
  return out;
}

const B = "----b0undary";
const cases: { name: string; body: string; want: Parsed[] }[] = [
  {
    name: "two file parts and a field",
    body: `--${B}\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n` +
      `Content-Type: text/plain\r\n\r\nhello\r\n` +
      `--${B}\r\nContent-Disposition: form-data; name="other"\r\n\r\nignored\r\n` +
      `--${B}\r\nContent-Disposition: form-data; name="file"; filename="/abs/b.bin"\r\n\r\n` +
      `line1\r\nline2\r\n--not-the-boundary\r\n\r\n--${B}--\r\n`,
    want: [
      { name: "file", filename: "a.txt", body: "hello" },
      { name: "other", body: "ignored" },
      { name: "file", filename: "/abs/b.bin", body: "line1\r\nline2\r\n--not-the-boundary\r\n" },
    ],
  },
  {
    name: "preamble, empty part, epilogue and transport padding",
    body:
      `preamble\r\n--${B}  \r\nContent-Disposition: form-data; name="file"; filename="e"\r\n\r\n` +
      `\r\n--${B}--\r\nepilogue`,
    want: [{ name: "file", filename: "e", body: "" }],
  },
  {
    name: "quoted names with escapes, RFC 5987 and UTF-8 file names",
    body:
      `--${B}\r\nContent-Disposition: form-data; name="file"; filename="a \\"q\\";.txt"\r\n\r\n1` +
      `\r\n--${B}\r\nContent-Disposition: form-data; name=file; filename*=UTF-8''%C3%A9t%C3%A9.txt\r\n\r\n2` +
      `\r\n--${B}\r\nContent-Disposition: form-data; name="file"; filename="ünï.txt"\r\n\r\n3` +
      `\r\n--${B}--`,
    want: [
      { name: "file", filename: 'a "q";.txt', body: "1" },
      { name: "file", filename: "été.txt", body: "2" },
      { name: "file", filename: "ünï.txt", body: "3" },
    ],
  },
  {
    name: "a part without headers",
    body: `--${B}\r\n\r\nbare\r\n--${B}--\r\n`,
    want: [{ body: "bare" }],
  },
];

Deno.test("parseMultipart() reads parts whatever the chunk borders", async (t) => {
  for (const c of cases) {
    await t.step(c.name, async () => {
      const bytes = enc(c.body);
      for (let size = 1; size <= bytes.length; size++) {
        assert.deepEqual(await parseAll(chunked(bytes, size), B), c.want, `chunk size ${size}`);
      }
    });
  }
});

Deno.test("parseMultipart() rejects malformed bodies with MultipartError", async (t) => {
  const bad: [string, string][] = [
    ["no boundary at all", "just some bytes"],
    [
      "missing closing boundary",
      `--${B}\r\nContent-Disposition: form-data; name="file"\r\n\r\ncut`,
    ],
    ["ends in the headers", `--${B}\r\nContent-Disposition: form-data; name="fi`],
    ["garbage after the boundary", `--${B}garbage\r\n\r\nx\r\n--${B}--`],
    ["header line without a colon", `--${B}\r\nnot a header\r\n\r\nx\r\n--${B}--`],
  ];
  for (const [name, body] of bad) {
    await t.step(name, async () => {
      await assert.rejects(parseAll(chunked(enc(body), 7), B), MultipartError);
    });
  }
});

Deno.test("parseMultipart() skips what the caller leaves unread", async () => {
  const body =
    `--${B}\r\nContent-Disposition: form-data; name="skip"\r\n\r\n${"x".repeat(10_000)}` +
    `\r\n--${B}\r\nContent-Disposition: form-data; name="file"\r\n\r\nkept\r\n--${B}--`;
  const names: string[] = [];
  let kept = "";
  for await (const part of parseMultipart(chunked(enc(body), 100), B)) {
    names.push(part.name ?? "");
    if (part.name === "file") kept = await new Response(part.body).text();
  }
  assert.deepEqual(names, ["skip", "file"]);
  assert.equal(kept, "kept");
});

Deno.test("parseMultipart() streams a large part without holding it", async () => {
  const size = 8 * 1024 * 1024;
  let sent = 0;
  const head = enc(`--${B}\r\nContent-Disposition: form-data; name="file"\r\n\r\n`);
  const tail = enc(`\r\n--${B}--\r\n`);
  const source = new ReadableStream<Uint8Array>({
    start(c) {
      c.enqueue(head);
    },
    pull(c) {
      if (sent >= size) {
        c.enqueue(tail);
        return c.close();
      }
      const chunk = new Uint8Array(64 * 1024).fill(13); // all CRs: worst case for the search
      sent += chunk.length;
      c.enqueue(chunk);
    },
  }, { highWaterMark: 0 });
  let total = 0;
  for await (const part of parseMultipart(source, B)) {
    for await (const chunk of part.body) {
      total += chunk.length;
      // Backpressure: the parser never runs more than a chunk ahead of the reader.
      assert.ok(sent - total <= 2 * 64 * 1024 + 100);
    }
  }
  assert.equal(total, size);
});

Deno.test("multipartBoundary() reads the boundary of multipart/form-data only", () => {
  assert.equal(multipartBoundary('multipart/form-data; boundary="a b"'), "a b");
  assert.equal(multipartBoundary("Multipart/Form-Data;boundary=xyz"), "xyz");
  assert.equal(multipartBoundary("multipart/form-data"), undefined);
  assert.equal(multipartBoundary("application/octet-stream"), undefined);
  assert.equal(multipartBoundary(null), undefined);
});

Deno.test("indexOfBytes() finds needles anywhere, including at the very end", () => {
  assert.equal(indexOfBytes(enc("abcabd"), enc("abd")), 3);
  assert.equal(indexOfBytes(enc("abcab"), enc("abd")), -1);
  assert.equal(indexOfBytes(enc("aaab"), enc("aab")), 1);
  assert.equal(indexOfBytes(enc("xab"), enc("ab"), 2), -1);
});
