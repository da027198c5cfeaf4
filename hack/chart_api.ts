/**
 * A few raw calls to the test kube-apiserver for the chart tests: discovery, server-side dry-run
 * apply, SubjectAccessReviews, and plain reads and writes. Raw `fetch` rather than the programs'
 * seam, because these are the API's own verbs (dry-run, apply patches, access reviews) that the
 * programs never make.
 *
 * @module
 */
import type { KubeEnv } from "@kruise-agents/shared/testing";
import type { KubeObject } from "./chart_kit.ts";

/** Where a kind lives in the API. */
export interface ApiResource {
  /** Plural resource name. */
  name: string;
  /** Whether its objects live in namespaces. */
  namespaced: boolean;
}

/** A thin client of one API server. */
export class ApiClient {
  readonly #env: KubeEnv;
  readonly #client: Deno.HttpClient;
  readonly #discovered = new Map<string, Map<string, ApiResource>>();

  /** A client of `env`'s API server (its CA, its admin token). */
  constructor(env: KubeEnv) {
    this.#env = env;
    this.#client = Deno.createHttpClient({ caCerts: [env.caCert] });
  }

  /** Sends a request; resolves to the status and the parsed body (or the text if not JSON). */
  async request(
    method: string,
    path: string,
    options: { body?: unknown; contentType?: string } = {},
  ): Promise<{ status: number; body: KubeObject }> {
    const response = await fetch(`${this.#env.server}${path}`, {
      method,
      client: this.#client,
      headers: {
        authorization: `Bearer ${this.#env.token}`,
        accept: "application/json",
        ...(options.body === undefined
          ? {}
          : { "content-type": options.contentType ?? "application/json" }),
      },
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    });
    const text = await response.text();
    let body: KubeObject;
    try {
      body = JSON.parse(text);
    } catch {
      body = { apiVersion: "", kind: "Text", metadata: { name: "" }, text };
    }
    return { status: response.status, body };
  }

  /** Like {@linkcode request}, but throws unless the status is 2xx. */
  async ok(
    method: string,
    path: string,
    options: { body?: unknown; contentType?: string } = {},
  ): Promise<KubeObject> {
    const { status, body } = await this.request(method, path, options);
    if (status < 200 || status > 299) {
      throw new Error(`${method} ${path}: ${status} ${JSON.stringify(body)}`);
    }
    return body;
  }

  /** The resource of `kind` in `apiVersion`, from discovery; throws if the server has none. */
  async resource(apiVersion: string, kind: string): Promise<ApiResource> {
    let kinds = this.#discovered.get(apiVersion);
    if (kinds === undefined) {
      const path = apiVersion.includes("/") ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
      const list = await this.ok("GET", path);
      kinds = new Map(
        (list.resources as (ApiResource & { kind: string })[])
          .filter((r) => !r.name.includes("/"))
          .map((r) => [r.kind, { name: r.name, namespaced: r.namespaced }]),
      );
      this.#discovered.set(apiVersion, kinds);
    }
    const found = kinds.get(kind);
    if (found === undefined) throw new Error(`The API server serves no ${kind} in ${apiVersion}`);
    return found;
  }

  /** The URL path of `object` (its collection's path plus its name). */
  async pathOf(object: KubeObject): Promise<string> {
    const { apiVersion, kind, metadata } = object;
    const resource = await this.resource(apiVersion, kind);
    const root = apiVersion.includes("/") ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
    const namespace = resource.namespaced ? `/namespaces/${metadata.namespace ?? "default"}` : "";
    return `${root}${namespace}/${resource.name}/${metadata.name}`;
  }

  /**
   * Server-side apply of `object` with `dryRun=All` and strict field validation (an unknown or
   * duplicate field is an error): every admission and validation step runs, nothing is stored.
   */
  async dryRunApply(object: KubeObject): Promise<{ status: number; body: KubeObject }> {
    const query = "dryRun=All&fieldManager=chart-test&fieldValidation=Strict&force=true";
    return await this.request("PATCH", `${await this.pathOf(object)}?${query}`, {
      body: object,
      contentType: "application/apply-patch+yaml",
    });
  }

  /** Whether the ServiceAccount `namespace/name` may do `attributes` (a SubjectAccessReview). */
  async allowed(
    serviceAccount: { namespace: string; name: string },
    attributes: Record<string, string>,
  ): Promise<boolean> {
    const { namespace, name } = serviceAccount;
    const review = await this.ok("POST", "/apis/authorization.k8s.io/v1/subjectaccessreviews", {
      body: {
        apiVersion: "authorization.k8s.io/v1",
        kind: "SubjectAccessReview",
        spec: {
          user: `system:serviceaccount:${namespace}:${name}`,
          groups: ["system:serviceaccounts", `system:serviceaccounts:${namespace}`],
          resourceAttributes: attributes,
        },
      },
    });
    return review.status?.allowed === true;
  }

  /** Creates namespace `name` (for real). */
  async createNamespace(name: string): Promise<void> {
    await this.ok("POST", "/api/v1/namespaces", {
      body: { apiVersion: "v1", kind: "Namespace", metadata: { name } },
    });
  }

  /** Deletes namespace `name`; a missing one is fine. */
  async deleteNamespace(name: string): Promise<void> {
    const { status } = await this.request("DELETE", `/api/v1/namespaces/${name}`);
    if (status !== 200 && status !== 202 && status !== 404) {
      throw new Error(`Cannot delete namespace ${name}: ${status}`);
    }
  }

  /** Closes the HTTP client. */
  close(): void {
    this.#client.close();
  }
}
