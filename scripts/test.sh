#!/usr/bin/env bash
# README command 2: set up on a fresh machine (Debian packages, Python packages) and run every check.
# Services (ClickHouse server, PostgreSQL, Kafka) are started by the tests themselves on free loopback ports.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-debian-deps.sh
bash scripts/setup-python.sh
echo "==> Apache Kafka broker jars (Maven Central, cached in ~/.cache/artaud)"
.venv/bin/python -c "from artaud_devkit.testing.kafka_broker import libs_dir; print(libs_dir())"
echo "==> from npm: the IAB's TCF libraries, tarteaucitron.js, Klaro, terser (tests/js/package.json)"
(cd tests/js && npm ci --silent --no-audit --no-fund)
echo "==> ruff"
.venv/bin/ruff check .
.venv/bin/ruff format --check .
echo "==> mypy --strict"
.venv/bin/mypy
echo "==> pytest"
set +e
.venv/bin/python -m pytest "$@"
code=$?
set -e
if [ "$code" -eq 5 ]; then
  echo "pytest collected no tests: failing" >&2
  exit 1
fi
exit "$code"
