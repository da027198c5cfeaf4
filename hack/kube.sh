#!/usr/bin/env bash
# A real, local Kubernetes control plane for tests and trials: etcd, kube-apiserver and
# kube-controller-manager on loopback, built from the Go module proxy (hack/kube/go.mod), and on
# request a real node beside it (hack/kube/node.sh: containerd, runc, CNI, kubelet, kube-proxy,
# kube-scheduler).
#
#   bash hack/kube.sh up      build once (cached), start, wait for /readyz, print `export KUBECONFIG=...`
#                             (the control plane alone: what the tests of the API use)
#   bash hack/kube.sh up-node `up`, then the node: waits until Node kruise-agents-node is Ready and
#                             the sandbox images are in its containerd (`deno task kube-up`)
#   bash hack/kube.sh down    stop every process `up`/`up-node` started and remove the state (not the
#                             build cache), the node's containers, network, cgroups and chains included
#   bash hack/kube.sh env     print the export line if the control plane is up (exit 1 otherwise)
#   bash hack/kube.sh build   only build (or find in the cache) the binaries; print their folder
#   bash hack/kube.sh restart-apiserver
#                             stop kube-apiserver and start it again on the same state (tests of
#                             clients that must ride out an API server restart)
#   bash hack/kube.sh restart-containerd|restart-kubelet|restart-kube-proxy
#                             the same for a node component (the pods keep running)
#
# Why build: neither kube-apiserver nor etcd is packaged in Debian or npm, and an in-memory fake
# would not prove that our CRDs, status/scale subresources and ownerReferences behave as on a real
# cluster. k8s.io/kubernetes is used as a library module with its staging modules pinned by replace
# lines (see hack/kube/go.mod); the binaries land in a cache folder keyed by the Kubernetes version
# and a hash of go.mod/go.sum, so a pin change rebuilds and anything else reuses.
#
# Environment (all optional):
#   KRUISE_AGENTS_CACHE       build cache root        (default ${XDG_CACHE_HOME:-$HOME/.cache}/kruise-agents)
#   KRUISE_AGENTS_KUBE_STATE  state folder            (default <repo>/.cache/kube; certs, kubeconfig, etcd data, logs)
#   KUBE_CONTROLLERS          kube-controller-manager --controllers value (default: see below)
#   KUBE_READY_TIMEOUT        seconds to wait for readiness (default 120)
#   KUBE_NODE_READY_TIMEOUT   seconds to wait for the Node to be Ready (default 180)
#   KUBE_MIN_REQUEST_TIMEOUT  kube-apiserver --min-request-timeout: watches the server ends after
#                             1-2x this many seconds when the client names no timeout (default
#                             1800, the server's own); tests of watch liveness set it low. A
#                             control plane started with another value is restarted from scratch.
#
# Ports are chosen on the first `up` among free loopback ports (derived from the state folder's
# path, so two checkouts on one machine do not collide) and kept in the state folder.
# Debian packages needed: openssl, curl, util-linux (flock, setsid); the node's are listed in
# hack/kube/node.sh; see hack/apt-packages.txt.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
MOD_DIR=$ROOT/hack/kube
CACHE_ROOT=${KRUISE_AGENTS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kruise-agents}
STATE=${KRUISE_AGENTS_KUBE_STATE:-$ROOT/.cache/kube}
READY_TIMEOUT=${KUBE_READY_TIMEOUT:-120}
MIN_REQUEST_TIMEOUT=${KUBE_MIN_REQUEST_TIMEOUT:-1800}
# Controllers the tests and the charts rely on: garbage collection of ownerReferences, namespace
# deletion, the default ServiceAccount and its token/CA objects (without which pods are rejected by
# admission), and Deployments -> ReplicaSets -> Pods for the charts' workloads. Node, volume and
# cloud controllers are left out: there is no kubelet and no cloud.
CONTROLLERS=${KUBE_CONTROLLERS:-garbage-collector-controller,namespace-controller,serviceaccount-controller,serviceaccount-token-controller,root-ca-certificate-publisher-controller,clusterrole-aggregation-controller,deployment-controller,replicaset-controller,endpointslice-controller,job-controller}

# The node's container runtime side (containerd, its runc shim, crictl and the pod sandbox's pause
# program) is a module of its own, hack/kube/cri: in one module with k8s.io/kubernetes, containerd's
# newer pins (otel, grpc instrumentation, prometheus) would move the control plane's dependencies.
CRI_MOD_DIR=$MOD_DIR/cri
K8S_VERSION=$(awk '$1 == "k8s.io/kubernetes" && $2 ~ /^v/ { print $2 }' "$MOD_DIR/go.mod")
mod_version() { awk -v m="$1" '$1 == m && $2 ~ /^v/ { print $2 }' "$CRI_MOD_DIR/go.mod"; }
CONTAINERD_VERSION=$(mod_version github.com/containerd/containerd/v2)
CRICTL_VERSION=$(mod_version sigs.k8s.io/cri-tools)
# One cache entry for every binary, keyed by all the build's inputs.
CACHE_KEY=$K8S_VERSION-$(cat "$MOD_DIR/go.mod" "$MOD_DIR/go.sum" "$CRI_MOD_DIR/go.mod" \
  "$CRI_MOD_DIR/go.sum" "$CRI_MOD_DIR"/pause/*.go | sha256sum | cut -c1-12)
CACHE_DIR=$CACHE_ROOT/kube/$CACHE_KEY
BIN=$CACHE_DIR/bin
BINARIES=(etcd kube-apiserver kube-controller-manager kubectl helm kubeconform
  kubelet kube-scheduler kube-proxy containerd containerd-shim-runc-v2 ctr crictl pause)

log() { printf 'kube.sh: %s\n' "$*" >&2; }
die() {
  log "$*"
  exit 1
}

# build makes sure every binary is in $BIN. It builds into a temporary folder and renames it into
# place, so an interrupted build never leaves a half-filled cache that later runs would trust.
build() {
  local b missing=0
  for b in "${BINARIES[@]}"; do [[ -x $BIN/$b ]] || missing=1; done
  ((missing)) || return 0
  command -v go >/dev/null || die "Cannot build: go is not on PATH (Go >= 1.26 is needed)"
  mkdir -p "$CACHE_ROOT/kube"
  # One build at a time per machine: the build takes both cores and several GiB of build cache.
  exec 8>"$CACHE_ROOT/kube/build.lock"
  flock 8
  for b in "${BINARIES[@]}"; do [[ -x $BIN/$b ]] || missing=2; done
  if ((missing == 2)); then
    local tmp=$CACHE_DIR/bin.tmp.$$ started=$SECONDS
    rm -rf "$tmp" && mkdir -p "$tmp"
    log "building Kubernetes $K8S_VERSION, etcd, helm, kubeconform, containerd $CONTAINERD_VERSION (and ctr) and crictl $CRICTL_VERSION into $BIN (first run only; ~12 min on 2 cores)"
    local minor=${K8S_VERSION#v1.}
    minor=${minor%%.*}
    local v ldflags="-s -w"
    # Version stamps as Kubernetes' own build (hack/lib/version.sh) sets them, so `kubectl version`
    # and helm's .Capabilities.KubeVersion see v1.x.y instead of v0.0.0-master.
    for v in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
      ldflags+=" -X $v.gitVersion=$K8S_VERSION -X $v.gitMajor=1 -X $v.gitMinor=$minor"
      ldflags+=" -X $v.gitTreeState=clean -X $v.buildDate=1970-01-01T00:00:00Z"
    done
    # A private GOCACHE: it is only needed while building, so it is removed on success instead of
    # leaving several GiB in the user's Go cache. Modules come from the usual GOMODCACHE.
    local gocache=$CACHE_ROOT/kube/go-build
    (
      cd "$MOD_DIR"
      export GOTOOLCHAIN=local GOFLAGS=-mod=readonly CGO_ENABLED=0 GOCACHE=$gocache
      go build -trimpath -ldflags="$ldflags" -o "$tmp/" \
        k8s.io/kubernetes/cmd/kube-apiserver \
        k8s.io/kubernetes/cmd/kube-controller-manager \
        k8s.io/kubernetes/cmd/kubectl \
        k8s.io/kubernetes/cmd/kubelet \
        k8s.io/kubernetes/cmd/kube-scheduler \
        k8s.io/kubernetes/cmd/kube-proxy \
        helm.sh/helm/v4/cmd/helm \
        github.com/yannh/kubeconform/cmd/kubeconform &&
        # Built alone because its binary would otherwise be named after the /v3 path element.
        go build -trimpath -ldflags="-s -w" -o "$tmp/etcd" go.etcd.io/etcd/server/v3 &&
        cd "$CRI_MOD_DIR" &&
        # Static, without cgo: the btrfs snapshotter (the only cgo part) drops out by its build
        # tags; overlayfs is what the node uses. The version stamps are what containerd's Makefile
        # and cri-tools' set, so the kubelet and `crictl version` report the real versions.
        go build -trimpath -tags urfave_cli_no_docs -o "$tmp/" -ldflags="-s -w \
          -X github.com/containerd/containerd/v2/version.Version=$CONTAINERD_VERSION \
          -X github.com/containerd/containerd/v2/version.Package=github.com/containerd/containerd/v2" \
          github.com/containerd/containerd/v2/cmd/containerd \
          github.com/containerd/containerd/v2/cmd/containerd-shim-runc-v2 \
          github.com/containerd/containerd/v2/cmd/ctr &&
        go build -trimpath -o "$tmp/" \
          -ldflags="-s -w -X sigs.k8s.io/cri-tools/pkg/version.Version=$CRICTL_VERSION" \
          sigs.k8s.io/cri-tools/cmd/crictl &&
        go build -trimpath -ldflags="-s -w" -o "$tmp/pause" ./pause
    ) || die "Build failed (the partial Go build cache in $gocache is kept, so a retry resumes)"
    rm -rf "$BIN" && mv "$tmp" "$BIN"
    rm -rf "$gocache"
    log "built in $((SECONDS - started)) s; $(du -sh "$BIN" | cut -f1) in $BIN"
  fi
  flock -u 8
  exec 8>&-
}

# port_free succeeds when no TCP socket uses port $1 on this machine: none listens on it, and no
# connection has it as its local port (the kernel hands those out from its ephemeral range, and
# a bind to a port that one holds fails).
port_free() { [[ -z $(ss -Htan "sport = :$1") ]]; }

# PORT_SPAN is how many ports the control plane and the node may choose from, from 20000 up to the
# kernel's ephemeral range (where outgoing connections take their local ports, so a port chosen
# free there can be taken by a busy test suite before etcd or the kubelet binds it).
ephemeral_low=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
PORT_SPAN=$(((ephemeral_low > 22000 ? ephemeral_low : 60000) - 20000 - 100))

# pick_ports chooses three consecutive free ports starting at a base derived from the state path.
pick_ports() {
  local base=$((20000 + $(printf '%s' "$STATE" | cksum | cut -d' ' -f1) % (PORT_SPAN / 10) * 10))
  local tries
  for ((tries = 0; tries < 200; tries++)); do
    if port_free "$base" && port_free $((base + 1)) && port_free $((base + 2)); then
      printf 'ETCD_PORT=%d\nETCD_PEER_PORT=%d\nAPI_PORT=%d\n' "$base" $((base + 1)) $((base + 2))
      return 0
    fi
    base=$((20000 + (base - 20000 + 10) % PORT_SPAN))
  done
  die "Cannot find free loopback ports"
}

# pki writes a CA, the apiserver's serving certificate, service-account keys, the static token file
# and the kubeconfigs. Nothing secret leaves the state folder, which only its owner can read.
pki() {
  local p=$STATE/pki
  mkdir -p "$p"
  chmod 700 "$STATE" "$p"
  command -v openssl >/dev/null || die "Cannot create certificates: openssl is not installed"
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -keyout "$p/ca.key" -out "$p/ca.crt" \
    -subj "/CN=kruise-agents-local-ca" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -keyout "$p/apiserver.key" -out "$p/apiserver.csr" \
    -subj "/CN=kube-apiserver" 2>/dev/null
  printf '%s\n' "subjectAltName=IP:127.0.0.1,IP:10.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local" \
    "extendedKeyUsage=serverAuth" "keyUsage=digitalSignature,keyEncipherment" >"$p/apiserver.ext"
  openssl x509 -req -in "$p/apiserver.csr" -CA "$p/ca.crt" -CAkey "$p/ca.key" -CAcreateserial \
    -days 3650 -extfile "$p/apiserver.ext" -out "$p/apiserver.crt" 2>/dev/null
  openssl genrsa -out "$p/sa.key" 2048 2>/dev/null
  openssl rsa -in "$p/sa.key" -pubout -out "$p/sa.pub" 2>/dev/null
  local admin_token kcm_token
  admin_token=$(openssl rand -hex 32)
  kcm_token=$(openssl rand -hex 32)
  # token,user,uid,"group1,group2" (kube-apiserver --token-auth-file)
  printf '%s,admin,admin,"system:masters"\n%s,system:kube-controller-manager,kcm\n' \
    "$admin_token" "$kcm_token" >"$p/tokens.csv"
  printf '%s' "$admin_token" >"$STATE/token"
  kubeconfig "$STATE/kubeconfig" admin "      token: $admin_token"
  kubeconfig "$STATE/kcm.kubeconfig" kube-controller-manager "      token: $kcm_token"
  # What kube-apiserver shows a kubelet (logs, exec, port-forward) when a node is up.
  client_cert apiserver-kubelet-client kube-apiserver-kubelet-client system:masters
}

# kubeconfig FILE NAME CREDENTIALS writes a kubeconfig of user NAME; CREDENTIALS are the lines of
# its `user:` map, indented six spaces (a token here, a client certificate in hack/kube/node.sh).
kubeconfig() {
  local ca
  ca=$(base64 -w0 <"$STATE/pki/ca.crt")
  cat >"$1" <<EOF
apiVersion: v1
kind: Config
clusters:
  - name: kruise-agents-local
    cluster:
      server: https://127.0.0.1:$API_PORT
      certificate-authority-data: $ca
users:
  - name: $2
    user:
$3
contexts:
  - name: kruise-agents-local
    context:
      cluster: kruise-agents-local
      user: $2
      namespace: default
current-context: kruise-agents-local
EOF
  chmod 600 "$1"
}

# client_cert NAME CN [O] writes pki/NAME.{key,crt}, a client certificate signed by the CA.
client_cert() {
  local p=$STATE/pki subj="/CN=$2"
  [[ -f $p/$1.crt ]] && return 0
  [[ -z ${3:-} ]] || subj="/O=$3$subj"
  openssl req -newkey rsa:2048 -nodes -keyout "$p/$1.key" -out "$p/$1.csr" -subj "$subj" 2>/dev/null
  printf 'extendedKeyUsage=clientAuth\nkeyUsage=digitalSignature,keyEncipherment\n' >"$p/$1.ext"
  openssl x509 -req -in "$p/$1.csr" -CA "$p/ca.crt" -CAkey "$p/ca.key" -CAcreateserial \
    -days 3650 -extfile "$p/$1.ext" -out "$p/$1.crt" 2>/dev/null
  rm -f "$p/$1.csr" "$p/$1.ext"
}

# start NAME ARGS... runs a binary in its own session (so it outlives the shell that started it and
# holds none of its pipes open) and records its pid.
start() {
  local name=$1
  shift
  # 7>&- 8>&- 9>&-: the child must not inherit the lock descriptors (node, build, state), or it
  # would hold the locks forever.
  setsid "$BIN/$name" "$@" </dev/null >"$STATE/logs/$name.log" 2>&1 7>&- 8>&- 9>&- &
  printf '%d\n' "$!" >"$STATE/pids/$name"
}

# alive NAME succeeds when the recorded pid still runs our binary (pids are reused by the kernel).
# The binary is looked up through $STATE/bin, the build `up` started, so `down` still finds the
# processes after hack/kube/go.mod moved to another version.
alive() {
  local pid bin
  pid=$(cat "$STATE/pids/$1" 2>/dev/null) || return 1
  bin=$(readlink -f "$STATE/bin" 2>/dev/null) || return 1
  [[ $(readlink "/proc/$pid/exe" 2>/dev/null) == "$bin/$1" ]]
}

ready() {
  [[ -f $STATE/kubeconfig ]] || return 1
  curl -fsS --max-time 3 --cacert "$STATE/pki/ca.crt" -H "Authorization: Bearer $(cat "$STATE/token")" \
    "https://127.0.0.1:$API_PORT/readyz" >/dev/null 2>&1
}

print_env() { printf 'export KUBECONFIG=%s\n' "$STATE/kubeconfig"; }

# wait_for DESCRIPTION COMMAND... polls until COMMAND succeeds, a component dies, or the timeout.
wait_for() {
  local what=$1 deadline=$((SECONDS + READY_TIMEOUT)) name
  shift
  until "$@" >/dev/null 2>&1; do
    for name in "$STATE"/pids/*; do
      name=${name##*/}
      if [[ -f $STATE/pids/$name ]] && ! alive "$name"; then
        tail -n 30 "$STATE/logs/$name.log" >&2 || true
        die "$name exited while waiting for $what (log: $STATE/logs/$name.log)"
      fi
    done
    if ((SECONDS >= deadline)); then
      # The state folder is often removed right after (a test's), so the logs' ends go out now.
      for name in "$STATE"/logs/*.log; do
        printf '==> %s <==\n' "${name##*/}" >&2
        tail -n 15 "$name" >&2 || true
      done
      die "Timed out after ${READY_TIMEOUT}s waiting for $what (logs: $STATE/logs)"
    fi
    sleep 0.5
  done
}

# start_apiserver runs kube-apiserver on the state folder's ports, certificates and etcd.
start_apiserver() {
  local p=$STATE/pki kubelet_client=()
  # How it authenticates to a kubelet; a state folder from before nodes existed has no such
  # certificate until `up-node` makes one (and restarts kube-apiserver).
  # InternalIP first: the node's name resolves nowhere, and a lookup would leave the machine.
  if [[ -f $p/apiserver-kubelet-client.crt ]]; then
    kubelet_client=(--kubelet-client-certificate="$p/apiserver-kubelet-client.crt"
      --kubelet-client-key="$p/apiserver-kubelet-client.key"
      --kubelet-preferred-address-types=InternalIP)
  fi
  # The endpoint reconciler refuses a loopback advertise address, and nothing here routes to the
  # "kubernetes" Service anyway (clients use 127.0.0.1), hence --endpoint-reconciler-type=none.
  # Node authorization and NodeRestriction limit a kubelet to its own Node and pods, as on a
  # real cluster; they concern only users of the group system:nodes.
  start kube-apiserver --bind-address=127.0.0.1 --advertise-address=127.0.0.1 --secure-port="$API_PORT" \
    --etcd-servers="http://127.0.0.1:$ETCD_PORT" \
    --cert-dir="$p" --tls-cert-file="$p/apiserver.crt" --tls-private-key-file="$p/apiserver.key" \
    --client-ca-file="$p/ca.crt" --token-auth-file="$p/tokens.csv" --authorization-mode=Node,RBAC \
    --enable-admission-plugins=NodeRestriction "${kubelet_client[@]}" \
    --service-account-issuer=https://kubernetes.default.svc.cluster.local \
    --service-account-key-file="$p/sa.pub" --service-account-signing-key-file="$p/sa.key" \
    --api-audiences=https://kubernetes.default.svc.cluster.local \
    --service-cluster-ip-range=10.0.0.0/24 --allow-privileged=true --profiling=false \
    --endpoint-reconciler-type=none --min-request-timeout="$MIN_REQUEST_TIMEOUT"
}

# stop_one NAME stops one component: TERM, then KILL after 10 s; its pid file goes too.
stop_one() {
  local name=$1 pid i
  if alive "$name"; then
    pid=$(cat "$STATE/pids/$name")
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 100; i++)); do
      alive "$name" || break
      sleep 0.1
    done
    if alive "$name"; then
      kill -KILL "$pid" 2>/dev/null || true
      for ((i = 0; i < 50; i++)); do
        alive "$name" || break
        sleep 0.1
      done
    fi
  fi
  rm -f "$STATE/pids/$name"
}

stop_all() {
  local name
  node_down
  for name in kube-controller-manager kube-apiserver etcd; do stop_one "$name"; done
}

# start_kcm runs kube-controller-manager; with the node's controllers when a node is (to be) up.
start_kcm() {
  local p=$STATE/pki controllers=$CONTROLLERS
  ((NODE_MODE)) && controllers+=,$NODE_CONTROLLERS
  start kube-controller-manager --kubeconfig="$STATE/kcm.kubeconfig" --secure-port=0 \
    --leader-elect=false --controllers="$controllers" \
    --use-service-account-credentials=true --service-account-private-key-file="$p/sa.key" \
    --root-ca-file="$p/ca.crt" \
    --concurrent-gc-syncs=5 --profiling=false
}

restart_apiserver() {
  exec 9>"$STATE.flock"
  flock 9
  [[ -f $STATE/ports ]] || die "no control plane in $STATE"
  # shellcheck source=/dev/null
  source "$STATE/ports"
  MIN_REQUEST_TIMEOUT=$(cat "$STATE/min-request-timeout" 2>/dev/null || echo "$MIN_REQUEST_TIMEOUT")
  stop_one kube-apiserver
  start_apiserver
  wait_for "kube-apiserver /readyz" ready
  log "kube-apiserver restarted"
}

up() {
  build
  mkdir -p "$STATE"
  exec 9>"$STATE.flock"
  flock 9
  if [[ -f $STATE/ports ]]; then
    # shellcheck source=/dev/null
    source "$STATE/ports"
    if alive etcd && alive kube-apiserver && alive kube-controller-manager && ready &&
      [[ $(cat "$STATE/min-request-timeout" 2>/dev/null) == "$MIN_REQUEST_TIMEOUT" ]]; then
      return 0
    fi
    log "control plane in $STATE is partly down; restarting it from scratch"
  fi
  stop_all
  rm -rf "$STATE" && mkdir -p "$STATE"/{logs,pids,etcd}
  pick_ports >"$STATE/ports"
  printf '%s\n' "$MIN_REQUEST_TIMEOUT" >"$STATE/min-request-timeout"
  # shellcheck source=/dev/null
  source "$STATE/ports"
  pki
  # A failed start stops what it started; the logs stay in $STATE until `down`.
  trap 'stop_all' EXIT
  # Stable paths for tools and tests: $STATE/bin/kubectl, $STATE/bin/helm, ...
  ln -sfn "$BIN" "$STATE/bin"
  local started=$SECONDS
  start etcd --name=kruise-agents-local --data-dir="$STATE/etcd" \
    --listen-client-urls="http://127.0.0.1:$ETCD_PORT" --advertise-client-urls="http://127.0.0.1:$ETCD_PORT" \
    --listen-peer-urls="http://127.0.0.1:$ETCD_PEER_PORT" --initial-advertise-peer-urls="http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-cluster="kruise-agents-local=http://127.0.0.1:$ETCD_PEER_PORT" \
    --log-level=warn --unsafe-no-fsync
  wait_for "etcd" curl -fsS --max-time 2 "http://127.0.0.1:$ETCD_PORT/health"
  start_apiserver
  wait_for "kube-apiserver /readyz" ready
  start_kcm
  # The controller manager is up and talking to the API once it has created the default
  # ServiceAccount of the default namespace; pods and the tests' namespaces depend on that.
  wait_for "kube-controller-manager (default ServiceAccount)" \
    "$BIN/kubectl" --kubeconfig="$STATE/kubeconfig" get serviceaccount default --request-timeout=3s -o name
  trap - EXIT
  log "control plane ready on https://127.0.0.1:$API_PORT in $((SECONDS - started)) s (state: $STATE)"
}

down() {
  mkdir -p "$(dirname "$STATE")"
  exec 9>"$STATE.flock"
  flock 9
  if [[ -d $STATE ]]; then
    stop_all
    rm -rf "$STATE"
    log "stopped; removed $STATE"
  fi
  rm -f "$STATE.flock"
}

# The node: hack/kube/node.sh defines node_up, node_down and node_restart on this script's state.
# shellcheck source=hack/kube/node.sh
source "$MOD_DIR/node.sh"
NODE_MODE=0

case ${1:-} in
  up)
    up
    print_env
    ;;
  up-node)
    NODE_MODE=1
    up
    node_up
    print_env
    ;;
  down) down ;;
  build)
    build
    printf '%s\n' "$BIN"
    ;;
  env)
    [[ -f $STATE/ports ]] || exit 1
    # shellcheck source=/dev/null
    source "$STATE/ports"
    ready || exit 1
    print_env
    ;;
  restart-apiserver) restart_apiserver ;;
  restart-containerd | restart-kubelet | restart-kube-proxy) node_restart "${1#restart-}" ;;
  *) die "usage: bash hack/kube.sh up|up-node|down|env|build|restart-apiserver|restart-containerd|restart-kubelet|restart-kube-proxy" ;;
esac
