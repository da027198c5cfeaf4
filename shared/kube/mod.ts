/**
 * The Kubernetes client seam (`KubeClient`) and its backends. See `client.ts` for the contract.
 *
 * @module
 */
export * from "./client.ts";
