"""The clients of ci/redis-fault and ci/redis_limit.py (stdlib only): Client, a WebSocket
session that signs its own subscriptions and keeps every event; Subscriber, a stream member
signed by a node's authorizer that reconnects and replays as docs/protocol.md 12.6.5 asks;
and the HTTP calls they share."""
import hashlib
import hmac
import json
import threading
import time
import urllib.parse

from chaoscluster import wait_for
from chaosclient import Conn
import rhapi
from rhapi import APP, KEY, SECRET, authorize, subscribe_data
from wsdemo import WS


def http(method, url, path, obj=None, **kw):
    """rhapi.http with 10 s to answer: nodes under a sanitizer on a busy machine are slow."""
    kw.setdefault("timeout", 10)
    return rhapi.http(method, url, path, obj, **kw)


def tokens(url, sid, text):
    return http("POST", url, "/apps/%s/streams/%s/tokens" % (APP, sid), {"token": text})


def up(url):
    return http("GET", url, "/up", signed_req=False)


def wait_up(nodes, want, timeout=20):
    return wait_for(lambda: all(up(n.url)[0] == want for n in nodes), timeout, 0.1)


def any_event(client, pred):
    """Whether any event client (a Client or a Subscriber) has kept satisfies pred."""
    with client.lock:
        return any(pred(e) for e in client.events)


class Subscriber:
    """A stream subscriber (a member signed by the authorizer of auth_url's node; default:
    url's) that behaves as docs/protocol.md 12.6.5 asks of a client: closed with 4200 (a bus
    gap, 15.11), it reconnects, subscribes again and replays after the highest seq it has
    (stream_id set by the test), dropping the seqs it already has."""

    def __init__(self, url, channel, bearer="alice-token", auth_url=None):
        self.url, self.channel, self.sid = url, channel, None
        self.bearer, self.auth_url = bearer, auth_url or url
        self.events = []
        self.reconnects = 0
        self.lock = threading.Lock()
        self.subscribed = threading.Event()
        self._connect()
        # a reader thread answers the server's pings while the test talks HTTP
        threading.Thread(target=self._reader, daemon=True).start()
        self.subscribed.wait(10)

    def _connect(self):
        u = urllib.parse.urlsplit(self.url)
        self.ws = WS(u.hostname, u.port, "/app/%s?protocol=7&client=fault&version=1" % KEY,
                     timeout=None)
        sock_id = json.loads(json.loads(self.ws.recv()[1])["data"])["socket_id"]
        _, auth = authorize(self.auth_url, self.bearer, sock_id, self.channel)
        self.ws.send_text(json.dumps({"event": "pusher:subscribe",
                                      "data": dict(auth, channel=self.channel)}))

    def _replay(self):
        have = set(self.seqs(self.sid)) if self.sid else set()
        st, body = http("GET", self.url, "/apps/%s/streams/%s/tokens" % (APP, self.sid),
                        query={"after_seq": str(max(have) if have else 0)}) if self.sid \
            else (0, {})
        for t in body.get("tokens", []) if st == 200 else []:
            if t["seq"] not in have:
                with self.lock:
                    self.events.append({"event": "thread.token.streamed", "replayed": True,
                                        "d": {"seq": t["seq"], "stream_id": self.sid}})
        if st == 200 and body.get("state") == "ended" and not self.ended():
            with self.lock:  # the end happened in the gap: the replay answer says so
                self.events.append({"event": "thread.stream.ended", "replayed": True,
                                    "d": {"stream_id": self.sid}})

    def ended(self):
        return any(e["event"] == "thread.stream.ended" and e["d"]["stream_id"] == self.sid
                   for e in self.events)

    def _reader(self):
        while True:
            try:
                op, data = self.ws.recv()
            except (ConnectionError, OSError) as ex:
                print("subscriber connection ended: %s" % ex)
                return
            if op == 8:
                print("subscriber closed by the server (%s)" % self.ws.close_code)
                if self.ws.close_code != 4200 or self.reconnects >= 5:
                    return
                self.reconnects += 1
                time.sleep(0.2)
                try:
                    self._connect()
                except OSError:
                    return
                continue
            if op != 1:
                continue
            e = json.loads(data)
            if e.get("event") == "pusher:ping":
                self.ws.send_text('{"event":"pusher:pong","data":{}}')
            if e.get("event") == "pusher_internal:subscription_succeeded":
                self.subscribed.set()
                if self.reconnects:
                    self._replay()  # subscribed first, then replay: no window (12.6.5)
            if e.get("event") in ("thread.token.streamed", "thread.stream.ended"):
                e["d"] = json.loads(e["data"])
                with self.lock:
                    if e["event"] == "thread.token.streamed" and e["d"]["stream_id"] == self.sid \
                            and e["d"]["seq"] in self.seqs(self.sid):
                        continue  # a seq it already has (live after replay)
                    if e["event"] == "thread.stream.ended" and e["d"]["stream_id"] == self.sid \
                            and self.ended():
                        continue  # the end it already has from the replay answer
                    self.events.append(e)

    def read_until(self, pred, timeout):
        return wait_for(lambda: any_event(self, pred), timeout, 0.02)

    def seqs(self, sid):
        """The seqs of sid in the order received (replayed ones where the replay put them)."""
        return [e["d"]["seq"] for e in self.events
                if e["event"] == "thread.token.streamed" and e["d"]["stream_id"] == sid]


class Client:
    """A WebSocket session (chaosclient.Conn) that signs its own subscriptions (the app secret
    is known here) and keeps every event it receives."""

    def __init__(self, url):
        self.events, self.lock = [], threading.Lock()
        self.conn = Conn(url, self._on_event, client="fault")
        self.ws, self.socket_id = self.conn.ws, self.conn.socket_id

    def _on_event(self, e):
        with self.lock:
            self.events.append(e)

    def subscribe(self, channel, user=None, timeout=5):
        data = subscribe_data(self.socket_id, channel, user)
        self.ws.send_text(json.dumps({"event": "pusher:subscribe", "data": data}))
        return self.wait(lambda e: e.get("event") == "pusher_internal:subscription_succeeded"
                         and e.get("channel") == channel, timeout)

    def signin(self, user_id):
        ud = json.dumps({"id": user_id})
        sig = hmac.new(SECRET.encode(), ("%s::user::%s" % (self.socket_id, ud)).encode(),
                       hashlib.sha256).hexdigest()
        self.ws.send_text(json.dumps({"event": "pusher:signin",
                                      "data": {"auth": KEY + ":" + sig, "user_data": ud}}))
        return self.wait(lambda e: e.get("event") == "pusher:signin_success")

    def unsubscribe(self, channel):
        self.ws.send_text(json.dumps({"event": "pusher:unsubscribe",
                                      "data": {"channel": channel}}))

    def wait(self, pred, timeout=5):
        return wait_for(lambda: any_event(self, pred), timeout, 0.02)

    def last_count(self, channel):
        """The subscription_count of the latest pusher_internal:subscription_count on channel."""
        with self.lock:
            got = [json.loads(e["data"])["subscription_count"] for e in self.events
                   if e.get("event") == "pusher_internal:subscription_count"
                   and e.get("channel") == channel]
        return got[-1] if got else None

    def count(self, event, channel):
        with self.lock:
            return sum(1 for e in self.events
                       if e.get("event") == event and e.get("channel") == channel)
