#!/usr/bin/env bash
# Installs the Jupyter kernelspecs the runtime's code interpreter uses (runtime/interpreter).
# Idempotent; run after `pip install -r hack/requirements.txt` (ipykernel ships the python3 spec).
#
# JavaScript/TypeScript run on Deno's own Jupyter kernel (kernelspec "deno"). `deno jupyter
# --install` writes it under the invoking user's data dir; it is copied next to python3's spec in
# the Python prefix too, so Jupyter Server finds it whichever user the runtime runs kernels as.
set -euo pipefail

deno jupyter --install --force >/dev/null 2>&1
user_spec="$(jupyter --data-dir)/kernels/deno"
prefix_specs="$(python3 -c 'import sys; print(sys.prefix)')/share/jupyter/kernels"
if [[ -d "$user_spec" && "$(realpath "$user_spec")" != "$(realpath -m "$prefix_specs/deno")" ]]; then
  mkdir -p "$prefix_specs"
  rm -rf "$prefix_specs/deno"
  cp -r "$user_spec" "$prefix_specs/deno"
  chmod -R a+rX "$prefix_specs/deno"
fi

# Fail loudly if a kernel the interpreter starts by default is missing.
specs="$(jupyter kernelspec list)"
for name in python3 deno; do
  if ! grep -qE "^\s+$name\s" <<<"$specs"; then
    echo "setup_kernels: kernelspec $name is missing" >&2
    exit 1
  fi
done
