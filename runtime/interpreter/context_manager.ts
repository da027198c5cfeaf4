/**
 * The table of code contexts: the ones created through `POST /contexts` and one default context
 * per language, created on first use (python's and javascript's at startup). Ids are kernel ids.
 *
 * @module
 */
import { CodeContext, type ContextInfo } from "./context.ts";
import { BadRequestError, ContextNotFoundError, JupyterApiError } from "./errors.ts";
import type { JupyterServer } from "./jupyter_server.ts";
import { kernelNameFor, normalizeLanguage } from "./language.ts";

/** Options of {@linkcode ContextManager}. */
export interface ContextManagerOptions {
  /** Sandbox-wide env vars, read at each context's first execution. */
  getEnvs: () => Record<string, string>;
  /** Working directory of default contexts and of contexts created without one. */
  cwd: string;
  /** Kernelspec names per language, over the defaults. */
  kernelNames?: Readonly<Record<string, string>> | undefined;
  /** How long an interrupted cell may take to end before its kernel is restarted. */
  interruptGraceMs?: number | undefined;
}

/** Which context an `/execute` request runs in. */
export interface ContextSelector {
  /** An existing context's id. */
  contextId?: string | null;
  /** A language, whose default context is used (created if needed). */
  language?: string | null;
}

/** Owns every context; dispose it to shut all their kernels down. */
export class ContextManager implements AsyncDisposable {
  readonly #server: Promise<JupyterServer>;
  readonly #options: ContextManagerOptions;
  readonly #contexts = new Map<string, CodeContext>();
  readonly #defaults = new Map<string, Promise<CodeContext>>();
  readonly #creating = new Set<Promise<unknown>>();
  #disposed = false;

  /** Creates a manager whose kernels run on `server` (awaited on first use). */
  constructor(server: Promise<JupyterServer>, options: ContextManagerOptions) {
    this.#server = server;
    this.#options = options;
  }

  /** Creates a context with its own kernel. */
  async create(
    options: { language?: string | null; cwd?: string | null } = {},
  ): Promise<CodeContext> {
    if (this.#disposed) throw new Error("Cannot create a context: the interpreter is shut down");
    const language = normalizeLanguage(options.language);
    const created = (async () => {
      const server = await this.#server;
      const kernelName = kernelNameFor(language, this.#options.kernelNames);
      // Jupyter Server answers an unknown kernelspec with a bare "500 Unhandled error".
      if (!(await server.kernelspecNames()).includes(kernelName)) {
        throw new JupyterApiError(
          404,
          `Failed to create context: no kernel for language ${language} ` +
            `(kernelspec "${kernelName}" is not installed)`,
        );
      }
      const context = await CodeContext.create({
        server,
        language,
        cwd: options.cwd || this.#options.cwd,
        kernelName,
        getEnvs: this.#options.getEnvs,
        interruptGraceMs: this.#options.interruptGraceMs,
      });
      if (this.#disposed) {
        await context[Symbol.asyncDispose]();
        throw new Error("Cannot create a context: the interpreter is shut down");
      }
      this.#contexts.set(context.id, context);
      return context;
    })();
    this.#creating.add(created);
    try {
      return await created;
    } finally {
      this.#creating.delete(created);
    }
  }

  /** The default context of `language`, created on first use (concurrent callers share it). */
  defaultFor(language?: string | null): Promise<CodeContext> {
    const normalized = normalizeLanguage(language);
    let context = this.#defaults.get(normalized);
    if (context === undefined) {
      context = this.create({ language: normalized });
      this.#defaults.set(normalized, context);
      // A failed start is not cached: the next request tries again.
      context.catch(() => {
        if (this.#defaults.get(normalized) === context) this.#defaults.delete(normalized);
      });
    }
    return context;
  }

  /** The context with `id`; throws {@linkcode ContextNotFoundError}. */
  get(id: string): CodeContext {
    const context = this.#contexts.get(id);
    if (context === undefined) throw new ContextNotFoundError(id);
    return context;
  }

  /** The context an execution runs in: by id, by language, or the default python context. */
  forExecute(selector: ContextSelector): Promise<CodeContext> {
    if (selector.contextId && selector.language) {
      throw new BadRequestError("Only one of context_id or language can be provided");
    }
    if (selector.contextId) return Promise.resolve(this.get(selector.contextId));
    return this.defaultFor(selector.language);
  }

  /** Every context, in creation order. */
  list(): ContextInfo[] {
    return [...this.#contexts.values()].map((context) => context.info());
  }

  /** Shuts the context's kernel down and forgets it. */
  async remove(id: string): Promise<void> {
    const context = this.get(id);
    this.#contexts.delete(id);
    for (const [language, candidate] of this.#defaults) {
      if (await candidate.catch(() => undefined) === context) this.#defaults.delete(language);
    }
    await context[Symbol.asyncDispose]();
  }

  /** Restarts the context's kernel; its state is gone, its id stays. */
  async restart(id: string): Promise<void> {
    await this.get(id).restart();
  }

  /** Shuts every context's kernel down. */
  async [Symbol.asyncDispose](): Promise<void> {
    this.#disposed = true;
    await Promise.allSettled([...this.#creating]);
    const contexts = [...this.#contexts.values()];
    this.#contexts.clear();
    this.#defaults.clear();
    await Promise.allSettled(contexts.map((context) => context[Symbol.asyncDispose]()));
  }
}
