#!/usr/bin/env bash
# check-generate.sh fails, naming the files, when gen/ is not exactly what `go generate`
# makes from api/: after a hand edit to gen/, or a change to api/ without regenerating.
# It compares gen/ before and after regenerating, so it judges the working tree as it is
# (committed or not); CI runs it on a fresh clone, i.e. on what is committed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

before="$(mktemp -d)"
trap 'rm -rf "$before"' EXIT
cp -a gen/. "$before/"

go generate ./...

if ! diff -r -q "$before" gen >/dev/null; then
  echo "check-generate: gen/ differs from what 'go generate' makes from api/:" >&2
  diff -r -q "$before" gen | sed -e "s|$before|gen (before)|g" >&2 || true
  echo >&2
  echo "gen/ has now been regenerated. Never edit gen/ by hand: change api/ (schema, overlay," >&2
  echo "codegen config, tool manifest), run 'make generate', and commit api/ and gen/ together." >&2
  exit 1
fi
echo "check-generate: gen/ is what api/ generates"
