#!/usr/bin/env node
// mcp-session.mjs is one long-lived MCP session of the official TypeScript SDK client that a
// Go test drives line by line, so that a test can chain calls (an id from one answer into the
// next call) and check each answer against figures it works out itself.
//
//   node test/node/mcp-session.mjs --base http://127.0.0.1:8080 --token TOKEN [--transport http|sse]
//
// stdin: one JSON request per line, {"id": N, "op": OP, ...}; stdout: one JSON answer per
// line, {"id": N, "ok": true, "result": ...} or {"id": N, "ok": false, "error": "...", "code": C}.
// Ops: instructions, listTools, callTool {name, arguments, progress}, listPrompts,
// getPrompt {name, arguments}, listResources, listResourceTemplates, readResource {uri},
// complete {ref, argument}. callTool with progress: true sends a progress token and returns
// the notifications as result.progress. The SDK checks every structuredContent against the
// tool's outputSchema (listTools runs first, at connect). Exit 0 at end of input.
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

const { values: opts } = parseArgs({
  options: {
    base: { type: 'string' },
    token: { type: 'string' },
    transport: { type: 'string', default: 'http' },
    timeout: { type: 'string', default: '120000' },
  },
});
if (!opts.base || !opts.token) {
  console.error('usage: mcp-session.mjs --base URL --token T [--transport http|sse]');
  process.exit(2);
}
const base = opts.base.replace(/\/+$/, '');
const timeout = Number(opts.timeout);
const headers = { Authorization: `Token ${opts.token}` };
const transport =
  opts.transport === 'sse'
    ? new SSEClientTransport(new URL(`${base}/sse`), { requestInit: { headers } })
    : new StreamableHTTPClientTransport(new URL(`${base}/mcp`), { requestInit: { headers } });
const client = new Client({ name: 'jana-mcp-questions', version: '0.0.0' });

function write(line) {
  process.stdout.write(JSON.stringify(line) + '\n');
}

try {
  await client.connect(transport, { timeout });
  await client.listTools(undefined, { timeout }); // caches the output schemas callTool checks against
} catch (err) {
  write({ id: 0, ok: false, error: `connect: ${err.message ?? err}` });
  process.exit(1);
}
write({ id: 0, ok: true, result: { server: client.getServerVersion(), capabilities: client.getServerCapabilities() } });

async function handle(req) {
  switch (req.op) {
    case 'instructions':
      return { instructions: client.getInstructions() };
    case 'listTools':
      return client.listTools(undefined, { timeout });
    case 'callTool': {
      const progress = [];
      const options = { timeout, resetTimeoutOnProgress: true };
      if (req.progress) options.onprogress = (p) => progress.push(p);
      const result = await client.callTool({ name: req.name, arguments: req.arguments ?? {} }, undefined, options);
      return { ...result, progress };
    }
    case 'listPrompts':
      return client.listPrompts(undefined, { timeout });
    case 'getPrompt':
      return client.getPrompt({ name: req.name, arguments: req.arguments ?? {} }, { timeout });
    case 'listResources':
      return client.listResources(undefined, { timeout });
    case 'listResourceTemplates':
      return client.listResourceTemplates(undefined, { timeout });
    case 'readResource':
      return client.readResource({ uri: req.uri }, { timeout });
    case 'complete':
      return client.complete({ ref: req.ref, argument: req.argument }, { timeout });
  }
  throw new Error(`unknown op ${req.op}`);
}

const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  if (!line.trim()) continue;
  let req;
  try {
    req = JSON.parse(line);
  } catch (err) {
    write({ id: -1, ok: false, error: `bad request line: ${err.message}` });
    continue;
  }
  try {
    write({ id: req.id, ok: true, result: await handle(req) });
  } catch (err) {
    write({ id: req.id, ok: false, error: String(err.message ?? err), code: err.code });
  }
}
await client.close();
process.exit(0);
