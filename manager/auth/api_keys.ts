/**
 * API keys: E2B's format (`e2b_` + 40 hex), stored only as SHA-256 hex digests so that a leaked
 * keys file or Secret grants nothing. A key belongs to a team, and a team is a Kubernetes
 * namespace; the team {@linkcode ADMIN_TEAM} sees every namespace.
 *
 * The keys file (embedded mode) is JSON or YAML:
 *
 * ```yaml
 * keys:
 *   - id: 3f0c2a1e-...       # stored as the sandbox owner; never the key itself
 *     name: ci
 *     team: default          # namespace
 *     hash: 9b71d224bd62...  # sha-256 hex of the key
 * teams:                     # optional: limits per team
 *   default:
 *     maxSandboxes: 20       # running and paused at once; past it a create gets 429
 * ```
 *
 * A plain SHA-256 (not a slow KDF) is enough because keys carry 160 random bits: there is
 * nothing to brute-force, and a fast hash keeps every request's lookup cheap.
 *
 * @module
 */
import { parse as parseYaml } from "yaml";
import { toHex } from "../sandboxes/ids.ts";

/** The team whose keys see and manage every namespace. */
export const ADMIN_TEAM = "admin";

/** One stored key. */
export interface ApiKeyRecord {
  /** Stable identifier of the key (recorded as the owner of the sandboxes it creates). */
  id: string;
  /** Human-readable name. */
  name: string;
  /** Team = Kubernetes namespace; {@linkcode ADMIN_TEAM} sees all namespaces. */
  team: string;
  /** SHA-256 hex digest of the key. */
  hash: string;
}

/** The caller behind an authenticated request. */
export interface Caller {
  /** Key id (owner annotation). */
  keyId: string;
  /** Team = namespace. */
  team: string;
  /** Whether the team sees every namespace. */
  admin: boolean;
  /** The team's limit of sandboxes (running and paused), if it has one. */
  maxSandboxes?: number;
}

/** What a team may use. */
export interface TeamLimits {
  /** Sandboxes (running and paused) the team may have at once. */
  maxSandboxes?: number;
}

const KEY_PATTERN = /^e2b_[0-9a-f]{40}$/;
const HASH_PATTERN = /^[0-9a-f]{64}$/;

/** SHA-256 hex digest of `key`, the form keys are stored in. */
export async function hashApiKey(key: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(key));
  return toHex(new Uint8Array(digest));
}

/** Whether `key` has E2B's shape (`e2b_` + 40 lower-case hex), which SDKs 2.27+ check. */
export function isApiKeyFormat(key: string): boolean {
  return KEY_PATTERN.test(key);
}

/** A freshly generated key and the record to store for it. */
export interface GeneratedApiKey {
  /** The key, shown once to its user. */
  key: string;
  /** What to put in the keys file. */
  record: ApiKeyRecord;
}

/**
 * Generates a key in E2B's format and its stored record (the key itself is not in the record).
 *
 * @example
 * ```ts
 * import { generateApiKey } from "@kruise-agents/manager";
 * const { key, record } = await generateApiKey({ team: "default", name: "ci" });
 * ```
 */
export async function generateApiKey(
  options: { team: string; name?: string | undefined },
): Promise<GeneratedApiKey> {
  const key = `e2b_${toHex(crypto.getRandomValues(new Uint8Array(20)))}`;
  return {
    key,
    record: {
      id: crypto.randomUUID(),
      name: options.name ?? options.team,
      team: options.team,
      hash: await hashApiKey(key),
    },
  };
}

/**
 * Parses a keys file (JSON or YAML, `{keys: [{id, name, team, hash}]}`); throws `TypeError`
 * naming the first bad entry, so a typo fails at start-up rather than as 401s later.
 */
export function parseKeysFile(text: string): ApiKeyRecord[] {
  const doc: unknown = parseYaml(text); // YAML is a superset of JSON
  if (typeof doc !== "object" || doc === null || !Array.isArray((doc as { keys?: unknown }).keys)) {
    throw new TypeError('Cannot parse keys file: expected an object with a "keys" list');
  }
  const seen = new Set<string>();
  return (doc as { keys: unknown[] }).keys.map((entry, i) => {
    const where = `keys[${i}]`;
    if (typeof entry !== "object" || entry === null) {
      throw new TypeError(`Cannot parse keys file: ${where} must be an object`);
    }
    const e = entry as Record<string, unknown>;
    const str = (field: string): string => {
      const v = e[field];
      if (typeof v !== "string" || v === "") {
        throw new TypeError(`Cannot parse keys file: ${where}.${field} must be a non-empty string`);
      }
      return v;
    };
    const record: ApiKeyRecord = {
      id: str("id"),
      name: typeof e.name === "string" ? e.name : str("id"),
      team: str("team"),
      hash: str("hash").toLowerCase(),
    };
    if (!HASH_PATTERN.test(record.hash)) {
      throw new TypeError(`Cannot parse keys file: ${where}.hash must be 64 hex characters`);
    }
    if (seen.has(record.hash)) {
      throw new TypeError(`Cannot parse keys file: ${where} repeats the hash of another key`);
    }
    seen.add(record.hash);
    return record;
  });
}

/**
 * Parses the `teams` map of a keys file (`{teams: {NAME: {maxSandboxes: N}}}`; absent: no
 * limits); throws `TypeError` naming the first bad entry.
 */
export function parseTeamLimits(text: string): Record<string, TeamLimits> {
  const doc: unknown = parseYaml(text);
  const teams = (doc as { teams?: unknown } | null)?.teams;
  if (teams === undefined || teams === null) return {};
  if (typeof teams !== "object" || Array.isArray(teams)) {
    throw new TypeError('Cannot parse keys file: "teams" must map team names to limits');
  }
  const out: Record<string, TeamLimits> = {};
  for (const [team, value] of Object.entries(teams as Record<string, unknown>)) {
    const max = (value as { maxSandboxes?: unknown } | null)?.maxSandboxes;
    if (max === undefined) {
      out[team] = {};
      continue;
    }
    if (typeof max !== "number" || !Number.isInteger(max) || max < 0) {
      throw new TypeError(
        `Cannot parse keys file: teams.${team}.maxSandboxes must be a whole number`,
      );
    }
    out[team] = { maxSandboxes: max };
  }
  return out;
}

/** Looks keys up by hash. Immutable: reloading builds a new store. */
export class ApiKeyStore {
  readonly #byHash: Map<string, ApiKeyRecord>;
  readonly #limits: Record<string, TeamLimits>;

  /** Builds the store from stored records and the teams' limits. */
  constructor(records: Iterable<ApiKeyRecord>, limits: Record<string, TeamLimits> = {}) {
    this.#byHash = new Map([...records].map((r) => [r.hash, r]));
    this.#limits = limits;
  }

  /** A store of the keys and limits in a keys file's text (JSON or YAML). */
  static fromText(text: string): ApiKeyStore {
    return new ApiKeyStore(parseKeysFile(text), parseTeamLimits(text));
  }

  /** The caller a key authenticates, or `undefined` for an unknown or absent key. */
  async authenticate(key: string | null | undefined): Promise<Caller | undefined> {
    if (!key) return undefined;
    const record = this.#byHash.get(await hashApiKey(key.trim()));
    if (!record) return undefined;
    const caller: Caller = {
      keyId: record.id,
      team: record.team,
      admin: record.team === ADMIN_TEAM,
    };
    const max = this.#limits[record.team]?.maxSandboxes;
    if (max !== undefined) caller.maxSandboxes = max;
    return caller;
  }
}
