#!/usr/bin/env node
// bench-load.mjs is the TypeScript-SDK side of the benchmark harness (cmd/jana-mcp-bench):
// it opens N Streamable HTTP sessions with the official client, has each call one tool
// back to back for a warm-up and then a measured duration, and prints one JSON line of
// statistics. The harness drives both @ivotoby/openapi-mcp-server (which answers tools/call
// POSTs with 202 and delivers results on its GET stream, so only this client can drive it)
// and jana-mcp's /mcp with it, so the comparison uses one client and one operation.
//
//   node test/node/bench-load.mjs --url http://127.0.0.1:8080/mcp --token T \
//     --sessions 32 --warmup 1 --duration 5 --tool list_pollutants --args '{"limit":100}'
//   node test/node/bench-load.mjs --url http://127.0.0.1:3000/mcp --list
//
// Output (stdout, one line): {"url","tool","sessions","calls","errors","seconds",
// "calls_per_s","p50_ms","p95_ms","p99_ms","max_ms","mean_ms","text_bytes","total_calls",
// "first_error"}; total_calls includes the warm-up.
// --list prints {"tools": [names]} instead. Exit 0 on success (errors are counted, not
// fatal), 1 if sessions cannot be opened or the tool does not exist, 2 on bad usage.
import { setMaxListeners } from 'node:events';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

const usage = `usage: bench-load.mjs --url URL [--token T] [--scheme Token|Bearer]
  [--sessions N] [--warmup S] [--duration S] --tool NAME [--args JSON] [--list]`;

let opts;
try {
  ({ values: opts } = parseArgs({
    options: {
      url: { type: 'string' },
      token: { type: 'string', default: '' },
      scheme: { type: 'string', default: 'Token' },
      sessions: { type: 'string', default: '1' },
      warmup: { type: 'string', default: '1' },
      duration: { type: 'string', default: '5' },
      tool: { type: 'string', default: '' },
      args: { type: 'string', default: '{}' },
      list: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  }));
} catch (err) {
  console.error(`${err.message}\n${usage}`);
  process.exit(2);
}
const sessions = Number(opts.sessions);
const warmupMs = Number(opts.warmup) * 1000;
const durationMs = Number(opts.duration) * 1000;
let toolArgs;
try {
  toolArgs = JSON.parse(opts.args);
} catch (err) {
  console.error(`--args is not JSON: ${err.message}`);
  process.exit(2);
}
if (opts.help || !opts.url || (!opts.list && !opts.tool) || !(sessions >= 1) || !(durationMs > 0) || !(warmupMs >= 0)) {
  console.error(usage);
  process.exit(opts.help ? 0 : 2);
}

// The SDK adds an abort listener per request to a per-session signal and, against servers that
// answer on the GET stream, keeps them until the session closes: thousands in a run. That is
// the client's bookkeeping, not a fault of the server under test, so the warning is silenced.
setMaxListeners(0);

async function connect() {
  const headers = opts.token ? { Authorization: `${opts.scheme} ${opts.token}` } : {};
  const transport = new StreamableHTTPClientTransport(new URL(opts.url), { requestInit: { headers } });
  const client = new Client({ name: 'jana-mcp-bench', version: '0' });
  await client.connect(transport);
  return client;
}

async function closeAll(clients) {
  await Promise.allSettled(clients.map((c) => c.close()));
}

// Sessions open a few at a time, like clients arriving, not all in one burst.
async function openSessions(n) {
  const clients = [];
  for (let i = 0; i < n; i += 16) {
    const batch = await Promise.allSettled(Array.from({ length: Math.min(16, n - i) }, connect));
    for (const r of batch) {
      if (r.status === 'rejected') {
        await closeAll(clients);
        throw r.reason;
      }
      clients.push(r.value);
    }
  }
  return clients;
}

function textBytes(res) {
  let n = 0;
  for (const c of res?.content ?? []) if (c.type === 'text') n += Buffer.byteLength(c.text);
  return n;
}

function quantile(sorted, q) {
  if (sorted.length === 0) return 0;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i];
}

async function main() {
  if (opts.list) {
    const [client] = await openSessions(1);
    const { tools } = await client.listTools();
    console.log(JSON.stringify({ tools: tools.map((t) => t.name) }));
    await client.close();
    return;
  }
  const clients = await openSessions(sessions);
  const { tools } = await clients[0].listTools();
  if (!tools.some((t) => t.name === opts.tool)) {
    await closeAll(clients);
    throw new Error(`no tool ${opts.tool}; the server has: ${tools.map((t) => t.name).join(', ')}`);
  }

  const start = performance.now();
  const measureFrom = start + warmupMs;
  const measureTo = measureFrom + durationMs;
  const durations = [];
  let errors = 0;
  let bytes = 0;
  let total = 0;
  let firstError = '';

  async function worker(client) {
    for (;;) {
      const t0 = performance.now();
      if (t0 >= measureTo) return;
      let failed = false;
      let res;
      try {
        res = await client.callTool({ name: opts.tool, arguments: toolArgs });
        if (res.isError) {
          failed = true;
          firstError ||= `tool error: ${JSON.stringify(res.content).slice(0, 300)}`;
        }
      } catch (err) {
        failed = true;
        firstError ||= String(err?.message ?? err).slice(0, 300);
      }
      const t1 = performance.now();
      total++;
      if (t0 >= measureFrom) {
        durations.push(t1 - t0);
        if (failed) errors++;
        else bytes += textBytes(res);
      }
    }
  }
  await Promise.all(clients.map(worker));
  await closeAll(clients);

  durations.sort((a, b) => a - b);
  const calls = durations.length;
  const round = (x) => Math.round(x * 1000) / 1000;
  console.log(JSON.stringify({
    url: opts.url,
    tool: opts.tool,
    sessions,
    calls,
    errors,
    seconds: durationMs / 1000,
    calls_per_s: round(calls / (durationMs / 1000)),
    p50_ms: round(quantile(durations, 0.5)),
    p95_ms: round(quantile(durations, 0.95)),
    p99_ms: round(quantile(durations, 0.99)),
    max_ms: round(durations.at(-1) ?? 0),
    mean_ms: round(calls ? durations.reduce((a, b) => a + b, 0) / calls : 0),
    text_bytes: calls - errors > 0 ? Math.round(bytes / (calls - errors)) : 0,
    total_calls: total,
    first_error: firstError,
  }));
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(`bench-load: ${err?.stack ?? err}`);
    process.exit(1);
  },
);
