// Laravel Echo (ES module) with its Pusher connector, as a Laravel front end would use it:
// bearer auth headers, Echo.private('workspace.W.thread.T'), listen('.thread.token.streamed')
// and listen('.thread.stream.ended') (leading dot: the event name is used verbatim).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import Echo from 'laravel-echo';

const require = createRequire(import.meta.url);
const c = require('../lib/common.js');

const echos = [];
after(() => echos.forEach((e) => e.disconnect()));

function newEcho(token) {
  const echo = new Echo(c.echoOptions(token));
  echos.push(echo);
  return echo;
}

function subscribedVia(echoChannel, ms = 5000) {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('no subscription answer')), ms);
    echoChannel.subscribed(() => {
      clearTimeout(t);
      resolve();
    });
    echoChannel.error((err) => {
      clearTimeout(t);
      const e = new Error(`subscription error ${JSON.stringify(err)}`);
      e.detail = err;
      reject(e);
    });
  });
}

test('(e) laravel-echo receives the stream in order, then one ended event', async () => {
  const ws = c.TARGET.member.workspace;
  const thread = c.rid();
  const ids = { workspace_id: ws, thread_id: thread, run_id: `run-${c.rid()}`, stream_id: `echo-${c.rid()}` };
  const echo = newEcho(c.TARGET.member.token);
  const seen = [];
  const ch = echo
    .private(`workspace.${ws}.thread.${thread}`)
    .listen('.thread.token.streamed', (e) => seen.push(['token', e]))
    .listen('.thread.stream.ended', (e) => seen.push(['ended', e]));
  await subscribedVia(ch);

  const start = await c.api('POST', '/streams', ids);
  assert.equal(start.status, 201, start.text);
  const tokens = ['Hello', ', ', 'wörld', ' 👋', '\n', '"done"'];
  const r = await c.api('POST', `/streams/${ids.stream_id}/tokens`, { tokens });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json, { stream_id: ids.stream_id, first_seq: 1, last_seq: tokens.length });
  const e1 = await c.api('POST', `/streams/${ids.stream_id}/end`, { reason: 'completed' });
  const e2 = await c.api('POST', `/streams/${ids.stream_id}/end`, { reason: 'failed' });
  assert.equal(e1.json.already_ended, false);
  assert.equal(e2.json.already_ended, true);
  assert.equal(e2.json.reason, 'completed');

  await c.waitFor(() => seen.some(([k]) => k === 'ended'), 5000, 'the ended event');
  await c.sleep(300);
  const base = { workspace_id: ws, thread_id: thread, run_id: ids.run_id, stream_id: ids.stream_id };
  assert.deepEqual(seen, [
    ...tokens.map((token, i) => ['token', { ...base, seq: i + 1, token }]),
    ['ended', { ...base, last_seq: tokens.length, reason: 'completed' }],
  ]);
  assert.equal(seen.map(([, e]) => e.token ?? '').join(''), tokens.join(''));
});

test('(e) laravel-echo: .error() fires for a non-member', async () => {
  const echo = newEcho(c.TARGET.other.token);
  const ch = echo.private(`workspace.${c.TARGET.member.workspace}.thread.${c.rid()}`);
  const err = await subscribedVia(ch).then(
    () => assert.fail('non-member subscribed through Echo'),
    (e) => e.detail,
  );
  assert.equal(err.status, 403);
});

test('(e) laravel-echo presence: here() lists the member', async () => {
  const { workspace, user, token } = c.TARGET.member;
  const echo = newEcho(token);
  const here = await new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('no here()')), 5000);
    echo
      .join(`workspace.${workspace}.thread.${c.rid()}`)
      .here((members) => {
        clearTimeout(t);
        resolve(members);
      })
      .error((e) => {
        clearTimeout(t);
        reject(new Error(JSON.stringify(e)));
      });
  });
  assert.deepEqual(here, [{ name: user }]);
});

function joined(echo, name, cb = {}) {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no here() on ${name}`)), 5000);
    const ch = echo
      .join(name)
      .here((members) => {
        clearTimeout(t);
        resolve({ ch, members });
      })
      .joining((m) => cb.joining?.(m))
      .leaving((m) => cb.leaving?.(m))
      .error((e) => {
        clearTimeout(t);
        reject(new Error(JSON.stringify(e)));
      });
  });
}

test('(e) laravel-echo presence: joining() and leaving() report another member, in order', async (t) => {
  if (!c.TARGET.third) {
    t.skip('REHOME_THIRD_TOKEN not set: a second member of the workspace is needed');
    return;
  }
  const { workspace, user, token } = c.TARGET.member;
  const third = c.TARGET.third;
  const name = `workspace.${workspace}.thread.${c.rid()}`;
  const log = [];
  const a = newEcho(token);
  const first = await joined(a, name, {
    joining: (m) => log.push(['joining', m]),
    leaving: (m) => log.push(['leaving', m]),
  });
  assert.deepEqual(first.members, [{ name: user }]);

  const b = newEcho(third.token);
  const second = await joined(b, name);
  assert.deepEqual(
    second.members.map((m) => m.name).sort(),
    [user, third.user].sort(),
    'the newcomer sees both members',
  );
  await c.waitFor(() => log.length === 1, 5000, 'joining()');
  b.leave(name);
  await c.waitFor(() => log.length === 2, 5000, 'leaving()');
  await c.sleep(200);
  assert.deepEqual(log, [
    ['joining', { name: third.user }],
    ['leaving', { name: third.user }],
  ]);
});

test('(e) laravel-echo whisper: client events reach the other tab in order, not the sender', async () => {
  const { workspace, token } = c.TARGET.member;
  const name = `workspace.${workspace}.thread.${c.rid()}`;
  const a = newEcho(token);
  const b = newEcho(token);
  const chA = a.private(name);
  const chB = b.private(name);
  await Promise.all([subscribedVia(chA), subscribedVia(chB)]);
  const gotA = [];
  const gotB = [];
  chA.listenForWhisper('typing', (e) => gotA.push(e));
  chB.listenForWhisper('typing', (e) => gotB.push(e));
  const sent = [
    { typing: true, text: 'é"\\' },
    { typing: true, n: 2 },
    { typing: false, nested: { list: [1, null] } },
  ];
  for (const w of sent) {
    chA.whisper('typing', w);
    await c.sleep(120); // under the app's client-event rate limit (10/s)
  }
  await c.waitFor(() => gotB.length === sent.length, 5000, 'the whispers');
  await c.sleep(200);
  assert.deepEqual(gotB, sent);
  assert.deepEqual(gotA, [], 'a whisper echoed to its sender');
});

test('(e) laravel-echo: a revoked member gets .error() with 403 once, then nothing more', async () => {
  const { token, user } = c.TARGET.member;
  const ws = `rv-${c.rid()}`;
  const members = `/workspaces/${ws}/members`;
  const g = await c.api('POST', members, { user_id: user, member: true });
  assert.equal(g.status, 200, g.text);
  const thread = c.rid();
  const ids = { workspace_id: ws, thread_id: thread, run_id: `run-${c.rid()}`, stream_id: `rv-${c.rid()}` };
  assert.equal((await c.api('POST', '/streams', ids)).status, 201);
  const echo = newEcho(token);
  const seen = [];
  const errors = [];
  const ch = echo.private(`workspace.${ws}.thread.${thread}`).listen('.thread.token.streamed', (e) => seen.push(e.seq));
  await subscribedVia(ch);
  ch.error((e) => errors.push(e));
  await c.api('POST', `/streams/${ids.stream_id}/tokens`, { token: 'before' });
  await c.waitFor(() => seen.length === 1, 5000, 'the token before the revocation');

  const r = await c.api('POST', members, { user_id: user, member: false });
  assert.equal(r.status, 200, r.text);
  await c.waitFor(() => errors.length === 1, 5000, 'pusher:subscription_error after the revocation');
  assert.equal(errors[0].status, 403);
  assert.equal(errors[0].type, 'AuthError');
  await c.api('POST', `/streams/${ids.stream_id}/tokens`, { token: 'after' });
  await c.sleep(500);
  assert.deepEqual(seen, [1], 'a token reached the revoked member');
  assert.equal(errors.length, 1, 'the client re-subscribed in a loop');
});
