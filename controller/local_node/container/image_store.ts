/**
 * Images for the local node: resolve a pod's `image` to a manifest of the node's OCI image
 * layout (a directory with `index.json`, as `umoci`, `skopeo copy oci:` and `buildah push oci:`
 * write), and unpack it once per manifest digest into a cache as the read-only lower layer of
 * every pod that uses it.
 *
 * Ownership is shifted at unpack time (`umoci unpack --uid-map 0:100000:65536`): a file the image
 * owns as root is owned by host uid 100000 in the cache, which is root inside the container's
 * user namespace. The alternative, idmapped mounts, needs overlayfs on idmapped layers (kernel
 * 5.19+ and runc 1.2+); shifting once per image costs a few seconds at first use and nothing per
 * pod.
 *
 * Unpacking is atomic (a temporary directory renamed into place) and shared: concurrent callers
 * in this process wait for the same unpack, and a process that loses the rename race to another
 * uses the winner's copy.
 *
 * The cache is collected as the kubelet collects images: {@linkcode ImageStore.prune} removes the
 * copies that the layout no longer names and no pod's overlay uses. Without it every rebuilt image
 * (a new digest per runtime change) left 1.4 GB behind for good, until the disk filled.
 *
 * @module
 */
import { pathExists } from "@kruise-agents/shared/std";
import { type CommandRunner, runCommand } from "./_command.ts";
import { ContainerError } from "./errors.ts";
import { parseMountinfo } from "./rootfs.ts";
import { DEFAULT_ID_MAP, type IdMapping } from "./runtime_spec.ts";

/** The annotation of `index.json` that names an image. */
export const REF_NAME_ANNOTATION = "org.opencontainers.image.ref.name";

/** An image's defaults for its container, from its config blob. */
export interface ImageConfig {
  /** `KEY=value` strings. */
  env: string[];
  /** The entrypoint (may be empty). */
  entrypoint: string[];
  /** The default arguments (may be empty). */
  cmd: string[];
  /** The working directory ("" when unset). */
  workingDir: string;
  /** The user ("" when unset). */
  user: string;
}

/** An image ready to be a pod's lower layer. */
export interface UnpackedImage {
  /** The name as the pod gave it. */
  name: string;
  /** The `index.json` name it matched. */
  refName: string;
  /** The manifest digest (`sha256:...`). */
  digest: string;
  /** The unpacked root filesystem (read-only lower layer; do not write). */
  rootfs: string;
  /** The image's defaults. */
  config: ImageConfig;
}

/** Options of {@linkcode ImageStore}. */
export interface ImageStoreOptions {
  /** The OCI image layout directory. */
  layout: string;
  /** Where unpacked images are kept. */
  cacheDir: string;
  /** The id shift applied to file owners. @default {DEFAULT_ID_MAP} */
  idMap?: IdMapping;
  /** How commands run. @default {runCommand} */
  run?: CommandRunner;
}

/** Options of {@linkcode ImageStore.prune}. */
export interface PruneOptions {
  /**
   * Copies (and unfinished unpacks) changed more recently are kept: another process may have just
   * unpacked one for a pod it is about to start. @default {900_000} (15 min)
   */
  minAgeMs?: number;
  /** The clock. @default {Date.now} */
  now?: () => number;
  /** The host's mounts, as `/proc/self/mountinfo` has them. @default {the file's text} */
  mountinfo?: string;
}

/**
 * The lower directories of the overlay mounts in a `/proc/self/mountinfo` text (pure): the
 * unpacked images that running pods use.
 */
export function overlayLowerDirs(mountinfo: string): string[] {
  return parseMountinfo(mountinfo)
    .filter((m) => m.fsType === "overlay")
    .flatMap((m) => m.superOptions.split(","))
    .filter((o) => o.startsWith("lowerdir="))
    .flatMap((o) => o.slice("lowerdir=".length).split(":"));
}

/**
 * Normalises an image reference the way the Docker CLI shortens it: drops `docker.io/library/`,
 * `docker.io/` and `index.docker.io/...`, and adds `:latest` when there is neither tag nor
 * digest, so `busybox`, `busybox:latest` and `docker.io/library/busybox:latest` are one name.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(normalizeImageName("docker.io/library/python:3.12"), "python:3.12");
 * assert.equal(normalizeImageName("e2b/base"), "e2b/base:latest");
 * ```
 */
export function normalizeImageName(name: string): string {
  let n = name.trim();
  for (
    const prefix of [
      "index.docker.io/library/",
      "docker.io/library/",
      "index.docker.io/",
      "docker.io/",
    ]
  ) {
    if (n.startsWith(prefix)) {
      n = n.slice(prefix.length);
      break;
    }
  }
  const lastSegment = n.slice(n.lastIndexOf("/") + 1);
  if (!n.includes("@") && !lastSegment.includes(":")) n = `${n}:latest`;
  return n;
}

/** A manifest entry of `index.json`. */
export interface IndexEntry {
  /** The manifest digest. */
  digest: string;
  /** Its media type. */
  mediaType: string;
  /** The `org.opencontainers.image.ref.name` annotation ("" when absent). */
  refName: string;
}

/**
 * Parses an OCI `index.json`.
 *
 * @throws {TypeError} When it is not an image index.
 */
export function parseIndex(value: unknown): IndexEntry[] {
  const manifests = (value as { manifests?: unknown } | null)?.manifests;
  if (!Array.isArray(manifests)) throw new TypeError("Cannot parse index.json: no manifests");
  return manifests.map((m: unknown) => {
    const e = m as { digest?: unknown; mediaType?: unknown; annotations?: Record<string, unknown> };
    if (typeof e.digest !== "string" || !/^sha256:[0-9a-f]{64}$/.test(e.digest)) {
      throw new TypeError(`Cannot parse index.json: bad digest in ${JSON.stringify(m)}`);
    }
    const ref = e.annotations?.[REF_NAME_ANNOTATION];
    return {
      digest: e.digest,
      mediaType: typeof e.mediaType === "string" ? e.mediaType : "",
      refName: typeof ref === "string" ? ref : "",
    };
  });
}

/**
 * Picks the manifest a pod's image names: by normalised ref name, or by digest
 * (`name@sha256:...` or a bare `sha256:...`). Undefined when nothing matches.
 */
export function findImage(entries: readonly IndexEntry[], name: string): IndexEntry | undefined {
  const at = name.indexOf("@");
  const digest = name.startsWith("sha256:") ? name : at >= 0 ? name.slice(at + 1) : undefined;
  if (digest) return entries.find((e) => e.digest === digest);
  const wanted = normalizeImageName(name);
  return entries.find((e) => e.refName !== "" && normalizeImageName(e.refName) === wanted);
}

/**
 * Parses an image config blob into {@linkcode ImageConfig}.
 *
 * @throws {TypeError} When it is not an object.
 */
export function parseImageConfig(value: unknown): ImageConfig {
  if (typeof value !== "object" || value === null) {
    throw new TypeError("Cannot parse image config: not an object");
  }
  const c = ((value as { config?: unknown }).config ?? {}) as Record<string, unknown>;
  const strings = (v: unknown): string[] =>
    Array.isArray(v) ? v.filter((s): s is string => typeof s === "string") : [];
  return {
    env: strings(c.Env),
    entrypoint: strings(c.Entrypoint),
    cmd: strings(c.Cmd),
    workingDir: typeof c.WorkingDir === "string" ? c.WorkingDir : "",
    user: typeof c.User === "string" ? c.User : "",
  };
}

/** The JSON of the file at `path` (the image layout's index, manifests and configs). */
async function readJsonFile(path: string): Promise<unknown> {
  return JSON.parse(await Deno.readTextFile(path));
}

/** The node's images: resolves names against one OCI layout and keeps unpacked copies. */
export class ImageStore {
  #layout: string;
  #cacheDir: string;
  #idMap: IdMapping;
  #run: CommandRunner;
  #unpacking = new Map<string, Promise<string>>();

  /** Binds to a layout and a cache directory. */
  constructor(options: ImageStoreOptions) {
    if (options.layout.includes(":")) {
      throw new RangeError(
        `Cannot use image layout "${options.layout}": umoci cannot take a path with ':'`,
      );
    }
    this.#layout = options.layout;
    this.#cacheDir = options.cacheDir;
    this.#idMap = options.idMap ?? DEFAULT_ID_MAP;
    this.#run = options.run ?? runCommand;
  }

  /** The images of the layout, as `index.json` lists them. */
  async entries(): Promise<IndexEntry[]> {
    try {
      return parseIndex(await readJsonFile(`${this.#layout}/index.json`));
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return [];
      throw error;
    }
  }

  /**
   * Resolves a pod's image name.
   *
   * @throws {ContainerError} `ImageNotFound`, naming the images the layout has.
   */
  async resolve(name: string): Promise<IndexEntry> {
    const entries = await this.entries();
    const found = findImage(entries, name);
    if (!found) {
      const known = entries.map((e) => e.refName).filter((n) => n !== "");
      throw new ContainerError(
        "ImageNotFound",
        `Cannot find image "${name}" in ${this.#layout}: the node has ${
          known.length ? known.map((n) => `"${n}"`).join(", ") : "no images"
        }`,
      );
    }
    return found;
  }

  /** The cache directory of a manifest digest (its `rootfs/` is the lower layer). */
  cachePath(digest: string): string {
    return `${this.#cacheDir}/${digest.replace(":", "-")}`;
  }

  /**
   * Resolves and, the first time, unpacks an image; returns where its root filesystem is.
   *
   * @throws {ContainerError} `ImageNotFound` or `ImageUnpackFailed`.
   */
  async unpack(name: string): Promise<UnpackedImage> {
    const entry = await this.resolve(name);
    let pending = this.#unpacking.get(entry.digest);
    if (!pending) {
      pending = this.#unpackOnce(entry);
      this.#unpacking.set(entry.digest, pending);
      // A failed unpack may be retried by the next caller.
      pending.catch(() => this.#unpacking.delete(entry.digest));
    }
    const dir = await pending;
    return {
      name,
      refName: entry.refName,
      digest: entry.digest,
      rootfs: `${dir}/rootfs`,
      config: await this.#config(entry.digest),
    };
  }

  /**
   * Removes the unpacked copies that the layout no longer lists and no overlay mount uses, and
   * unpacks that a killed process left half done, once older than `minAgeMs`. Returns the
   * removed directories.
   */
  async prune(options: PruneOptions = {}): Promise<string[]> {
    const now = (options.now ?? Date.now)();
    const minAgeMs = options.minAgeMs ?? 900_000;
    const listed = new Set((await this.entries()).map((e) => this.cachePath(e.digest)));
    const lowers = overlayLowerDirs(
      options.mountinfo ?? await Deno.readTextFile("/proc/self/mountinfo"),
    );
    const removed: string[] = [];
    let names: string[];
    try {
      names = (await Array.fromAsync(Deno.readDir(this.#cacheDir))).map((e) => e.name);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return removed;
      throw error;
    }
    for (const name of names.sort()) {
      const path = `${this.#cacheDir}/${name}`;
      if (!/^(sha256-[0-9a-f]{64}|\.tmp-.*)$/.test(name) || listed.has(path)) continue;
      if (lowers.some((l) => l === path || l.startsWith(`${path}/`))) continue;
      const mtime = (await Deno.lstat(path).catch(() => undefined))?.mtime?.getTime();
      if (mtime === undefined || now - mtime < minAgeMs) continue;
      await Deno.remove(path, { recursive: true }).catch((error) => {
        if (!(error instanceof Deno.errors.NotFound)) throw error;
      });
      removed.push(path);
    }
    return removed;
  }

  async #config(digest: string): Promise<ImageConfig> {
    const blob = (d: string) => `${this.#layout}/blobs/${d.replace(":", "/")}`;
    const manifest = await readJsonFile(blob(digest)) as { config?: { digest?: string } };
    if (!manifest.config?.digest) return parseImageConfig({});
    return parseImageConfig(await readJsonFile(blob(manifest.config.digest)));
  }

  async #unpackOnce(entry: IndexEntry): Promise<string> {
    const target = this.cachePath(entry.digest);
    if (await pathExists(`${target}/rootfs`, { followSymlinks: false })) return target;
    await Deno.mkdir(this.#cacheDir, { recursive: true, mode: 0o711 });
    const tmp = `${this.#cacheDir}/.tmp-${entry.digest.slice(7, 19)}-${crypto.randomUUID()}`;
    const map = `${this.#idMap.containerID}:${this.#idMap.hostID}:${this.#idMap.size}`;
    const ref = entry.refName || entry.digest;
    const out = await this.#run("umoci", [
      "unpack",
      "--uid-map",
      map,
      "--gid-map",
      map,
      "--image",
      `${this.#layout}:${ref}`,
      tmp,
    ]);
    if (out.code !== 0) {
      await Deno.remove(tmp, { recursive: true }).catch(() => {});
      throw new ContainerError(
        "ImageUnpackFailed",
        `Cannot unpack image "${ref}" (${entry.digest}): ${out.stderr.trim().slice(-2000)}`,
      );
    }
    try {
      await Deno.rename(tmp, target);
    } catch (error) {
      // Another process unpacked the same digest first: use its copy.
      await Deno.remove(tmp, { recursive: true }).catch(() => {});
      if (!(await pathExists(`${target}/rootfs`, { followSymlinks: false }))) throw error;
    }
    return target;
  }
}
