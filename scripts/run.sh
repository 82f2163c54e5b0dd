#!/usr/bin/env bash
# README command 1: set up on a fresh machine and run the whole service on the embedded defaults.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-python.sh
exec .venv/bin/artaud run "$@"
