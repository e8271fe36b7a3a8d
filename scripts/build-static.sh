#!/usr/bin/env bash
# build-static.sh builds the static, CGO-free linux/amd64 jana-mcp binary. The Dockerfile and
# CI both call it, so CI proves the exact binary the image ships.
#   scripts/build-static.sh [output]   (VERSION and COMMIT from the environment, else from git)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
out="${1:-bin/jana-mcp-static}"
version="${VERSION:-$(git describe --tags --always --dirty 2>/dev/null || echo dev)}"
commit="${COMMIT:-$(git rev-parse HEAD 2>/dev/null || true)}"
pkg=github.com/janaplatform/jana-mcp/internal/version
CGO_ENABLED=0 GOOS="${GOOS:-linux}" GOARCH="${GOARCH:-amd64}" go build -trimpath \
  -ldflags "-s -w -X ${pkg}.version=${version} -X ${pkg}.commit=${commit}" \
  -o "$out" ./cmd/jana-mcp
echo "$out"
