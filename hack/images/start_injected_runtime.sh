#!/bin/sh
# bin/start of the agent-runtime image (hack/images/build.sh, layer injection): what the
# postStart hook of an injected sandbox's main container runs. The tree it belongs to was copied
# into a volume by the injection's init container; this script starts the runtime from there,
# inside the main container's own namespaces, so commands and files act on that container.
#
#   sh /mnt/agent-runtime/bin/start [RUNTIME FLAGS...]
#
# 1. The account `user` that E2B's SDKs run commands as, with passwordless sudo, when the image
#    has none and the container runs as root (useradd, else busybox adduser).
# 2. agent-runtime on 0.0.0.0:49983 with no code interpreter (the image brings its own, or none),
#    detached (setsid, stdin from /dev/null) so that the hook returns at once, and its output on
#    the container's own stdout (PID 1's), where `kubectl logs` finds it. The access token comes
#    from the environment the controller gives the main container.
# POSIX sh only: any image with /bin/sh and glibc (deno's only need) works.
set -eu
dir=$(cd "$(dirname "$0")" && pwd)

if [ "$(id -u)" = 0 ] && ! id user >/dev/null 2>&1; then
  if command -v useradd >/dev/null 2>&1; then
    useradd --create-home --home-dir /home/user --shell /bin/sh user
  elif command -v adduser >/dev/null 2>&1; then
    adduser -D -h /home/user user
  else
    echo "agent-runtime: no useradd or adduser; commands as 'user' will fail" >&2
  fi
  if [ -d /etc/sudoers.d ]; then
    printf 'user ALL=(ALL:ALL) NOPASSWD: ALL\n' >/etc/sudoers.d/user
    chmod 0440 /etc/sudoers.d/user
  fi
fi

out=/proc/1/fd/1
[ -w "$out" ] || out=/dev/null
export DENO_DIR="${DENO_DIR:-/tmp/.agent-runtime-deno}"
if command -v setsid >/dev/null 2>&1; then
  setsid "$dir/agent-runtime" --host 0.0.0.0 --interpreter-port 0 "$@" </dev/null >>"$out" 2>&1 &
else
  nohup "$dir/agent-runtime" --host 0.0.0.0 --interpreter-port 0 "$@" </dev/null >>"$out" 2>&1 &
fi
