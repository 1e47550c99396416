// Shared helpers for the interop tests: the target's address and app, a signed HTTP client
// for the control API (Pusher request signing computed here with node:crypto, so the tests
// do not trust any SDK for it), pusher-js clients and small waiting helpers.
'use strict';

const crypto = require('node:crypto');
const PusherJS = require('pusher-js');
const PusherSDK = require('pusher');

const BASE = (process.env.REHOME_URL || 'http://127.0.0.1:8080').replace(/\/+$/, '');
const url = new URL(BASE);
const TARGET = {
  base: BASE,
  host: url.hostname,
  port: Number(url.port || (url.protocol === 'https:' ? 443 : 80)),
  tls: url.protocol === 'https:',
  appId: process.env.REHOME_APP_ID || 'app-id',
  key: process.env.REHOME_APP_KEY || 'app-key',
  secret: process.env.REHOME_APP_SECRET || 'app-secret',
  authPath: process.env.REHOME_AUTH_PATH || '/broadcasting/auth',
  member: { token: process.env.REHOME_MEMBER_TOKEN || 'alice-token', user: 'alice', workspace: 'acme' },
  other: { token: process.env.REHOME_OTHER_TOKEN || 'bob-token', user: 'bob', workspace: 'globex' },
  // A second member of the member's workspace, only when the runner configured one.
  third: process.env.REHOME_THIRD_TOKEN
    ? { token: process.env.REHOME_THIRD_TOKEN, user: process.env.REHOME_THIRD_USER || 'carol' }
    : null,
};

function rid() {
  return crypto.randomBytes(6).toString('hex');
}

function md5(s) {
  return crypto.createHash('md5').update(s, 'utf8').digest('hex');
}

// Signs per the Pusher HTTP API: sorted query, body_md5 for a non-empty body, HMAC-SHA256 over
// "METHOD\nPATH\nQUERY". Returns the full URL with auth_signature appended.
function signedUrl(method, path, body, params = {}) {
  const q = {
    auth_key: TARGET.key,
    auth_timestamp: String(Math.floor(Date.now() / 1000)),
    auth_version: '1.0',
    ...params,
  };
  if (body !== undefined && body !== '') q.body_md5 = md5(body);
  const query = Object.keys(q)
    .sort()
    .map((k) => `${k}=${q[k]}`)
    .join('&');
  const sig = crypto
    .createHmac('sha256', TARGET.secret)
    .update(`${method}\n${path}\n${query}`)
    .digest('hex');
  return `${TARGET.base}${path}?${query}&auth_signature=${sig}`;
}

// A signed request under /apps/{id}. `body` may be an object (JSON-encoded), a string (sent as
// is) or undefined (no body). Resolves to {status, json, text}.
async function api(method, subpath, body, params) {
  const path = `/apps/${TARGET.appId}${subpath}`;
  const raw = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
  const res = await fetch(signedUrl(method, path, raw, params), {
    method,
    body: raw,
    headers: raw ? { 'content-type': 'application/json' } : {},
  });
  const text = await res.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text, contentType: res.headers.get('content-type') };
}

function sdk() {
  return new PusherSDK({
    appId: TARGET.appId,
    key: TARGET.key,
    secret: TARGET.secret,
    host: TARGET.host,
    port: String(TARGET.port),
    useTLS: TARGET.tls,
    timeout: 10000,
  });
}

// A pusher-js client. `token` selects the bearer token sent to the authorizer; `authorizer`
// replaces the endpoint with a custom handler (params, callback); `userAuthentication` is
// pusher-js's option of that name (signin), when given.
function client({ token, authorizer, userAuthentication } = {}) {
  const channelAuthorization = authorizer
    ? { customHandler: authorizer }
    : {
        endpoint: TARGET.base + TARGET.authPath,
        transport: 'ajax',
        headers: token ? { Authorization: `Bearer ${token}` } : {},
      };
  return new PusherJS(TARGET.key, {
    ...wsOptions(),
    channelAuthorization,
    ...(userAuthentication ? { userAuthentication } : {}),
  });
}

// pusher-js's connection options for the target (Laravel Echo passes them on).
function wsOptions() {
  return {
    cluster: 'local', // required by pusher-js 8; unused once wsHost is given
    wsHost: TARGET.host,
    wsPort: TARGET.port,
    wssPort: TARGET.port,
    forceTLS: TARGET.tls,
    enabledTransports: TARGET.tls ? ['wss'] : ['ws'],
    disableStats: true,
  };
}

// Laravel Echo's options for its Pusher connector against the target, bearer auth as `token`.
function echoOptions(token) {
  return {
    broadcaster: 'pusher',
    Pusher: PusherJS,
    key: TARGET.key,
    ...wsOptions(),
    authEndpoint: TARGET.base + TARGET.authPath,
    auth: { headers: { Authorization: `Bearer ${token}` } },
  };
}

function connected(pusher, ms = 5000) {
  return new Promise((resolve, reject) => {
    if (pusher.connection.state === 'connected') return resolve(pusher.connection.socket_id);
    const t = setTimeout(() => reject(new Error(`not connected after ${ms} ms (state ${pusher.connection.state})`)), ms);
    pusher.connection.bind('connected', () => {
      clearTimeout(t);
      resolve(pusher.connection.socket_id);
    });
    for (const bad of ['failed', 'unavailable']) {
      pusher.connection.bind(bad, () => {
        clearTimeout(t);
        reject(new Error(`connection ${bad}`));
      });
    }
  });
}

// Subscribes and resolves on pusher:subscription_succeeded, rejects with the error object on
// pusher:subscription_error.
function subscribed(pusher, name, ms = 5000) {
  const ch = pusher.subscribe(name);
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no subscription answer for ${name} after ${ms} ms`)), ms);
    ch.bind('pusher:subscription_succeeded', (data) => {
      clearTimeout(t);
      resolve({ channel: ch, data });
    });
    ch.bind('pusher:subscription_error', (err) => {
      clearTimeout(t);
      const e = new Error(`subscription_error on ${name}: ${JSON.stringify(err)}`);
      e.detail = err;
      reject(e);
    });
  });
}

// Records every non-internal event of a channel, in arrival order.
function recorder(channel) {
  const seen = [];
  channel.bind_global((event, data) => {
    if (!event.startsWith('pusher:') && !event.startsWith('pusher_internal:')) seen.push({ event, data });
  });
  return seen;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitFor(pred, ms = 5000, what = 'condition') {
  const end = Date.now() + ms;
  for (;;) {
    const v = await pred();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(10);
  }
}

function streamChannel(workspace, thread) {
  return `private-workspace.${workspace}.thread.${thread}`;
}

// track(p) remembers a client and returns it; every tracked client disconnects after the
// file's tests (node:test's after hook of the calling file).
function tracker(after) {
  const clients = [];
  after(() => clients.forEach((p) => p.disconnect()));
  return (p) => {
    clients.push(p);
    return p;
  };
}

module.exports = {
  TARGET,
  tracker,
  rid,
  md5,
  signedUrl,
  api,
  sdk,
  client,
  echoOptions,
  connected,
  subscribed,
  recorder,
  sleep,
  waitFor,
  streamChannel,
  PusherJS,
};
