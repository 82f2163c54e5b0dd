#!/usr/bin/env bash
# Installs the Debian packages that devkit/testing/servers.py, devkit/testing/kafka_broker.py, devkit/testing/browser.py and
# the benchmarks use: clickhouse-server and clickhouse-client (Debian's 18.16), postgresql, nginx-light,
# wrk, chromium (the tag's browser tests), and Java 17 + Maven (to fetch and run Apache Kafka from
# Maven Central); and Pango, HarfBuzz and a font for WeasyPrint (the cinemas' statements as PDF).
# For a fresh Debian 12 machine, run as root (or with sudo). Idempotent: does nothing when every binary
# is already there (set SERVICES_FORCE_INSTALL=1 to run apt-get anyway).
#
# The packages' maintainer scripts would start system services on the default ports (ClickHouse on
# 9000/8123/9009, PostgreSQL's "main" cluster on 5432, nginx on 80). The tests never use those: they
# start their own servers on free loopback ports. So while installing, a temporary policy-rc.d
# forbids starting services. That also keeps clickhouse-server's postinst ("invoke-rc.d start || exit 1")
# from failing where no init system is running. Debian's clickhouse-server asks no questions (no
# password prompt: the default user has an empty password and the tests use it over loopback).
set -euo pipefail

have() { command -v "$1" >/dev/null 2>&1; }

have_all() {
  { have clickhouse-server || [ -x /usr/sbin/clickhouse-server ] || [ -x /usr/bin/clickhouse-server ]; } &&
    have clickhouse-client &&
    compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null &&
    compgen -G '/usr/lib/postgresql/*/bin/pg_ctl' >/dev/null &&
    { have nginx || [ -x /usr/sbin/nginx ]; } &&
    have wrk && have java && have mvn && have node && have npm && [ -x /usr/bin/chromium ] &&
    have_pdf_libs
}

# WeasyPrint loads these with ctypes/cffi: no binary to look for, so ask the dynamic linker
have_pdf_libs() {
  local cache
  cache="$(/sbin/ldconfig -p 2>/dev/null || ldconfig -p)"
  grep -q 'libpangoft2-1.0.so.0' <<<"$cache" && grep -q 'libharfbuzz-subset.so.0' <<<"$cache" &&
    [ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ]
}

if have_all && [ "${SERVICES_FORCE_INSTALL:-0}" != 1 ]; then
  echo "install-debian-deps: clickhouse-server, clickhouse-client, postgresql, nginx, wrk, chromium, java, mvn, node, Pango already installed"
  exit 0
fi

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  have sudo || { echo "install-debian-deps: run as root (or install sudo)" >&2; exit 1; }
  SUDO=(sudo)
fi

POLICY=/usr/sbin/policy-rc.d
made_policy=0
cleanup() {
  if [ "$made_policy" = 1 ]; then
    "${SUDO[@]}" rm -f "$POLICY"
  fi
}
trap cleanup EXIT
if [ ! -e "$POLICY" ]; then
  printf '#!/bin/sh\n# temporary, from scripts/install-debian-deps.sh: start no services while installing\nexit 101\n' |
    "${SUDO[@]}" tee "$POLICY" >/dev/null
  "${SUDO[@]}" chmod 755 "$POLICY"
  made_policy=1
fi

export DEBIAN_FRONTEND=noninteractive
echo "install-debian-deps: apt-get update"
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
PKGS=(clickhouse-server clickhouse-client postgresql nginx-light wrk chromium)
have_pdf_libs || PKGS+=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core)
have java || PKGS+=(openjdk-17-jre-headless)
have mvn || PKGS+=(maven)
have node || PKGS+=(nodejs)
have npm || PKGS+=(npm)
echo "install-debian-deps: apt-get install ${PKGS[*]}"
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
  -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
  "${PKGS[@]}" >/dev/null

cleanup
made_policy=0

# Belt and braces: if a system ClickHouse server got started anyway (a policy-rc.d that allows it),
# stop it; ours never needs it.
if [ -d /run/systemd/system ] && systemctl is-active --quiet clickhouse-server 2>/dev/null; then
  echo "install-debian-deps: stopping the system clickhouse-server service"
  "${SUDO[@]}" systemctl stop clickhouse-server
elif [ -s /run/clickhouse-server.pid ] && kill -0 "$(cat /run/clickhouse-server.pid)" 2>/dev/null; then
  echo "install-debian-deps: stopping the system clickhouse-server service"
  "${SUDO[@]}" /etc/init.d/clickhouse-server stop || true
fi

have_all || { echo "install-debian-deps: some binaries are still missing after apt-get install" >&2; exit 1; }
echo "install-debian-deps: done"
