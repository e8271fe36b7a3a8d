#!/usr/bin/env bash
# conformance.sh runs the MCP server conformance suite (@modelcontextprotocol/conformance,
# pinned in package-lock.json) on Node 22 from test/node/node_modules against a running
# Streamable HTTP endpoint, then prints one line per scenario and the counts.
#
#   test/node/conformance.sh --url http://127.0.0.1:8080/mcp [suite args...]
#   test/node/conformance.sh --url 'http://127.0.0.1:8080/mcp?token=T' --scenario ping
#   test/node/conformance.sh --url URL --no-baseline --suite all
#
# Arguments other than --no-baseline go to `conformance server` (--scenario, --suite
# active|all|pending, --spec-version, --verbose, -o DIR, --expected-failures FILE).
# Unless --no-baseline or --expected-failures is given, test/node/conformance-baseline.yml
# is used. The suite has no header option: give the token as ?token= in the URL (its
# SDK client keeps the query on every request) or run an instance that allows anonymous use.
#
# Exit status is the suite's own: with a baseline, 1 if a scenario outside it fails or
# warns, or one inside it passes (stale entry); without, 1 if any check failed.
# CONFORMANCE_TIMEOUT (seconds, default 300) bounds the whole run.
#
# --next runs the next suite (0.2.0-alpha.12, package alias conformance-next), which scores
# one revision at a time: give --requirements 2025-11-25 or --requirements 2026-07-28, and
# the baseline defaults to conformance-baseline-<revision>.yml.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
node22_bin="$("$here/../../scripts/node-setup.sh" --node22-bin)"
export PATH="$node22_bin:$PATH"

args=() baseline="$here/conformance-baseline.yml" out="" suite="$here/node_modules/.bin/conformance" next=""
while (($#)); do
  case "$1" in
    --next) next=1; suite="$here/node_modules/conformance-next/dist/index.js" ;;
    --requirements) args+=("$1" "$2"); [[ -n "$next" ]] && baseline="$here/conformance-baseline-$2.yml"; shift ;;
    --no-baseline) baseline="" ;;
    --expected-failures) baseline="$2"; shift ;;
    --expected-failures=*) baseline="${1#*=}" ;;
    -o | --output-dir) out="$2"; shift ;;
    --output-dir=*) out="${1#*=}" ;;
    *) args+=("$1") ;;
  esac
  shift
done
if [[ -z "$out" ]]; then
  out="$(mktemp -d "${TMPDIR:-/tmp}/conformance.XXXXXX")"
fi
[[ -n "$baseline" ]] && args+=(--expected-failures "$baseline")

rc=0
timeout "${CONFORMANCE_TIMEOUT:-300}" \
  node "$suite" server -o "$out" "${args[@]}" || rc=$?

# The suite prints per-check detail only for a single scenario; its checks.json files
# (one directory per scenario) carry the reasons, so summarise from them.
node - "$here" "$out" "$baseline" <<'EOF'
const fs = require('node:fs');
const path = require('node:path');
const [here, out, baselineFile] = process.argv.slice(2);
const yaml = require(path.join(here, 'node_modules/yaml'));
const baseline = new Set(baselineFile ? (yaml.parse(fs.readFileSync(baselineFile, 'utf8'))?.server ?? []) : []);
const n = { passed: 0, failed: 0, warned: 0, baseline: 0, unexpected: 0, stale: 0 };
for (const d of fs.readdirSync(out).sort()) {
  const f = path.join(out, d, 'checks.json');
  if (!fs.existsSync(f)) continue;
  const scenario = d.replace(/^server-/, '').replace(/-\d{4}-\d\d-\d\dT.*$/, '');
  const checks = JSON.parse(fs.readFileSync(f, 'utf8'));
  const bad = checks.filter((c) => c.status === 'FAILURE' || c.status === 'WARNING');
  const status = bad.some((c) => c.status === 'FAILURE') ? 'failed' : bad.length ? 'warned' : 'passed';
  n[status]++;
  // The suite's baseline rule: a warning counts as a failure.
  const inBaseline = baseline.has(scenario);
  const verdict = !baselineFile ? '' : bad.length ? (inBaseline ? ' (baseline)' : ' (UNEXPECTED)') : inBaseline ? ' (STALE baseline entry)' : '';
  if (bad.length && inBaseline) n.baseline++;
  if (bad.length && !inBaseline) n.unexpected++;
  if (!bad.length && inBaseline) n.stale++;
  console.log(`${status.padEnd(6)} ${scenario}${verdict}`);
  for (const c of bad) console.log(`         ${c.status} ${c.id}: ${(c.errorMessage ?? c.description ?? '').split('\n')[0].slice(0, 160)}`);
}
const extra = baselineFile ? `, ${n.baseline} in baseline, ${n.unexpected} unexpected, ${n.stale} stale` : '';
console.log(`conformance: ${n.passed} passed, ${n.failed} failed, ${n.warned} warned${extra}`);
EOF
((rc == 124)) && echo "conformance: timed out after ${CONFORMANCE_TIMEOUT:-300} s" >&2
echo "conformance: results in $out (exit $rc)"
exit "$rc"
