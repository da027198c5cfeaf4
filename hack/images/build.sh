#!/usr/bin/env bash
# The sandbox images, one per example template (charts/kruise-agents/examples: base and
# code-interpreter), built as OCI images from the package registries only: a Debian root
# filesystem from Debian's packages, the code-interpreter template's Python packages from PyPI,
# the deno binary of this machine (npm package `deno`) and the project's agent-runtime.
#
#   bash hack/images/build.sh [build]             build what is missing or stale (cached), print the layout's path
#   bash hack/images/build.sh path                print the layout's path (exit 1 if nothing is built yet)
#   bash hack/images/build.sh archive NAME OUT    write image NAME as an OCI archive for
#                                                 `ctr -n k8s.io images import OUT`
#
# Output: ONE OCI image layout, <cache>/images/oci, holding both images. Each index.json entry
# names its image twice: `org.opencontainers.image.ref.name` (kruise-agents/sandbox-base:0.1.0,
# what umoci and skopeo look up) and `io.containerd.image.name` (docker.io/kruise-agents/...,
# what `ctr images import` names the image by; without it ctr skips a ref.name holding a "/").
# Names, templates, layers, default arguments and the Python packages are in
# hack/images/images.json, which TypeScript consumers read too.
#
# Layers, each cached under <cache>/images/layers/<layer>-<key>, <key> hashing its own inputs:
#   rootfs   Debian bookworm from mmdebstrap (minbase + hack/images/debian-packages.txt) and the
#            account `user` (1000:1000, /home/user, passwordless sudo). Inputs: the package list,
#            this script's rootfs functions. About 3 minutes.
#   deno     /usr/local/bin/deno, a copy of this machine's deno. Input: the binary.
#   kernels  code-interpreter only: the Debian packages of the kernels beyond Python's
#            (images.json interpreterDebianPackages: R with IRkernel, whose kernelspec `ir` Debian
#            installs, and a JDK for JJava), apt-installed in the image's own chroot on an overlay
#            of the rootfs. Inputs: the list, the rootfs key. About 2 minutes.
#   python   code-interpreter only: the pins of hack/requirements.txt named in images.json,
#            pip-installed into the image's own python3 (Debian's 3.11) under /usr/local (Jupyter,
#            ipykernel, bash_kernel, JJava's `java` kernelspec, e2b-charts, Pillow, ...), and the
#            Deno and bash kernelspecs. Inputs: the pins, the rootfs, kernels and deno keys. About
#            1 minute.
#   runtime  /usr/local/bin/agent-runtime. Inputs: the runtime/ and shared/ sources (tests
#            excluded), deno.json, deno.lock, the deno version. Seconds.
# So a runtime change rebuilds the runtime layer and rewrites the small JSON blobs, nothing else.
# Every build lands in a temporary folder and is renamed into place, so an interrupted build never
# leaves a half-filled cache entry; one build runs at a time (flock).
#
# Why the layout is written here (tar, sha256sum, jq) rather than by umoci: umoci works image by
# image (unpack, change, repack with a whole-tree mtree diff), so caching each layer by its own
# inputs would mean unpacking and re-diffing a 1.5 GB tree for a one-file runtime change. Here a
# layer is a cached tar.gz; an image is a config, a manifest and links to those blobs. umoci then
# stays what it is best at, an independent reader of the result (hack/images_test.ts unpacks with
# it).
#
# Why agent-runtime is one bundled module run by the image's deno, not a `deno compile` binary:
# `deno compile` needs `denort` (the runtime half of a compiled binary), which Deno publishes only
# on dl.deno.land; no registry this machine reaches has it (the npm and PyPI `deno` packages carry
# the full CLI only, which ignores an appended program). `deno bundle` makes runtime/main.ts one
# self-contained module (npm dependencies and the PTY helper inlined, no source tree), and the
# launcher runs it with exactly RUNTIME_PERMISSIONS (runtime/permissions.ts). Set DENORT_BIN to a
# denort binary of the same deno version to get a real `deno compile` binary instead.
#
# Build hygiene: the build runs as root (mmdebstrap, chroot, mounts). Every mount (the chroot's
# proc, dev and sys, the overlay of the python step) is made inside a private mount namespace
# (unshare), so the host never sees it and the kernel drops it however the build ends. The host's
# resolv.conf and CA bundle are bind-mounted over the image's own files for the pip step only and
# leave no trace. apt lists and caches, pip caches and logs are not in the images.
#
# Environment (all optional):
#   KRUISE_AGENTS_CACHE   cache root (default ${XDG_CACHE_HOME:-$HOME/.cache}/kruise-agents)
#   DENORT_BIN            a denort binary: compile the runtime with `deno compile` (see above)
# Debian packages needed: mmdebstrap, jq, pigz (else gzip), attr, util-linux (flock, unshare);
# hack/images_test.ts also needs umoci. See hack/apt-packages.txt.
set -euo pipefail
umask 022

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
CACHE_ROOT=${KRUISE_AGENTS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kruise-agents}
IMAGES=$CACHE_ROOT/images
LAYERS=$IMAGES/layers
SPEC=$HERE/images.json
PACKAGES=$HERE/debian-packages.txt
SUITE=bookworm
MIRROR=http://deb.debian.org/debian
SECURITY_MIRROR=http://deb.debian.org/debian-security
# The images' environment; the build's chroot commands run with the same PATH.
IMAGE_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
IMAGE_ENV='["PATH='$IMAGE_PATH'", "LANG=C.UTF-8", "HOME=/root", "DENO_NO_UPDATE_CHECK=1"]'
IMAGE_ENTRYPOINT='["/usr/bin/tini", "--", "/usr/local/bin/agent-runtime"]'
# The control-plane images' environment (images.json entries without a template, each naming its
# entrypoint). They run as 65532 on a read-only root filesystem with /tmp writable (the chart), so
# deno's cache folder is there.
PROGRAM_ENV='["PATH='$IMAGE_PATH'", "LANG=C.UTF-8", "HOME=/tmp", "DENO_DIR=/tmp/deno", "DENO_NO_UPDATE_CHECK=1"]'
# Old layouts and unused layers are removed once they are this many days unused, so that another
# checkout sharing the cache (or a test still reading the previous layout) is not pulled from under.
PRUNE_DAYS=1

log() { printf 'images: %s\n' "$*" >&2; }
die() {
  log "$*"
  exit 1
}
sha() { sha256sum | cut -d' ' -f1; }

usage() {
  sed -n '/^#   bash hack/,/^#$/p' "${BASH_SOURCE[0]}" | sed -e 's/^# \{0,3\}//' -e '/^$/d'
}

# ---------------------------------------------------------------------------------------------
# Layers. layer_<name> DIR fills DIR/root with the layer's tree (for python: the overlay's upper
# folder, i.e. only what changed); ensure_layer packs it. Each function's text is part of its key.

# mmdebstrap_into ROOT LOG PACKAGES: Debian bookworm (variant minbase: Essential and Priority
# required, plus PACKAGES, comma-separated; no Recommends) into ROOT. dpkg leaves out man pages,
# info and translations; documentation except the copyright files. mmdebstrap mounts proc/sys/dev
# for maintainer scripts itself, inside a private mount namespace, so the host never sees them.
# (Not in a PID namespace as the python step: apt's downloads then fail with "Unable to connect"
# here.) A second attempt absorbs a mirror's transient failure.
mmdebstrap_into() {
  local root=$1 logfile=$2 packages=$3 attempt
  command -v mmdebstrap >/dev/null ||
    die "Cannot build a root filesystem: mmdebstrap is not installed (see hack/apt-packages.txt)"
  for attempt in 1 2; do
    if unshare --mount --propagation private \
      mmdebstrap --mode=root --variant=minbase --include="$packages" \
      --aptopt='Acquire::Retries "5"' \
      --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/info/*' \
      --dpkgopt='path-exclude=/usr/share/locale/*' \
      --dpkgopt='path-include=/usr/share/locale/locale.alias' \
      --dpkgopt='path-exclude=/usr/share/doc/*' \
      --dpkgopt='path-include=/usr/share/doc/*/copyright' \
      "$SUITE" "$root" \
      "deb $MIRROR $SUITE main" "deb $MIRROR $SUITE-updates main" \
      "deb $SECURITY_MIRROR $SUITE-security main" >"$logfile" 2>&1; then
      return 0
    fi
    tail -n 30 "$logfile" >&2
    ((attempt == 1)) || die "mmdebstrap failed (log above)"
    log "mmdebstrap failed (log above); trying once more"
    rm -rf --one-file-system "$root"
  done
}

# neutral_etc ROOT HOSTNAME: mmdebstrap copied the host's resolv.conf and hostname in; the
# container runtime writes these three files when a container starts, so the image has neutral
# ones. Then the build's traces: mmdebstrap already emptied the apt lists and the package cache.
neutral_etc() {
  local root=$1
  printf '# Written by the container runtime when the container starts.\n' >"$root/etc/resolv.conf"
  printf '%s\n' "$2" >"$root/etc/hostname"
  printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n' >"$root/etc/hosts"
  rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/debconf/*-old \
    "$root"/var/lib/dpkg/*-old "$root"/root/.cache "$root"/tmp/* "$root"/var/tmp/*
  find "$root/var/log" -type f \( -name '*.log' -o -path '*/apt/*' \) -delete
}

layer_rootfs() {
  local root=$1/root
  mmdebstrap_into "$root" "$1/mmdebstrap.log" \
    "$(grep -v -e '^#' -e '^[[:space:]]*$' "$PACKAGES" | paste -sd, -)"
  # The account E2B's templates run commands as, with passwordless sudo.
  chroot "$root" groupadd --gid 1000 user
  chroot "$root" useradd --uid 1000 --gid 1000 --create-home --home-dir /home/user \
    --shell /bin/bash user
  printf 'user ALL=(ALL:ALL) NOPASSWD: ALL\n' >"$root/etc/sudoers.d/user"
  chmod 0440 "$root/etc/sudoers.d/user"
  chroot "$root" visudo -cqf /etc/sudoers.d/user
  neutral_etc "$root" sandbox
}

# The control-plane images' base: minbase and the CA certificates, nothing else (no shell tools
# beyond Essential, no account; the chart runs the programs as 65532).
layer_slim() {
  mmdebstrap_into "$1/root" "$1/mmdebstrap.log" ca-certificates
  neutral_etc "$1/root" kruise-agents
}

layer_deno() {
  install -D -m 0755 "$DENO_BIN" "$1/root/usr/local/bin/deno"
}

layer_kernels() {
  local rootfs
  rootfs=$(tree_of rootfs)
  mkdir -p "$1/root" "$1/overlay-work" "$1/merged"
  jq -r '.interpreterDebianPackages[]' "$SPEC" >"$1/packages.txt"
  # A mount namespace only: apt's downloads fail inside a PID namespace here (see layer_rootfs).
  unshare --mount --propagation private \
    "$BASH" "${BASH_SOURCE[0]}" _kernels-in-namespace "$rootfs" "$1/root" "$1/overlay-work" \
    "$1/merged" "$1/packages.txt"
  overlay_to_oci "$1/root"
  rm -rf "$1/root/tmp" "$1/root/var/cache/debconf" "$1/root/var/cache/apt" "$1/root/var/log" \
    "$1/root/var/lib/apt/lists" "$1/root/root"
  find "$1/root/var/lib/dpkg" -name '*-old' -delete
}

# mount_overlay LOWERS UPPER WORK MERGED: the chroot of a layer step (in a private mount
# namespace): an overlay whose upper folder becomes the layer, /proc, a fresh /tmp, and the
# host's resolver and CA bundle over the image's own files for this step only (network for apt
# and pip). redirect_dir, metacopy and index off: the upper then holds whole files, plus
# overlayfs whiteouts that overlay_to_oci turns into OCI ones.
mount_overlay() {
  local lowers=$1 upper=$2 work=$3 m=$4
  local ca=${SSL_CERT_FILE:-/etc/ssl/certs/ca-certificates.crt}
  NS_MOUNT=$m
  trap 'umount -R "$NS_MOUNT" 2>/dev/null || true' EXIT
  mount -t overlay overlay \
    -o "lowerdir=$lowers,upperdir=$upper,workdir=$work,redirect_dir=off,metacopy=off,index=off,xino=off" \
    "$m"
  mount -t proc proc "$m/proc"
  mount -t tmpfs -o mode=1777 tmpfs "$m/tmp"
  mount --bind /etc/resolv.conf "$m/etc/resolv.conf"
  if [[ -f $ca ]]; then mount --bind "$ca" "$m/etc/ssl/certs/ca-certificates.crt"; fi
}

# kernels_in_namespace runs in the private mount namespace layer_kernels makes: apt-get install
# of the listed packages (no Recommends) chrooted into an overlay of the rootfs, lists and
# archives removed again.
kernels_in_namespace() {
  local rootfs=$1 upper=$2 work=$3 m=$4 packages=$5
  mount_overlay "$rootfs" "$upper" "$work" "$m"
  cp "$packages" "$m/tmp/packages.txt"
  # shellcheck disable=SC2016 # expanded by the chroot's shell
  chroot "$m" /usr/bin/env -i PATH="$IMAGE_PATH" HOME=/root LANG=C.UTF-8 \
    DEBIAN_FRONTEND=noninteractive /bin/sh -euc '
    # The rootfs leaves man pages out (dpkg path-exclude), but the JRE registers its java.1 page
    # with update-alternatives, which fails where the folder is missing.
    mkdir -p /usr/share/man/man1
    apt-get -o Acquire::Retries=5 update -qq >/tmp/apt.log 2>&1 || { cat /tmp/apt.log >&2; exit 1; }
    apt-get -o Acquire::Retries=5 install -y -qq --no-install-recommends $(cat /tmp/packages.txt) \
      >/tmp/apt.log 2>&1 || { tail -n 40 /tmp/apt.log >&2; exit 1; }
    apt-get clean
    rm -rf /var/lib/apt/lists/*
  '
  [[ -f $m/usr/share/jupyter/kernels/ir/kernel.json ]] ||
    die "IRkernel installed no kernelspec ir (packages: $(paste -sd' ' "$packages"))"
  chroot "$m" /usr/bin/env -i PATH="$IMAGE_PATH" jshell --version >/dev/null ||
    die "The JDK for JJava has no jshell (packages: $(paste -sd' ' "$packages"))"
}

layer_python() {
  local rootfs deno kernels
  rootfs=$(tree_of rootfs)
  deno=$(tree_of deno)
  kernels=$(tree_of kernels)
  mkdir -p "$1/root" "$1/overlay-work" "$1/merged"
  python_pins >"$1/requirements.txt"
  # The install runs on an overlay of the rootfs, kernels and deno trees, so its upper folder is
  # exactly this layer.
  unshare --mount --pid --fork --kill-child --propagation private \
    "$BASH" "${BASH_SOURCE[0]}" _python-in-namespace "$deno:$kernels:$rootfs" "$1/root" \
    "$1/overlay-work" "$1/merged" "$1/requirements.txt"
  overlay_to_oci "$1/root"
  rm -rf "$1/root/root/.cache" "$1/root/tmp" "$1/root/var/cache/debconf"
}

# python_in_namespace runs in the private namespaces layer_python makes: mounts, then pip,
# `deno jupyter --install` and bash_kernel's kernelspec chrooted into the overlay.
python_in_namespace() {
  local lowers=$1 upper=$2 work=$3 m=$4 reqs=$5
  mount_overlay "$lowers" "$upper" "$work" "$m"
  mkdir "$m/tmp/build"
  cp "$reqs" "$m/tmp/build/requirements.txt"
  local -a env=(PATH="$IMAGE_PATH" HOME=/tmp/build LANG=C.UTF-8 DENO_NO_UPDATE_CHECK=1)
  local var
  for var in HTTP_PROXY HTTPS_PROXY NO_PROXY http_proxy https_proxy no_proxy PIP_INDEX_URL \
    PIP_EXTRA_INDEX_URL; do
    if [[ -n ${!var:-} ]]; then env+=("$var=${!var}"); fi
  done
  # shellcheck disable=SC2016 # expanded by the chroot's shell
  chroot "$m" /usr/bin/env -i "${env[@]}" /bin/sh -euc '
    python3 -m pip install --quiet --no-cache-dir --no-input --disable-pip-version-check \
      --root-user-action=ignore --break-system-packages \
      --cert /etc/ssl/certs/ca-certificates.crt -r /tmp/build/requirements.txt
    # rfc3987-syntax (pulled in by jupyter-events through jsonschema[format-nongpl]) builds ~35
    # Lark parsers when imported, about 2 s of every Jupyter Server start; jsonschema does without
    # it (no iri format check; no Jupyter schema uses one).
    python3 -m pip uninstall --quiet --yes --root-user-action=ignore --break-system-packages \
      rfc3987-syntax
    # What `deno jupyter --install` writes (kernel.json and logos), moved next to the python3
    # spec of ipykernel, where Jupyter finds it whichever user runs the kernels.
    deno jupyter --install --force >/tmp/build/jupyter.log 2>&1 || {
      cat /tmp/build/jupyter.log >&2
      exit 1
    }
    spec=$(find /tmp/build -path "*/kernels/deno/kernel.json")
    mkdir -p /usr/local/share/jupyter/kernels
    cp -r "${spec%/kernel.json}" /usr/local/share/jupyter/kernels/deno
    # bash_kernel ships no kernelspec in its wheel; JJava does (java, under /usr/local).
    python3 -m bash_kernel.install --prefix /usr/local >/dev/null
  '
  local spec=$m/usr/local/share/jupyter/kernels/deno/kernel.json
  jq '.argv[0] = "/usr/local/bin/deno"' "$spec" >"$m/tmp/kernel.json"
  cat "$m/tmp/kernel.json" >"$spec"
  local specs
  specs=$(chroot "$m" /usr/bin/env -i PATH="$IMAGE_PATH" HOME=/tmp/build jupyter kernelspec list)
  local name
  for name in python3 deno bash java ir; do
    grep -qE "^\s+$name\s" <<<"$specs" || die "Kernelspec $name is not installed: $specs"
  done
}

# bundle ENTRY OUT: the program at ENTRY (relative to the repository) as one self-contained
# module (npm dependencies inlined, no source tree). See "Why agent-runtime is one bundled module"
# above.
bundle() {
  (cd "$ROOT" && deno bundle --quiet --frozen --platform deno -o "$2" "$1")
}

# launcher OUT DENO MODULE FLAGS...: a /bin/sh script that runs MODULE with DENO and exactly
# FLAGS. DENO and MODULE may start with $dir (the launcher's own folder, for a tree that is copied
# elsewhere). --no-config etc.: nothing next to the bundle is read or fetched.
launcher() {
  local out=$1 deno=$2 module=$3 flag quoted=""
  shift 3
  for flag in "$@"; do quoted+=" '$flag'"; done
  {
    printf '#!/bin/sh\n'
    printf '# %s: %s, one bundled module (no source tree in the image), run by deno with\n' \
      "$(basename "$out")" "$module"
    printf '# the program'"'"'s permission flags. Written by hack/images/build.sh.\n'
    # shellcheck disable=SC2016 # expanded by the launcher
    printf 'dir=$(dirname "$0")\n'
    printf 'export DENO_NO_UPDATE_CHECK=1\n'
    # LAUNCH_ENV: NAME=VALUE lines the program starts with (the runtime's RUNTIME_ENV), each
    # unless the environment sets it already, and named in KRUISE_AGENTS_OWN_ENV when added
    # (runtime/permissions.ts: runtimeEnvFor, the same rule).
    local assignment
    while IFS= read -r assignment; do
      [[ -n $assignment ]] || continue
      printf 'if [ -z "${%s+set}" ]; then
' "${assignment%%=*}"
      printf '  export %s
' "$assignment"
      printf '  KRUISE_AGENTS_OWN_ENV="${KRUISE_AGENTS_OWN_ENV:+$KRUISE_AGENTS_OWN_ENV }%s"
' \
        "${assignment%%=*}"
      printf '  export KRUISE_AGENTS_OWN_ENV
'
      printf 'fi
'
    done <<<"${LAUNCH_ENV:-}"
    printf 'exec "%s" run --no-config --no-lock --no-remote --no-npm%s \\\n' "$deno" "$quoted"
    printf '  "%s" "$@"\n' "$module"
  } >"$out"
  chmod 0755 "$out"
}

# runtime_env prints RUNTIME_ENV (runtime/permissions.ts), one NAME=VALUE per line.
runtime_env() {
  (cd "$ROOT" && deno eval --quiet \
    'const m = await import("./runtime/permissions.ts");
     for (const [k, v] of Object.entries(m.RUNTIME_ENV)) console.log(`${k}=${v}`)')
}

# runtime_permissions prints RUNTIME_PERMISSIONS (runtime/permissions.ts), one flag per line.
runtime_permissions() {
  (cd "$ROOT" && deno eval --quiet \
    'const m = await import("./runtime/permissions.ts"); console.log(m.RUNTIME_PERMISSIONS.join("\n"))')
}

# task_permissions TASK prints the flags of deno.json's task TASK (`deno run FLAGS... MAIN`), one
# per line: what the program is declared to run with.
task_permissions() {
  local -a words
  read -r -a words < <(jq -r --arg t "$1" \
    '.tasks[$t] | if type == "object" then .command else . end // empty' "$ROOT/deno.json")
  [[ ${words[0]:-} == deno && ${words[1]:-} == run ]] ||
    die "deno.json has no task '$1' of the form 'deno run FLAGS... MAIN'"
  printf '%s\n' "${words[@]:2}" | grep -e '^--allow-' -e '^--deny-' -e '^--v8-flags=' || true
}

layer_runtime() {
  local root=$1/root perms=()
  mapfile -t perms < <(runtime_permissions)
  ((${#perms[@]})) || die "Cannot read RUNTIME_PERMISSIONS from runtime/permissions.ts"
  mkdir -p "$root/usr/local/bin"
  if [[ -n ${DENORT_BIN:-} ]]; then
    (cd "$ROOT" && deno compile --quiet --frozen -o "$root/usr/local/bin/agent-runtime" \
      "${perms[@]}" runtime/main.ts)
    return
  fi
  mkdir -p "$root/usr/local/lib/agent-runtime"
  bundle runtime/main.ts "$root/usr/local/lib/agent-runtime/agent-runtime.js"
  code_cache "$root" /usr/local/lib/agent-runtime "${perms[@]}"
  LAUNCH_ENV=$(
    runtime_env
    echo "DENO_DIR=/usr/local/lib/agent-runtime/deno-dir"
  ) launcher "$root/usr/local/bin/agent-runtime" /usr/local/bin/deno \
    /usr/local/lib/agent-runtime/agent-runtime.js "${perms[@]}"
}

# code_cache ROOT DIR FLAGS...: V8's code cache of ROOT/DIR/agent-runtime.js, made here and shipped
# in DIR/deno-dir (the launcher's DENO_DIR), so that no sandbox compiles the runtime: a runtime
# started on a cold cache keeps about 8 MB more resident (60 against 52 MB idle) and writes a
# 2 MB cache into every container's layer. Deno keys the cache by the module's URL and the V8
# flags, so the runtime runs once, with this machine's deno (the image's, see layer_deno) and the
# image's flags, from the path it has in the image: DIR is bind-mounted there in a private mount
# namespace, over a tmpfs that hides the host's own folder. It serves on loopback until it says
# it listens, then stops; the databases are checkpointed so that no write-ahead log ships.
code_cache() {
  local root=$1 dir=$2 deno
  shift 2
  deno=$(readlink -f "$(command -v deno)")
  [[ $deno != "$(dirname "$dir")"/* ]] || die "deno ($deno) lies under $(dirname "$dir")"
  mkdir -p "$root$dir/deno-dir"
  unshare --mount --propagation private bash -euo pipefail -c '
    root=$1 dir=$2 deno=$3
    shift 3
    mount -t tmpfs -o mode=0755 tmpfs "$(dirname "$dir")"
    mkdir "$dir"
    mount --bind "$root$dir" "$dir"
    log=$(mktemp)
    DENO_DIR=$dir/deno-dir DENO_NO_UPDATE_CHECK=1 "$deno" run --no-config --no-lock --no-remote \
      --no-npm "$@" "$dir/agent-runtime.js" --host 127.0.0.1 --port 0 --interpreter-port 0 \
      >"$log" 2>&1 </dev/null &
    pid=$!
    for _ in $(seq 300); do
      grep -q "^listening envd=" "$log" && break
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    grep -q "^listening envd=" "$log" || { cat "$log" >&2; kill "$pid" 2>/dev/null; exit 1; }
    sleep 1
    kill -TERM "$pid"
    wait "$pid" || true
    rm -f "$log"
  ' code_cache "$root" "$dir" "$deno" "$@"
  local db
  for db in "$root$dir"/deno-dir/*_v2; do
    python3 -c 'import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute("PRAGMA wal_checkpoint(TRUNCATE)"); c.close()' "$db"
  done
  rm -rf "$root$dir"/deno-dir/*-wal "$root$dir"/deno-dir/*-shm "$root$dir"/deno-dir/npm
  [[ -s $root$dir/deno-dir/v8_code_cache_v2 ]] || die "no V8 code cache was written for $dir"
}

# program_layer DIR NAME [ENTRY]: a program (ENTRY, default NAME/main.ts) bundled into
# /usr/local/lib/NAME, run by /usr/local/bin/NAME with the flags of its deno.json task NAME.
program_layer() {
  local root=$1/root name=$2 entry=${3:-$2/main.ts} perms=()
  mapfile -t perms < <(task_permissions "$name")
  ((${#perms[@]})) || die "deno.json's task '$name' declares no permission"
  mkdir -p "$root/usr/local/bin" "$root/usr/local/lib/$name"
  bundle "$entry" "$root/usr/local/lib/$name/$name.js"
  launcher "$root/usr/local/bin/$name" /usr/local/bin/deno "/usr/local/lib/$name/$name.js" \
    "${perms[@]}"
}

# The controller image also carries the node agent (the chart's DaemonSet runs
# /usr/local/bin/node-agent), a second entry point of the controller's code.
layer_controller() {
  program_layer "$1" controller
  program_layer "$1" node-agent controller/node_agent/main.ts
}
layer_manager() { program_layer "$1" manager; }

# layer_injection: the agent-runtime image's tree, /opt/kruise-agents, which the injection's init
# container copies into a volume that a sandbox's main container mounts at /mnt/agent-runtime
# (any folder works: the launcher finds deno and the module next to itself). bin/start is what the
# main container's postStart hook runs (hack/images/start_injected_runtime.sh).
layer_injection() {
  local root=$1/root/opt/kruise-agents perms=()
  mapfile -t perms < <(runtime_permissions)
  ((${#perms[@]})) || die "Cannot read RUNTIME_PERMISSIONS from runtime/permissions.ts"
  mkdir -p "$root/bin" "$root/lib"
  install -m 0755 "$DENO_BIN" "$root/bin/deno"
  bundle runtime/main.ts "$root/lib/agent-runtime.js"
  # shellcheck disable=SC2016 # expanded by the launcher
  LAUNCH_ENV=$(runtime_env) launcher "$root/bin/agent-runtime" '$dir/deno' \
    '$dir/../lib/agent-runtime.js' "${perms[@]}"
  install -m 0755 "$HERE/start_injected_runtime.sh" "$root/bin/start"
}

# python_pins prints the hack/requirements.txt lines of the packages images.json names.
python_pins() {
  local name line
  for name in $(jq -r '.pythonPackages[]' "$SPEC"); do
    line=$(grep -iE "^${name}==" "$ROOT/hack/requirements.txt") ||
      die "Cannot pin $name: hack/requirements.txt has no '$name==' line"
    printf '%s\n' "$line"
  done
}

# overlay_to_oci rewrites overlayfs whiteouts in an upper folder as OCI layer whiteouts: a deleted
# path is a 0/0 character device there and an empty `.wh.<name>` in a layer; a directory that
# was deleted and made again is opaque (xattr) there and holds `.wh..wh..opq` in a layer.
overlay_to_oci() {
  local upper=$1 path
  while IFS= read -r path; do
    : >"$path/.wh..wh..opq"
  done < <(getfattr -R --absolute-names -n trusted.overlay.opaque "$upper" 2>/dev/null |
    sed -n 's/^# file: //p')
  while IFS= read -r -d '' path; do
    [[ $(stat -c '%t:%T' "$path") == 0:0 ]] || continue
    rm "$path"
    : >"$(dirname "$path")/.wh.$(basename "$path")"
  done < <(find "$upper" -type c -print0)
}

# pack turns tree $1 into folder $2: layer.tar.gz (sorted entries, numeric owners, file
# capabilities kept; overlayfs' own trusted.* xattrs left out), its digest and size, and the
# digest of the uncompressed tar (the config's diff_id).
pack() {
  local tree=$1 out=$2 gz=(gzip -n -6)
  command -v pigz >/dev/null && gz=(pigz -n -6)
  mkdir -p "$out"
  (cd "$tree" && find . -mindepth 1 -maxdepth 1 -printf '%P\0' | sort -z |
    tar --create --file - --null --files-from - --sort=name --numeric-owner \
      --xattrs --xattrs-include=security.capability) >"$out/layer.tar"
  sha <"$out/layer.tar" >"$out/diff_id"
  "${gz[@]}" <"$out/layer.tar" >"$out/layer.tar.gz"
  rm "$out/layer.tar"
  stat -c %s "$out/layer.tar.gz" >"$out/size"
  sha <"$out/layer.tar.gz" >"$out/digest"
}

# ensure_layer NAME: makes sure $LAYERS/NAME-KEY is complete, building it if not.
ensure_layer() {
  local name=$1 dir=$LAYERS/$1-${KEY[$1]} tmp=$WORK/$1 started=$SECONDS
  if [[ -f $dir/digest ]]; then
    touch "$dir"
    return 0
  fi
  log "building layer $name (${KEY[$1]})"
  rm -rf "$tmp" && mkdir -p "$tmp"
  "layer_$name" "$tmp"
  pack "$tmp/root" "$tmp/out"
  rm -rf "$dir" && mv "$tmp/out" "$dir"
  log "layer $name: $(numfmt --to=iec "$(cat "$dir/size")") compressed, built in $((SECONDS - started)) s"
}

# tree_of NAME prints a folder holding layer NAME's tree: the one just built, else unpacked from
# the cache.
tree_of() {
  local dir=$WORK/$1/root
  if [[ ! -d $dir ]]; then
    mkdir -p "$dir"
    tar --extract --gzip --numeric-owner --xattrs --xattrs-include='*' -C "$dir" \
      -f "$LAYERS/$1-${KEY[$1]}/layer.tar.gz"
  fi
  printf '%s\n' "$dir"
}

# program_sources FOLDER... hashes the sources of a program (tests, benches and test data left
# out), the workspace's deno.json (import map, the tasks' flags) and lock, and the deno version.
program_sources() {
  (cd "$ROOT" && find "$@" -type f ! -name '*_test.ts' ! -name '*_bench.ts' \
    ! -path '*/testdata/*' ! -path '*/e2e/*' ! -path '*/.cache/*' -print0 | sort -z |
    xargs -0 sha256sum)
  sha256sum "$ROOT/deno.json" "$ROOT/deno.lock"
  deno --version
}

# compute_keys fills KEY: each layer's inputs, the functions that build it included.
compute_keys() {
  DENO_BIN=$(readlink -f "$(command -v deno)")
  KEY[rootfs]=$({
    declare -f layer_rootfs mmdebstrap_into neutral_etc pack
    cat "$PACKAGES"
    echo "$SUITE $MIRROR $SECURITY_MIRROR"
  } | sha | cut -c1-16)
  KEY[deno]=$({
    declare -f layer_deno pack
    sha <"$DENO_BIN"
  } | sha | cut -c1-16)
  KEY[kernels]=$({
    declare -f layer_kernels kernels_in_namespace mount_overlay overlay_to_oci pack
    jq -c '.interpreterDebianPackages' "$SPEC"
    echo "${KEY[rootfs]}"
  } | sha | cut -c1-16)
  KEY[python]=$({
    declare -f layer_python python_in_namespace mount_overlay overlay_to_oci pack
    python_pins
    echo "${KEY[rootfs]} ${KEY[kernels]} ${KEY[deno]}"
  } | sha | cut -c1-16)
  KEY[slim]=$({
    declare -f layer_slim mmdebstrap_into neutral_etc pack
    echo "$SUITE $MIRROR $SECURITY_MIRROR"
  } | sha | cut -c1-16)
  KEY[runtime]=$({
    declare -f layer_runtime bundle code_cache launcher runtime_permissions runtime_env pack
    program_sources runtime shared
    [[ -z ${DENORT_BIN:-} ]] || sha <"$DENORT_BIN"
  } | sha | cut -c1-16)
  KEY[injection]=$({
    declare -f layer_injection bundle launcher runtime_permissions runtime_env pack
    cat "$HERE/start_injected_runtime.sh"
    program_sources runtime shared
    sha <"$DENO_BIN"
  } | sha | cut -c1-16)
  local name
  for name in controller manager; do
    KEY[$name]=$({
      declare -f "layer_$name" program_layer bundle launcher task_permissions pack
      program_sources "$name" shared
    } | sha | cut -c1-16)
  done
}

# ---------------------------------------------------------------------------------------------
# The layout: oci-layout, index.json and blobs/sha256/, blobs being links to the cached layers.

# put_blob FILE LAYOUT moves FILE into LAYOUT's blobs and prints its descriptor's digest and size.
put_blob() {
  local digest size
  digest=$(sha <"$1")
  size=$(stat -c %s "$1")
  mv "$1" "$2/blobs/sha256/$digest"
  printf '{"digest": "sha256:%s", "size": %s}' "$digest" "$size"
}

# assemble writes the layout of every image in images.json into oci-<key> and points `oci` at it.
assemble() {
  local count i layer arch created inputs all_inputs=""
  count=$(jq '.images | length' "$SPEC")
  arch=$(dpkg --print-architecture)
  # Each image's input hash: its layers' keys, its images.json entry and this function.
  local -a image_inputs=()
  for ((i = 0; i < count; i++)); do
    inputs=$({
      declare -f assemble put_blob
      jq -c ".images[$i]" "$SPEC"
      echo "$IMAGE_PATH $IMAGE_ENV $IMAGE_ENTRYPOINT $PROGRAM_ENV $arch"
      for layer in $(jq -r ".images[$i].layers[]" "$SPEC"); do echo "$layer ${KEY[$layer]}"; done
    } | sha)
    image_inputs+=("$inputs")
    all_inputs+=$inputs
  done
  local key
  key=$(printf '%s' "$all_inputs" | sha | cut -c1-16)
  LAYOUT_DIR=$IMAGES/oci-$key
  if [[ -f $LAYOUT_DIR/index.json ]]; then
    touch "$LAYOUT_DIR"
  else
    local tmp=$WORK/layout manifests="[]"
    mkdir -p "$tmp/blobs/sha256"
    printf '{"imageLayoutVersion": "1.0.0"}\n' >"$tmp/oci-layout"
    created=$(date -u +%Y-%m-%dT%H:%M:%SZ)
    for ((i = 0; i < count; i++)); do
      local image descriptors="[]" diff_ids="[]" dir config manifest
      image=$(jq -c ".images[$i]" "$SPEC")
      for layer in $(jq -r '.layers[]' <<<"$image"); do
        dir=$LAYERS/$layer-${KEY[$layer]}
        ln -f "$dir/layer.tar.gz" "$tmp/blobs/sha256/$(cat "$dir/digest")" 2>/dev/null ||
          cp "$dir/layer.tar.gz" "$tmp/blobs/sha256/$(cat "$dir/digest")"
        descriptors=$(jq -c --arg d "sha256:$(cat "$dir/digest")" --argjson s "$(cat "$dir/size")" \
          '. + [{mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: $d, size: $s}]' \
          <<<"$descriptors")
        diff_ids=$(jq -c --arg d "sha256:$(cat "$dir/diff_id")" '. + [$d]' <<<"$diff_ids")
      done
      jq -n --argjson image "$image" --argjson diff_ids "$diff_ids" --arg created "$created" \
        --arg inputs "${image_inputs[$i]}" --arg arch "$arch" --argjson env "$IMAGE_ENV" \
        --argjson entrypoint "$IMAGE_ENTRYPOINT" --argjson program_env "$PROGRAM_ENV" '
        ($image.template != null) as $sandbox | {
          created: $created, architecture: $arch, os: "linux",
          config: {
            User: ($image.user // if $sandbox then "root" else "65532:65532" end),
            Env: (if $sandbox then $env else $program_env end),
            Entrypoint: ($image.entrypoint // $entrypoint), Cmd: $image.cmd, WorkingDir: "/",
            ExposedPorts: ($image.ports | map({key: "\(.)/tcp", value: {}}) | from_entries),
            Labels: ({
              "org.opencontainers.image.title": $image.name,
              "org.opencontainers.image.description":
                ($image.description // "E2B sandbox, template \($image.template)"),
              "org.opencontainers.image.licenses": "Apache-2.0",
              "agents.kruise.io/image-inputs": $inputs
            } + if $sandbox then {"agents.kruise.io/template": $image.template} else {} end)
          },
          rootfs: {type: "layers", diff_ids: $diff_ids},
          history: [$image.layers[] | {created: $created, created_by: "hack/images/build.sh: layer \(.)"}]
        }' >"$tmp/config.json"
      config=$(put_blob "$tmp/config.json" "$tmp")
      jq -n --argjson config "$config" --argjson layers "$descriptors" --arg created "$created" \
        --arg inputs "${image_inputs[$i]}" '{
          schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json",
          config: ({mediaType: "application/vnd.oci.image.config.v1+json"} + $config),
          layers: $layers,
          annotations: {
            "org.opencontainers.image.created": $created,
            "agents.kruise.io/image-inputs": $inputs
          }
        }' >"$tmp/manifest.json"
      manifest=$(put_blob "$tmp/manifest.json" "$tmp")
      manifests=$(jq -c --argjson m "$manifest" --argjson image "$image" --arg arch "$arch" '
        ($image.name | if test("^[^/]*[.:][^/]*/") or startswith("localhost/") then .
          elif contains("/") then "docker.io/" + . else "docker.io/library/" + . end) as $full
        | . + [{mediaType: "application/vnd.oci.image.manifest.v1+json"} + $m + {
          platform: {architecture: $arch, os: "linux"},
          annotations: {
            "org.opencontainers.image.ref.name": $image.name,
            "io.containerd.image.name": $full
          }
        }]' <<<"$manifests")
    done
    jq -n --argjson manifests "$manifests" \
      '{schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json", manifests: $manifests}' \
      >"$tmp/index.json"
    rm -rf "$LAYOUT_DIR" && mv "$tmp" "$LAYOUT_DIR"
  fi
  # Swap the `oci` link atomically: a reader sees the old layout or the new one.
  ln -sfn "oci-$key" "$IMAGES/oci.new"
  mv -T "$IMAGES/oci.new" "$IMAGES/oci"
}

# prune removes layouts and layers that the current layout does not use and that no build has
# used for PRUNE_DAYS.
prune() {
  local path layer used
  used=" $(basename "$LAYOUT_DIR") "
  for layer in "${!KEY[@]}"; do used+="$layer-${KEY[$layer]} "; done
  while IFS= read -r -d '' path; do
    if [[ $used == *" $(basename "$path") "* ]]; then continue; fi
    log "pruning $(basename "$path") (unused for ${PRUNE_DAYS} d)"
    rm -rf --one-file-system "$path"
  done < <(find "$IMAGES" "$LAYERS" -mindepth 1 -maxdepth 1 -type d \
    \( -name 'oci-*' -o -path "$LAYERS/*" \) -mtime +$((PRUNE_DAYS - 1)) -print0)
}

# remove_work deletes the build's scratch folder, refusing if anything is still mounted in it.
remove_work() {
  [[ -n ${WORK:-} && -d $WORK ]] || return 0
  if awk -v w="$WORK/" 'index($5, w) == 1 { found = 1 } END { exit !found }' /proc/self/mountinfo; then
    log "not removing $WORK: something is still mounted in it"
    return 0
  fi
  rm -rf --one-file-system "$WORK"
}

build() {
  [[ $(id -u) -eq 0 ]] || die "Cannot build images: run as root (mmdebstrap, chroot and mounts need it)"
  local tool
  for tool in jq tar unshare chroot flock getfattr deno; do
    command -v "$tool" >/dev/null || die "Cannot build images: $tool is not installed (see hack/apt-packages.txt)"
  done
  mkdir -p "$LAYERS"
  exec 9>"$IMAGES/build.lock"
  flock 9
  # Scratch folders of interrupted runs; none is in use, as this run holds the lock.
  rm -rf --one-file-system "$IMAGES"/tmp.* "$IMAGES"/archive.* "$IMAGES"/oci.new
  WORK=$IMAGES/tmp.$$
  mkdir -p "$WORK"
  trap remove_work EXIT
  local started=$SECONDS layer
  declare -gA KEY=()
  compute_keys
  # Only the layers some image uses, in the order they depend on each other.
  for layer in rootfs deno kernels python runtime slim controller manager injection; do
    if jq -e --arg l "$layer" 'any(.images[].layers[]; . == $l)' "$SPEC" >/dev/null; then
      ensure_layer "$layer"
    fi
  done
  assemble
  prune
  ((SECONDS - started < 5)) || log "images ready in $((SECONDS - started)) s"
  printf '%s\n' "$IMAGES/oci"
}

# archive NAME OUT writes a tar of a layout holding only image NAME (kruise-agents/sandbox-base:0.1.0,
# with or without docker.io/), the form `ctr images import` and `skopeo copy oci-archive:` read.
archive() {
  local name=${1#docker.io/} out=$2 layout=$IMAGES/oci entry manifest digest
  ARCHIVE_TMP=$out.tmp.$$
  name=${name#library/}
  [[ -f $layout/index.json ]] || die "No images built yet: run bash hack/images/build.sh build"
  exec 9>"$IMAGES/build.lock"
  flock -s 9
  entry=$(jq -c --arg n "$name" \
    'first(.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == $n)) // empty' \
    "$layout/index.json")
  [[ -n $entry ]] || die "No image named $name in $layout (it has: $(jq -r \
    '[.manifests[].annotations["org.opencontainers.image.ref.name"]] | join(", ")' "$layout/index.json"))"
  WORK=$IMAGES/archive.$$
  trap 'remove_work; rm -f "$ARCHIVE_TMP"' EXIT
  mkdir -p "$WORK/blobs/sha256"
  manifest=$(jq -r '.digest | ltrimstr("sha256:")' <<<"$entry")
  for digest in "$manifest" $(jq -r '.config.digest, .layers[].digest | ltrimstr("sha256:")' \
    "$layout/blobs/sha256/$manifest"); do
    ln -f "$layout/blobs/sha256/$digest" "$WORK/blobs/sha256/$digest" 2>/dev/null ||
      cp "$layout/blobs/sha256/$digest" "$WORK/blobs/sha256/$digest"
  done
  cp "$layout/oci-layout" "$WORK/oci-layout"
  jq -n --argjson e "$entry" '{schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json", manifests: [$e]}' \
    >"$WORK/index.json"
  tar --create --file "$ARCHIVE_TMP" --hard-dereference --owner=0 --group=0 --numeric-owner \
    -C "$WORK" oci-layout index.json blobs
  mv "$ARCHIVE_TMP" "$out"
  log "wrote $name to $out ($(numfmt --to=iec "$(stat -c %s "$out")"))"
}

case ${1:-build} in
build) build ;;
path)
  [[ -f $IMAGES/oci/index.json ]] || die "No images built yet: run bash hack/images/build.sh build"
  printf '%s\n' "$IMAGES/oci"
  ;;
archive)
  [[ $# -eq 3 ]] || {
    usage >&2
    exit 2
  }
  archive "$2" "$3"
  ;;
# Internal: the parts of layer_kernels and layer_python that run inside their namespaces.
_kernels-in-namespace)
  shift
  kernels_in_namespace "$@"
  ;;
_python-in-namespace)
  shift
  python_in_namespace "$@"
  ;;
-h | --help | help) usage ;;
*)
  usage >&2
  exit 2
  ;;
esac
