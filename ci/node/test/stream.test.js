// Token streaming end to end with pusher-js: a member receives the tokens of a stream in seq
// order with their exact text and one thread.stream.ended after repeated end calls; a
// non-member and a forged signature get a subscription error and nothing of the channel.
'use strict';

const { test, after } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const c = require('../lib/common');

const clients = [];
after(() => clients.forEach((p) => p.disconnect()));

function newClient(opts) {
  const p = c.client(opts);
  clients.push(p);
  return p;
}

// Tokens chosen to catch re-encoding: quotes, backslashes, JSON-looking text, non-ASCII,
// a 4-byte character, whitespace and an empty-looking token.
function tokenText(i) {
  const extras = ['"quoted"', 'back\\slash', '{"json":1}', 'é ü ß', '🚀', ' lead', 'tab\there', 'new\nline', '', '∑'];
  return `t${i}${extras[(i - 1) % extras.length]}`;
}

async function startStream(ids) {
  const r = await c.api('POST', '/streams', ids);
  assert.equal(r.status, 201, `start: ${r.status} ${r.text}`);
  // The start answer is the stream's state, as GET /streams/{id} reports it (spec 12.2.1).
  assert.deepEqual(r.json, {
    stream_id: ids.stream_id,
    workspace_id: ids.workspace_id,
    thread_id: ids.thread_id,
    run_id: ids.run_id,
    channel: c.streamChannel(ids.workspace_id, ids.thread_id),
    state: 'open',
    last_seq: 0,
  });
  return r.json;
}

test('(a) member receives 20 tokens in seq order, then one stream.ended after two end calls', async () => {
  const ws = c.TARGET.member.workspace;
  const ids = { workspace_id: ws, thread_id: c.rid(), run_id: `run-${c.rid()}`, stream_id: `s-${c.rid()}` };
  const name = c.streamChannel(ws, ids.thread_id);

  const alice = newClient({ token: c.TARGET.member.token });
  await c.connected(alice);
  const { channel } = await c.subscribed(alice, name);
  const seen = c.recorder(channel);

  await startStream(ids);

  // Ten single-token calls, then ten tokens in one call: seqs must continue without a gap.
  for (let i = 1; i <= 10; i++) {
    const r = await c.api('POST', `/streams/${ids.stream_id}/tokens`, { token: tokenText(i) });
    assert.equal(r.status, 200, `token ${i}: ${r.status} ${r.text}`);
    assert.deepEqual(r.json, { stream_id: ids.stream_id, first_seq: i, last_seq: i });
  }
  const batch = [];
  for (let i = 11; i <= 20; i++) batch.push(tokenText(i));
  const rb = await c.api('POST', `/streams/${ids.stream_id}/tokens`, { tokens: batch });
  assert.equal(rb.status, 200, `tokens batch: ${rb.status} ${rb.text}`);
  assert.deepEqual(rb.json, { stream_id: ids.stream_id, first_seq: 11, last_seq: 20 });

  // First end: empty body means "completed". Second end asks "cancelled" but must report
  // the first reason and change nothing.
  const e1 = await c.api('POST', `/streams/${ids.stream_id}/end`);
  assert.equal(e1.status, 200, `end 1: ${e1.status} ${e1.text}`);
  assert.equal(e1.json.ended, true);
  assert.equal(e1.json.already_ended, false);
  assert.equal(e1.json.last_seq, 20);
  assert.equal(e1.json.reason, 'completed');
  assert.equal(e1.json.stream_id, ids.stream_id);
  assert.equal(typeof e1.json.expires_in, 'number');
  const e2 = await c.api('POST', `/streams/${ids.stream_id}/end`, { reason: 'cancelled' });
  assert.equal(e2.status, 200, `end 2: ${e2.status} ${e2.text}`);
  assert.equal(e2.json.already_ended, true);
  assert.equal(e2.json.last_seq, 20);
  assert.equal(e2.json.reason, 'completed');

  await c.waitFor(() => seen.some((e) => e.event === 'thread.stream.ended'), 5000, 'thread.stream.ended');
  await c.sleep(300); // room for a wrong second ended event or a late token

  const expected = [];
  for (let i = 1; i <= 20; i++) {
    expected.push({
      event: 'thread.token.streamed',
      data: { workspace_id: ws, thread_id: ids.thread_id, run_id: ids.run_id, stream_id: ids.stream_id, seq: i, token: tokenText(i) },
    });
  }
  expected.push({
    event: 'thread.stream.ended',
    data: { workspace_id: ws, thread_id: ids.thread_id, run_id: ids.run_id, stream_id: ids.stream_id, last_seq: 20, reason: 'completed' },
  });
  assert.deepEqual(seen, expected);

  // A token after the end is refused and never broadcast.
  const late = await c.api('POST', `/streams/${ids.stream_id}/tokens`, { token: 'late' });
  assert.equal(late.status, 409, `token after end: ${late.status} ${late.text}`);
  const state = await c.api('GET', `/streams/${ids.stream_id}`);
  assert.equal(state.status, 200, `state: ${state.status} ${state.text}`);
  assert.equal(state.json.state, 'ended');
  assert.equal(state.json.last_seq, 20);
  assert.equal(state.json.reason, 'completed');
  assert.equal(state.json.channel, name);
  await c.sleep(200);
  assert.equal(seen.length, 21, 'nothing after the ended event');
});

test('(b) non-member gets a subscription error from the authorizer and receives nothing', async () => {
  const ws = c.TARGET.member.workspace;
  const ids = { workspace_id: ws, thread_id: c.rid(), run_id: 'r1', stream_id: `s-${c.rid()}` };
  const name = c.streamChannel(ws, ids.thread_id);

  const alice = newClient({ token: c.TARGET.member.token });
  const bob = newClient({ token: c.TARGET.other.token });
  await Promise.all([c.connected(alice), c.connected(bob)]);
  const { channel } = await c.subscribed(alice, name);
  const aliceSeen = c.recorder(channel);

  const bobAll = [];
  bob.bind_global((event, data) => bobAll.push({ event, data }));
  const err = await c.subscribed(bob, name).then(
    () => assert.fail('bob was subscribed to a workspace he is not a member of'),
    (e) => e.detail,
  );
  assert.equal(err.type, 'AuthError');
  assert.equal(err.status, 403, `authorizer status for a non-member: ${JSON.stringify(err)}`);

  await startStream(ids);
  const r = await c.api('POST', `/streams/${ids.stream_id}/tokens`, { tokens: ['a', 'b', 'c'] });
  assert.equal(r.status, 200, r.text);
  const e = await c.api('POST', `/streams/${ids.stream_id}/end`, { reason: 'failed' });
  assert.equal(e.status, 200, e.text);
  await c.waitFor(() => aliceSeen.length === 4, 5000, 'alice to see 3 tokens and the end');
  assert.deepEqual(
    aliceSeen.map((x) => [x.event, x.data.seq ?? x.data.last_seq]),
    [['thread.token.streamed', 1], ['thread.token.streamed', 2], ['thread.token.streamed', 3], ['thread.stream.ended', 3]],
  );
  assert.equal(aliceSeen[3].data.reason, 'failed');
  await c.sleep(200);
  const leaked = bobAll.filter((x) => x.event.startsWith('thread.'));
  assert.deepEqual(leaked, [], 'a refused socket must receive none of the channel events');
  assert.equal(bob.channel(name)?.subscribed ?? false, false);
});

test('(b2) a signature made for another socket is refused by the server with subscription_error', async () => {
  const ws = c.TARGET.member.workspace;
  const ids = { workspace_id: ws, thread_id: c.rid(), run_id: 'r1', stream_id: `s-${c.rid()}` };
  const name = c.streamChannel(ws, ids.thread_id);

  // A real member signature, but for alice's socket: replayed on mallory's connection.
  const alice = newClient({ token: c.TARGET.member.token });
  await c.connected(alice);
  const { channel } = await c.subscribed(alice, name);
  const aliceSeen = c.recorder(channel);
  const aliceSocket = alice.connection.socket_id;
  const res = await fetch(c.TARGET.base + c.TARGET.authPath, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Bearer ${c.TARGET.member.token}` },
    body: `socket_id=${encodeURIComponent(aliceSocket)}&channel_name=${encodeURIComponent(name)}`,
  });
  assert.equal(res.status, 200);
  const stolen = await res.json();
  assert.match(stolen.auth, new RegExp(`^${c.TARGET.key}:[0-9a-f]{64}$`));

  const mallory = newClient({ authorizer: (_params, cb) => cb(null, { auth: stolen.auth }) });
  await c.connected(mallory);
  const malloryAll = [];
  mallory.bind_global((event, data) => malloryAll.push({ event, data }));
  const err = await c.subscribed(mallory, name).then(
    () => assert.fail('a signature for another socket was accepted'),
    (e) => e.detail,
  );
  // pusher:subscription_error sent by the server itself (decisions: AuthError, 401).
  assert.deepEqual({ type: err.type, status: err.status }, { type: 'AuthError', status: 401 });
  assert.equal(typeof err.error, 'string');
  assert.ok(err.error.length > 0, 'the error names why');

  await startStream(ids);
  const r = await c.api('POST', `/streams/${ids.stream_id}/tokens`, { token: 'secret' });
  assert.equal(r.status, 200, r.text);
  await c.waitFor(() => aliceSeen.length === 1, 5000, 'alice to see the token');
  await c.sleep(200);
  assert.deepEqual(malloryAll.filter((x) => x.event.startsWith('thread.')), []);
  // The refused connection stays open and usable.
  assert.equal(mallory.connection.state, 'connected');
  const pub = `interop-${c.rid()}`;
  await c.subscribed(mallory, pub);
});

test('authorizer answers: 401 without token, 400 bad socket_id, 403 bad channel, JSON body accepted', async () => {
  const name = c.streamChannel(c.TARGET.member.workspace, c.rid());
  const post = (headers, body) =>
    fetch(c.TARGET.base + c.TARGET.authPath, { method: 'POST', headers, body }).then(async (r) => ({
      status: r.status,
      json: await r.json().catch(() => undefined),
    }));
  const form = { 'content-type': 'application/x-www-form-urlencoded' };
  const bearer = { authorization: `Bearer ${c.TARGET.member.token}` };
  assert.equal((await post(form, `socket_id=1.2&channel_name=${name}`)).status, 401);
  assert.equal((await post({ ...form, authorization: 'Bearer nobody' }, `socket_id=1.2&channel_name=${name}`)).status, 401);
  assert.equal((await post({ ...form, ...bearer }, `socket_id=x1.2&channel_name=${name}`)).status, 400);
  assert.equal((await post({ ...form, ...bearer }, 'socket_id=1.2&channel_name=private-other')).status, 403);
  const ok = await post({ 'content-type': 'application/json', ...bearer }, JSON.stringify({ socket_id: '1.2', channel_name: name }));
  assert.equal(ok.status, 200);
  const want = crypto.createHmac('sha256', c.TARGET.secret).update(`1.2:${name}`).digest('hex');
  assert.deepEqual(ok.json, { auth: `${c.TARGET.key}:${want}` });
});

test('control API: a bad signature or a tampered body gets 401 and changes nothing', async () => {
  const ws = c.TARGET.member.workspace;
  const ids = { workspace_id: ws, thread_id: c.rid(), run_id: 'r1', stream_id: `s-${c.rid()}` };
  const alice = newClient({ token: c.TARGET.member.token });
  await c.connected(alice);
  const { channel } = await c.subscribed(alice, c.streamChannel(ws, ids.thread_id));
  const seen = c.recorder(channel);
  await startStream(ids);

  const path = `/apps/${c.TARGET.appId}/streams/${ids.stream_id}/tokens`;
  const body = JSON.stringify({ token: 'signed' });
  // Signature computed for this body, then the body swapped: body_md5 no longer matches.
  const url = c.signedUrl('POST', path, body);
  const tampered = await fetch(url, { method: 'POST', body: JSON.stringify({ token: 'forged' }), headers: { 'content-type': 'application/json' } });
  assert.equal(tampered.status, 401);
  // A signature made with another secret.
  const badSig = url.replace(/auth_signature=[0-9a-f]+/, `auth_signature=${'0'.repeat(64)}`);
  const bad = await fetch(badSig, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
  assert.equal(bad.status, 401);
  const errBody = await bad.json();
  assert.equal(errBody.code, 401);
  assert.equal(typeof errBody.error, 'string');

  const ok = await c.api('POST', `/streams/${ids.stream_id}/tokens`, { token: 'real' });
  assert.equal(ok.status, 200, ok.text);
  assert.deepEqual(ok.json, { stream_id: ids.stream_id, first_seq: 1, last_seq: 1 });
  await c.waitFor(() => seen.length === 1, 3000, 'the real token');
  await c.sleep(200);
  assert.deepEqual(seen.map((e) => e.data.token), ['real']);
});
