/**
 * Names of the temporary files that `POST /files` writes before renaming them into place. They
 * live in the target's directory (so the rename is atomic) and say whether the upload replaces an
 * existing file, because a watcher sees only the rename: it uses this to report what a plain
 * write would have produced (`CREATE` then `WRITE` for a new file, `WRITE` for a replaced one)
 * and hides the temporary file itself.
 *
 * @module
 */

const PREFIX = ".e2b-upload.";

/** A fresh temporary name for an upload; `replacing` tells whether the target exists. */
export function uploadTempName(replacing: boolean): string {
  return `${PREFIX}${replacing ? "replace" : "new"}.${crypto.randomUUID()}`;
}

/** What a temporary upload name says, or `undefined` for any other name. */
export function parseUploadTempName(name: string): { replacing: boolean } | undefined {
  const match = /^\.e2b-upload\.(new|replace)\.[0-9a-f-]{36}$/.exec(name);
  return match ? { replacing: match[1] === "replace" } : undefined;
}
