/**
 * Persistence of the embedded store: a snapshot file plus an append-only JSON-lines log in one
 * data directory. Every committed write appends one line; lines are written in commit order by a
 * single writer, several pending lines at a time (group commit). When the log grows past a bound
 * it is compacted: the whole state goes to `snapshot.json` through a temp file and a rename, then
 * the log is truncated. Reopening replays the log over the snapshot, skipping entries the snapshot
 * already holds (a crash between the rename and the truncate), and ignores a torn last line (a
 * crash mid-append). Each batch is synced to disk (`fdatasync`, about 0.5 ms here) before its
 * writes resolve, so a write the store acknowledged survives a power cut too.
 *
 * The files hold every sandbox's state (and the Secrets of their tokens): the directory is 0700
 * and every file 0600, whatever the umask. A damaged line or snapshot is set aside (appended to
 * `damaged.jsonl`, or renamed `snapshot.json.damaged-<time>`) and reported in
 * {@linkcode RecoveredState.damaged}, so one bad record neither stops the store nor is retried on
 * every start.
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
  /** What was set aside as damaged (for the owner to log). */
  damaged: string[];
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
    await Deno.mkdir(dir, { recursive: true, mode: 0o700 });
    await Deno.chmod(dir, 0o700);
    const damaged: string[] = [];
    const snapshot = await readSnapshot(dir, damaged);
    const records: LogRecord[] = snapshot.entries.map((put) => ({
      rv: Number(put.object.metadata.resourceVersion),
      put,
    }));
    let resourceVersion = snapshot.resourceVersion;
    for (const record of await readLog(dir, damaged)) {
      if (record.rv <= snapshot.resourceVersion) continue;
      records.push(record);
      resourceVersion = Math.max(resourceVersion, record.rv);
    }
    const file = await Deno.open(`${dir}/${LOG}`, { create: true, append: true, mode: 0o600 });
    await Deno.chmod(`${dir}/${LOG}`, 0o600);
    const log = new DataLog(dir, file);
    return { log, state: { resourceVersion, records, damaged } };
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
      const out = await Deno.open(tmp, { write: true, create: true, truncate: true, mode: 0o600 });
      try {
        await out.write(new TextEncoder().encode(JSON.stringify(state)));
        await out.syncData();
      } finally {
        out.close();
      }
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
        await this.#file.syncData();
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

/** The snapshot of `dir` (empty when there is none); a damaged one is renamed aside. */
async function readSnapshot(dir: string, damaged: string[]): Promise<Snapshot> {
  let text: string;
  try {
    text = await Deno.readTextFile(`${dir}/${SNAPSHOT}`);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return { resourceVersion: 0, entries: [] };
    throw error;
  }
  try {
    const snapshot = JSON.parse(text) as Snapshot;
    if (typeof snapshot.resourceVersion === "number" && Array.isArray(snapshot.entries)) {
      return snapshot;
    }
  } catch { /* damaged */ }
  const aside = `${dir}/${SNAPSHOT}.damaged-${Date.now()}`;
  await Deno.rename(`${dir}/${SNAPSHOT}`, aside);
  damaged.push(`${SNAPSHOT} (moved to ${aside})`);
  return { resourceVersion: 0, entries: [] };
}

/** The log lines of `dir`; a torn last line is dropped, a damaged one set aside. */
async function readLog(dir: string, damaged: string[]): Promise<LogRecord[]> {
  let text = "";
  try {
    text = await Deno.readTextFile(`${dir}/${LOG}`);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  const records: LogRecord[] = [];
  const lines = text.split("\n");
  for (const [index, line] of lines.entries()) {
    if (line === "") continue;
    try {
      const record = JSON.parse(line) as LogRecord;
      if (typeof record.rv === "number" && ("put" in record || "del" in record)) {
        records.push(record);
        continue;
      }
    } catch {
      // Only the last line can be torn (the process died mid-append): nothing to keep.
      if (index >= lines.length - 2) break;
    }
    await Deno.writeTextFile(`${dir}/damaged.jsonl`, line + "\n", { append: true, mode: 0o600 });
    damaged.push(`line ${index + 1} of ${LOG} (kept in damaged.jsonl)`);
  }
  return records;
}
