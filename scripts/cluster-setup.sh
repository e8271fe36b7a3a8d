#!/usr/bin/env bash
# cluster-setup.sh installs what the multi-replica tests run for real: redis-server and nginx,
# from Debian's packages (apt-get; as root, or through sudo). It does nothing when both are
# already on PATH (or in /usr/sbin), so it is cheap to call before every test run. Concurrent
# calls are serialised with flock. It fails, saying so, when they cannot be installed: the
# tests that need them fail too rather than skip.
set -euo pipefail

have() { command -v "$1" >/dev/null 2>&1 || [[ -x "/usr/sbin/$1" || -x "/usr/bin/$1" ]]; }

if have redis-server && have nginx; then
  exit 0
fi

lock="${TMPDIR:-/tmp}/jana-cluster-setup.lock"
exec 9>"$lock"
flock 9
if have redis-server && have nginx; then
  exit 0
fi

sudo=""
if [[ "$(id -u)" != 0 ]]; then
  if ! command -v sudo >/dev/null 2>&1; then
    echo "cluster-setup: redis-server and nginx are missing, and installing them needs root (no sudo here)" >&2
    exit 1
  fi
  sudo="sudo -n"
fi
echo "cluster-setup: apt-get install redis-server nginx-light" >&2
export DEBIAN_FRONTEND=noninteractive
if ! $sudo apt-get install -y --no-install-recommends redis-server nginx-light >&2; then
  $sudo apt-get update >&2
  $sudo apt-get install -y --no-install-recommends redis-server nginx-light >&2
fi
# The packages start system services; the tests run their own instances on loopback ports.
$sudo service redis-server stop >/dev/null 2>&1 || true
$sudo service nginx stop >/dev/null 2>&1 || true
have redis-server && have nginx
