/**
 * The table of code contexts: the ones created through `POST /contexts` and one default context
 * per language, created on first use. Ids are kernel ids, except for reserved defaults.
 *
 * A default context can be **reserved** without starting its kernel ({@linkcode
 * ContextManager.reserveDefault}): it is listed at once, with an id of its own, and its kernel
 * starts when the context is first used (by id or by language). The interpreter reserves
 * JavaScript's this way: Deno's kernel costs about 100 MB resident, and E2B's clients expect a
 * javascript context in `GET /contexts` whether or not it ever runs.
 *
 * @module
 */
import { CodeContext, type ContextInfo, type ServerSource } from "./context.ts";
import { BadRequestError, ContextNotFoundError, KernelNotInstalledError } from "./errors.ts";
import { kernelCandidates, normalizeLanguage, pickKernelspec } from "./language.ts";

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

/** A listed context whose kernel has not been started yet. */
interface Reserved {
  info: ContextInfo;
  /** The start in progress or done; unset before the first use and after a failed start. */
  started?: Promise<CodeContext>;
}

/** Owns every context; dispose it to shut all their kernels down. */
export class ContextManager implements AsyncDisposable {
  readonly #servers: ServerSource;
  readonly #options: ContextManagerOptions;
  /** Every context in creation order; a reserved one is replaced in place once it started. */
  readonly #contexts = new Map<string, CodeContext | Reserved>();
  readonly #defaults = new Map<string, Promise<CodeContext>>();
  /** Reserved default contexts by language. */
  readonly #reserved = new Map<string, string>();
  readonly #creating = new Set<Promise<unknown>>();
  #disposed = false;

  /** Creates a manager whose kernels run on the current server of `servers`. */
  constructor(servers: ServerSource, options: ContextManagerOptions) {
    this.#servers = servers;
    this.#options = options;
  }

  /** Creates a context with its own kernel (`id` is a reserved context's). */
  async create(
    options: { language?: string | null; cwd?: string | null; id?: string } = {},
  ): Promise<CodeContext> {
    if (this.#disposed) throw new Error("Cannot create a context: the interpreter is shut down");
    const language = normalizeLanguage(options.language);
    const created = (async () => {
      const server = await this.#servers.current();
      const overrides = this.#options.kernelNames;
      // Jupyter Server answers an unknown kernelspec with a bare "500 Unhandled error".
      const kernelName = pickKernelspec(language, await server.kernelspecNames(), overrides);
      if (kernelName === undefined) {
        throw new KernelNotInstalledError(language, kernelCandidates(language, overrides));
      }
      const context = await CodeContext.create({
        servers: this.#servers,
        language,
        cwd: options.cwd || this.#options.cwd,
        kernelName,
        getEnvs: this.#options.getEnvs,
        interruptGraceMs: this.#options.interruptGraceMs,
        id: options.id,
      });
      if (this.#disposed || (options.id !== undefined && !this.#contexts.has(options.id))) {
        // Shut down, or the reserved context was removed while its kernel started.
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

  /**
   * Lists a default context for `language` now and starts its kernel on first use. Does nothing
   * when the language has a default context already.
   */
  reserveDefault(language: string): void {
    const normalized = normalizeLanguage(language);
    if (this.#defaults.has(normalized) || this.#reserved.has(normalized)) return;
    const id = crypto.randomUUID();
    this.#contexts.set(id, { info: { id, language: normalized, cwd: this.#options.cwd } });
    this.#reserved.set(normalized, id);
  }

  /** The default context of `language`, created on first use (concurrent callers share it). */
  defaultFor(language?: string | null): Promise<CodeContext> {
    const normalized = normalizeLanguage(language);
    let context = this.#defaults.get(normalized);
    if (context === undefined) {
      const reserved = this.#reserved.get(normalized);
      context = reserved !== undefined
        ? this.#resolve(reserved)
        : this.create({ language: normalized });
      this.#defaults.set(normalized, context);
      // A failed start is not cached: the next request tries again.
      context.catch(() => {
        if (this.#defaults.get(normalized) === context) this.#defaults.delete(normalized);
      });
    }
    return context;
  }

  /** The context with `id`, its kernel started if it was reserved; throws when unknown. */
  #resolve(id: string): Promise<CodeContext> {
    const entry = this.#contexts.get(id);
    if (entry === undefined) return Promise.reject(new ContextNotFoundError(id));
    if (entry instanceof CodeContext) return Promise.resolve(entry);
    if (entry.started === undefined) {
      const started = this.create({ language: entry.info.language, cwd: entry.info.cwd, id });
      entry.started = started;
      started.catch(() => {
        if (entry.started === started) delete entry.started;
      });
    }
    return entry.started;
  }

  /** The context with `id`; throws {@linkcode ContextNotFoundError}. */
  get(id: string): Promise<CodeContext> {
    return this.#resolve(id);
  }

  /** The context an execution runs in: by id, by language, or the default python context. */
  forExecute(selector: ContextSelector): Promise<CodeContext> {
    if (selector.contextId && selector.language) {
      throw new BadRequestError("Only one of context_id or language can be provided");
    }
    if (selector.contextId) return this.#resolve(selector.contextId);
    return this.defaultFor(selector.language);
  }

  /** Every context, in creation order. */
  list(): ContextInfo[] {
    return [...this.#contexts.values()].map((entry) =>
      entry instanceof CodeContext ? entry.info() : { ...entry.info }
    );
  }

  /** Shuts the context's kernel down (if it has one) and forgets it. */
  async remove(id: string): Promise<void> {
    const entry = this.#contexts.get(id);
    if (entry === undefined) throw new ContextNotFoundError(id);
    this.#contexts.delete(id);
    for (const [language, reservedId] of this.#reserved) {
      if (reservedId === id) this.#reserved.delete(language);
    }
    const context = entry instanceof CodeContext
      ? entry
      : await entry.started?.catch(() => undefined);
    for (const [language, candidate] of this.#defaults) {
      const resolved = await candidate.catch(() => undefined);
      if (resolved === undefined || resolved === context) this.#defaults.delete(language);
    }
    await context?.[Symbol.asyncDispose]();
  }

  /** Restarts the context's kernel; its state is gone, its id stays. */
  async restart(id: string): Promise<void> {
    const entry = this.#contexts.get(id);
    if (entry === undefined) throw new ContextNotFoundError(id);
    // A reserved context that never ran has no state to lose.
    if (!(entry instanceof CodeContext) && entry.started === undefined) return;
    await (await this.#resolve(id)).restart();
  }

  /** Shuts every context's kernel down. */
  async [Symbol.asyncDispose](): Promise<void> {
    this.#disposed = true;
    await Promise.allSettled([...this.#creating]);
    const contexts = [...this.#contexts.values()].filter((entry) => entry instanceof CodeContext);
    this.#contexts.clear();
    this.#defaults.clear();
    this.#reserved.clear();
    await Promise.allSettled(contexts.map((context) => context[Symbol.asyncDispose]()));
  }
}
