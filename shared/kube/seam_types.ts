/**
 * The types of the Kubernetes seam that a program's public surface names when it takes a
 * `KubeClient` (the controller's `startController`, the manager's `createManager`): each such
 * `mod.ts` re-exports this one list, so its surface is self-contained without repeating it.
 *
 * @module
 */
export type {
  DeleteOptions,
  KubeClient,
  KubeObject,
  ListOptions,
  ObjectList,
  Resource,
  WatchEvent,
  WatchOptions,
} from "./client.ts";
export type { ObjectMeta, OwnerReference } from "../api/meta.ts";
