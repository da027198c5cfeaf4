/**
 * Pages of templates, for `GET /v2/templates` and the builds of `GET /templates/{id}`: E2B's
 * `limit` (1..100, default 100) and `nextToken` query parameters, and an `X-Next-Token` header
 * only when more items follow (both SDKs read `x-next-token`; its absence marks the last page).
 * Templates are ordered by ID; the token is base64url of the last ID returned, so the next page
 * starts strictly after it and stays right while templates come and go between pages.
 *
 * @module
 */
import { ApiError } from "../errors.ts";

/** Largest and default page size (E2B's `paginationLimit`). */
export const MAX_TEMPLATE_PAGE = 100;

/** A parsed page request. */
export interface TemplatePageQuery {
  /** Page size. */
  limit: number;
  /** The last ID of the previous page. */
  after?: string;
}

/** One page of IDs, and the token of the next page if there is one. */
export interface TemplatePage {
  /** IDs of this page, in order. */
  ids: string[];
  /** Present when more IDs follow. */
  nextToken?: string;
}

function bad(message: string): never {
  throw new ApiError(400, message);
}

/** Encodes the cursor after `id`. */
export function encodeTemplateToken(id: string): string {
  const bytes = new TextEncoder().encode(id);
  return btoa(String.fromCharCode(...bytes)).replaceAll("+", "-").replaceAll("/", "_")
    .replace(/=+$/, "");
}

/** Decodes a cursor; 400 {@linkcode ApiError} for garbage. */
export function decodeTemplateToken(token: string): string {
  try {
    const binary = atob(token.replaceAll("-", "+").replaceAll("_", "/"));
    const id = new TextDecoder("utf-8", { fatal: true }).decode(
      Uint8Array.from(binary, (c) => c.charCodeAt(0)),
    );
    if (id !== "") return id;
  } catch { /* fall through */ }
  bad("Invalid next token");
}

/** Parses `limit` and `nextToken`; 400 for bad values. */
export function parseTemplatePageQuery(params: URLSearchParams): TemplatePageQuery {
  const query: TemplatePageQuery = { limit: MAX_TEMPLATE_PAGE };
  const limit = params.get("limit");
  if (limit !== null) {
    const n = Number(limit);
    if (!Number.isInteger(n) || n < 1 || n > MAX_TEMPLATE_PAGE) {
      bad(`Invalid limit "${limit}": expected an integer from 1 to ${MAX_TEMPLATE_PAGE}`);
    }
    query.limit = n;
  }
  const token = params.get("nextToken");
  if (token) query.after = decodeTemplateToken(token);
  return query;
}

/** Sorts `ids`, skips those up to the cursor and cuts one page. */
export function templatePage(ids: Iterable<string>, query: TemplatePageQuery): TemplatePage {
  const sorted = [...new Set(ids)].sort();
  const after = query.after;
  const rest = after === undefined ? sorted : sorted.filter((id) => id > after);
  const page = rest.slice(0, query.limit);
  const last = page.at(-1);
  return rest.length > page.length && last !== undefined
    ? { ids: page, nextToken: encodeTemplateToken(last) }
    : { ids: page };
}
