#!/usr/bin/env bash
# browser-setup.sh installs the browser the UI tests drive: Debian's chromium package (apt-get;
# as root, or through sudo), which chromedp (pinned in go.mod) starts headless. It does nothing
# when chromium is already installed, so it is cheap to call before every test run. Concurrent
# calls are serialised with flock. It fails, saying so, when chromium cannot be installed: the
# browser tests fail too rather than skip.
#
#   scripts/browser-setup.sh            # install if missing
#   scripts/browser-setup.sh --path     # and print the binary's path
set -euo pipefail

case "${1:-}" in
  "" | --path) ;;
  *) echo "usage: $0 [--path]" >&2; exit 2 ;;
esac

find_chromium() {
  for c in chromium chromium-browser; do
    if command -v "$c" >/dev/null 2>&1; then
      command -v "$c"
      return 0
    fi
  done
  return 1
}

install() {
  if find_chromium >/dev/null; then
    return
  fi
  lock="${TMPDIR:-/tmp}/jana-browser-setup.lock"
  exec 9>"$lock"
  flock 9
  if find_chromium >/dev/null; then
    return
  fi
  # fonts-dejavu-core: the pages' text renders the same on every machine (screenshots).
  "$(dirname "${BASH_SOURCE[0]}")/apt-install.sh" chromium fonts-dejavu-core
  flock -u 9
}

install
path="$(find_chromium)" || { echo "browser-setup: chromium is still not on PATH after installing it" >&2; exit 1; }
if [[ "${1:-}" == "--path" ]]; then
  echo "$path"
fi
