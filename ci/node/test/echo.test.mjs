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
  const echo = new Echo({
    broadcaster: 'pusher',
    Pusher: c.PusherJS,
    key: c.TARGET.key,
    cluster: 'local',
    wsHost: c.TARGET.host,
    wsPort: c.TARGET.port,
    wssPort: c.TARGET.port,
    forceTLS: c.TARGET.tls,
    enabledTransports: c.TARGET.tls ? ['wss'] : ['ws'],
    disableStats: true,
    authEndpoint: c.TARGET.base + c.TARGET.authPath,
    auth: { headers: { Authorization: `Bearer ${token}` } },
  });
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
