#!/usr/bin/env node
// mcp-remote-check.mjs checks a server the way Claude Desktop reaches it: through
// `mcp-remote URL --header "Authorization: Token T"`, a stdio <-> HTTP proxy. It
// starts the pinned mcp-remote from test/node/node_modules, writes raw JSON-RPC
// (initialize, notifications/initialized, tools/list, then each call) to its stdin
// and reads the answers from its stdout.
//
//   node test/node/mcp-remote-check.mjs --url http://127.0.0.1:8080/mcp --token T \
//     [--transport http-first|sse-only|http-only|sse-first] [--expect-tools a,b]
//     [--calls calls.json] [--expect-unauthorized] [--timeout MS]
//
// --url is what a user puts in claude_desktop_config.json (/mcp or /sse). The calls
// file has mcp-client.mjs's format (isError and textIncludes are checked). With
// --expect-unauthorized the check passes when mcp-remote gives up without ever
// answering initialize and its log shows it went into its OAuth handler (on a 401 it
// tries OAuth discovery and dynamic client registration, which a header-auth server
// answers with 404, and exits 1); a refused connection does not count. One JSON line per check
// on stdout; exit 1 on any failure, 2 on bad usage.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const here = path.dirname(fileURLToPath(import.meta.url));
const { values: opts } = parseArgs({
  options: {
    url: { type: 'string' },
    token: { type: 'string' },
    scheme: { type: 'string', default: 'Token' },
    transport: { type: 'string', default: 'http-first' },
    'expect-tools': { type: 'string', default: '' },
    calls: { type: 'string' },
    'expect-unauthorized': { type: 'boolean', default: false },
    timeout: { type: 'string', default: '30000' },
  },
});
if (!opts.url) {
  console.error('usage: mcp-remote-check.mjs --url URL [--token T] [--transport S] [--expect-tools a,b] [--calls FILE] [--expect-unauthorized]');
  process.exit(2);
}
const timeout = Number(opts.timeout);
// A calls file is a list of calls, or an object holding one under "calls" (the call table
// the generator writes from the manifest's examples, gen/calls.gen.json).
const callsFile = opts.calls ? JSON.parse(readFileSync(opts.calls, 'utf8')) : [];
const calls = Array.isArray(callsFile) ? callsFile : callsFile.calls ?? [];
const expectTools = opts['expect-tools'].split(',').filter(Boolean);

// mcp-remote keeps OAuth state and logs under MCP_REMOTE_CONFIG_DIR (default ~/.mcp-auth):
// give each run its own so runs neither share state nor write to $HOME.
const configDir = mkdtempSync(path.join(tmpdir(), 'mcp-remote-'));
const args = [opts.url, '--transport', opts.transport];
if (opts.token) args.push('--header', `Authorization: ${opts.scheme} ${opts.token}`);
const child = spawn(path.join(here, 'node_modules/.bin/mcp-remote'), args, {
  env: { ...process.env, MCP_REMOTE_CONFIG_DIR: configDir, BROWSER: 'true' },
  stdio: ['pipe', 'pipe', 'pipe'],
});
let stderr = '';
child.stderr.on('data', (d) => (stderr += d));
const exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));

// Responses are matched to requests by id; anything else (notifications) is ignored.
const pending = new Map();
createInterface({ input: child.stdout }).on('line', (line) => {
  let msg;
  try {
    msg = JSON.parse(line);
  } catch {
    return;
  }
  pending.get(msg.id)?.(msg);
  pending.delete(msg.id);
});
let nextId = 1;
function request(method, params) {
  const id = nextId++;
  child.stdin.write(JSON.stringify({ jsonrpc: '2.0', id, method, params }) + '\n');
  return Promise.race([
    new Promise((resolve) => pending.set(id, resolve)),
    exited.then((code) => ({ error: { message: `mcp-remote exited (${code}) before answering ${method}` } })),
    new Promise((resolve) => setTimeout(() => resolve({ error: { message: `no answer to ${method} in ${timeout} ms` } }), timeout)),
  ]);
}

let failed = 0;
function report(line) {
  if (!line.ok) failed++;
  console.log(JSON.stringify(line));
}
// mcp-remote logs "[pid] message" lines among multi-line object dumps; keep the former.
const stderrTail = () => stderr.split('\n').filter((l) => /^\[\d+\] \S/.test(l)).slice(-4).join('\n');
// mcp-remote never prints the 401 itself: it runs its OAuth handler, which fails at
// discovery or dynamic client registration on a server without OAuth.
const sawUnauthorized = () => /handleOAuthUnauthorized|UnauthorizedError|Client Registration|\b401\b/.test(stderr);

const init = await request('initialize', {
  protocolVersion: '2025-06-18',
  capabilities: {},
  clientInfo: { name: 'jana-mcp-remote-check', version: '0.0.0' },
});
if (opts['expect-unauthorized']) {
  await Promise.race([exited, new Promise((r) => setTimeout(r, 2000))]);
  report({ check: 'unauthorized', ok: !init.result && sawUnauthorized(), error: init.error?.message, stderr: stderrTail() });
} else if (!init.result) {
  report({ check: 'initialize', ok: false, error: init.error?.message, stderr: stderrTail() });
} else {
  report({ check: 'initialize', ok: true, server: init.result.serverInfo, protocol: init.result.protocolVersion });
  child.stdin.write(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) + '\n');

  const list = await request('tools/list', {});
  const names = (list.result?.tools ?? []).map((t) => t.name);
  const missing = expectTools.filter((n) => !names.includes(n));
  report({ check: 'tools', ok: Boolean(list.result) && missing.length === 0, count: names.length, missing, error: list.error?.message });

  for (const call of calls) {
    const res = await request('tools/call', { name: call.tool, arguments: call.arguments ?? {} });
    const errors = [];
    if (!res.result) {
      errors.push(`protocol error: ${res.error?.message}`);
    } else {
      const want = call.expect?.isError ?? false;
      if (Boolean(res.result.isError) !== want) errors.push(`isError is ${Boolean(res.result.isError)}, want ${want}`);
      const text = (res.result.content ?? []).filter((c) => c.type === 'text').map((c) => c.text).join('\n');
      for (const s of call.expect?.textIncludes ?? []) if (!text.includes(s)) errors.push(`text lacks ${JSON.stringify(s)}`);
    }
    report({ check: 'call', tool: call.tool, ok: errors.length === 0, errors });
  }
}

child.stdin.end();
child.kill('SIGTERM');
await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
child.kill('SIGKILL');
rmSync(configDir, { recursive: true, force: true });
process.exit(failed ? 1 : 0);
