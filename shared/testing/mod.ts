/**
 * Test kits the programs' tests share: the real control plane of `hack/kube.sh` (etcd,
 * kube-apiserver, kube-controller-manager) and helpers to drive it, a forwarding
 * `KubeClient` to model failures between a program and its API server, and process look-ups. Not part of any program;
 * extension authors can use it to test their controllers against the same real API server.
 *
 * @module
 */
export * from "./command.ts";
export * from "./forwarding_client.ts";
export * from "./kube_env.ts";
export * from "./processes.ts";
export * from "./bench.ts";
export * from "./health.ts";
