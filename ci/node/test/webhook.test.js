// Webhooks (docs/protocol.md section 20) checked by the official server SDK: every webhook the
// server sends must pass `pusher.webhook(request).isValid()` of pusher 5.3.4 (X-Pusher-Key and
// X-Pusher-Signature over the raw body), and its events, read through the SDK, must name what
// a pusher-js client did. Runs when the runner configured the server to send webhooks to
// REHOME_WEBHOOK_PORT (ci/node/run-interop.sh); skipped otherwise.
'use strict';

const { test, after } = require('node:test');
const assert = require('node:assert/strict');
const http = require('node:http');
const c = require('../lib/common');

const PORT = Number(process.env.REHOME_WEBHOOK_PORT || 0);
const received = []; // {valid, events}
let server = null;

function listen() {
  server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (d) => chunks.push(d));
    req.on('end', () => {
      const webhook = c.sdk().webhook({ headers: req.headers, rawBody: Buffer.concat(chunks).toString('utf8') });
      const valid = webhook.isValid();
      received.push({ valid, events: valid ? webhook.getEvents() : [], time: valid ? webhook.getTime() : null });
      res.writeHead(200, { 'content-length': '0' });
      res.end();
    });
  });
  return new Promise((resolve) => server.listen(PORT, '127.0.0.1', resolve));
}

const clients = [];
after(() => {
  clients.forEach((p) => p.disconnect());
  if (server) server.close();
});

function events(name, channel) {
  return received.flatMap((r) => r.events).filter((e) => e.name === name && e.channel === channel);
}

test('webhooks validated by pusher.webhook(request) of the pusher SDK', { skip: !PORT && 'no REHOME_WEBHOOK_PORT' }, async () => {
  await listen();
  const { token, workspace, user } = c.TARGET.member;
  const thread = c.rid();
  const presence = `presence-workspace.${workspace}.thread.${thread}`;
  const priv = c.streamChannel(workspace, thread);
  const a = c.client({ token });
  const b = c.client({ token });
  clients.push(a, b);
  await c.connected(a);
  const socketB = await c.connected(b);
  const pa = await c.subscribed(a, presence);
  await c.subscribed(a, priv);
  const pb = await c.subscribed(b, priv);
  void pa;
  pb.channel.trigger('client-typing', { typing: true });
  await c.waitFor(() => events('client_event', priv).length, 5000, 'client_event webhook');
  await c.waitFor(() => events('member_added', presence).length, 5000, 'member_added webhook');
  a.unsubscribe(presence);
  await c.waitFor(() => events('member_removed', presence).length, 8000, 'member_removed webhook');
  await c.waitFor(() => events('channel_vacated', presence).length, 8000, 'channel_vacated webhook');

  assert.ok(received.length > 0);
  assert.deepEqual(received.filter((r) => !r.valid), [], 'every webhook passes isValid()');
  for (const r of received) assert.ok(r.time instanceof Date && !isNaN(r.time), 'time_ms is a time');
  assert.equal(events('channel_occupied', presence).length, 1);
  assert.equal(events('channel_occupied', priv).length, 1);
  assert.deepEqual(events('member_added', presence).map((e) => e.user_id), [user]);
  assert.deepEqual(events('member_removed', presence).map((e) => e.user_id), [user]);
  const ce = events('client_event', priv);
  assert.equal(ce.length, 1);
  assert.equal(ce[0].event, 'client-typing');
  assert.equal(ce[0].socket_id, socketB);
  assert.deepEqual(JSON.parse(ce[0].data), { typing: true });
});
