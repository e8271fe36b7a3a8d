#!/usr/bin/env node
// mcp-client.mjs drives an MCP server through the official TypeScript SDK, the
// client library that Cursor-class hosts embed, and checks what it gets back.
//
//   node test/node/mcp-client.mjs --base http://127.0.0.1:8080 --token TOKEN \
//     --transport sse|http|both [--calls calls.json] [--expect-tools a,b]
//   node test/node/mcp-client.mjs --base ... [--token BAD] --expect-unauthorized
//
// sse:  GET  ${base}/sse?token=TOKEN (no header; the server picks the POST path
//       through its `endpoint` event). --sse-auth header sends the header instead.
// http: POST ${base}/mcp with "Authorization: <scheme> TOKEN" (scheme: Token).
//
// stdout gets one JSON line per check (connect, tools, each call) and a summary
// line per transport; the exit status is 1 if anything failed, 2 on bad usage.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

const usage = `usage: mcp-client.mjs --base URL [--token T] [--transport sse|http|both]
  [--calls FILE] [--expect-tools a,b] [--expect-unauthorized]
  [--scheme Token|Bearer] [--sse-auth query|header] [--timeout MS]`;

let opts;
try {
  ({ values: opts } = parseArgs({
    options: {
      base: { type: 'string' },
      token: { type: 'string' },
      transport: { type: 'string', default: 'both' },
      calls: { type: 'string' },
      'expect-tools': { type: 'string', default: '' },
      'expect-unauthorized': { type: 'boolean', default: false },
      scheme: { type: 'string', default: 'Token' },
      'sse-auth': { type: 'string', default: 'query' },
      timeout: { type: 'string', default: '30000' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  }));
} catch (err) {
  console.error(`${err.message}\n${usage}`);
  process.exit(2);
}
if (opts.help || !opts.base || !['sse', 'http', 'both'].includes(opts.transport)) {
  console.error(usage);
  process.exit(opts.help ? 0 : 2);
}

const base = opts.base.replace(/\/+$/, '');
const timeout = Number(opts.timeout);
const expectTools = opts['expect-tools'].split(',').filter(Boolean);
// A calls file is a list of calls, or an object holding one under "calls" (the call table
// the generator writes from the manifest's examples, gen/calls.gen.json).
const callsFile = opts.calls ? JSON.parse(readFileSync(opts.calls, 'utf8')) : [];
const calls = Array.isArray(callsFile) ? callsFile : callsFile.calls ?? [];
const transports = opts.transport === 'both' ? ['sse', 'http'] : [opts.transport];

let failed = 0;
function report(line) {
  if (!line.ok) failed++;
  console.log(JSON.stringify(line));
}

function newTransport(kind) {
  const headers = opts.token ? { Authorization: `${opts.scheme} ${opts.token}` } : {};
  if (kind === 'http') {
    return new StreamableHTTPClientTransport(new URL(`${base}/mcp`), { requestInit: { headers } });
  }
  const url = new URL(`${base}/sse`);
  if (opts['sse-auth'] === 'header') {
    // SDK 1.32 sends requestInit headers on the EventSource GET as well as on the
    // POSTs, so no eventSourceInit.fetch is needed (older SDKs required one).
    return new SSEClientTransport(url, { requestInit: { headers } });
  }
  if (opts.token) url.searchParams.set('token', opts.token);
  return new SSEClientTransport(url);
}

// httpStatus digs the HTTP status out of the SDK's transport errors
// (SseError and StreamableHTTPError both carry it as `code`).
function httpStatus(err) {
  return typeof err?.code === 'number' && err.code >= 100 ? err.code : undefined;
}

function checkResult(result, expect = {}) {
  const errors = [];
  const wantError = expect.isError ?? false;
  if (Boolean(result.isError) !== wantError) {
    errors.push(`isError is ${Boolean(result.isError)}, want ${wantError}`);
  }
  const text = (result.content ?? [])
    .filter((c) => c.type === 'text')
    .map((c) => c.text)
    .join('\n');
  for (const s of expect.textIncludes ?? []) {
    if (!text.includes(s)) errors.push(`text lacks ${JSON.stringify(s)}`);
  }
  for (const k of expect.structuredKeys ?? []) {
    if (!result.structuredContent || !(k in result.structuredContent)) {
      errors.push(`structuredContent lacks key ${JSON.stringify(k)}`);
    }
  }
  return { errors, text };
}

async function run(kind) {
  const client = new Client({ name: 'jana-mcp-test-client', version: '0.0.0' });
  const failedBefore = failed;
  try {
    await client.connect(newTransport(kind), { timeout });
  } catch (err) {
    const status = httpStatus(err);
    if (opts['expect-unauthorized']) {
      report({ transport: kind, check: 'unauthorized', ok: status === 401, status, error: String(err.message ?? err) });
    } else {
      report({ transport: kind, check: 'connect', ok: false, status, error: String(err.message ?? err) });
    }
    return;
  }
  if (opts['expect-unauthorized']) {
    report({ transport: kind, check: 'unauthorized', ok: false, error: 'connected, want HTTP 401' });
    await client.close();
    return;
  }
  report({ transport: kind, check: 'connect', ok: true, server: client.getServerVersion(), protocol: client.transport?.protocolVersion });

  try {
    const { tools } = await client.listTools(undefined, { timeout });
    const names = tools.map((t) => t.name);
    const missing = expectTools.filter((n) => !names.includes(n));
    report({ transport: kind, check: 'tools', ok: missing.length === 0, count: names.length, missing, tools: names });

    for (const call of calls) {
      const started = performance.now();
      const line = { transport: kind, check: 'call', tool: call.tool };
      try {
        const result = await client.callTool({ name: call.tool, arguments: call.arguments ?? {} }, undefined, { timeout });
        const { errors, text } = checkResult(result, call.expect);
        Object.assign(line, { ok: errors.length === 0, isError: Boolean(result.isError), errors });
        if (errors.length) line.text = text.slice(0, 500);
      } catch (err) {
        Object.assign(line, { ok: false, errors: [`protocol error: ${err.message ?? err}`] });
      }
      line.ms = Math.round(performance.now() - started);
      report(line);
    }
  } catch (err) {
    report({ transport: kind, check: 'tools', ok: false, error: String(err.message ?? err) });
  } finally {
    await client.close();
  }
  console.log(JSON.stringify({ transport: kind, summary: true, calls: calls.length, failed: failed - failedBefore }));
}

for (const kind of transports) await run(kind);
process.exit(failed ? 1 : 0);
