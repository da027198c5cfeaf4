/**
 * Path resolution exactly as envd does it for every RPC and `/files`: an empty path means the
 * default workdir (else the user's home); a leading `~` expands to the home; a relative path is
 * joined to the user's home (not to any cwd) and cleaned.
 *
 * @module
 */
import { posix } from "@kruise-agents/shared/std";

/**
 * Resolves `path` for a user with home `home`.
 *
 * @param path the path as the client sent it
 * @param home the run-as user's home directory
 * @param workdir the default workdir set through `/init`, used only for an empty path
 */
export function resolvePath(path: string, home: string, workdir?: string): string {
  if (path === "") return posix.normalize(workdir || home);
  if (path === "~") return posix.normalize(home);
  if (path.startsWith("~/")) return posix.join(home, path.slice(2));
  if (path.startsWith("/")) return posix.normalize(path);
  return posix.join(home, path);
}
