// Private helpers for the `parseX(unknown): X` functions of this package. Each takes the value and
// a dotted path used in the error message, and throws `TypeError` naming the first field that does
// not match, so a bad object from the API server or a test fixture says exactly what is wrong.

/** A plain JSON object. */
export type JsonObject = Record<string, unknown>;

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value;
}

/** Throws the package's standard TypeError for `path`. */
export function fail(path: string, expected: string, value: unknown): never {
  throw new TypeError(`Cannot parse ${path}: expected ${expected}, got ${describe(value)}`);
}

/** Asserts a plain object. */
export function object(value: unknown, path: string): JsonObject {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    fail(path, "an object", value);
  }
  return value as JsonObject;
}

/** Asserts a string. */
export function string(value: unknown, path: string): string {
  if (typeof value !== "string") fail(path, "a string", value);
  return value;
}

/** Asserts a boolean. */
export function boolean(value: unknown, path: string): boolean {
  if (typeof value !== "boolean") fail(path, "a boolean", value);
  return value;
}

/** Asserts an integer (JSON numbers without a fraction; int32 and int64 alike). */
export function integer(value: unknown, path: string): number {
  if (typeof value !== "number" || !Number.isInteger(value)) fail(path, "an integer", value);
  return value;
}

/** Asserts an integer or a string, as Kubernetes' `IntOrString` (e.g. `maxUnavailable: 20%`). */
export function intOrString(value: unknown, path: string): number | string {
  if (typeof value === "string") return value;
  if (typeof value === "number" && Number.isInteger(value)) return value;
  return fail(path, "an integer or a string", value);
}

/** Asserts one of `values`. */
export function oneOf<T extends string>(value: unknown, path: string, values: readonly T[]): T {
  if (typeof value !== "string" || !(values as readonly string[]).includes(value)) {
    fail(path, `one of ${values.map((v) => JSON.stringify(v)).join(", ")}`, value);
  }
  return value as T;
}

/** Asserts an object whose values are all strings (labels, annotations). */
export function stringMap(value: unknown, path: string): Record<string, string> {
  const obj = object(value, path);
  for (const [key, item] of Object.entries(obj)) string(item, `${path}.${key}`);
  return { ...(obj as Record<string, string>) };
}

/** Asserts an array and parses each item. */
export function array<T>(
  value: unknown,
  path: string,
  item: (value: unknown, path: string) => T,
): T[] {
  if (!Array.isArray(value)) fail(path, "an array", value);
  return value.map((v, i) => item(v, `${path}[${i}]`));
}

/**
 * Parses `obj[key]` with `parse` unless it is absent (undefined or null: the API server omits
 * empty optional fields, clients sometimes send null).
 */
export function optional<T>(
  obj: JsonObject,
  key: string,
  path: string,
  parse: (value: unknown, path: string) => T,
): T | undefined {
  const value = obj[key];
  if (value === undefined || value === null) return undefined;
  return parse(value, `${path}.${key}`);
}

/**
 * `T` with every member that may be `undefined` turned into an optional member that is never
 * `undefined`: the type of {@linkcode compact}'s result, which fits the models' `key?: V` members
 * under `exactOptionalPropertyTypes`.
 */
export type Compact<T> =
  & { [K in keyof T as undefined extends T[K] ? never : K]: T[K] }
  & { [K in keyof T as undefined extends T[K] ? K : never]?: Exclude<T[K], undefined> };

/**
 * Builds an object from the entries whose value is not undefined, so parsed objects carry no
 * `key: undefined` members and compare equal to their JSON source.
 */
export function compact<T extends object>(entries: T): Compact<T> {
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(entries)) {
    if (value !== undefined) out[key] = value;
  }
  return out as Compact<T>;
}

/** A parser of one member: its value and its path, for the `TypeError`. */
export type FieldParser<T> = (value: unknown, path: string) => T;

/** What {@linkcode optionals} returns: each member of `P`, optional, typed as its parser returns. */
export type Optionals<P extends Record<string, FieldParser<unknown>>> = Compact<
  { [K in keyof P]: ReturnType<P[K]> | undefined }
>;

/**
 * Parses the optional members of `obj` named in `parsers`, each with its parser, leaving out the
 * absent ones: a model's list of optional fields written once, as a table.
 */
export function optionals<P extends Record<string, FieldParser<unknown>>>(
  obj: JsonObject,
  path: string,
  parsers: P,
): Optionals<P> {
  const out: JsonObject = {};
  for (const [key, parse] of Object.entries(parsers)) {
    const value = optional(obj, key, path, parse);
    if (value !== undefined) out[key] = value;
  }
  // Every key of `out` is a key of `parsers` with a value its parser returned.
  return out as unknown as Optionals<P>;
}
