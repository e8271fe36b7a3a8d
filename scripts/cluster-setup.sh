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

"$(dirname "${BASH_SOURCE[0]}")/apt-install.sh" redis-server nginx-light
# The packages start system services; the tests run their own instances on loopback ports.
sudo=""
[[ "$(id -u)" == 0 ]] || sudo="sudo -n"
$sudo service redis-server stop >/dev/null 2>&1 || true
$sudo service nginx stop >/dev/null 2>&1 || true
have redis-server && have nginx
