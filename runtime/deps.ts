/**
 * What every part of the runtime needs: the sandbox-wide state and the account directory. Passed
 * explicitly (not imported as globals) so that each service is testable with its own instance.
 *
 * @module
 */
import type { RuntimeState } from "./state.ts";
import type { UserDirectory } from "./users.ts";

/** The runtime's shared dependencies. */
export interface RuntimeDeps {
  /** Sandbox-wide settings from `/init`. */
  state: RuntimeState;
  /** Account lookups for run-as users and file owners. */
  users: UserDirectory;
}
