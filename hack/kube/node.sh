# shellcheck shell=bash
# The real node of hack/kube.sh (sourced by it; not run on its own): containerd + runc + CNI, the
# kubelet, kube-proxy and kube-scheduler, registered with the control plane of the same state
# folder as Node "kruise-agents-node".
#
#   bash hack/kube.sh up-node   control plane + node; waits for Node Ready, loads the images
#   bash hack/kube.sh down      stops the node first (pods, containers, network, cgroups), then the rest
#
# Where things live. Everything the node writes is under $STATE/node, except what the kernel or a
# component keeps machine-wide, which `down` removes by name:
#   $STATE/node/containerd, run     containerd's root/state, its socket; the pod
#                                   network namespaces are mounted under state/ too
#                                   (netns_mounts_under_state_dir)
#   $STATE/node/kubelet             the kubelet's --root-dir (pod volumes, checkpoints, its pki)
#   $STATE/node/pod-logs            container logs (podLogsDir); the kubelet also links them from
#                                   /var/log/containers, a path it hard-codes
#   $STATE/node/cni/{net.d,ipam}    the CNI network list and host-local's leases
#   bridge cni-kube0 10.244.0.1/24  pods' network; 10.244.0.1 is also the node's InternalIP (the
#                                   kubelet refuses a loopback node IP, and the machine's LAN address
#                                   is never used), the kubelet serves on it, and the service range
#                                   10.0.0.0/24 is routed to it, so a ClusterIP without kube-proxy
#                                   rules stays on this machine
#   cgroups <hierarchy>/kruise-agents-node/...   the kubelet's cgroupRoot (cgroupfs driver)
#   iptables chains KUBE-*          kube-proxy's and the kubelet's (filter, nat, mangle; v4 and v6)
#   sysctls vm.overcommit_memory, vm.panic_on_oom, kernel.panic, kernel.panic_on_oops,
#           kernel.keys.root_max{keys,bytes}: the kubelet sets these on start (it refuses to run with
#           protectKernelDefaults otherwise); their values from before are restored by `down`
#   /var/log/containers, /var/lib/kubelet/device-plugins   paths the kubelet hard-codes; removed
#                                   by `down` when the kubelet created them
#   /run/kruise-agents-kube/node*   which state folder owns the node, the saved sysctls, which of
#                                   those folders it created (and a lock file, kept)
#   /run/kruise-agents-kube/shims   the shims' sockets (containerd allows that folder 42 bytes)
# Names differ from the local node's (bridges ka*, 10.213-10.220, chains KA*), so both can run.
# Only one real node runs per machine (kube-proxy's KUBE-* chains are machine-wide): `up-node` on
# another state folder fails while one runs, and cleans up after one whose processes are gone.
#
# Versions: kubelet, kube-proxy, kube-scheduler from the same k8s.io/kubernetes as the control
# plane; containerd from github.com/containerd/containerd/v2 (hack/kube/cri/go.mod); runc and the
# CNI plugins from Debian (hack/apt-packages.txt). This machine has cgroup v1 only: the kubelet
# runs there with `failCgroupV1: false` (it logs that cgroup v1 is deprecated).
#
# Images: nothing is ever pulled (no registry is reachable). containerd's sandbox (pause) image is
# localhost/kruise-agents/pause:1.0, built from hack/kube/cri/pause; it and the sandbox images of
# hack/images (build.sh archive -> ctr images import) are imported before the kubelet starts, and
# re-imported by a later `up-node` when hack/images built new ones. The kubelet's image GC is off
# (imageGCHighThresholdPercent: 100), as nothing it removed could come back.
#
# Debian packages needed (hack/apt-packages.txt): runc, containernetworking-plugins, iptables,
# iproute2, conntrack, openssl, jq, util-linux.

NODE_NAME=kruise-agents-node
NODE_BRIDGE=cni-kube0
NODE_IP=10.244.0.1
POD_CIDR=10.244.0.0/24
SERVICE_CIDR=10.0.0.0/24
CNI_NETWORK=kruise-agents-kube
CGROUP_ROOT=kruise-agents-node
PAUSE_IMAGE=localhost/kruise-agents/pause:1.0
RUNC=${KUBE_NODE_RUNC:-/usr/sbin/runc}
CNI_BIN_DIR=${KUBE_NODE_CNI_BIN_DIR:-/usr/lib/cni}
NODE_READY_TIMEOUT=${KUBE_NODE_READY_TIMEOUT:-180}
# Machine-wide records: the node's owner, the sysctls before the kubelet changed them, and whether
# /var/log/containers existed before.
MACHINE_DIR=/run/kruise-agents-kube
NODE_CLAIM=$MACHINE_DIR/node
SHIM_SOCKETS=$MACHINE_DIR/shims
# Controllers added to kube-controller-manager while a node is up: node heartbeats and taints,
# eviction, cleanup of pods of gone nodes, the TTL annotation the kubelet's secret/configmap
# caches read, and DaemonSets (the chart's node agent). No node-ipam: the node's pod range is
# fixed in its CNI config.
NODE_CONTROLLERS=node-lifecycle-controller,taint-eviction-controller,pod-garbage-collector-controller,ttl-controller,daemonset-controller
# Folders the kubelet creates whatever its --root-dir: container log links, and the device plugin
# socket's folder (pluginapi.DevicePluginPath).
KUBELET_FOLDERS=(/var/log/containers /var/lib/kubelet)
# The sysctls the kubelet sets (pkg/kubelet/cm setupKernelTunables).
KUBELET_SYSCTLS=(vm/overcommit_memory vm/panic_on_oom kernel/panic kernel/panic_on_oops
  kernel/keys/root_maxkeys kernel/keys/root_maxbytes)

node_paths() {
  NODE=$STATE/node
  SOCK=$NODE/run/containerd.sock
}

# crictl and ctr against this node's containerd ($NODE/crictl.yaml names its socket).
# The flags repeat the socket, so that a missing crictl.yaml never means containerd's default one.
crictl() {
  "$BIN/crictl" --config "$NODE/crictl.yaml" --runtime-endpoint "unix://$SOCK" \
    --image-endpoint "unix://$SOCK" "$@"
}
ctr() { "$BIN/ctr" --address "$SOCK" --namespace k8s.io "$@"; }
kubectl() { "$BIN/kubectl" --kubeconfig="$STATE/kubeconfig" --request-timeout=10s "$@"; }

# cmdline_has NAME TEXT succeeds when component NAME runs with TEXT in its command line.
cmdline_has() {
  alive "$1" && tr '\0' ' ' <"/proc/$(cat "$STATE/pids/$1")/cmdline" | grep -qF -- "$2"
}

# cert_kubeconfig FILE NAME writes a kubeconfig that authenticates with pki/NAME.{crt,key}.
cert_kubeconfig() {
  kubeconfig "$1" "$2" "      client-certificate-data: $(base64 -w0 <"$STATE/pki/$2.crt")
      client-key-data: $(base64 -w0 <"$STATE/pki/$2.key")"
}

# free_ports N prints N free loopback ports after the control plane's, one per line.
free_ports() {
  local port=$((API_PORT + 1)) found=0
  while ((found < $1)); do
    if port_free "$port"; then
      printf '%d\n' "$port"
      found=$((found + 1))
    fi
    port=$((port + 1))
  done
}

# cgroup_hierarchies prints the cgroup hierarchies' mount points (v1: memory, cpu, ..., the named
# systemd one; and the v2 one, empty here but used by runc too), where the kubelet and runc create
# the node's cgroups.
cgroup_hierarchies() { awk '$3 == "cgroup" || $3 == "cgroup2" { print $2 }' /proc/self/mounts; }

node_preflight() {
  local tool
  for tool in "$RUNC" iptables ip6tables iptables-save iptables-restore ip openssl jq; do
    command -v "$tool" >/dev/null || die "Cannot start the node: $tool is not installed (see hack/apt-packages.txt)"
  done
  for tool in bridge host-local loopback; do
    [[ -x $CNI_BIN_DIR/$tool ]] || die "Cannot start the node: no CNI plugin $CNI_BIN_DIR/$tool (Debian: containernetworking-plugins)"
  done
  [[ $(id -u) -eq 0 ]] || die "Cannot start the node: it needs root (network, mounts, cgroups)"
  [[ -n $(cgroup_hierarchies) ]] || die "Cannot start the node: no cgroup hierarchy is mounted"
  # Bridged pod traffic must pass iptables for ClusterIPs between pods; overlayfs for containerd.
  [[ -d /proc/sys/net/bridge ]] || modprobe br_netfilter 2>/dev/null || true
  grep -qw overlay /proc/filesystems || modprobe overlay 2>/dev/null || true
}

# node_claim fails when another state folder's node runs on this machine, and cleans up after one
# whose processes are gone. The caller holds the node lock and then records itself as the owner.
node_claim() {
  local owner
  owner=$(cat "$NODE_CLAIM" 2>/dev/null) || owner=""
  if [[ -n $owner && $owner != "$STATE" ]]; then
    if node_owner_running "$owner"; then
      die "A node of another state folder runs on this machine ($owner): KRUISE_AGENTS_KUBE_STATE=$owner bash hack/kube.sh down"
    fi
    log "cleaning up after the node of $owner, whose processes are gone"
    (
      STATE=$owner
      node_paths
      node_cleanup
    )
  fi
}

# node_owner_running STATE succeeds when STATE's containerd or kubelet still runs.
node_owner_running() {
  (
    STATE=$1
    alive containerd || alive kubelet
  )
}

node_lock() {
  mkdir -p "$MACHINE_DIR"
  exec 7>"$MACHINE_DIR/lock"
  flock 7
}

# node_alive succeeds when every node process runs and the control plane is set up for it.
node_alive() {
  local name
  [[ -f $NODE/ports ]] || return 1
  for name in containerd kubelet kube-proxy kube-scheduler; do alive "$name" || return 1; done
  cmdline_has kube-controller-manager node-lifecycle-controller &&
    cmdline_has kube-apiserver --kubelet-preferred-address-types
}

node_wait_ready() {
  READY_TIMEOUT=$NODE_READY_TIMEOUT wait_for "Node $NODE_NAME Ready" \
    kubectl wait --for=condition=Ready "node/$NODE_NAME" --timeout=5s
}

# node_up starts the node on the running control plane (the caller holds the state lock and has
# sourced the ports). Idempotent: on a running node it only waits for Ready (a restarted kubelet
# may not be yet) and refreshes the images; a partly stopped node is started again from scratch.
node_up() {
  node_paths
  node_lock
  if node_alive; then
    # shellcheck source=/dev/null
    source "$NODE/ports"
    forward_alive || start_apiserver_forward
    node_wait_ready
    load_images
    return 0
  fi
  node_preflight
  # A unix socket's path has at most 107 bytes.
  ((${#SOCK} + 6 <= 107)) || die "Cannot start the node: the state folder's path is too long for containerd's socket ($SOCK.ttrpc)"
  local started=$SECONDS
  node_claim
  # Whatever is left of an earlier node of this state folder goes first.
  node_stop
  node_cleanup
  printf '%s\n' "$STATE" >"$NODE_CLAIM"
  mkdir -p "$NODE"/{containerd/root,containerd/state,containerd/runc,containerd/tmp,run,kubelet/pki,pod-logs,cni/net.d,cni/ipam,images,volume-plugins}
  chmod 700 "$NODE"
  free_ports 5 | paste -sd' ' - | {
    read -r kubelet healthz proxy_healthz proxy_metrics scheduler
    printf 'KUBELET_PORT=%d\nKUBELET_HEALTHZ_PORT=%d\nPROXY_HEALTHZ_PORT=%d\nPROXY_METRICS_PORT=%d\nSCHEDULER_PORT=%d\n' \
      "$kubelet" "$healthz" "$proxy_healthz" "$proxy_metrics" "$scheduler" >"$NODE/ports"
  }
  # shellcheck source=/dev/null
  source "$NODE/ports"
  trap 'node_stop' EXIT

  node_credentials
  node_control_plane
  node_network
  node_cgroups
  node_record_machine

  containerd_config >"$NODE/containerd/config.toml"
  printf 'runtime-endpoint: unix://%s\nimage-endpoint: unix://%s\ntimeout: 30\n' "$SOCK" "$SOCK" \
    >"$NODE/crictl.yaml"
  kubelet_config >"$NODE/kubelet/config.yaml"
  kube_proxy_config >"$NODE/kube-proxy.yaml"
  start_containerd
  load_images
  start_kubelet
  start_kube_proxy
  start_apiserver_forward
  node_wait_ready
  trap - EXIT
  log "node $NODE_NAME Ready in $((SECONDS - started)) s (kubelet $K8S_VERSION, containerd $CONTAINERD_VERSION, $("$RUNC" --version | head -1))"
  log "look at its containers with: $STATE/bin/crictl --config $NODE/crictl.yaml ps"
}

# start_containerd runs containerd (its shims are found next to it, on PATH) and waits for CRI.
start_containerd() {
  PATH=$BIN:$PATH start containerd --config "$NODE/containerd/config.toml"
  wait_for "containerd" crictl info
}

start_kubelet() {
  start kubelet --config="$NODE/kubelet/config.yaml" --kubeconfig="$NODE/kubelet.kubeconfig" \
    --hostname-override="$NODE_NAME" --node-ip="$NODE_IP" --root-dir="$NODE/kubelet" \
    --cert-dir="$NODE/kubelet/pki" --node-labels="agents.kruise.io/node=kubelet"
  wait_for "kubelet /healthz" curl -fsS --max-time 2 "http://127.0.0.1:$KUBELET_HEALTHZ_PORT/healthz"
}

# start_kube_proxy waits for /healthz, which kube-proxy answers once it has written its rules.
start_kube_proxy() {
  start kube-proxy --config="$NODE/kube-proxy.yaml"
  wait_for "kube-proxy /healthz" curl -fsS --max-time 2 "http://127.0.0.1:$PROXY_HEALTHZ_PORT/healthz"
}

# start_apiserver_forward lets pods reach kube-apiserver as on any cluster: through the
# `kubernetes` Service (10.0.0.1:443, whose endpoint the control plane leaves unset here, see
# --endpoint-reconciler-type in hack/kube.sh) to $NODE_IP:$API_PORT, where
# hack/kube/apiserver_forward.ts forwards to the loopback-only API server.
start_apiserver_forward() {
  forward_stop
  # 7>&- 8>&- 9>&-: as in start(), the child must not hold the lock descriptors.
  DENO_NO_UPDATE_CHECK=1 setsid deno run --quiet --no-lock --no-config \
    --allow-net="$NODE_IP:$API_PORT,127.0.0.1:$API_PORT" "$MOD_DIR/apiserver_forward.ts" \
    "$NODE_IP:$API_PORT" "127.0.0.1:$API_PORT" </dev/null >"$STATE/logs/apiserver-forward.log" 2>&1 \
    7>&- 8>&- 9>&- &
  printf '%d\n' "$!" >"$NODE/apiserver-forward.pid"
  # (The serving certificate names 10.0.0.1 and kubernetes.default.svc, not the bridge address.)
  wait_for "the API server forward" curl -fsS --max-time 2 --cacert "$STATE/pki/ca.crt" \
    --resolve "kubernetes.default.svc:$API_PORT:$NODE_IP" \
    -H "Authorization: Bearer $(cat "$STATE/token")" "https://kubernetes.default.svc:$API_PORT/readyz"
  kubectl apply --server-side --force-conflicts --field-manager=kruise-agents-node -f - \
    >/dev/null <<EOF || die "Cannot set the kubernetes Service's endpoint"
apiVersion: v1
kind: Endpoints
metadata: { name: kubernetes, namespace: default }
subsets:
  - addresses: [{ ip: "$NODE_IP" }]
    ports: [{ name: https, port: $API_PORT, protocol: TCP }]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: kubernetes
  namespace: default
  labels: { kubernetes.io/service-name: kubernetes }
addressType: IPv4
endpoints: [{ addresses: ["$NODE_IP"], conditions: { ready: true } }]
ports: [{ name: https, port: $API_PORT, protocol: TCP }]
EOF
}

# forward_alive succeeds when the recorded forwarder still runs (a deno running our script).
forward_alive() {
  local pid
  pid=$(cat "$NODE/apiserver-forward.pid" 2>/dev/null) || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'apiserver_forward\.ts'
}

forward_stop() {
  if forward_alive; then kill -TERM "$(cat "$NODE/apiserver-forward.pid")" 2>/dev/null || true; fi
  rm -f "$NODE/apiserver-forward.pid"
}

# node_restart NAME stops node component NAME (containerd, kubelet or kube-proxy) and starts it
# again on the same state; running pods are not touched (containerd's shims outlive it).
node_restart() {
  exec 9>"$STATE.flock"
  flock 9
  node_paths
  [[ -f $STATE/ports && -f $NODE/ports ]] || die "no node in $STATE"
  # shellcheck source=/dev/null
  source "$STATE/ports"
  # shellcheck source=/dev/null
  source "$NODE/ports"
  stop_one "$1"
  "start_${1//-/_}"
  log "$1 restarted"
}

# node_credentials: client certificates and kubeconfigs for the kubelet (system:node:<name>, for
# the Node authorizer), kube-proxy and kube-scheduler (both bound by the default RBAC policy).
node_credentials() {
  client_cert kubelet "system:node:$NODE_NAME" system:nodes
  client_cert kube-proxy system:kube-proxy
  client_cert kube-scheduler system:kube-scheduler
  cert_kubeconfig "$NODE/kubelet.kubeconfig" kubelet
  cert_kubeconfig "$NODE/kube-proxy.kubeconfig" kube-proxy
  cert_kubeconfig "$NODE/kube-scheduler.kubeconfig" kube-scheduler
}

# node_control_plane makes the control plane ready for a node: kube-apiserver must be able to
# reach the kubelet (logs, exec) and authorize nodes (a control plane started before this script
# knew about nodes lacks both: it is restarted on its etcd), kube-controller-manager must run the
# node controllers, and kube-scheduler must run.
node_control_plane() {
  if ! cmdline_has kube-apiserver --kubelet-preferred-address-types; then
    client_cert apiserver-kubelet-client kube-apiserver-kubelet-client system:masters
    stop_one kube-apiserver
    start_apiserver
    wait_for "kube-apiserver /readyz" ready
  fi
  if ! cmdline_has kube-controller-manager node-lifecycle-controller; then
    stop_one kube-controller-manager
    start_kcm
  fi
  stop_one kube-scheduler
  start kube-scheduler --kubeconfig="$NODE/kube-scheduler.kubeconfig" \
    --authentication-kubeconfig="$NODE/kube-scheduler.kubeconfig" \
    --authorization-kubeconfig="$NODE/kube-scheduler.kubeconfig" \
    --bind-address=127.0.0.1 --secure-port="$SCHEDULER_PORT" --leader-elect=false --profiling=false
}

# node_network: the bridge (with the node IP), a route for the service range, the CNI config.
# Pods get 10.244.0.2-254 from host-local; no masquerading (pods reach nothing but this host and
# each other, which is all the tests need) and so no CNI iptables chains.
node_network() {
  ip link add "$NODE_BRIDGE" type bridge 2>/dev/null || true
  ip addr replace "$NODE_IP/24" dev "$NODE_BRIDGE"
  ip link set "$NODE_BRIDGE" up
  ip route replace "$SERVICE_CIDR" dev "$NODE_BRIDGE" src "$NODE_IP"
  cat >"$NODE/cni/net.d/10-$CNI_NETWORK.conflist" <<EOF
{
  "cniVersion": "1.0.0",
  "name": "$CNI_NETWORK",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "$NODE_BRIDGE",
      "isGateway": true,
      "ipMasq": false,
      "hairpinMode": true,
      "ipam": {
        "type": "host-local",
        "ranges": [[{ "subnet": "$POD_CIDR", "gateway": "$NODE_IP" }]],
        "routes": [{ "dst": "0.0.0.0/0" }],
        "dataDir": "$NODE/cni/ipam"
      }
    }
  ]
}
EOF
}

# node_cgroups creates the kubelet's cgroupRoot in every hierarchy (the kubelet requires it to
# exist).
node_cgroups() {
  local h
  while read -r h; do mkdir -p "$h/$CGROUP_ROOT"; done < <(cgroup_hierarchies)
}

# node_record_machine records what the kubelet changes outside $NODE, for node_cleanup_machine
# to undo: the sysctls it sets, and which of the folders it hard-codes it creates.
node_record_machine() {
  local s
  for s in "${KUBELET_SYSCTLS[@]}"; do printf '%s %s\n' "$s" "$(cat "/proc/sys/$s")"; done \
    >"$NODE_CLAIM.sysctl"
  for s in "${KUBELET_FOLDERS[@]}"; do [[ -e $s ]] || printf '%s\n' "$s"; done >"$NODE_CLAIM.created"
}

containerd_config() {
  # Config version 4 (containerd 2.x), with every path under $NODE and no imports of the host's
  # /etc/containerd; plugins that would open machine-wide sockets or folders (NRI) are off, the
  # snapshotters other than overlayfs too.
  cat <<EOF
version = 4
root = "$NODE/containerd/root"
state = "$NODE/containerd/state"
temp = "$NODE/containerd/tmp"
imports = []
disabled_plugins = ["io.containerd.nri.v1.nri", "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper",
  "io.containerd.snapshotter.v1.blockfile", "io.containerd.snapshotter.v1.erofs",
  "io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing"]

[debug]
  level = "info"

[plugins]
  [plugins.'io.containerd.server.v1.grpc']
    address = "$SOCK"
  [plugins.'io.containerd.server.v1.ttrpc']
    address = "$SOCK.ttrpc"
  [plugins.'io.containerd.server.v1.debug']
    address = ""
  [plugins.'io.containerd.server.v1.metrics']
    address = ""
  # The shims' sockets (else /run/containerd/s): a folder of at most 42 bytes, which a state
  # folder's path may exceed, so a machine-wide one (one node per machine).
  [plugins.'io.containerd.shim.v1.manager']
    socket_dir = "$SHIM_SOCKETS"
  [plugins.'io.containerd.internal.v1.opt']
    path = "$NODE/containerd/opt"

  [plugins.'io.containerd.grpc.v1.cri']
    stream_server_address = "127.0.0.1"
    stream_server_port = "0"

  [plugins.'io.containerd.cri.v1.images']
    snapshotter = "overlayfs"
    [plugins.'io.containerd.cri.v1.images'.pinned_images]
      sandbox = "$PAUSE_IMAGE"

  # restrict_oom_score_adj: no container asks for an oom_score_adj below containerd's own, as
  # lowering it needs CAP_SYS_RESOURCE, which this machine's root lacks (runc init then fails with
  # "failed to update /proc/self/oom_score_adj: Permission denied").
  [plugins.'io.containerd.cri.v1.runtime']
    netns_mounts_under_state_dir = true
    restrict_oom_score_adj = true
    [plugins.'io.containerd.cri.v1.runtime'.containerd]
      default_runtime_name = "runc"
      [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc]
        runtime_type = "io.containerd.runc.v2"
        [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]
          BinaryName = "$RUNC"
          Root = "$NODE/containerd/runc"
          SystemdCgroup = false
    [plugins.'io.containerd.cri.v1.runtime'.cni]
      bin_dirs = ["$CNI_BIN_DIR"]
      conf_dir = "$NODE/cni/net.d"
      max_conf_num = 1
EOF
}

kubelet_config() {
  cat <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
# cgroup v1 is all this machine has; 1.35+ kubelets refuse it unless told.
failCgroupV1: false
cgroupDriver: cgroupfs
cgroupRoot: /$CGROUP_ROOT
cgroupsPerQOS: true
containerRuntimeEndpoint: unix://$SOCK
imageServiceEndpoint: unix://$SOCK
address: $NODE_IP
port: $KUBELET_PORT
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: $KUBELET_HEALTHZ_PORT
authentication:
  anonymous:
    enabled: false
  webhook:
    enabled: true
  x509:
    clientCAFile: $STATE/pki/ca.crt
authorization:
  mode: Webhook
clusterDomain: cluster.local
podLogsDir: $NODE/pod-logs
volumePluginDir: $NODE/volume-plugins
failSwapOn: false
makeIPTablesUtilChains: false
# Images cannot be pulled back: never garbage-collect them. Evict only when truly short.
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard:
  memory.available: 100Mi
  nodefs.available: 1%
  nodefs.inodesFree: 1%
  imagefs.available: 1%
  imagefs.inodesFree: 1%
rotateCertificates: false
serverTLSBootstrap: false
enableProfilingHandler: false
enableDebugFlagsHandler: false
EOF
}

kube_proxy_config() {
  cat <<EOF
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection:
  kubeconfig: $NODE/kube-proxy.kubeconfig
hostnameOverride: $NODE_NAME
mode: iptables
clusterCIDR: $POD_CIDR
nodePortAddresses: ["$NODE_IP/32"]
healthzBindAddress: 127.0.0.1:$PROXY_HEALTHZ_PORT
metricsBindAddress: 127.0.0.1:$PROXY_METRICS_PORT
enableProfiling: false
iptables:
  localhostNodePorts: false
  syncPeriod: 30s
  minSyncPeriod: 0s
# 0: leave the machine's conntrack sysctls alone.
conntrack:
  maxPerCore: 0
  min: 0
  tcpEstablishedTimeout: 0s
  tcpCloseWaitTimeout: 0s
EOF
}

# pause_archive OUT writes the pause image as an OCI archive for `ctr images import`: one layer
# holding /pause, run as 65535 like Kubernetes' own.
pause_archive() {
  local out=$1 work=$NODE/images/pause layer config manifest
  rm -rf "$work" && mkdir -p "$work/root" "$work/layout/blobs/sha256"
  install -m 0755 "$BIN/pause" "$work/root/pause"
  tar --create --file "$work/layer.tar" --sort=name --numeric-owner --owner=0 --group=0 \
    --mtime=@0 -C "$work/root" pause
  layer=$(sha256sum <"$work/layer.tar" | cut -d' ' -f1)
  mv "$work/layer.tar" "$work/layout/blobs/sha256/$layer"
  jq -n --arg l "sha256:$layer" --arg arch "$(dpkg --print-architecture 2>/dev/null || echo amd64)" '{
    architecture: $arch, os: "linux",
    config: {Entrypoint: ["/pause"], User: "65535:65535", WorkingDir: "/"},
    rootfs: {type: "layers", diff_ids: [$l]}}' >"$work/config.json"
  config=$(sha256sum <"$work/config.json" | cut -d' ' -f1)
  mv "$work/config.json" "$work/layout/blobs/sha256/$config"
  jq -n --arg c "sha256:$config" --argjson cs "$(stat -c %s "$work/layout/blobs/sha256/$config")" \
    --arg l "sha256:$layer" --argjson ls "$(stat -c %s "$work/layout/blobs/sha256/$layer")" '{
    schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json",
    config: {mediaType: "application/vnd.oci.image.config.v1+json", digest: $c, size: $cs},
    layers: [{mediaType: "application/vnd.oci.image.layer.v1.tar", digest: $l, size: $ls}]}' \
    >"$work/manifest.json"
  manifest=$(sha256sum <"$work/manifest.json" | cut -d' ' -f1)
  jq -n --arg m "sha256:$manifest" --argjson s "$(stat -c %s "$work/manifest.json")" \
    --arg name "$PAUSE_IMAGE" '{schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json",
    manifests: [{mediaType: "application/vnd.oci.image.manifest.v1+json", digest: $m, size: $s,
      annotations: {"io.containerd.image.name": $name, "org.opencontainers.image.ref.name": "1.0"}}]}' \
    >"$work/layout/index.json"
  mv "$work/manifest.json" "$work/layout/blobs/sha256/$manifest"
  printf '{"imageLayoutVersion": "1.0.0"}\n' >"$work/layout/oci-layout"
  tar --create --file "$out" -C "$work/layout" oci-layout index.json blobs
  rm -rf "$work"
}

# image_digest NAME prints the manifest digest containerd holds for image NAME (empty if none).
image_digest() { ctr images ls "name==$1" 2>/dev/null | awk 'NR > 1 { print $3 }'; }

# load_images imports the pause image and every image of hack/images/images.json whose digest in
# containerd differs from the built one (so a runtime change reaches the node on the next up).
load_images() {
  local layout name full digest
  if [[ -z $(image_digest "$PAUSE_IMAGE") ]]; then
    pause_archive "$NODE/images/pause.tar"
    ctr images import "$NODE/images/pause.tar" >>"$STATE/logs/images.log" 2>&1 ||
      die "Cannot import the pause image (log: $STATE/logs/images.log)"
    rm -f "$NODE/images/pause.tar"
  fi
  # The images of the working tree; when they do not build (a change in progress), the last ones.
  if ! layout=$(bash "$ROOT/hack/images/build.sh" build 2>>"$STATE/logs/images.log"); then
    layout=$(bash "$ROOT/hack/images/build.sh" path) ||
      die "Cannot build the sandbox images (log: $STATE/logs/images.log)"
    log "warning: the sandbox images do not build (log: $STATE/logs/images.log); loading the last built ones"
  fi
  while IFS=$'\t' read -r name full digest; do
    [[ $(image_digest "$full") == "$digest" ]] && continue
    local t=$SECONDS
    bash "$ROOT/hack/images/build.sh" archive "$name" "$NODE/images/image.tar" 2>/dev/null ||
      die "Cannot write image $name as an archive"
    ctr images import "$NODE/images/image.tar" >>"$STATE/logs/images.log" 2>&1 ||
      die "Cannot import image $name (log: $STATE/logs/images.log)"
    rm -f "$NODE/images/image.tar"
    log "imported $name into containerd in $((SECONDS - t)) s"
  done < <(jq -r '.manifests[] | [.annotations["org.opencontainers.image.ref.name"],
    .annotations["io.containerd.image.name"], .digest] | @tsv' "$layout/index.json")
}

# node_stop stops the node's processes and removes its pods and containers (with containerd still
# up, so that CNI tears each pod's network down), keeping the state folder.
node_stop() {
  node_paths
  stop_one kubelet
  stop_one kube-proxy
  stop_one kube-scheduler
  forward_stop
  if alive containerd; then
    local pods
    pods=$(crictl pods -q 2>/dev/null) || pods=""
    if [[ -n $pods ]]; then
      # shellcheck disable=SC2086 # one id per word
      crictl --timeout 60s stopp $pods >/dev/null 2>&1 || true
      # shellcheck disable=SC2086
      crictl --timeout 60s rmp -f $pods >/dev/null 2>&1 || true
    fi
  fi
  stop_one containerd
}

# pids_in_cgroups prints the pids in the node's cgroups.
pids_in_cgroups() {
  local h
  while read -r h; do
    [[ -d $h/$CGROUP_ROOT ]] && find "$h/$CGROUP_ROOT" -name cgroup.procs -exec cat {} + 2>/dev/null
  done < <(cgroup_hierarchies)
  true
}

# node_cleanup removes everything the node of $STATE left: in $NODE always; on the machine
# (processes in the node's cgroups, network, iptables chains, cgroups, sysctls) only when this
# state folder owns the node or no one does, as those names are the same for every state folder.
node_cleanup() {
  node_paths
  local pid owner
  # Shims outlive containerd by design; each names its containerd's socket.
  for pid in $(pgrep -f -- "-address $SOCK" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null || true; done
  owner=$(cat "$NODE_CLAIM" 2>/dev/null) || owner=""
  [[ -z $owner || $owner == "$STATE" ]] && node_cleanup_machine
  # Mounts under $NODE (rootfs overlays, network namespaces, shm, pod volumes), deepest first.
  local mnt
  while read -r mnt; do
    umount "$mnt" 2>/dev/null || umount -l "$mnt" 2>/dev/null || true
  done < <(awk -v n="$NODE/" 'index($5, n) == 1 { print length($5) "\t" $5 }' /proc/self/mountinfo |
    sort -rn | cut -f2-)
  if [[ -d $NODE ]]; then
    # Nothing may still be mounted below before the folder goes (--one-file-system as a guard).
    if awk -v n="$NODE/" 'index($5, n) == 1 { found = 1 } END { exit !found }' /proc/self/mountinfo; then
      die "Cannot remove $NODE: something is still mounted in it"
    fi
    rm -rf --one-file-system "$NODE"
  fi
  [[ -z $owner || $owner == "$STATE" ]] && rm -f "$NODE_CLAIM" "$NODE_CLAIM.sysctl" "$NODE_CLAIM.created"
  true
}

# node_cleanup_machine removes the node's machine-wide traces.
node_cleanup_machine() {
  local pid i
  # The containers' processes (runc's, when their shims were killed).
  for ((i = 0; i < 50; i++)); do
    pid=$(pids_in_cgroups)
    [[ -n $pid ]] || break
    # shellcheck disable=SC2086
    kill -KILL $pid 2>/dev/null || true
    sleep 0.1
  done
  # Network: the pods' veths go with their namespaces; the bridge (and its routes) here.
  local link
  for link in $(ip -o link show master "$NODE_BRIDGE" 2>/dev/null | awk -F': ' '{ print $2 }' | cut -d@ -f1); do
    ip link del "$link" 2>/dev/null || true
  done
  ip link del "$NODE_BRIDGE" 2>/dev/null || true
  rm -f /var/lib/cni/results/"$CNI_NETWORK"-* 2>/dev/null || true
  rm -rf "$SHIM_SOCKETS"
  # iptables: kube-proxy's own cleanup, then whatever KUBE-* chain is left (the kubelet's).
  if [[ -x $STATE/bin/kube-proxy ]]; then
    timeout 60 "$STATE/bin/kube-proxy" --cleanup --proxy-mode=iptables >/dev/null 2>&1 || true
  fi
  purge_chains iptables
  purge_chains ip6tables
  # cgroups, leaves first.
  local h
  while read -r h; do
    if [[ -d $h/$CGROUP_ROOT ]]; then find "$h/$CGROUP_ROOT" -depth -type d -exec rmdir {} + 2>/dev/null || true; fi
  done < <(cgroup_hierarchies)
  # Container log links the kubelet made in the fixed /var/log/containers.
  if [[ -d /var/log/containers ]]; then
    find /var/log/containers -maxdepth 1 -type l -lname "$NODE/*" -delete 2>/dev/null || true
  fi
  local s v
  if [[ -f $NODE_CLAIM.sysctl ]]; then
    while read -r s v; do printf '%s\n' "$v" >"/proc/sys/$s" 2>/dev/null || true; done <"$NODE_CLAIM.sysctl"
  fi
  # The hard-coded folders, when the kubelet created them (they hold only its links and socket).
  if [[ -f $NODE_CLAIM.created ]]; then
    while read -r s; do
      case $s in
        /var/log/containers | /var/lib/kubelet) rm -rf --one-file-system "$s" ;;
      esac
    done <"$NODE_CLAIM.created"
  fi
}

# purge_chains CMD removes from every table of CMD (iptables or ip6tables) the KUBE-* chains and
# the rules that jump to them, in one iptables-restore transaction per table.
purge_chains() {
  local cmd=$1 table script
  command -v "$cmd" >/dev/null || return 0
  for table in filter nat mangle raw; do
    script=$("$cmd-save" -t "$table" 2>/dev/null | awk '
      /^:KUBE-/ { chains[++n] = substr($1, 2) }
      /^-A / && $2 !~ /^KUBE-/ && / -j KUBE-/ { sub(/^-A /, "-D "); print }
      END { for (i = 1; i <= n; i++) print "-F " chains[i]; for (i = 1; i <= n; i++) print "-X " chains[i] }')
    [[ -n $script ]] || continue
    printf '*%s\n%s\nCOMMIT\n' "$table" "$script" | "$cmd-restore" --noflush ||
      log "could not remove the KUBE-* chains of $cmd table $table"
  done
}

# node_down stops the node and removes all it left; the control plane is untouched.
node_down() {
  node_paths
  [[ -d $NODE || $(cat "$NODE_CLAIM" 2>/dev/null) == "$STATE" ]] || return 0
  node_lock
  node_stop
  node_cleanup
  flock -u 7
  exec 7>&-
}
