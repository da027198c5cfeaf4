/**
 * The API server's error messages, for the embedded store: callers (and people reading logs) see
 * the same text from both backends. The wording follows apimachinery's `errors.New*` helpers.
 *
 * @module
 */
import { KubeApiError, type Resource } from "./client.ts";

/** `sandboxes.agents.kruise.io`, `pods`: how the API server names a collection in messages. */
export function qualifiedResource(resource: Resource): string {
  const slash = resource.apiVersion.indexOf("/");
  return slash < 0 ? resource.plural : `${resource.plural}.${resource.apiVersion.slice(0, slash)}`;
}

/** `Sandbox.agents.kruise.io`, `Pod`: how the API server names a kind in `Invalid` messages. */
export function qualifiedKind(resource: Resource): string {
  const slash = resource.apiVersion.indexOf("/");
  return slash < 0 ? resource.kind : `${resource.kind}.${resource.apiVersion.slice(0, slash)}`;
}

/** 404: the object does not exist. */
export function notFound(resource: Resource, name: string): KubeApiError {
  return new KubeApiError(404, "NotFound", `${qualifiedResource(resource)} "${name}" not found`);
}

/** 409: an object of that name exists. */
export function alreadyExists(resource: Resource, name: string): KubeApiError {
  return new KubeApiError(
    409,
    "AlreadyExists",
    `${qualifiedResource(resource)} "${name}" already exists`,
  );
}

/** 409: the write carried a stale resourceVersion. */
export function conflict(resource: Resource, name: string, detail?: string): KubeApiError {
  return new KubeApiError(
    409,
    "Conflict",
    `Operation cannot be fulfilled on ${qualifiedResource(resource)} "${name}": ${
      detail ??
        "the object has been modified; please apply your changes to the latest version and try again"
    }`,
  );
}

/** 422: a field is invalid. */
export function invalid(resource: Resource, name: string, causes: string[]): KubeApiError {
  const detail = causes.length === 1 ? causes[0] : `[${causes.join(", ")}]`;
  return new KubeApiError(
    422,
    "Invalid",
    `${qualifiedKind(resource)} "${name}" is invalid: ${detail}`,
  );
}

/** 410: a watch asked for history that is no longer kept. */
export function gone(resourceVersion: string | number, oldest: number): KubeApiError {
  return new KubeApiError(410, "Gone", `too old resource version: ${resourceVersion} (${oldest})`);
}

/** 400: the request itself is malformed. */
export function badRequest(message: string): KubeApiError {
  return new KubeApiError(400, "BadRequest", message);
}

/** 403: creating content in a namespace that is being deleted. */
export function namespaceTerminating(
  resource: Resource,
  name: string,
  namespace: string,
): KubeApiError {
  return new KubeApiError(
    403,
    "Forbidden",
    `${
      qualifiedResource(resource)
    } "${name}" is forbidden: unable to create new content in namespace ${namespace} because it is being terminated`,
  );
}
