// pusher-js 8.6.0 and pusher_internal:subscription_count (docs/protocol.md 21): with the app's
// opt-in on (fixtures/configs/ci.json: "subscription_count": true) pusher-js emits
// pusher:subscription_count on the channel and keeps channel.subscriptionCount, following
// subscribes and unsubscribes of other clients; a presence channel gets none.
'use strict';

const { test, after } = require('node:test');
const assert = require('node:assert/strict');
const c = require('../lib/common');

const track = c.tracker(after);

// Every pusher:subscription_count pusher-js emits on channel, in order.
function counts(channel) {
  const seen = [];
  channel.bind('pusher:subscription_count', (data) => seen.push(data.subscription_count));
  return seen;
}

test('pusher-js reports subscription counts as others subscribe and leave', async () => {
  const name = `interop-count-${c.rid()}`;
  const p1 = track(c.client());
  await c.connected(p1);
  const ch1 = p1.subscribe(name);
  const seen1 = counts(ch1);
  await c.waitFor(() => ch1.subscriptionCount === 1, 5000, 'subscriptionCount 1 on the first client');

  const p2 = track(c.client());
  await c.connected(p2);
  const ch2 = p2.subscribe(name);
  const seen2 = counts(ch2);
  await c.waitFor(() => ch1.subscriptionCount === 2, 5000, 'subscriptionCount 2 on the first client');
  await c.waitFor(() => ch2.subscriptionCount === 2, 5000, 'subscriptionCount 2 on the second client');

  p2.unsubscribe(name);
  await c.waitFor(() => ch1.subscriptionCount === 1, 5000, 'subscriptionCount back to 1');
  assert.deepEqual(seen1.slice(-3), [1, 2, 1], `counts seen by the first client: ${seen1}`);
  assert.equal(seen2.at(-1), 2);
});

test('a presence channel gets no subscription count', async () => {
  // The bundled authorizer signs the presence twin of a stream channel for workspace members.
  const name = `presence-workspace.acme.thread.count-${c.rid()}`;
  const p1 = track(c.client({ token: 'alice-token' }));
  await c.connected(p1);
  const { channel } = await c.subscribed(p1, name);
  const seen = counts(channel);
  const p2 = track(c.client({ token: process.env.REHOME_THIRD_TOKEN || 'alice-token' }));
  await c.connected(p2);
  await c.subscribed(p2, name);
  await c.sleep(300);
  assert.deepEqual(seen, []);
  assert.equal(channel.subscriptionCount ?? null, null);
});
