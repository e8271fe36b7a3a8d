#!/usr/bin/env node
// oauth-client.mjs drives the official TypeScript SDK client's OAuth support against
// jana-mcp in MCP_AUTH_MODE=oauth, the way a host that signs users in does (claude.ai, Claude
// Desktop): discovery, dynamic registration, PKCE, the sign-in page, the code exchange,
// refreshes on 401, and what happens once a sign-in is revoked.
//
//   node test/node/oauth-client.mjs --base http://127.0.0.1:8080 --sandbox http://127.0.0.1:8000 \
//     [--transport http|sse] [--signin password|device] [--duration SECONDS] [--revoke token|jana|none]
//
// Its OAuthClientProvider keeps everything in memory. redirectToAuthorization plays the user
// and their browser: it fetches the authorization URL, fills in the sign-in page (email and
// password, or Jana's device-code sign-in approved on the sandbox's /device/ page), follows
// the redirect to the script's own loopback callback, and the script then completes
// transport.finishAuth(code) and connects again.
//
// After signing in it lists the tools and calls one every 300 ms for --duration seconds (the
// server refreshes the user's Jana tokens meanwhile; the client refreshes its own on 401).
// --revoke token revokes the refresh token at the server's revocation endpoint (RFC 7009);
// --revoke jana ends the user's sign-ins at Jana (the sandbox's POST /__sandbox/revoke). Either
// way the next calls must fail and the client must be sent back to sign in.
//
// stdout gets one JSON line per check; the exit status is 1 if any failed, 2 on bad usage.
import { createServer } from 'node:http';
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';

const usage = `usage: oauth-client.mjs --base URL --sandbox URL [--transport http|sse] [--signin password|device]
  [--duration SECONDS] [--revoke token|jana|none] [--email E] [--password P] [--username U]`;

let opts;
try {
  ({ values: opts } = parseArgs({
    options: {
      base: { type: 'string' },
      sandbox: { type: 'string' },
      transport: { type: 'string', default: 'http' },
      signin: { type: 'string', default: 'password' },
      duration: { type: 'string', default: '10' },
      revoke: { type: 'string', default: 'none' },
      email: { type: 'string', default: 'demo@jana.example' },
      password: { type: 'string', default: 'demo-password' },
      username: { type: 'string', default: 'demo' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  }));
} catch (err) {
  console.error(`${err.message}\n${usage}`);
  process.exit(2);
}
if (opts.help || !opts.base || !opts.sandbox || !['http', 'sse'].includes(opts.transport) ||
  !['password', 'device'].includes(opts.signin) || !['token', 'jana', 'none'].includes(opts.revoke)) {
  console.error(usage);
  process.exit(opts.help ? 0 : 2);
}
const base = opts.base.replace(/\/+$/, '');
const sandbox = opts.sandbox.replace(/\/+$/, '');

let failed = 0;
function report(line) {
  if (!line.ok) failed++;
  console.log(JSON.stringify(line));
}

// The loopback callback the client registers (RFC 8252): it receives the browser's redirect.
const callbacks = [];
const callbackServer = createServer((req, res) => {
  const url = new URL(req.url, 'http://127.0.0.1');
  if (url.pathname !== '/callback') {
    res.writeHead(404).end();
    return;
  }
  callbacks.push(url.searchParams);
  res.writeHead(200, { 'content-type': 'text/plain' }).end('Signed in. You can close this window.');
});
await new Promise((resolve) => callbackServer.listen(0, '127.0.0.1', resolve));
const redirectUrl = `http://127.0.0.1:${callbackServer.address().port}/callback`;

// browser is the user's browser: cookies per origin, redirects shown rather than followed.
class Browser {
  cookies = new Map();
  async fetch(url, init = {}) {
    const headers = new Headers(init.headers ?? {});
    const cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    if (cookie && url.startsWith(base)) headers.set('cookie', cookie);
    const res = await fetch(url, { ...init, headers, redirect: 'manual' });
    for (const c of res.headers.getSetCookie()) {
      const [pair, ...attrs] = c.split(';');
      const [name, ...value] = pair.split('=');
      const expired = attrs.some((a) => /^\s*max-age=-?0*$|^\s*max-age=-/i.test(a));
      if (expired) this.cookies.delete(name.trim());
      else this.cookies.set(name.trim(), value.join('=').trim());
    }
    return res;
  }
  // submit posts the sign-in page's form, as the page would (same origin).
  submit(fields) {
    return this.fetch(`${base}/oauth/sign-in`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: base },
      body: new URLSearchParams(fields).toString(),
    });
  }
}

function hidden(html, name) {
  return html.match(new RegExp(`<input type="hidden" name="${name}" value="([^"]*)">`))?.[1];
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// signIn plays the user on the authorization URL and returns the redirect the server sent
// the browser to (the client's callback with a code, or an error).
async function signIn(authorizationUrl) {
  const browser = new Browser();
  const page = await browser.fetch(authorizationUrl);
  const html = await page.text();
  const request = hidden(html, 'request');
  const csrf = hidden(html, 'csrf');
  if (page.status !== 200 || !request || !csrf) throw new Error(`no sign-in page: ${page.status} ${html.slice(0, 300)}`);
  if (opts.signin === 'password') {
    const res = await browser.submit({ request, csrf, method: 'password', email: opts.email, password: opts.password });
    if (res.status !== 303) throw new Error(`password sign-in: ${res.status} ${(await res.text()).slice(0, 300)}`);
    return res.headers.get('location');
  }
  // Jana's device-code sign-in: the page shows Jana's link and a code; the user approves the
  // code on Jana's page (the sandbox's /device/) while this page reloads itself.
  let res = await browser.submit({ request, csrf, method: 'device' });
  let body = await res.text();
  const code = body.match(/id="user-code">([A-Z]{4}-[A-Z]{4})</)?.[1];
  const link = body.match(/id="verification" href="([^"]+)"/)?.[1]?.replaceAll('&amp;', '&');
  if (res.status !== 200 || !code || !link) throw new Error(`device page: ${res.status} ${body.slice(0, 300)}`);
  const approve = await fetch(new URL('/device/', link), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ user_code: code, email: opts.email, password: opts.password, action: 'approve' }).toString(),
  });
  if (approve.status !== 200) throw new Error(`approving the code at Jana: ${approve.status}`);
  for (let i = 0; i < 120; i++) {
    const refresh = body.match(/http-equiv="refresh" content="(\d+);url=([^"]+)"/);
    if (!refresh) throw new Error(`device page without a reload: ${body.slice(0, 300)}`);
    await sleep(Number(refresh[1]) * 1000);
    res = await browser.fetch(new URL(refresh[2].replaceAll('&amp;', '&'), base).toString());
    if (res.status === 303) return res.headers.get('location');
    body = await res.text();
    if (res.status !== 200) throw new Error(`device wait page: ${res.status} ${body.slice(0, 300)}`);
  }
  throw new Error('the device sign-in never completed');
}

// Provider is an OAuthClientProvider with in-memory storage.
class Provider {
  signIns = 0; // authorizations completed by the user
  asked = 0; // times the client sent the user to sign in
  saves = 0; // tokens saved: the first and every refresh
  allowSignIn = true;
  lastState;
  get redirectUrl() {
    return redirectUrl;
  }
  get clientMetadata() {
    return {
      client_name: 'jana-mcp TypeScript SDK test',
      redirect_uris: [redirectUrl],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    };
  }
  state() {
    this.lastState = randomUUID();
    return this.lastState;
  }
  clientInformation() {
    return this.client;
  }
  saveClientInformation(info) {
    this.client = info;
  }
  tokens() {
    return this.saved;
  }
  saveTokens(tokens) {
    this.saved = tokens;
    this.saves++;
  }
  saveCodeVerifier(v) {
    this.verifier = v;
  }
  codeVerifier() {
    return this.verifier;
  }
  invalidateCredentials(scope) {
    if (scope === 'all' || scope === 'tokens') this.saved = undefined;
    if (scope === 'all' || scope === 'client') this.client = undefined;
  }
  async redirectToAuthorization(url) {
    this.asked++;
    if (!this.allowSignIn) return; // the user does not sign in again: the client stays unauthorized
    const location = await signIn(url.toString());
    await fetch(location); // the browser goes back to the client: the callback server takes it
    this.signIns++;
  }
}

function newTransport(provider) {
  if (opts.transport === 'sse') return new SSEClientTransport(new URL(`${base}/sse`), { authProvider: provider });
  return new StreamableHTTPClientTransport(new URL(`${base}/mcp`), { authProvider: provider });
}

// connect is the SDK's documented pattern: connect, and on UnauthorizedError finish the
// authorization with the code the callback got, then connect with a new transport.
async function connect(provider) {
  const newClient = () => new Client({ name: 'jana-mcp-oauth-test', version: '0.0.0' });
  const first = newClient();
  try {
    await first.connect(newTransport(provider));
    return first;
  } catch (err) {
    if (!(err instanceof UnauthorizedError)) throw err;
  }
  await first.close().catch(() => {}); // a client that failed to connect over SSE stays attached to its transport
  const params = callbacks.at(-1);
  if (!params?.get('code')) throw new Error(`no code at the callback: ${params}`);
  if (params.get('state') !== provider.lastState) throw new Error(`state ${params.get('state')}, sent ${provider.lastState}`);
  if (params.get('iss') !== base) throw new Error(`iss ${params.get('iss')}, want ${base}`);
  const transport = newTransport(provider);
  await transport.finishAuth(params.get('code'));
  const client = newClient();
  await client.connect(transport);
  return client;
}

const provider = new Provider();
let client;
try {
  client = await connect(provider);
  report({ check: 'signin', ok: provider.signIns === 1, signin: opts.signin, transport: opts.transport, signIns: provider.signIns });
} catch (err) {
  report({ check: 'signin', ok: false, error: String(err?.stack ?? err) });
  process.exit(1);
}

try {
  const { tools } = await client.listTools();
  report({ check: 'tools', ok: tools.length > 0, count: tools.length });
} catch (err) {
  report({ check: 'tools', ok: false, error: String(err.message ?? err) });
}

// Calls past several lives of Jana's access tokens and of the client's own.
const until = Date.now() + Number(opts.duration) * 1000;
let calls = 0;
const errors = [];
while (Date.now() < until) {
  try {
    const res = await client.callTool({ name: 'get_station', arguments: { station_id: 1 + (calls % 5) } });
    if (res.isError) errors.push(res.content?.[0]?.text);
  } catch (err) {
    errors.push(String(err.message ?? err));
  }
  calls++;
  await sleep(300);
}
report({ check: 'calls', ok: errors.length === 0 && calls > 0, calls, errors: errors.slice(0, 3), tokenSaves: provider.saves, signIns: provider.signIns });

if (opts.revoke !== 'none') {
  provider.allowSignIn = false;
  const askedBefore = provider.asked;
  if (opts.revoke === 'token') {
    const res = await fetch(`${base}/oauth/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: provider.saved.refresh_token, client_id: provider.client.client_id }).toString(),
    });
    report({ check: 'revoke', ok: res.status === 200, how: 'token', status: res.status });
  } else {
    const res = await fetch(`${sandbox}/__sandbox/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: opts.username }),
    });
    report({ check: 'revoke', ok: res.status === 200, how: 'jana', status: res.status });
  }
  // The server refuses the sign-in from now on: a tool error (Jana ended it under a call), or
  // the request refused, and the client's refresh refused: it sends the user to sign in.
  const outcomes = [];
  for (let i = 0; i < 3; i++) {
    try {
      const res = await client.callTool({ name: 'get_station', arguments: { station_id: 2 } });
      outcomes.push(res.isError ? `tool error: ${res.content?.[0]?.text}` : 'ok');
    } catch (err) {
      outcomes.push(`${err.constructor?.name}: ${err.message}`);
    }
  }
  const refused = outcomes.every((o) => o !== 'ok');
  const sentToSignIn = provider.asked > askedBefore;
  report({ check: 'refused after revocation', ok: refused && sentToSignIn, how: opts.revoke, outcomes, sentToSignIn });
}

await client.close().catch(() => {});
callbackServer.close();
process.exit(failed ? 1 : 0);
