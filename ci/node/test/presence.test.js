// Presence on a thread channel with pusher-js: member lists, member_added/removed only on a
// user's first/last connection, user queries over the HTTP API, and client events carrying
// the sender's user_id.
'use strict';

const { test, after } = require('node:test');
const assert = require('node:assert/strict');
const c = require('../lib/common');

const clients = [];
after(() => clients.forEach((p) => p.disconnect()));
function newClient(token) {
  const p = c.client({ token });
  clients.push(p);
  return p;
}

function presenceName(workspace, thread) {
  return `presence-workspace.${workspace}.thread.${thread}`;
}

function memberList(channel) {
  const out = [];
  channel.members.each((m) => out.push({ id: m.id, info: m.info }));
  return out.sort((a, b) => (a.id < b.id ? -1 : 1));
}

function watch(channel) {
  const log = [];
  channel.bind('pusher:member_added', (m) => log.push(['added', m.id, m.info]));
  channel.bind('pusher:member_removed', (m) => log.push(['removed', m.id]));
  return log;
}

test('(d) presence: members, one entry per user, leave only on the last connection', async (t) => {
  const { user, workspace, token } = c.TARGET.member;
  const name = presenceName(workspace, c.rid());
  const pusher = c.sdk();

  const a1 = newClient(token);
  await c.connected(a1);
  const s1 = await c.subscribed(a1, name);
  assert.equal(s1.channel.members.count, 1);
  assert.equal(s1.channel.members.me.id, user);
  assert.deepEqual(s1.channel.members.me.info, { name: user });
  const log1 = watch(s1.channel);

  // A second tab of the same user: listed once, nobody told it joined.
  const a2 = newClient(token);
  await c.connected(a2);
  const s2 = await c.subscribed(a2, name);
  assert.equal(s2.channel.members.count, 1);
  assert.deepEqual(memberList(s2.channel), [{ id: user, info: { name: user } }]);
  const log2 = watch(s2.channel);
  await c.sleep(300);
  assert.deepEqual(log1, [], 'member_added for a user already present');

  const users = await pusher.get({ path: `/channels/${name}/users` });
  assert.equal(users.status, 200);
  assert.deepEqual(JSON.parse(await users.text()), { users: [{ id: user }] });
  const info = await pusher.get({ path: `/channels/${name}`, params: { info: 'user_count' } });
  assert.deepEqual(JSON.parse(await info.text()), { occupied: true, user_count: 1 });
  const list = await pusher.get({ path: '/channels', params: { filter_by_prefix: 'presence-', info: 'user_count' } });
  assert.deepEqual(JSON.parse(await list.text()).channels[name], { user_count: 1 });

  // Client events on presence carry the sender's user_id and never echo to the sender.
  const got2 = [];
  const got1 = [];
  s2.channel.bind('client-typing', (data, meta) => got2.push({ data, user_id: meta && meta.user_id }));
  s1.channel.bind('client-typing', (data) => got1.push(data));
  assert.equal(s1.channel.trigger('client-typing', { typing: true, text: 'é"' }), true);
  await c.waitFor(() => got2.length === 1, 3000, 'the client event on the other tab');
  await c.sleep(200);
  assert.deepEqual(got2, [{ data: { typing: true, text: 'é"' }, user_id: user }]);
  assert.deepEqual(got1, [], 'client event echoed to its sender');

  if (c.TARGET.third) {
    const third = c.TARGET.third;
    const a3 = newClient(third.token);
    await c.connected(a3);
    const s3 = await c.subscribed(a3, name);
    assert.equal(s3.channel.members.count, 2);
    assert.deepEqual(memberList(s3.channel), [
      { id: user, info: { name: user } },
      { id: third.user, info: { name: third.user } },
    ].sort((x, y) => (x.id < y.id ? -1 : 1)));
    await c.waitFor(() => log1.length === 1 && log2.length === 1, 3000, 'member_added on both tabs');
    assert.deepEqual(log1, [['added', third.user, { name: third.user }]]);
    assert.deepEqual(log2, [['added', third.user, { name: third.user }]]);
    assert.equal(s1.channel.members.count, 2);

    a3.unsubscribe(name);
    await c.waitFor(() => log1.length === 2 && log2.length === 2, 3000, 'member_removed on both tabs');
    assert.deepEqual(log1[1], ['removed', third.user]);
    assert.deepEqual(log2[1], ['removed', third.user]);
    assert.equal(s1.channel.members.count, 1);
  } else {
    t.diagnostic('REHOME_THIRD_TOKEN not set: member_added/removed between two users not checked');
  }

  // The second tab closes: alice is still there through the first, so nobody is told she left.
  const before = log1.length;
  a2.disconnect();
  await c.sleep(400);
  assert.equal(log1.length, before, `member_removed while another connection of ${user} remains`);
  const users2 = await pusher.get({ path: `/channels/${name}/users` });
  assert.deepEqual(JSON.parse(await users2.text()), { users: [{ id: user }] });

  // The last connection leaves: the channel is empty and unoccupied.
  a1.unsubscribe(name);
  await c.waitFor(
    async () => JSON.parse(await (await pusher.get({ path: `/channels/${name}` })).text()).occupied === false,
    3000,
    'the presence channel to become unoccupied',
  );
});

test('(d) presence: a non-member of the workspace is refused, his own workspace works', async () => {
  const other = c.TARGET.other;
  const bob = newClient(other.token);
  await c.connected(bob);
  const err = await c.subscribed(bob, presenceName(c.TARGET.member.workspace, c.rid())).then(
    () => assert.fail('non-member joined a presence channel'),
    (e) => e.detail,
  );
  assert.equal(err.status, 403);
  const own = await c.subscribed(bob, presenceName(other.workspace, c.rid()));
  assert.equal(own.channel.members.count, 1);
  assert.equal(own.channel.members.me.id, other.user);
});
