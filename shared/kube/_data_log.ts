/**
 * Persistence of the embedded store: a snapshot file plus an append-only JSON-lines log in one
 * data directory. Every committed write appends one line; lines are written in commit order by a
 * single writer, several pending lines at a time (group commit). When the log grows past a bound
 * it is compacted: the whole state goes to `snapshot.json` through a temp file and a rename, then
 * the log is truncated. Reopening replays the log over the snapshot, skipping entries the snapshot
 * already holds (a crash between the rename and the truncate), and ignores a torn last line (a
 * crash mid-append). No fsync: a process crash loses nothing, a power cut may lose the tail.
 *
 * Alternative considered: one file per object written via temp+rename. It needs a separate counter
 * file for the resourceVersion (deletes advance it too) and a rename per write; the log is one
 * append per batch.
 *
 * @module
 */
import type { KubeObject, Resource } from "./client.ts";

/** One stored object with the collection it belongs to. */
export interface StoredEntry {
  /** The collection. */
  resource: Resource;
  /** The object as stored. */
  object: KubeObject;
}

/** A log line: an object written or removed at resourceVersion `rv`. */
export type LogRecord =
  | { rv: number; put: StoredEntry }
  | { rv: number; del: { resource: Resource; namespace: string; name: string } };

/** What {@linkcode DataLog.open} recovered. */
export interface RecoveredState {
  /** The last resourceVersion written. */
  resourceVersion: number;
  /** Every object in the order of the snapshot, then the log. */
  records: LogRecord[];
}

interface Snapshot {
  resourceVersion: number;
  entries: StoredEntry[];
}

const SNAPSHOT = "snapshot.json";
const LOG = "log.jsonl";

/** The snapshot + log of one data directory. Not shared between processes. */
export class DataLog {
  readonly #dir: string;
  #file: Deno.FsFile;
  #pending: string[] = [];
  #waiters: { resolve: () => void; reject: (error: unknown) => void }[] = [];
  #flushing: Promise<void> | undefined;
  #lines = 0;
  #failed: unknown;

  private constructor(dir: string, file: Deno.FsFile) {
    this.#dir = dir;
    this.#file = file;
  }

  /** Opens (creating) `dir`, reads what it holds, and compacts it into a fresh snapshot. */
  static async open(dir: string): Promise<{ log: DataLog; state: RecoveredState }> {
    await Deno.mkdir(dir, { recursive: true });
    let snapshot: Snapshot = { resourceVersion: 0, entries: [] };
    try {
      snapshot = JSON.parse(await Deno.readTextFile(`${dir}/${SNAPSHOT}`));
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) {
        throw new Error(`Cannot open the data directory "${dir}": bad ${SNAPSHOT}`, {
          cause: error,
        });
      }
    }
    const records: LogRecord[] = snapshot.entries.map((put) => ({
      rv: Number(put.object.metadata.resourceVersion),
      put,
    }));
    let resourceVersion = snapshot.resourceVersion;
    let text = "";
    try {
      text = await Deno.readTextFile(`${dir}/${LOG}`);
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
    const lines = text.split("\n");
    for (const [index, line] of lines.entries()) {
      if (line === "") continue;
      let record: LogRecord;
      try {
        record = JSON.parse(line);
      } catch (error) {
        // Only the last line can be torn (the process died mid-append); anything else is damage.
        if (index >= lines.length - 2) break;
        throw new Error(
          `Cannot open the data directory "${dir}": bad line ${index + 1} of ${LOG}`,
          {
            cause: error,
          },
        );
      }
      if (record.rv <= snapshot.resourceVersion) continue;
      records.push(record);
      resourceVersion = Math.max(resourceVersion, record.rv);
    }
    const file = await Deno.open(`${dir}/${LOG}`, { create: true, append: true });
    const log = new DataLog(dir, file);
    return { log, state: { resourceVersion, records } };
  }

  /** Number of log lines after which {@linkcode DataLog.append} asks for a compaction. */
  static readonly COMPACT_AFTER = 10_000;

  /** Whether the log has grown enough that the owner should call {@linkcode DataLog.compact}. */
  get wantsCompaction(): boolean {
    return this.#lines >= DataLog.COMPACT_AFTER;
  }

  /** Queues `record`; resolves once it (and everything queued before it) is written. */
  append(record: LogRecord): Promise<void> {
    if (this.#failed !== undefined) return Promise.reject(this.#failed);
    this.#pending.push(JSON.stringify(record) + "\n");
    this.#lines++;
    const written = new Promise<void>((resolve, reject) => {
      this.#waiters.push({ resolve, reject });
    });
    this.#flushing ??= this.#flush();
    return written;
  }

  /**
   * Writes `snapshot()` (taken after every queued line is written) as the new snapshot and
   * empties the log. Writes queued meanwhile wait for it, so the order on disk stays the commit
   * order.
   */
  async compact(
    snapshot: () => { resourceVersion: number; entries: StoredEntry[] },
  ): Promise<void> {
    await this.drain();
    const task = (async () => {
      const state = snapshot();
      const tmp = `${this.#dir}/${SNAPSHOT}.tmp`;
      await Deno.writeTextFile(tmp, JSON.stringify(state));
      await Deno.rename(tmp, `${this.#dir}/${SNAPSHOT}`);
      this.#file.close();
      this.#file = await Deno.open(`${this.#dir}/${LOG}`, {
        create: true,
        write: true,
        truncate: true,
      });
      this.#file.close();
      this.#file = await Deno.open(`${this.#dir}/${LOG}`, { append: true });
      this.#lines = 0;
    })();
    this.#flushing = task.finally(() => {
      this.#flushing = this.#pending.length > 0 ? this.#flush() : undefined;
    });
    await task;
  }

  /** Resolves when every queued line is written. */
  async drain(): Promise<void> {
    while (this.#flushing !== undefined) await this.#flushing.catch(() => {});
  }

  /** Writes what is queued, then closes the file. */
  async close(): Promise<void> {
    await this.drain();
    this.#file.close();
  }

  async #flush(): Promise<void> {
    // One writer: batches go out strictly in the order they were queued.
    while (this.#pending.length > 0) {
      const batch = this.#pending.join("");
      const waiters = this.#waiters;
      this.#pending = [];
      this.#waiters = [];
      try {
        const bytes = new TextEncoder().encode(batch);
        let offset = 0;
        while (offset < bytes.length) offset += await this.#file.write(bytes.subarray(offset));
        for (const w of waiters) w.resolve();
      } catch (error) {
        this.#failed = error;
        for (const w of [...waiters, ...this.#waiters]) w.reject(error);
        this.#waiters = [];
        this.#pending = [];
      }
    }
    this.#flushing = undefined;
  }
}
