/**
 * `GET /v2/sandboxes` query semantics (§A.4) as pure functions: parse the query, filter, order,
 * and page with an opaque `X-Next-Token`. The token is base64url of `startedAtMs__id__order`:
 * it names the last item already returned, so the next page starts strictly after it in the
 * same order, and stays correct while sandboxes come and go between pages. A token issued under
 * another order is refused (400), as E2B does.
 *
 * @module
 */
import { ApiError } from "../errors.ts";

/** One sandbox as the list filters see it. */
export interface ListEntry {
  /** E2B sandbox ID. */
  sandboxId: string;
  /** Template ID (and the pool name, which is an alias). */
  templateIds: readonly string[];
  /** Start time, ms. */
  startedAt: number;
  /** `running` or `paused`. */
  state: "running" | "paused";
  /** User metadata. */
  metadata: Record<string, string>;
}

/** The parsed list query. */
export interface ListQuery {
  /** AND of exact metadata matches. */
  metadata: Record<string, string>;
  /** States to include; both when the parameter is absent. */
  states: ReadonlySet<"running" | "paused">;
  /** Newest first (`desc`, default) or oldest first. */
  order: "asc" | "desc";
  /** Inclusive lower bound on the start time, ms. */
  startedAfter?: number;
  /** Exact template ID or alias. */
  template?: string;
  /** Page size, 1..100. */
  limit: number;
  /** Cursor: the last item of the previous page. */
  after?: { startedAt: number; sandboxId: string };
}

/** Largest and default page size. */
export const MAX_LIST_LIMIT = 100;

function bad(message: string): never {
  throw new ApiError(400, message);
}

/** Go's `url.QueryUnescape`: `+` is a space, then percent-decoding; 400 when malformed. */
function queryUnescape(text: string, what: string): string {
  try {
    return decodeURIComponent(text.replaceAll("+", " "));
  } catch {
    bad(`Invalid metadata filter "${what}": bad percent-encoding`);
  }
}

/**
 * Parses E2B's `metadata` filter. The SDKs percent-encode each key and value, join them as
 * `k=v&k2=v2` with `URLSearchParams`/`urlencode` (which encodes them a second time), and the
 * HTTP client encodes the whole value a third time: `{"a b": "x&y"}` travels as
 * `metadata=a%252520b%3Dx%252526y`. `URLSearchParams` has undone the third encoding; as E2B's
 * handler does, this undoes the second on the whole string, splits on `&` and the first `=`, and
 * undoes the first on each key and value, so keys and values may hold any character.
 */
export function parseMetadataQuery(value: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (value === "") return out;
  for (const pair of queryUnescape(value, value).split("&")) {
    if (pair === "") continue;
    const eq = pair.indexOf("=");
    if (eq < 0) bad(`Invalid metadata filter "${pair}": expected key=value`);
    out[queryUnescape(pair.slice(0, eq), pair)] = queryUnescape(pair.slice(eq + 1), pair);
  }
  return out;
}

/** Parses the list query; throws 400 {@linkcode ApiError} for bad values. */
export function parseListQuery(params: URLSearchParams, options: { v1?: boolean } = {}): ListQuery {
  const metadata: Record<string, string> = {};
  for (const m of params.getAll("metadata")) Object.assign(metadata, parseMetadataQuery(m));
  const states = new Set<"running" | "paused">();
  if (options.v1) {
    states.add("running");
  } else {
    // Comma form (JS, Python 2.45) and repeated form (older Python) both arrive here.
    for (const s of params.getAll("state").flatMap((v) => v.split(","))) {
      const state = s.trim();
      if (state === "") continue;
      if (state !== "running" && state !== "paused") bad(`Invalid state "${state}"`);
      states.add(state);
    }
    if (states.size === 0) states.add("running").add("paused");
  }
  const orderParam = params.get("order") ?? "desc";
  if (orderParam !== "asc" && orderParam !== "desc") bad(`Invalid order "${orderParam}"`);
  const query: ListQuery = { metadata, states, order: orderParam, limit: MAX_LIST_LIMIT };
  const startedAfter = params.get("startedAfter");
  if (startedAfter !== null) {
    const t = Date.parse(startedAfter);
    if (Number.isNaN(t)) bad(`Invalid startedAfter "${startedAfter}": expected an RFC 3339 time`);
    query.startedAfter = t;
  }
  const template = params.get("template");
  if (template) query.template = template;
  const limit = params.get("limit");
  if (limit !== null) {
    const n = Number(limit);
    if (!Number.isInteger(n) || n < 1 || n > MAX_LIST_LIMIT) {
      bad(`Invalid limit "${limit}": expected an integer from 1 to ${MAX_LIST_LIMIT}`);
    }
    query.limit = n;
  }
  const token = params.get("nextToken");
  if (token) query.after = decodeNextToken(token, query.order);
  return query;
}

/** Encodes the cursor after `entry` under `order`. */
export function encodeNextToken(entry: ListEntry, order: "asc" | "desc"): string {
  const raw = new TextEncoder().encode(`${entry.startedAt}__${entry.sandboxId}__${order}`);
  return btoa(String.fromCharCode(...raw)).replaceAll("+", "-").replaceAll("/", "_")
    .replace(/=+$/, "");
}

/** Decodes a cursor; throws 400 {@linkcode ApiError} for garbage or another order's token. */
export function decodeNextToken(
  token: string,
  order: "asc" | "desc",
): { startedAt: number; sandboxId: string } {
  let text: string;
  try {
    text = atob(token.replaceAll("-", "+").replaceAll("_", "/"));
  } catch {
    bad("Invalid next token");
  }
  const [t, id, tokenOrder, ...rest] = text.split("__");
  const startedAt = Number(t);
  if (rest.length > 0 || !id || !Number.isSafeInteger(startedAt)) bad("Invalid next token");
  if (tokenOrder !== order) bad(`Invalid next token: it was issued for order "${tokenOrder}"`);
  return { startedAt, sandboxId: id };
}

function compare(
  a: { startedAt: number; sandboxId: string },
  b: { startedAt: number; sandboxId: string },
): number {
  return a.startedAt - b.startedAt ||
    (a.sandboxId < b.sandboxId ? -1 : a.sandboxId > b.sandboxId ? 1 : 0);
}

/** Whether `entry` passes the query's filters (not the cursor). */
export function matches(entry: ListEntry, query: ListQuery): boolean {
  if (!query.states.has(entry.state)) return false;
  if (query.startedAfter !== undefined && entry.startedAt < query.startedAfter) return false;
  if (query.template !== undefined && !entry.templateIds.includes(query.template)) return false;
  for (const [k, v] of Object.entries(query.metadata)) {
    if (entry.metadata[k] !== v) return false;
  }
  return true;
}

/** One page of results and the token of the next, if any. */
export interface ListPage<T extends ListEntry> {
  /** Items of this page, in order. */
  items: T[];
  /** Present when more items follow. */
  nextToken?: string;
}

/** Filters, orders (by start time, ties by ID) and pages `entries`. */
export function listPage<T extends ListEntry>(entries: Iterable<T>, query: ListQuery): ListPage<T> {
  const sign = query.order === "asc" ? 1 : -1;
  const sorted = [...entries].filter((e) => matches(e, query)).sort((a, b) => sign * compare(a, b));
  const after = query.after;
  const start = after ? sorted.filter((e) => sign * compare(e, after) > 0) : sorted;
  const items = start.slice(0, query.limit);
  const last = items.at(-1);
  return start.length > items.length && last
    ? { items, nextToken: encodeNextToken(last, query.order) }
    : { items };
}
