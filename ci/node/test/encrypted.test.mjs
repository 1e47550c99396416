// End-to-end encrypted and cache channels with the real clients (docs/protocol.md 16, 17):
// the pusher server SDK with encryptionMasterKeyBase64 triggers ciphertext and authorizes with
// shared_secret; pusher-js (its Node build bundles tweetnacl) decrypts, whether the bundled
// authorizer or the SDK signed; Laravel Echo's encryptedPrivate channels; cache channels'
// pusher:cache_miss and last event in pusher-js. REHOME_ENC_KEY is the app's
// encryption_master_key (default: the one of fixtures/configs/ci.json).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import Echo from 'laravel-echo';

const require = createRequire(import.meta.url);
const c = require('../lib/common.js');
const PusherSDK = require('pusher');

const KEY = process.env.REHOME_ENC_KEY || 'mU8pXBpuMtI4p2PqFsN1zrKdh0qWm2kL5lYkOzY3o3w=';
const WS = c.TARGET.member.workspace;
const sdk = new PusherSDK({
  appId: c.TARGET.appId,
  key: c.TARGET.key,
  secret: c.TARGET.secret,
  host: c.TARGET.host,
  port: String(c.TARGET.port),
  useTLS: c.TARGET.tls,
  encryptionMasterKeyBase64: KEY,
  timeout: 10000,
});

const closers = [];
after(() => closers.forEach((x) => x.disconnect()));

function client(opts) {
  const p = c.client(opts);
  closers.push(p);
  return p;
}

const encChannel = () => `private-encrypted-workspace.${WS}.thread.t${c.rid()}`;

async function authorizeHere(socketId, channel) {
  const res = await fetch(c.TARGET.base + c.TARGET.authPath, {
    method: 'POST',
    headers: {
      Authorization: `Bearer ${c.TARGET.member.token}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: `socket_id=${socketId}&channel_name=${channel}`,
  });
  assert.equal(res.status, 200, `authorizer answered ${res.status}`);
  return res.json();
}

test('(16.3) the bundled authorizer answers what the pusher SDK derives: auth and shared_secret', async () => {
  const ch = encChannel();
  const mine = await authorizeHere('1234.5678', ch);
  const theirs = sdk.authorizeChannel('1234.5678', ch);
  assert.ok(theirs.shared_secret, 'the SDK derives a shared_secret for an encrypted channel');
  assert.deepEqual(mine, theirs);
});

test('(16.4) pusher-js decrypts what the SDK triggers (bundled authorizer)', async () => {
  const p = client({ token: c.TARGET.member.token });
  await c.connected(p);
  const ch = encChannel();
  const { channel } = await c.subscribed(p, ch);
  const seen = c.recorder(channel);
  const data = { text: 'héllo "secret" 🚀', n: 7 };
  const res = await sdk.trigger(ch, 'secret-note', data);
  assert.equal(res.status, 200);
  await c.waitFor(() => seen.length === 1, 5000, 'the decrypted event');
  assert.deepEqual(seen, [{ event: 'secret-note', data }]);
});

test('(16.4) the wire carries the {nonce, ciphertext} data as published', async () => {
  const p = client({ token: c.TARGET.member.token });
  await c.connected(p);
  const ch = encChannel();
  const raw = [];
  p.connection.bind('message', (m) => m.event === 'raw-check' && raw.push(m.data));
  await c.subscribed(p, ch);
  const payload = JSON.stringify({ nonce: 'bm9uY2Vub25jZW5vbmNlbm9uY2Vub25j', ciphertext: 'Y2lwaGVy' });
  const res = await c.api('POST', '/events', { name: 'raw-check', channel: ch, data: payload });
  assert.equal(res.status, 200);
  // pusher-js cannot decrypt this fake box and drops it; the raw message still shows the data
  await c.waitFor(() => raw.length === 1, 5000, 'the raw message');
  assert.deepEqual(raw[0], JSON.parse(payload));
});

test('(16.3) pusher-js decrypts when the app authorizes with the SDK (authorizeChannel)', async () => {
  const p = client({
    authorizer: (params, cb) => cb(null, sdk.authorizeChannel(params.socketId, params.channelName)),
  });
  await c.connected(p);
  const ch = `private-encrypted-app-${c.rid()}`;
  const { channel } = await c.subscribed(p, ch);
  const seen = c.recorder(channel);
  const res = await sdk.trigger(ch, 'app-signed', { ok: true });
  assert.equal(res.status, 200);
  await c.waitFor(() => seen.length === 1, 5000, 'the decrypted event');
  assert.deepEqual(seen, [{ event: 'app-signed', data: { ok: true } }]);
});

test('(16.4) pusher-js refuses client events on encrypted channels itself', async () => {
  const p = client({ token: c.TARGET.member.token });
  await c.connected(p);
  const { channel } = await c.subscribed(p, encChannel());
  assert.throws(() => channel.trigger('client-x', { a: 1 }), /not currently supported/);
});

test('(16) Laravel Echo: encryptedPrivate channels decrypt', async () => {
  const echo = new Echo(c.echoOptions(c.TARGET.member.token));
  closers.push(echo);
  const thread = `t${c.rid()}`;
  const seen = [];
  const ch = echo.encryptedPrivate(`workspace.${WS}.thread.${thread}`).listen('.secret', (e) => seen.push(e));
  await new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('no subscription answer')), 5000);
    ch.subscribed(() => {
      clearTimeout(t);
      resolve();
    });
    ch.error((e) => {
      clearTimeout(t);
      reject(new Error(`subscription error ${JSON.stringify(e)}`));
    });
  });
  const res = await sdk.trigger(`private-encrypted-workspace.${WS}.thread.${thread}`, 'secret', { n: 1 });
  assert.equal(res.status, 200);
  await c.waitFor(() => seen.length === 1, 5000, 'the Echo listener');
  assert.deepEqual(seen, [{ n: 1 }]);
});

// Subscribes and resolves with what pusher-js delivers right after subscription_succeeded on
// the channel: the cached event or pusher:cache_miss.
async function firstAfterSubscribe(p, name) {
  const ch = p.subscribe(name);
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`nothing after subscribing to ${name}`)), 5000);
    let ok = false;
    ch.bind_global((event, data) => {
      if (event === 'pusher:subscription_succeeded') {
        ok = true;
        return;
      }
      if (ok) {
        clearTimeout(t);
        resolve({ event, data });
      }
    });
  });
}

test('(17) cache channels in pusher-js: cache_miss first, then the last event for new subscribers', async () => {
  const p1 = client();
  const p2 = client({ token: c.TARGET.member.token });
  await Promise.all([c.connected(p1), c.connected(p2)]);
  const name = `cache-interop-${c.rid()}`;
  const first = await firstAfterSubscribe(p1, name);
  assert.equal(first.event, 'pusher:cache_miss');
  assert.equal((await sdk.trigger(name, 'state', { v: 1 })).status, 200);
  assert.equal((await sdk.trigger(name, 'state', { v: 2 })).status, 200);
  assert.deepEqual(await firstAfterSubscribe(p2, name), { event: 'state', data: { v: 2 } });
  // encrypted cache channels decrypt too
  const enc = `private-encrypted-cache-interop-${c.rid()}`;
  const p3 = client({ authorizer: (params, cb) => cb(null, sdk.authorizeChannel(params.socketId, params.channelName)) });
  await c.connected(p3);
  assert.equal((await sdk.trigger(enc, 'state', { secret: 'kept' })).status, 200);
  assert.deepEqual(await firstAfterSubscribe(p3, enc), { event: 'state', data: { secret: 'kept' } });
});
