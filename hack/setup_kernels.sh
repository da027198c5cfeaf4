#!/usr/bin/env bash
# Installs the Jupyter kernelspecs the runtime's code interpreter uses (runtime/interpreter), the
# kernels E2B's code-interpreter template has. Idempotent; run after `pip install -r
# hack/requirements.txt` and the Debian packages of hack/apt-packages.txt:
#   python3  ipykernel ships it;
#   deno     JavaScript/TypeScript on Deno's own kernel: `deno jupyter --install` writes it under
#            the invoking user's data dir; it is copied next to python3's spec in the Python
#            prefix, so Jupyter Server finds it whichever user the runtime runs kernels as;
#   bash     bash_kernel (PyPI) ships no spec in its wheel: installed into the Python prefix;
#   java     JJava (PyPI `jjava`) ships it in its wheel; it runs on the JDK (openjdk, Debian);
#   ir       IRkernel for R: Debian's r-cran-irkernel installs it under /usr/share/jupyter.
set -euo pipefail

deno jupyter --install --force >/dev/null 2>&1
user_spec="$(jupyter --data-dir)/kernels/deno"
prefix="$(python3 -c 'import sys; print(sys.prefix)')"
prefix_specs="$prefix/share/jupyter/kernels"
if [[ -d "$user_spec" && "$(realpath "$user_spec")" != "$(realpath -m "$prefix_specs/deno")" ]]; then
  mkdir -p "$prefix_specs"
  rm -rf "$prefix_specs/deno"
  cp -r "$user_spec" "$prefix_specs/deno"
  chmod -R a+rX "$prefix_specs/deno"
fi

if [[ ! -f "$prefix_specs/bash/kernel.json" ]]; then
  python3 -m bash_kernel.install --prefix "$prefix" >/dev/null
  chmod -R a+rX "$prefix_specs/bash"
fi

# Fail loudly if a kernel the interpreter serves is missing.
specs="$(jupyter kernelspec list)"
for name in python3 deno bash java ir; do
  if ! grep -qE "^\s+$name\s" <<<"$specs"; then
    echo "setup_kernels: kernelspec $name is missing" >&2
    exit 1
  fi
done
for tool in jshell R; do
  if ! command -v "$tool" >/dev/null; then
    echo "setup_kernels: $tool is missing (hack/apt-packages.txt)" >&2
    exit 1
  fi
done
