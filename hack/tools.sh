#!/usr/bin/env bash
# Chart tooling built from the Go module proxy, once per machine: helm (v3) and kubeconform; and
# kube-network-policies, the NetworkPolicy enforcer tried for the real node of hack/kube.sh (it
# builds, but cannot enforce on our machines' kernel: see charts/kruise-agents/README.md,
# "Network policies").
#
#   bash hack/tools.sh [NAME...]   build (or find in the cache) each tool; print its path, one per
#                                  line, in the order asked (default: helm kubeconform)
#
# Why build: neither is packaged in Debian or npm, and GitHub release downloads are not reachable
# from our machines; the Go module proxy is. Each tool lands in
# ~/.cache/kruise-agents/tools/NAME-VERSION/bin, so a version bump here builds anew and anything
# else reuses the cache. A build goes to a temporary folder first and is renamed into place, so
# an interrupted build never leaves a half-filled cache that a later run would trust.
#
# Environment (optional): KRUISE_AGENTS_CACHE, the cache root
# (default ${XDG_CACHE_HOME:-$HOME/.cache}/kruise-agents). Needs Go >= 1.26 on PATH (to build).
set -euo pipefail

HELM_VERSION=v3.22.0
KUBECONFORM_VERSION=v0.8.0
# kubernetes-sigs' nftables + nfqueue enforcer, preferred to kube-router (security flaws are
# reported for its v2.1.0).
KUBE_NETWORK_POLICIES_VERSION=v0.8.0

CACHE_ROOT=${KRUISE_AGENTS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kruise-agents}
TOOLS=$CACHE_ROOT/tools

log() { printf 'tools.sh: %s\n' "$*" >&2; }
die() {
  log "$*"
  exit 1
}

# version NAME prints the pinned version of a tool.
version() {
  case $1 in
    helm) printf '%s\n' "$HELM_VERSION" ;;
    kubeconform) printf '%s\n' "$KUBECONFORM_VERSION" ;;
    kube-network-policies) printf '%s\n' "$KUBE_NETWORK_POLICIES_VERSION" ;;
    *) die "unknown tool \"$1\" (known: helm kubeconform kube-network-policies)" ;;
  esac
}

# package NAME prints the Go package to install.
package() {
  case $1 in
    helm) printf 'helm.sh/helm/v3/cmd/helm\n' ;;
    kubeconform) printf 'github.com/yannh/kubeconform/cmd/kubeconform\n' ;;
    # its main package is the folder cmd/, so `go install` names the binary "cmd" (renamed below)
    kube-network-policies) printf 'sigs.k8s.io/kube-network-policies/cmd\n' ;;
  esac
}

# helm_ldflags stamps helm's version and the Kubernetes version its client libraries speak, as
# helm's own Makefile does; without them `helm version` says v3.x-dev and `helm template` assumes
# Kubernetes v1.20 for .Capabilities.KubeVersion (and the chart's kubeVersion check).
helm_ldflags() {
  local gomod client_go minor
  gomod=$(go mod download -json "helm.sh/helm/v3@$HELM_VERSION" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",*$/\1/p')
  [[ -f $gomod ]] || die "Cannot read helm's go.mod from the module proxy"
  client_go=$(awk '$1 == "k8s.io/client-go" { print $2 }' "$gomod")
  minor=${client_go#v0.}
  minor=${minor%%.*}
  [[ $minor =~ ^[0-9]+$ ]] || die "Cannot tell the Kubernetes version from client-go \"$client_go\""
  printf '%s' "-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION" \
    " -X helm.sh/helm/v3/internal/version.gitTreeState=clean" \
    " -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=1" \
    " -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=$minor"
}

# build NAME makes sure the tool's binary is in the cache and prints its path.
build() {
  local name=$1 ver dir bin
  ver=$(version "$name")
  dir=$TOOLS/$name-$ver
  bin=$dir/bin/$name
  if [[ ! -x $bin ]]; then
    command -v go >/dev/null || die "Cannot build $name: go is not on PATH (Go >= 1.26 is needed)"
    mkdir -p "$TOOLS"
    # One build at a time per machine: each takes both cores.
    exec 8>"$TOOLS/build.lock"
    flock 8
    if [[ ! -x $bin ]]; then
      local tmp=$dir/bin.tmp.$$ started=$SECONDS ldflags="-s -w"
      rm -rf "$tmp" && mkdir -p "$tmp"
      log "building $name $ver into $dir/bin (first run only)"
      [[ $name == helm ]] && ldflags=$(helm_ldflags)
      # A private GOCACHE, removed after a successful build instead of leaving hundreds of MiB in
      # the user's Go cache; modules come from the usual GOMODCACHE.
      GOTOOLCHAIN=local CGO_ENABLED=0 GOBIN=$tmp GOCACHE=$TOOLS/go-build GOFLAGS=-buildvcs=false \
        go install -trimpath -ldflags="$ldflags" "$(package "$name")@$ver" ||
        die "Building $name $ver failed (the partial Go build cache in $TOOLS/go-build is kept, so a retry resumes)"
      local built
      built=$tmp/$(basename "$(package "$name")")
      [[ $built == "$tmp/$name" || ! -x $built ]] || mv "$built" "$tmp/$name"
      [[ -x $tmp/$name ]] || die "Building $name $ver produced no $tmp/$name"
      rm -rf "${dir:?}/bin" && mv "$tmp" "$dir/bin"
      rm -rf "$TOOLS/go-build"
      log "built $name $ver in $((SECONDS - started)) s"
    fi
    flock -u 8
    exec 8>&-
  fi
  printf '%s\n' "$bin"
}

(($# > 0)) || set -- helm kubeconform
for tool in "$@"; do build "$tool"; done
