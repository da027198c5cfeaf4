/**
 * Test kits the programs' tests share: the real control plane of `hack/kube.sh` (etcd,
 * kube-apiserver, kube-controller-manager) and helpers to drive it. Not part of any program;
 * extension authors can use it to test their controllers against the same real API server.
 *
 * @module
 */
export * from "./kube_env.ts";
