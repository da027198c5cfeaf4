/**
 * Content-coding negotiation for `/files`. envd gzips a download whenever `Accept-Encoding`
 * admits gzip, but every HTTP client sends a default `Accept-Encoding` (Deno's fetch
 * `gzip, br`, httpx `gzip, deflate`, undici `gzip, deflate`), so that rule would compress every
 * read, spending CPU on files that are often already compressed. The SDKs' explicit `gzip`
 * option sends `Accept-Encoding: gzip` alone, which replaces the client's default; so the
 * runtime compresses only when gzip is the one coding the client asks for. Identity is always
 * acceptable unless refused with `q=0`; a request that refuses identity and offers nothing we
 * support gets gzip if it accepts it, else `undefined` (406).
 *
 * @module
 */

/** The only coding the runtime produces and accepts. */
export const GZIP = "gzip";

interface Coding {
  name: string;
  q: number;
}

/** Parses an `Accept-Encoding` value into lowercased codings with their quality. */
export function parseAcceptEncoding(header: string): Coding[] {
  const out: Coding[] = [];
  for (const item of header.split(",")) {
    const [rawName, ...params] = item.split(";");
    const name = rawName?.trim().toLowerCase();
    if (!name) continue;
    let q = 1;
    for (const param of params) {
      const m = /^\s*q\s*=\s*([0-9.]+)\s*$/i.exec(param);
      if (m) q = Number(m[1]);
    }
    out.push({ name, q: Number.isFinite(q) ? q : 1 });
  }
  return out;
}

/**
 * The coding to send for `Accept-Encoding: header`: `"gzip"`, `"identity"`, or `undefined` when
 * nothing acceptable is left.
 */
export function negotiateEncoding(header: string | null): "gzip" | "identity" | undefined {
  if (!header || header.trim() === "") return "identity";
  const codings = parseAcceptEncoding(header);
  const quality = (name: string) => codings.find((c) => c.name === name)?.q;
  const star = quality("*");
  const gzip = quality(GZIP) ?? star ?? 0;
  const identity = quality("identity") ?? (star === 0 ? 0 : 1);
  const offered = codings.filter((c) => c.q > 0 && c.name !== "identity" && c.name !== "*");
  if (gzip > 0 && offered.length === 1 && offered[0]?.name === GZIP) return GZIP;
  if (identity > 0) return "identity";
  return gzip > 0 ? GZIP : undefined;
}
