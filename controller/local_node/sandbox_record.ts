/**
 * The node's memory of each sandbox, one JSON file per pod directory, written (atomically, mode
 * 0600, synced) before anything that would be lost otherwise: the record exists before the
 * container starts, and holds the container's record as soon as it runs. A restarted node reads
 * these to find its sandboxes again: re-adopt the live ones, report the dead ones, clean up after
 * pods deleted meanwhile. A record that cannot be read is set aside (renamed, logged) and its pod
 * directory treated as an orphan, so one damaged file never stops the node.
 *
 * @module
 */
import { isRecord } from "@kruise-agents/shared/std";
import type { ContainerRecord } from "./container/mod.ts";

/** A reason and message for the pod status. */
export interface StatusReason {
  /** CamelCase reason. */
  reason: string;
  /** Human-readable detail. */
  message: string;
}

/** One sandbox as the node records it. */
export interface SandboxRecord {
  /** Pod namespace. */
  namespace: string;
  /** Pod name. */
  name: string;
  /** Pod uid: a new pod of the same name is a different sandbox. */
  uid: string;
  /** The pod directory. */
  dir: string;
  /** RFC 3339 time the node took the pod on. */
  startTime: string;
  /** The running container; absent until it started. */
  container?: ContainerRecord | undefined;
  /** The egress annotation the container's rules were made from. */
  egress?: string | undefined;
  /** Whether the node froze it. */
  frozen: boolean;
  /** Why the container is not running yet (a missing image or Secret); retried. */
  waiting?: StatusReason | undefined;
  /** Set once the sandbox is known dead: the Failed reason and message. */
  failure?: StatusReason | undefined;
  /** How often the container was restarted in place (an image change); absent: never. */
  restarts?: number | undefined;
  /** The main container's CPU resources in force (as the pod spec wrote them); absent: none. */
  cpu?: CpuResources | undefined;
}

/** A container's CPU requests and limits, as quantities. */
export interface CpuResources {
  /** `resources.requests.cpu`. */
  requests?: string | undefined;
  /** `resources.limits.cpu`. */
  limits?: string | undefined;
}

const FILE = "sandbox.json";

/** Writes the record atomically (temp file, sync, rename), readable by root only. */
export async function saveRecord(record: SandboxRecord): Promise<void> {
  await Deno.mkdir(record.dir, { recursive: true, mode: 0o711 });
  const tmp = `${record.dir}/.${FILE}.${crypto.randomUUID()}`;
  const file = await Deno.open(tmp, { write: true, create: true, mode: 0o600 });
  try {
    await file.write(new TextEncoder().encode(JSON.stringify(record, null, 2) + "\n"));
    await file.sync();
  } finally {
    file.close();
  }
  await Deno.rename(tmp, `${record.dir}/${FILE}`);
}

function isSandboxRecord(value: unknown): value is SandboxRecord {
  return isRecord(value) &&
    ["namespace", "name", "uid", "startTime"].every((k) => typeof value[k] === "string") &&
    typeof value.frozen === "boolean" &&
    (value.container === undefined || isRecord(value.container));
}

/** What {@linkcode loadRecords} found. */
export interface LoadedRecords {
  /** Readable records. */
  records: SandboxRecord[];
  /** Pod directories with no readable record (a crash before the first write, or set aside). */
  orphans: string[];
  /** Records that could not be read, renamed to `sandbox.json.damaged-<time>`. */
  damaged: string[];
}

async function readRecord(dir: string): Promise<SandboxRecord | "missing" | "damaged"> {
  let text: string;
  try {
    text = await Deno.readTextFile(`${dir}/${FILE}`);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return "missing";
    throw error;
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (isSandboxRecord(parsed)) return { ...parsed, dir };
  } catch { /* damaged */ }
  await Deno.rename(`${dir}/${FILE}`, `${dir}/${FILE}.damaged-${Date.now()}`);
  return "damaged";
}

/** Reads every record under `podsDir`. */
export async function loadRecords(podsDir: string): Promise<LoadedRecords> {
  const loaded: LoadedRecords = { records: [], orphans: [], damaged: [] };
  let entries: Deno.DirEntry[] = [];
  try {
    entries = await Array.fromAsync(Deno.readDir(podsDir));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return loaded;
    throw error;
  }
  for (const entry of entries) {
    if (!entry.isDirectory) continue;
    const dir = `${podsDir}/${entry.name}`;
    const record = await readRecord(dir);
    if (record === "missing") loaded.orphans.push(dir);
    else if (record === "damaged") {
      loaded.damaged.push(dir);
      loaded.orphans.push(dir);
    } else loaded.records.push(record);
  }
  return loaded;
}
