#!/usr/bin/env bash
# Runs every fuzz target, one after another (`go test -fuzz` takes one target of one package at
# a time), and ends with each target's last progress line: elapsed time, executions, new
# interesting inputs. A failing input is written to the package's testdata/fuzz/<Target>/:
# commit it with the fix.
#
#   scripts/fuzz.sh FUZZTIME [go test flags...]
#
# FUZZTIME is a duration (10m) or a count of executions (10000x). Go 1.26's fuzzer can end a
# duration run with "context deadline exceeded" although nothing failed (go.dev/issue/75804,
# fixed in Go 1.27): such a run, which wrote no failing input, counts as passed. Counts do not
# race, which is why CI (make fuzz-smoke) uses them.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

targets=(
  internal/server:FuzzStreamableStateful
  internal/server:FuzzStreamableStateless
  internal/server:FuzzSSEMessages
  internal/server:FuzzOAuthEndpoints
  internal/tools:FuzzToolArguments
  internal/toolkit:FuzzCursor
  internal/toolkit:FuzzCheckedArguments
  internal/config:FuzzLoad
  internal/sandbox/sandboxcfg:FuzzLoad
  internal/toolgen:FuzzManifest
)
fuzztime=${1:?usage: scripts/fuzz.sh FUZZTIME [go test flags...]}
shift
go=${GO:-go}

log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
summary=()
for t in "${targets[@]}"; do
  pkg=./${t%%:*}
  name=${t#*:}
  echo "== $name ($pkg, $fuzztime)"
  if "$go" test -run '^$' -fuzz "^${name}\$" -fuzztime "$fuzztime" "$@" "$pkg" 2>&1 | tee "$log"; then
    result=ok
  elif grep -q '^    context deadline exceeded$' "$log" && ! grep -q 'Failing input written' "$log"; then
    result="ok (go.dev/issue/75804 at the deadline, no failing input)"
  else
    result=FAILED
    status=1
  fi
  last=$(grep '^fuzz: elapsed' "$log" | tail -n 1 || true)
  summary+=("$(printf '%-24s %s; %s' "$name" "$result" "${last#fuzz: }")")
done
echo "== fuzz summary ($fuzztime each)"
printf '%s\n' "${summary[@]}"
exit "$status"
