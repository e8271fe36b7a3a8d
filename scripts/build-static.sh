#!/usr/bin/env bash
# build-static.sh builds the static, CGO-free linux/amd64 jana-mcp binary. The Dockerfile and
# CI both call it, so CI proves the exact binary the image ships.
#   scripts/build-static.sh [output]   (VERSION from the environment, else git describe)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
out="${1:-bin/jana-mcp-static}"
version="${VERSION:-$(git describe --tags --always --dirty 2>/dev/null || echo dev)}"
CGO_ENABLED=0 GOOS="${GOOS:-linux}" GOARCH="${GOARCH:-amd64}" go build -trimpath \
  -ldflags "-s -w -X github.com/janaplatform/jana-mcp/internal/version.version=${version}" \
  -o "$out" ./cmd/jana-mcp
echo "$out"
