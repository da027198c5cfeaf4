/**
 * envd's plain-HTTP error shape, `{"code": <int status>, "message": "..."}`, in one place. The
 * Connect services throw `ConnectError` instead; connect-es renders those. The integer `code`
 * matters: Connect clients that meet it fall back to the HTTP status, and the SDKs' `/files`
 * handling reads the message.
 *
 * @module
 */
import { HttpError } from "@kruise-agents/shared/std";

/**
 * An error that becomes an envd JSON error response: `status` is also sent as `code` in the
 * body, and the message is sent to the client as is.
 */
export class EnvdHttpError extends HttpError {}

/** Renders an envd JSON error response. */
export function errorResponse(status: number, message: string): Response {
  return Response.json({ code: status, message }, {
    status,
    headers: { "cache-control": "no-store" },
  });
}

/** The exact message envd sends when the access token is missing or wrong. */
export const UNAUTHORIZED_MESSAGE =
  "unauthorized access, please provide a valid access token or method signing if supported";
