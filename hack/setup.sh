#!/usr/bin/env bash
# One-time (idempotent) set-up of a fresh machine for running and testing the project:
# Deno from npm, Debian packages (and `*.localhost` resolved to loopback), Python packages (the
# published E2B SDKs, Jupyter), the sandbox's default account `user`, Jupyter kernelspecs, the npm
# dependencies in deno.lock, and the sandbox images (hack/images/build.sh).
# Everything comes from package registries (npm, PyPI, Debian); nothing is downloaded otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."

DENO_VERSION=2.9.6
if ! command -v deno >/dev/null 2>&1 || ! deno --version | grep -q "deno ${DENO_VERSION} "; then
  echo "setup: installing deno ${DENO_VERSION} from npm"
  npm install -g "deno@${DENO_VERSION}" >/dev/null
fi

missing=()
while read -r pkg; do
  [[ -z "$pkg" || "$pkg" == \#* ]] && continue
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done < hack/apt-packages.txt
if ((${#missing[@]})); then
  echo "setup: installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# `deno task dev` serves E2B's scheme on names under localhost (api.e2b.localhost,
# {port}-{id}.e2b.localhost), which glibc's myhostname module (libnss-myhostname, above) resolves
# to loopback with no DNS server or /etc/hosts entry per sandbox. Debian's package puts it on the
# hosts line when installed; this keeps it there (before dns, so no resolver is ever asked).
if [[ -f /etc/nsswitch.conf ]] && ! grep -qE '^hosts:.*[[:space:]]myhostname([[:space:]]|$)' /etc/nsswitch.conf; then
  echo "setup: adding myhostname to the hosts line of /etc/nsswitch.conf"
  if grep -qE '^hosts:' /etc/nsswitch.conf; then
    sed -i -E '/^hosts:/{ /[[:space:]]dns([[:space:]]|$)/{ s/[[:space:]]dns([[:space:]]|$)/ myhostname dns\1/; b; }; s/$/ myhostname/; }' /etc/nsswitch.conf
  else
    echo "hosts: files myhostname dns" >>/etc/nsswitch.conf
  fi
fi

if ! python3 -m pip install -q --disable-pip-version-check -r hack/requirements.txt 2>/tmp/pip-setup.log; then
  cat /tmp/pip-setup.log >&2
  exit 1
fi
# rfc3987-syntax (jupyter-events -> jsonschema[format-nongpl]) builds ~35 Lark parsers when
# imported: about 2 s of every Jupyter Server start. jsonschema does without it (no Jupyter schema
# uses the iri format); the images leave it out too (hack/images/build.sh).
python3 -m pip uninstall -q -y --disable-pip-version-check rfc3987-syntax 2>/dev/null || true

# The E2B templates run commands as `user` (home /home/user) and let it use sudo.
if ! id user >/dev/null 2>&1; then
  echo "setup: creating account user"
  useradd -m -s /bin/bash user
fi
if [[ -d /etc/sudoers.d && ! -f /etc/sudoers.d/user ]]; then
  echo "user ALL=(ALL:ALL) NOPASSWD: ALL" >/etc/sudoers.d/user
  chmod 0440 /etc/sudoers.d/user
fi

# The runtime's tests start Jupyter and its kernels as `user` (least privilege, as in a sandbox).
# Where Python lives under root's home (pyenv in /root/.pyenv), `user` must be able to traverse
# /root to reach it: execute only, so it still cannot list /root.
py="$(command -v python3 || true)"
if [[ "$py" == /root/* && -d /root ]] && ! sudo -u user test -x /root 2>/dev/null; then
  echo "setup: letting user traverse /root to reach $py"
  chmod o+x /root
fi

if [[ -f hack/setup_kernels.sh ]]; then
  bash hack/setup_kernels.sh
fi

deno install --frozen >/dev/null 2>&1 || deno install

# The sandbox images (base, code-interpreter) that sandboxes run from; cached, so this takes
# seconds unless their inputs changed (about 5 minutes from nothing).
bash hack/images/build.sh build >/dev/null
echo "setup: done"
