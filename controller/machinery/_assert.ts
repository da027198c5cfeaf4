/**
 * Minimal assertions for the controller's tests (`jsr:@std/assert` is unreachable here).
 *
 * @module
 */
import { deepEqual } from "./deep_equal.ts";

/** Thrown by a failed assertion. */
export class AssertionError extends Error {
  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = "AssertionError";
  }
}

/** Asserts structural equality of JSON-like values. */
export function assertEquals<T>(actual: T, expected: T, message?: string): void {
  if (!deepEqual(actual, expected)) {
    throw new AssertionError(
      `${message ? message + ": " : ""}values differ\n  actual:   ${
        Deno.inspect(actual, { depth: 8 })
      }\n  expected: ${Deno.inspect(expected, { depth: 8 })}`,
    );
  }
}

/** Asserts that `value` is truthy. */
export function assert(value: unknown, message = "expected a truthy value"): asserts value {
  if (!value) throw new AssertionError(message);
}

/** Asserts that `fn` throws an instance of `type`; returns the error. */
export function assertThrows<E extends Error>(
  fn: () => unknown,
  // deno-lint-ignore no-explicit-any
  type: new (...args: any[]) => E,
  includes?: string,
): E {
  try {
    fn();
  } catch (error) {
    if (!(error instanceof type)) {
      throw new AssertionError(`expected ${type.name}, got ${Deno.inspect(error)}`);
    }
    if (includes !== undefined && !error.message.includes(includes)) {
      throw new AssertionError(`expected message to include "${includes}": ${error.message}`);
    }
    return error;
  }
  throw new AssertionError(`expected ${type.name} to be thrown`);
}

/** Asserts that `fn` rejects with an instance of `type`; returns the error. */
export async function assertRejects<E extends Error>(
  fn: () => Promise<unknown>,
  // deno-lint-ignore no-explicit-any
  type: new (...args: any[]) => E,
): Promise<E> {
  try {
    await fn();
  } catch (error) {
    if (!(error instanceof type)) {
      throw new AssertionError(`expected ${type.name}, got ${Deno.inspect(error)}`);
    }
    return error;
  }
  throw new AssertionError(`expected ${type.name} to be rejected`);
}
