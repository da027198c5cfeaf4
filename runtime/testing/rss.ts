/**
 * Reads a process's resident memory from `/proc/<pid>/status`, for memory tests and benchmarks
 * that must show the runtime never holds a whole file or output.
 *
 * @module
 */

/** Resident set size now (`VmRSS`) and its peak so far (`VmHWM`), in bytes. */
export interface Rss {
  /** Current resident memory. */
  rss: number;
  /** Peak resident memory since the process started. */
  peak: number;
}

/** Reads the RSS of `pid`. */
export async function readRss(pid: number): Promise<Rss> {
  const status = await Deno.readTextFile(`/proc/${pid}/status`);
  const kb = (key: string) =>
    Number(new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? 0) * 1024;
  return { rss: kb("VmRSS"), peak: kb("VmHWM") };
}

/** Resets the peak (`VmHWM`) of `pid` to its current RSS, so that a later peak measures one step. */
export async function resetPeak(pid: number): Promise<void> {
  // Writing 5 to clear_refs resets the peak RSS (Linux >= 4.0).
  await Deno.writeTextFile(`/proc/${pid}/clear_refs`, "5");
}
