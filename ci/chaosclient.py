"""The clients of ci/chaos: producers, subscribers and presence members, each writing what it
was answered and what it received to the history (stdlib only)."""
import json
import random
import signal
import threading
import time
import urllib.parse

from rhapi import APP, KEY, http, subscribe_data
from wsdemo import WS

WS_ID = "chaos"
PRESENCE = "presence-chaos"


def channel_of(thread):
    return "private-workspace.%s.thread.%s" % (WS_ID, thread)


class Conn:
    """One WebSocket session on one node; events go to on_event from the reader thread."""

    def __init__(self, url, on_event, client="chaos"):
        u = urllib.parse.urlsplit(url)
        self.ws = WS(u.hostname, u.port, "/app/%s?protocol=7&client=%s&version=1" % (KEY, client),
                     timeout=5)
        self.socket_id = json.loads(json.loads(self.ws.recv()[1])["data"])["socket_id"]
        self.ws.sock.settimeout(None)
        self.on_event, self.closed = on_event, threading.Event()
        threading.Thread(target=self._reader, daemon=True).start()

    def _reader(self):
        try:
            while True:
                op, data = self.ws.recv()
                if op == 8:
                    break
                if op != 1:
                    continue
                e = json.loads(data)
                if e.get("event") == "pusher:ping":
                    self.ws.send_text('{"event":"pusher:pong","data":{}}')
                self.on_event(e)
        except (ConnectionError, OSError, ValueError):
            pass
        self.closed.set()

    def subscribe(self, channel, user=None):
        data = subscribe_data(self.socket_id, channel, user)
        self.ws.send_text(json.dumps({"event": "pusher:subscribe", "data": data}))

    def close(self):
        try:
            self.ws.sock.close()
        except OSError:
            pass


class Subscriber:
    """Subscribed to every producer's channel; reconnects on another node when its session
    ends (and every `every` seconds when given), then replays what it missed (12.6.5)."""

    def __init__(self, world, name, node_index, every=None):
        self.world, self.name, self.node_index, self.every = world, name, node_index, every
        self.sess, self.high, self.lock = 0, {}, threading.Lock()
        self.conn = None
        self.connect()
        threading.Thread(target=self._watch, daemon=True).start()

    def connect(self):
        with self.lock:  # what it had before this session: replay after that (12.6.5)
            had = dict(self.high)
        nodes = self.world.cluster.nodes
        url = nodes[self.node_index % len(nodes)].url
        while True:
            try:
                sess = self.sess + 1
                conn = Conn(url, lambda e, s=sess: self._event(s, e))
                break
            except (OSError, ValueError, IndexError):
                time.sleep(0.2)
                url = random.choice(self.world.cluster.nodes).url
        self.sess, self.conn = sess, conn
        for t in self.world.threads:
            conn.subscribe(channel_of(t))
        time.sleep(0.3)  # subscribe first, then replay (12.6.5)
        self.replay_all(had)

    def _event(self, sess, e):
        ev = e.get("event")
        if ev not in ("thread.token.streamed", "thread.stream.ended"):
            return
        d = json.loads(e["data"])
        if ev == "thread.token.streamed":
            self.world.hist.add(k="dlv", sub=self.name, sess=sess, sid=d["stream_id"],
                                seq=d["seq"], text=d["token"], src="live")
            with self.lock:
                self.high[d["stream_id"]] = max(self.high.get(d["stream_id"], 0), d["seq"])
        else:
            self.world.hist.add(k="ended", sub=self.name, sess=sess, sid=d["stream_id"],
                                last_seq=d["last_seq"], reason=d.get("reason"))

    def _watch(self):
        while not self.world.done.is_set():
            lost = self.conn.closed.wait(self.every or 1)
            if self.world.done.is_set():
                return
            if lost or self.every:
                self.conn.close()
                self.node_index = random.randrange(len(self.world.cluster.nodes))
                self.connect()

    def replay_all(self, had):
        for sid in list(self.world.streams):
            self.replay(sid, had.get(sid, 0))

    def replay(self, sid, after):
        """Asks for the tokens after `after`, following `more`."""
        for _ in range(50):
            node = random.choice(self.world.cluster.nodes)
            st, b = http("GET", node.url, "/apps/%s/streams/%s/tokens" % (APP, sid),
                         query={"after_seq": str(after)})
            if st == 410 and "oldest_seq" in b:
                self.world.hist.add(k="gap", sub=self.name, sid=sid, **{"from": after + 1},
                                    oldest=b["oldest_seq"])
                after = b["oldest_seq"] - 1
                continue
            if st != 200:
                if st in (0, 503):
                    time.sleep(0.2)
                    continue
                return  # 400 after a failover's shorter stream, 404: nothing to fetch
            for t in b.get("tokens", []):
                self.world.hist.add(k="dlv", sub=self.name, sess=self.sess, sid=sid,
                                    seq=t["seq"], text=t["token"], src="replay")
                after = max(after, t["seq"])
            with self.lock:
                self.high[sid] = max(self.high.get(sid, 0), after)
            if not b.get("more"):
                return


class World:
    def __init__(self, cluster, hist, tag, salt):
        self.cluster, self.hist, self.tag = cluster, hist, tag
        self.rnd = random.Random(salt)
        self.streams, self.threads = [], []
        self.done = threading.Event()
        self.members, self.mlock = {}, threading.Lock()

    def node(self):
        return self.rnd.choice(self.cluster.nodes)

    def start_subscribers(self, producers):
        self.threads = ["t%s-%d" % (self.tag, i) for i in range(producers)]
        subs = [Subscriber(self, "sub%d" % i, i) for i in range(len(self.cluster.nodes))]
        subs.append(Subscriber(self, "roamer", 0, every=7))
        return subs

    def call(self, op, sid, path, obj, key, stop, deadline=20):
        """The same request, with the same Idempotency-Key, on random nodes until a final
        answer: (status, body, retries)."""
        end = time.time() + deadline
        retries = 0
        while True:
            n = self.node()
            st, b = http("POST", n.url, path, obj, headers={"Idempotency-Key": key})
            self.hist.add(k="resp", op=op, sid=sid, status=st, node=n.port, key=key)
            if st not in (0, 503) or time.time() > end:
                return st, b, retries
            retries += 1
            time.sleep(0.1 * min(retries, 5))

    def producer(self, i, stop):
        thread, j = self.threads[i], 0
        while not stop.is_set():
            j += 1
            sid = "%s-s%d" % (thread, j)
            ids = {"workspace_id": WS_ID, "thread_id": thread, "run_id": "r%d" % j,
                   "stream_id": sid}
            st, _, _ = self.call("start", sid, "/apps/%s/streams" % APP, ids, sid + "-start",
                                 stop)
            if st not in (200, 201):
                continue
            self.streams.append(sid)
            for m in range(self.rnd.randint(20, 80)):
                if stop.is_set():
                    break
                texts = ["%s.m%d.t%d" % (sid, m, x) for x in range(self.rnd.randint(1, 3))]
                key = "%s-m%d" % (sid, m)
                st, b, retries = self.call("tok", sid, "/apps/%s/streams/%s/tokens" % (APP, sid),
                                           {"tokens": texts}, key, stop)
                if st == 200:
                    self.hist.add(k="ack", sid=sid, key=key, texts=texts, first=b["first_seq"],
                                  last=b["last_seq"], retries=retries)
                time.sleep(self.rnd.uniform(0.02, 0.06))
            st, b, _ = self.call("end", sid, "/apps/%s/streams/%s/end" % (APP, sid),
                                 {"reason": "completed"}, sid + "-end", stop, deadline=40)
            if st == 200 and "last_seq" in b:
                self.hist.add(k="endack", sid=sid, last_seq=b["last_seq"],
                              reason=b.get("reason"))

    def presence(self, stop):
        """Members join and leave presence-chaos on random nodes; a member whose node dies
        leaves with it."""
        conns, n = {}, 0
        while not stop.wait(self.rnd.uniform(0.3, 1.0)):
            for u, c in list(conns.items()):
                if c.closed.is_set():
                    del conns[u]
            if conns and (len(conns) >= 6 or self.rnd.random() < 0.4):
                u = self.rnd.choice(sorted(conns))
                conns.pop(u).close()
                continue
            n += 1
            u = "u%d" % n
            try:
                c = Conn(self.node().url, lambda e: None)
                c.subscribe(PRESENCE, user=u)
                conns[u] = c
            except (OSError, ValueError):
                pass
        self.members = conns

    def settle(self, subs):
        """After the faults: every node up, every subscriber replays, presence compared."""
        cc_up = lambda: all(http("GET", n.url, "/up")[0] == 200 for n in self.cluster.nodes)  # noqa
        deadline = time.time() + 30
        while not cc_up() and time.time() < deadline:
            time.sleep(0.2)
        self.done.set()
        time.sleep(1.0)
        for s in subs:  # everything the store kept: fills the live gaps a bus cut leaves
            s.replay_all({})
        time.sleep(11)  # a dead node's share of the members expires after 10 s (15.4)
        want = sorted(u for u, c in self.members.items() if not c.closed.is_set())
        for node in self.cluster.nodes:
            st, b = http("GET", node.url, "/apps/%s/channels/%s/users" % (APP, PRESENCE))
            got = [x.get("id") for x in b.get("users", [])] if st == 200 else ["<%d>" % st]
            self.hist.add(k="presence", channel=PRESENCE, node=node.port, via="users",
                          members=got, want=want)
        for node in self.cluster.nodes:  # after /users: the observer would be listed there
            got = self._members_seen(node.url)
            self.hist.add(k="presence", channel=PRESENCE, node=node.port, via="subscribe",
                          members=got, want=sorted(want + ["observer"]))
        for c in self.members.values():
            c.close()

    def _members_seen(self, url):
        box, ev = [], threading.Event()

        def on(e):
            if e.get("event") == "pusher_internal:subscription_succeeded":
                box.append(json.loads(e["data"]).get("presence", {}).get("ids", []))
                ev.set()

        try:
            c = Conn(url, on)
            c.subscribe(PRESENCE, user="observer")
            ev.wait(5)
            c.close()
        except (OSError, ValueError):
            pass
        return box[0] if box else ["<no answer>"]


def probe_fence(cluster, hist, tag, idempotent=False):
    """Deterministic checks of the fencing (docs/protocol.md 22.2) before the chaos: with the
    replica stopped an append answers 503 and reaches nobody; once the replica is back, the
    next append publishes the held token first, in seq order."""
    got, lock = [], threading.Lock()

    def on(e):
        if e.get("event") == "thread.token.streamed":
            d = json.loads(e["data"])
            with lock:
                got.append((d["seq"], d["token"]))

    def seen():
        with lock:
            return list(got)

    def rec(what, ok, val):
        hist.add(k="probe", what=what, ok=bool(ok), seen=val)
        return ok

    th, sid = "probe-%s" % tag, "probe-%s-s" % tag
    nodes = cluster.nodes
    c = Conn(nodes[1 % len(nodes)].url, on)
    c.subscribe(channel_of(th))
    time.sleep(0.3)
    ids = {"workspace_id": WS_ID, "thread_id": th, "run_id": "r", "stream_id": sid}
    st, _ = http("POST", nodes[0].url, "/apps/%s/streams" % APP, ids)
    if not rec("start answered 201", st == 201, st):
        return
    path = "/apps/%s/streams/%s/tokens" % (APP, sid)
    st, b = http("POST", nodes[0].url, path, {"token": "p1"})
    rec("an append with the replica in sync answered 200 seq 1",
        st == 200 and b.get("first_seq") == 1, [st, b])
    prim = cluster.redis_by_port(cluster.primary_port())
    rep = next(r for r in cluster.redis if r is not prim)
    rep.signal(signal.SIGSTOP)
    try:
        st, b = http("POST", nodes[0].url, path, {"token": "p2"})
        rec("an append with the replica stopped answered 503", st == 503, [st, b])
        time.sleep(1.0)
        rec("a held token reached no subscriber", [t for t in seen() if t[0] > 1] == [],
            seen())
        st, b = http("GET", nodes[2 % len(nodes)].url, path, query={"after_seq": "0"})
        rec("replay does not show a held token",
            st == 200 and [t["seq"] for t in b.get("tokens", [])] == [1], [st, b])
    finally:
        rep.signal(signal.SIGCONT)
    cc_ok = lambda: cluster.replicated(rep)  # noqa: E731
    deadline = time.time() + 10
    while not cc_ok() and time.time() < deadline:
        time.sleep(0.05)
    st, b = http("POST", nodes[0].url, path, {"token": "p3"})
    rec("once the replica is back an append answered 200 seq 3",
        st == 200 and b.get("first_seq") == 3, [st, b])
    deadline = time.time() + 5
    while len(seen()) < 3 and time.time() < deadline:
        time.sleep(0.05)
    rec("the subscriber got seq 1, 2, 3 in order (the held token published first)",
        seen() == [(1, "p1"), (2, "p2"), (3, "p3")], seen())
    if idempotent:
        probe_idem_retry(cluster, rep, path, seen, rec)
    http("POST", nodes[0].url, "/apps/%s/streams/%s/end" % (APP, sid), {"reason": "completed"})
    c.close()


def probe_idem_retry(cluster, rep, path, seen, rec):
    """A keyed append held (503, the replica stopped), then retried on another node once the
    replica is back: the retry answers the first attempt's seq from the record, and since
    nothing else follows on the stream, the retry itself must publish the held token."""
    nodes, hdr = cluster.nodes, {"Idempotency-Key": "probe-retry"}
    rep.signal(signal.SIGSTOP)
    try:
        st, b = http("POST", nodes[0].url, path, {"token": "p4"}, headers=hdr)
        rec("a keyed append with the replica stopped answered 503", st == 503, [st, b])
    finally:
        rep.signal(signal.SIGCONT)
    deadline = time.time() + 10
    while not cluster.replicated(rep) and time.time() < deadline:
        time.sleep(0.05)
    st, b = http("POST", nodes[1 % len(nodes)].url, path, {"token": "p4"}, headers=hdr)
    rec("its retry answered 200 seq 4 (the first attempt's)",
        st == 200 and b.get("first_seq") == 4, [st, b])
    deadline = time.time() + 5
    while len(seen()) < 4 and time.time() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)
    rec("the retry published the held token once (seq 4) and appended nothing",
        seen()[3:] == [(4, "p4")], seen())
