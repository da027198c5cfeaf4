/**
 * The node's memory of each sandbox, one JSON file per pod in the data directory, written before
 * anything that would be lost otherwise (the address is recorded before the sandbox starts, the
 * processes as soon as they exist). A restarted node reads these to find its sandboxes again:
 * re-adopt the live ones, report the dead ones, clean up after pods deleted meanwhile.
 *
 * @module
 */
import { LocalNodeError } from "./errors.ts";
import type { SandboxProcesses } from "./sandbox_process.ts";

/** One sandbox as the node records it. */
export interface SandboxRecord {
  /** Pod namespace. */
  namespace: string;
  /** Pod name. */
  name: string;
  /** Pod uid: a new pod of the same name is a different sandbox. */
  uid: string;
  /** The pod directory (`home/`, `tmp/`, `root/`, `runtime.log`, `sandbox.json`). */
  dir: string;
  /** The sandbox's loopback address. */
  ip: string;
  /** Whether the code interpreter was asked for. */
  interpreter: boolean;
  /** RFC 3339 time the sandbox was started. */
  startTime: string;
  /** Its processes; absent until started (or when the start failed). */
  processes?: SandboxProcesses;
  /** Whether the node froze it. */
  frozen: boolean;
  /** Set once the sandbox is known dead: the Failed reason and message. */
  failure?: { reason: string; message: string };
}

const FILE = "sandbox.json";

/** Writes the record atomically (temp file and rename), so a crash never leaves half a file. */
export async function saveRecord(record: SandboxRecord): Promise<void> {
  await Deno.mkdir(record.dir, { recursive: true });
  const tmp = `${record.dir}/.${FILE}.${crypto.randomUUID()}`;
  await Deno.writeTextFile(tmp, JSON.stringify(record, null, 2) + "\n");
  await Deno.rename(tmp, `${record.dir}/${FILE}`);
}

function isSandboxRecord(value: unknown): value is SandboxRecord {
  if (!value || typeof value !== "object") return false;
  const r = value as Record<string, unknown>;
  return ["namespace", "name", "uid", "dir", "ip", "startTime"].every((k) =>
    typeof r[k] === "string"
  ) &&
    typeof r.interpreter === "boolean" && typeof r.frozen === "boolean";
}

/**
 * Reads every record under `podsDir`. A pod directory without a readable record (a crash before
 * the first write) is returned in `orphans` for the caller to remove.
 *
 * @throws {LocalNodeError} `CorruptState` for a record that is not a sandbox record.
 */
export async function loadRecords(
  podsDir: string,
): Promise<{ records: SandboxRecord[]; orphans: string[] }> {
  const records: SandboxRecord[] = [];
  const orphans: string[] = [];
  let entries: Deno.DirEntry[] = [];
  try {
    entries = await Array.fromAsync(Deno.readDir(podsDir));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return { records, orphans };
    throw error;
  }
  for (const entry of entries) {
    if (!entry.isDirectory) continue;
    const dir = `${podsDir}/${entry.name}`;
    let text: string;
    try {
      text = await Deno.readTextFile(`${dir}/${FILE}`);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) {
        orphans.push(dir);
        continue;
      }
      throw error;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new LocalNodeError("CorruptState", `Cannot read ${dir}/${FILE}: not JSON`, {
        cause: error,
      });
    }
    if (!isSandboxRecord(parsed)) {
      throw new LocalNodeError("CorruptState", `Cannot read ${dir}/${FILE}: not a sandbox record`);
    }
    records.push({ ...parsed, dir });
  }
  return { records, orphans };
}
