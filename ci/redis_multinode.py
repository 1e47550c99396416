"""Several nodes exactly like one for the watchlist and the webhooks, a part of ci/redis-fault.

Watchlist (docs/protocol.md 18.5.5): a watcher signed in on node A is told "online" when the
watched user signs in on node B, a second watcher on A is told at its sign-in, and "offline"
when the user's only connection (on B) goes. Held vacate (20.6.1): a channel (and a presence
member) left on A and taken again on B within the webhook delay sends neither
channel_vacated nor a second channel_occupied (nor member_removed / member_added); leaving it
for good sends channel_vacated once. A dead node (15.10, 20.6.2): a third node C with a
signed-in user, a channel and a presence member of its own is killed (-9): the watcher on A
is told "offline", and the receiver gets channel_vacated for both channels and
member_removed once each, sent by the node that swept C.
The teeth: with watchlist-node-local the watcher on A is never told of the user on B; with
webhook-vacate-local the leave on A and the return on B both reach the receiver; with
webhook-sweep-silent the dead node's channels go without channel_vacated.

redis-fault passes its helpers in (ctx): Node, Client, check, wait_up, has_fault_switches,
KEY, SECRET; stdlib only. The config's webhook delay is 1 s (redis-fault webhook_config)."""
import hashlib
import hmac
import json
import os
import signal
import socket
import tempfile
import time

WATCH = "pusher_internal:watchlist_events"


def signin(ctx, c, user, watch=None):
    """Signs c in as user watching watch (a list, or None); whether signin_success came."""
    ud = {"id": user}
    if watch is not None:
        ud["watchlist"] = watch
    ud = json.dumps(ud)
    sig = hmac.new(ctx.SECRET.encode(), ("%s::user::%s" % (c.socket_id, ud)).encode(),
                   hashlib.sha256).hexdigest()
    c.ws.send_text(json.dumps({"event": "pusher:signin",
                               "data": {"auth": ctx.KEY + ":" + sig, "user_data": ud}}))
    return c.wait(lambda e: e.get("event") == "pusher:signin_success")


def told(c, name, user):
    """How many watchlist events name listing user c received."""
    n = 0
    with c.lock:
        for e in c.events:
            if e.get("event") != WATCH:
                continue
            d = e.get("data")
            d = json.loads(d) if isinstance(d, str) else d
            n += sum(1 for ev in (d or {}).get("events", [])
                     if ev.get("name") == name and user in ev.get("user_ids", []))
    return n


def wait_told(c, name, user, timeout):
    deadline = time.time() + timeout
    while time.time() < deadline and not told(c, name, user):
        time.sleep(0.05)
    return told(c, name, user) > 0


def watchlist(ctx, A, B, tag, report):
    """The watchlist check; whether every part held."""
    wid, uid = "w-%d-%s" % (os.getpid(), tag), "u-%d-%s" % (os.getpid(), tag)
    w, u = ctx.Client(A.url), ctx.Client(B.url)
    ok = signin(ctx, w, wid, [uid]) and signin(ctx, u, uid)
    report(ok, "watchlist: a watcher signed in on A, the watched user on B")
    on = ok and wait_told(w, "online", uid, 2.0)
    report(on, "watchlist: the watcher on A is told online for the user on B")
    w2 = ctx.Client(A.url)
    listed = signin(ctx, w2, wid + "-2", [uid]) and wait_told(w2, "online", uid, 1.0)
    report(listed, "watchlist: a second watcher on A is told online right after its sign-in")
    u.ws.sock.shutdown(socket.SHUT_RDWR)  # the user's only connection goes (a FIN at once,
    u.ws.sock.close()  # even while the reader thread still waits in recv)
    off = wait_told(w, "offline", uid, 2.0) and wait_told(w2, "offline", uid, 1.0)
    report(off, "watchlist: both watchers on A are told offline when the user on B goes")
    return on and listed and off


def vacate_held(ctx, A, B, rx, tag, report):
    """The held vacate check: leave on A, return on B within the delay; whether it held."""
    ch, pch = "vac-%d-%s" % (os.getpid(), tag), "presence-vac-%d-%s" % (os.getpid(), tag)
    x, y = ctx.Client(A.url), ctx.Client(B.url)
    ok = x.subscribe(ch) and x.subscribe(pch, "back")
    report(ok and rx.wait("channel_occupied", ch) and rx.wait("member_added", pch),
           "vacate: channels occupied on A")
    x.unsubscribe(ch)
    x.unsubscribe(pch)
    time.sleep(0.3)
    report(y.subscribe(ch) and y.subscribe(pch, "back"), "vacate: the same taken on B at once")
    time.sleep(2.5)  # the 1 s delay, the claim, the batch window, the tick
    counts = (rx.count("channel_vacated", ch), rx.count("channel_occupied", ch),
              rx.count("member_removed", pch), rx.count("member_added", pch))
    held = counts == (0, 1, 0, 1)
    report(held, "vacate: a return on B within the delay sends neither the vacate on A nor a "
           "second occupied (vacated, occupied, removed, added: %s)" % (counts,))
    if tag == "ok":
        y.unsubscribe(ch)
        y.unsubscribe(pch)
        rx.wait("channel_vacated", ch, 5)
        rx.wait("member_removed", pch, 5)
        time.sleep(0.5)
        report(rx.count("channel_vacated", ch) == 1 and rx.count("member_removed", pch) == 1,
               "vacate: leaving for good sends channel_vacated and member_removed once")
    return held


def node_death(ctx, A, C, rx, tag, report):
    """Kills C, which has a signed-in user, a channel and a presence member of its own; whether
    its share went with the watchlist offline and the webhooks, once each."""
    n = "%d-%s" % (os.getpid(), tag)
    uid, ch, pch = "doomed-" + n, "dead-" + n, "presence-dead-" + n
    w, u = ctx.Client(A.url), ctx.Client(C.url)
    ok = signin(ctx, w, "dw-" + n, [uid]) and signin(ctx, u, uid) and u.subscribe(ch) and \
        u.subscribe(pch, uid)
    ok = ok and wait_told(w, "online", uid, 2.0) and rx.wait("channel_occupied", ch)
    report(ok, "dead node: a user on C watched from A, with a channel and a member on C")
    C.proc.send_signal(signal.SIGKILL)
    C.proc.wait()
    t0 = time.time()
    off = wait_told(w, "offline", uid, 10.0)
    report(off, "dead node: the watcher on A is told offline (%.1f s)" % (time.time() - t0))
    gone = rx.wait("channel_vacated", ch, max(1.0, 12.0 - (time.time() - t0)))
    rx.wait("member_removed", pch, 2)
    rx.wait("channel_vacated", pch, 2)
    time.sleep(1.5)  # a second sweep or a second node would have sent by now
    counts = (rx.count("channel_vacated", ch), rx.count("member_removed", pch),
              rx.count("channel_vacated", pch))
    report(counts == (1, 1, 1), "dead node: channel_vacated and member_removed once each, "
           "within %.1f s (%s)" % (time.time() - t0, counts))
    return off and bool(gone) and counts == (1, 1, 1)


def own_deployment(src, tag):
    """A copy of config src whose nodes are a deployment of their own on the shared Redis
    (another redis_prefix), so that the other nodes of redis-fault neither see nor sweep
    them; its path."""
    with open(src) as f:
        cfg = json.load(f)
    cfg["redis_prefix"] = "rehome-mn-%d-%s:" % (os.getpid(), tag)
    fd, path = tempfile.mkstemp(suffix=".json", prefix="redis-multinode.")
    with os.fdopen(fd, "w") as f:
        json.dump(cfg, f)
    return path


def run(ctx, server, config, url, log, rx):
    """The checks on two nodes (three for the dead node), then their teeth; each run a
    deployment of its own."""
    configs = []
    try:
        _run(ctx, server, config, url, log, rx, configs)
    finally:
        for c in configs:
            os.unlink(c)


def _run(ctx, server, src, url, log, rx, configs):
    configs.append(own_deployment(src, "ok"))
    nodes = [ctx.Node(server, configs[-1], url, log) for _ in range(3)]
    try:
        ctx.check(ctx.wait_up(nodes, 200), "multinode: three nodes up")
        watchlist(ctx, nodes[0], nodes[1], "ok", ctx.check)
        vacate_held(ctx, nodes[0], nodes[1], rx, "ok", ctx.check)
        node_death(ctx, nodes[0], nodes[2], rx, "ok", ctx.check)
    finally:
        for n in nodes:
            n.stop()
    if not ctx.has_fault_switches(server):
        print("skip teeth: this build has no fault switches")
        return
    quiet = (lambda cond, what: None)
    teeth = (("watchlist-node-local", 2, lambda ns: watchlist(ctx, ns[0], ns[1], "wl", quiet)),
             ("webhook-vacate-local", 2,
              lambda ns: vacate_held(ctx, ns[0], ns[1], rx, "vl", quiet)),
             ("webhook-sweep-silent", 3,
              lambda ns: node_death(ctx, ns[0], ns[2], rx, "ss", quiet)))
    for fault, count, held in teeth:
        configs.append(own_deployment(src, fault))
        nodes = [ctx.Node(server, configs[-1], url, log, ["--fault", fault])
                 for _ in range(count)]
        try:
            ctx.check(ctx.wait_up(nodes, 200), "multinode: nodes up with %s" % fault)
            ctx.check(not held(nodes), "teeth: with %s the check fails" % fault)
        finally:
            for n in nodes:
                n.stop()
