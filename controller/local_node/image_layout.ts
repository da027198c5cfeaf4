/**
 * Where the sandbox images are: the OCI image layout that `hack/images/build.sh` writes (one
 * layout holding every image, cached under the project's cache root), and how to make sure it is
 * built and current before a node starts pods from it.
 *
 * @module
 */

const BUILD_SH = new URL("../../hack/images/build.sh", import.meta.url).pathname;

/**
 * The layout `hack/images/build.sh` writes: `$KRUISE_AGENTS_CACHE/images/oci`, the cache root
 * defaulting to `${XDG_CACHE_HOME:-$HOME/.cache}/kruise-agents`.
 */
export function defaultImageLayout(
  env: Record<string, string | undefined> = Deno.env.toObject(),
): string {
  const cache = env.KRUISE_AGENTS_CACHE ??
    `${env.XDG_CACHE_HOME ?? `${env.HOME ?? "/root"}/.cache`}/kruise-agents`;
  return `${cache}/images/oci`;
}

/**
 * Builds what is missing or stale of the sandbox images (seconds when only the runtime changed,
 * nothing when all is current) and returns the layout's path. Its progress goes to stderr.
 */
export async function buildImages(): Promise<string> {
  const out = await new Deno.Command("bash", {
    args: [BUILD_SH, "build"],
    stdin: "null",
    stdout: "piped",
    stderr: "inherit",
  }).output();
  if (!out.success) throw new Error(`Cannot build the sandbox images: ${BUILD_SH} failed`);
  return new TextDecoder().decode(out.stdout).trim().split("\n").at(-1)!;
}
