/**
 * Turns a batch of `Deno.watchFs` events into envd's event types (fsnotify's vocabulary). Deno
 * reports inotify's `IN_MOVED_FROM` as `remove`, `IN_MOVED_TO` as a one-path `rename`, and a
 * rename seen from both ends as a two-path `rename` after them; this module folds those into
 * `RENAME` for the old name and `CREATE` for the new one, as fsnotify does. A rename of an
 * upload's temporary file onto its target becomes what envd's own upload (open with `O_CREAT`,
 * `chown`, write) makes inotify report: `CREATE`, `CHMOD`, `WRITE` for a new file and `WRITE` for
 * a replaced one, which E2B's SDK tests count; the temporary file itself stays invisible, and so
 * does the old file that a replacing upload swaps onto the temporary name before removing it.
 *
 * Deno folds writes and attribute changes into `modify`; those come out as `"modify"` for the
 * caller to classify with a `stat`.
 *
 * @module
 */
import { EventType } from "@kruise-agents/shared/envd";
import { posix } from "@kruise-agents/shared/std";
import { parseUploadTempName } from "./upload_temp.ts";

/** One translated event: the absolute path and its type, or `"modify"` still to classify. */
export interface RawWatchEvent {
  /** Absolute path of the entry. */
  path: string;
  /** envd's event type, or `"modify"` (a `WRITE` or a `CHMOD`). */
  type: EventType | "modify";
}

function isTemp(path: string): boolean {
  return parseUploadTempName(posix.basename(path)) !== undefined;
}

/**
 * Translates `batch` (events that arrived together) for a watch on `root`. Events on `root`
 * itself and access events are dropped; identical neighbours are merged.
 */
export function translateFsEvents(batch: readonly Deno.FsEvent[], root: string): RawWatchEvent[] {
  const pairFrom = new Set<string>(), pairTo = new Set<string>();
  for (const event of batch) {
    const [from, to] = event.paths;
    if (event.kind === "rename" && from !== undefined && to !== undefined) {
      pairFrom.add(from);
      pairTo.add(to);
    }
  }
  const out: RawWatchEvent[] = [];
  const push = (path: string, type: RawWatchEvent["type"]) => {
    if (path === root || isTemp(path)) return;
    const last = out.at(-1);
    if (last && last.path === path && last.type === type) return;
    out.push({ path, type });
  };
  for (const event of batch) {
    const [first, second] = event.paths;
    if (first === undefined) continue;
    switch (event.kind) {
      case "create":
        for (const path of event.paths) push(path, EventType.CREATE);
        break;
      case "modify":
        for (const path of event.paths) push(path, "modify");
        break;
      case "remove":
        for (const path of event.paths) if (!pairFrom.has(path)) push(path, EventType.REMOVE);
        break;
      case "rename": {
        if (second === undefined) {
          if (!pairTo.has(first)) push(first, EventType.CREATE);
          break;
        }
        // An upload that replaces a file swaps the names (`replace_file.ts`): the swap's second
        // half moves the old file to the temporary name, to be removed. Nothing to report.
        if (isTemp(second)) break;
        const upload = parseUploadTempName(posix.basename(first));
        if (upload) {
          if (!upload.replacing) {
            push(second, EventType.CREATE);
            push(second, EventType.CHMOD);
          }
          push(second, EventType.WRITE);
        } else {
          push(first, EventType.RENAME);
          push(second, EventType.CREATE);
        }
        break;
      }
      default:
        // access (close-after-write), any, other: nothing envd reports.
        break;
    }
  }
  return out;
}
