#!/usr/bin/env bash
# Makes .venv (the Python test dependencies, pinned by Tests/interop/requirements.txt) when it is
# missing or was made from another version of that file. Run from the repository root.
set -euo pipefail
requirements=Tests/interop/requirements.txt
stamp=.venv/requirements.sha256
want=$(sha256sum "$requirements" | cut -d' ' -f1)
if [ ! -x .venv/bin/python ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  rm -rf .venv
  python3 -m venv .venv
  .venv/bin/pip install --quiet --disable-pip-version-check -r "$requirements"
  echo "$want" > "$stamp"
fi
