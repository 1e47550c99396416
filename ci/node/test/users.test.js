// User authentication with the real clients: pusher-js 8 signs in (through the bundled
// /broadcasting/user-auth endpoint, and through a handler that answers with the `pusher`
// SDK's authenticateUser, as an application would) and receives the SDK's sendToUser
// events; terminateUserConnections closes exactly that user's connection; a watchlist in
// user_data brings pusher.user.watchlist online/offline events.
'use strict';

const { test, after } = require('node:test');
const assert = require('node:assert/strict');
const c = require('../lib/common');

const sdk = c.sdk();
const clients = [];
after(() => clients.forEach((p) => p.disconnect()));

function userClient(userAuthentication) {
  const p = c.client({ userAuthentication });
  clients.push(p);
  return p;
}

function bearer(token) {
  return {
    endpoint: c.TARGET.base + '/broadcasting/user-auth',
    transport: 'ajax',
    headers: { Authorization: `Bearer ${token}` },
  };
}

// Signs p in and resolves with its user_data once pusher:signin_success came.
async function signedIn(p) {
  await c.connected(p);
  p.signin();
  await c.waitFor(() => p.user.user_data !== null, 5000, 'pusher:signin_success');
  return p.user.user_data;
}

test('(u) pusher-js signs in through the bundled endpoint and gets sendToUser events', async () => {
  const alice = userClient(bearer(c.TARGET.member.token));
  const bob = userClient(bearer(c.TARGET.other.token));
  assert.equal((await signedIn(alice)).id, c.TARGET.member.user);
  assert.equal((await signedIn(bob)).id, c.TARGET.other.user);
  const seenA = [];
  const seenB = [];
  alice.user.bind('note', (d) => seenA.push(d));
  bob.user.bind('note', (d) => seenB.push(d));
  const res = await sdk.sendToUser(c.TARGET.member.user, 'note', { text: 'for alice' });
  assert.equal(res.status, 200);
  await c.waitFor(() => seenA.length === 1, 5000, 'the event to alice');
  await c.sleep(200);
  assert.deepEqual(seenA, [{ text: 'for alice' }]);
  assert.deepEqual(seenB, [], 'bob received alice\'s event');
});

test('(u) the SDK\'s authenticateUser signs in; terminateUserConnections closes only that user', async () => {
  const id = `u-${c.rid()}`;
  const handler = (params, cb) =>
    cb(null, sdk.authenticateUser(params.socketId, { id, user_info: { name: 'sdk user' } }));
  const mine = userClient({ customHandler: handler });
  const other = userClient(bearer(c.TARGET.other.token));
  assert.equal((await signedIn(mine)).id, id);
  await signedIn(other);
  const got = [];
  mine.user.bind('ping-user', (d) => got.push(d));
  await sdk.sendToUser(id, 'ping-user', { n: 1 });
  await c.waitFor(() => got.length === 1, 5000, 'sendToUser to the SDK-authenticated user');

  const res = await sdk.terminateUserConnections(id);
  assert.equal(res.status, 200);
  await c.waitFor(() => mine.connection.state !== 'connected', 5000, 'the user\'s connection closed');
  await c.sleep(200);
  assert.equal(other.connection.state, 'connected', 'another user\'s connection was closed');
});

test('(u) pusher.user.watchlist gets online and offline for a watched user', async () => {
  const me = `w-${c.rid()}`;
  const friend = `f-${c.rid()}`;
  const handlerFor = (user) => (params, cb) =>
    cb(null, sdk.authenticateUser(params.socketId, user));
  const watcher = userClient({ customHandler: handlerFor({ id: me, watchlist: [friend] }) });
  const events = [];
  watcher.user.watchlist.bind('online', (e) => events.push(e));
  watcher.user.watchlist.bind('offline', (e) => events.push(e));
  await signedIn(watcher);
  const watched = userClient({ customHandler: handlerFor({ id: friend }) });
  await signedIn(watched);
  await c.waitFor(() => events.some((e) => e.name === 'online'), 5000, 'the online event');
  assert.deepEqual(events, [{ name: 'online', user_ids: [friend] }]);
  watched.disconnect();
  await c.waitFor(() => events.some((e) => e.name === 'offline'), 5000, 'the offline event');
  assert.deepEqual(events[1], { name: 'offline', user_ids: [friend] });
});
