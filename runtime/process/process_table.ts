/**
 * The processes of a sandbox by pid and tag. Finished processes stay findable for a while so that
 * `Connect` to a pid that just ended answers `start` + `end` as envd does, instead of not_found.
 *
 * @module
 */
import type { ProcessHandle } from "./process_handle.ts";

/** How many finished processes are remembered. */
const RETAINED = 256;

/** Selector of a process: by pid or by tag. */
export type Selector = { pid: number } | { tag: string };

/** Running and recently finished processes. */
export class ProcessTable {
  #byPid = new Map<number, ProcessHandle>();
  #finished: ProcessHandle[] = [];

  /** Adds a started process; it moves to the finished list when it exits. */
  add(handle: ProcessHandle): void {
    this.#byPid.set(handle.pid, handle);
    handle.exited.finally(() => {
      if (this.#byPid.get(handle.pid) === handle) this.#byPid.delete(handle.pid);
      this.#finished.push(handle);
      if (this.#finished.length > RETAINED) this.#finished.shift();
    });
  }

  /** The process chosen by `selector`, running first, else the latest finished one. */
  find(selector: Selector): ProcessHandle | undefined {
    const match = (h: ProcessHandle) =>
      "pid" in selector ? h.pid === selector.pid : h.tag === selector.tag;
    for (const h of this.#byPid.values()) if (match(h)) return h;
    for (let i = this.#finished.length - 1; i >= 0; i--) {
      const h = this.#finished[i]!;
      if (match(h)) return h;
    }
    return undefined;
  }

  /** Running processes only, oldest first. */
  running(): ProcessHandle[] {
    return [...this.#byPid.values()];
  }

  /** Kills every running process and waits for them to end; used on shutdown. */
  async killAll(): Promise<void> {
    const all = this.running();
    for (const h of all) h.signal("SIGKILL");
    await Promise.allSettled(all.map((h) => h.exited));
  }
}
