#!/usr/bin/env bash
# Creates .venv (if needed) and installs the project with its dev tools into it. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  echo "==> creating .venv with $($PY --version)"
  "$PY" -m venv .venv
fi
echo "==> installing Python packages into .venv"
# artaud (the production distribution) and devkit/ (test harness, simulator), both editable. Strict mode
# links each module into build/__editable__.*, which mypy can read (the default finder hook it cannot);
# after adding or removing a module, run this script again.
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[dev]' -e ./devkit --config-settings editable_mode=strict
