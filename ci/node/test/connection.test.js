// pusher-js connection behaviour against the server: an unknown key is refused with 4001,
// heartbeats in both directions keep an idle client connected, and client events follow
// the Pusher rules (private/presence only, members only, never echoed).
'use strict';

const { test, after } = require('node:test');
const assert = require('node:assert/strict');
const c = require('../lib/common');

const track = c.tracker(after);

function states(pusher) {
  const log = [];
  pusher.connection.bind('state_change', (s) => log.push(`${s.previous}->${s.current}`));
  return log;
}

function errors(pusher) {
  const log = [];
  pusher.bind('pusher:error', (data) => log.push(data));
  return log;
}

test('an unknown app key is refused with 4001 and never connects', async () => {
  const p = track(
    new c.PusherJS('no-such-key', {
      cluster: 'local',
      wsHost: c.TARGET.host,
      wsPort: c.TARGET.port,
      forceTLS: false,
      enabledTransports: ['ws'],
      disableStats: true,
    }),
  );
  const codes = [];
  // During the handshake pusher-js wraps the pusher:error: {type, error: {type, data: {code}}}.
  p.connection.bind('error', (e) => codes.push(e?.data?.code ?? e?.error?.data?.code));
  const log = states(p);
  await c.waitFor(() => codes.length > 0, 5000, 'an error on the connection');
  await c.sleep(500);
  assert.equal(codes[0], 4001);
  assert.ok(!log.some((s) => s.endsWith('->connected')), `states: ${log.join(', ')}`);
  // 4000-4099 means "do not reconnect": pusher-js gives up instead of retrying.
  assert.equal(p.connection.state, 'disconnected');
});

test('an idle client pinging every 0.5 s stays connected (server answers pusher:ping)', async () => {
  // pusher-js pings after min(its activityTimeout, the server's) of silence and reconnects
  // when no pong comes within pongTimeout: any missing pong shows as a state change.
  const p = track(
    new c.PusherJS(c.TARGET.key, {
      cluster: 'local',
      wsHost: c.TARGET.host,
      wsPort: c.TARGET.port,
      forceTLS: false,
      enabledTransports: ['ws'],
      disableStats: true,
      activityTimeout: 500,
      pongTimeout: 1000,
    }),
  );
  const id = await c.connected(p);
  const log = states(p);
  await c.sleep(4000);
  assert.deepEqual(log, [], 'the connection changed state while idle');
  assert.equal(p.connection.socket_id, id);
});

test('an idle client is kept through server heartbeats (activity_timeout from the server)', async () => {
  const p = track(c.client());
  const id = await c.connected(p);
  const pub = `interop-hb-${c.rid()}`;
  const { channel } = await c.subscribed(p, pub);
  const seen = c.recorder(channel);
  const log = states(p);
  // With fixtures/configs/ci.json activity_timeout is 2 s: this spans several ping rounds.
  await c.sleep(Number(process.env.INTEROP_IDLE_MS || 7000));
  assert.deepEqual(log, []);
  assert.equal(p.connection.socket_id, id);
  const res = await c.sdk().trigger(pub, 'after-idle', { ok: 1 });
  assert.equal(res.status, 200);
  await c.waitFor(() => seen.length === 1, 3000, 'an event after the idle period');
  assert.deepEqual(seen, [{ event: 'after-idle', data: { ok: 1 } }]);
});

test('client events: refused on public channels and from non-subscribers, with pusher:error 4009', async () => {
  const ws = c.TARGET.member.workspace;
  const priv = c.streamChannel(ws, c.rid());
  const pub = `interop-pub-${c.rid()}`;
  const a = track(c.client({ token: c.TARGET.member.token }));
  const b = track(c.client({ token: c.TARGET.member.token }));
  const outsider = track(c.client({ token: c.TARGET.member.token }));
  await Promise.all([c.connected(a), c.connected(b), c.connected(outsider)]);
  const [ap, bp, apub, bpub] = await Promise.all([
    c.subscribed(a, priv),
    c.subscribed(b, priv),
    c.subscribed(a, pub),
    c.subscribed(b, pub),
  ]);
  const seenB = c.recorder(bp.channel);
  const seenA = c.recorder(ap.channel);
  const seenBpub = c.recorder(bpub.channel);
  const errA = errors(a);
  const errOut = errors(outsider);

  // Allowed: private channel, subscribed sender; relayed to b only, data as sent.
  assert.equal(ap.channel.trigger('client-note', { text: 'hi "b"', n: 1 }), true);
  a.send_event('client-string', 'raw string data', priv);
  await c.waitFor(() => seenB.length === 2, 3000, 'two relayed client events');
  assert.deepEqual(seenB, [
    { event: 'client-note', data: { text: 'hi "b"', n: 1 } },
    { event: 'client-string', data: 'raw string data' },
  ]);

  // Refused: public channel.
  a.send_event('client-public', { x: 1 }, pub);
  // Refused: a connection that never subscribed to the private channel.
  outsider.send_event('client-outsider', { x: 2 }, priv);
  await c.waitFor(() => errA.length >= 1 && errOut.length >= 1, 3000, 'pusher:error for both refusals');
  await c.sleep(300);
  assert.equal(errA[0].code, 4009);
  assert.equal(errOut[0].code, 4009);
  assert.deepEqual(seenBpub, [], 'client event relayed on a public channel');
  assert.equal(seenB.length, 2, 'client event from a non-subscriber relayed');
  assert.deepEqual(seenA, [], 'client event echoed to its sender');
  void apub;
});

test('stream channel: a signature with the right digest but another key part is refused', async () => {
  const ws = c.TARGET.member.workspace;
  const name = c.streamChannel(ws, c.rid());
  const p = track(
    c.client({
      authorizer: async (params, cb) => {
        const res = await fetch(c.TARGET.base + c.TARGET.authPath, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Bearer ${c.TARGET.member.token}` },
          body: `socket_id=${encodeURIComponent(params.socketId)}&channel_name=${encodeURIComponent(params.channelName)}`,
        });
        const body = await res.json();
        cb(null, { auth: body.auth.replace(/^[^:]*:/, 'other-key:') });
      },
    }),
  );
  await c.connected(p);
  const err = await c.subscribed(p, name).then(
    () => assert.fail('a signature naming another key was accepted'),
    (e) => e.detail,
  );
  assert.equal(err.type, 'AuthError');
  assert.equal(err.status, 401);
});
