#!/usr/bin/env bash
# apt-install.sh PKG... installs Debian packages for the tests (as root, or through sudo -n),
# refreshing the package lists once if the first attempt fails. The setup scripts
# (cluster-setup.sh, browser-setup.sh) call it after checking what is missing.
set -euo pipefail

sudo=""
if [[ "$(id -u)" != 0 ]]; then
  if ! command -v sudo >/dev/null 2>&1; then
    echo "apt-install: $* missing, and installing needs root (no sudo here)" >&2
    exit 1
  fi
  sudo="sudo -n"
fi
echo "apt-install: apt-get install $*" >&2
export DEBIAN_FRONTEND=noninteractive
if ! $sudo apt-get install -y --no-install-recommends "$@" >&2; then
  $sudo apt-get update >&2
  $sudo apt-get install -y --no-install-recommends "$@" >&2
fi
