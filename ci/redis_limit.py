"""The presence member limit over several nodes (docs/protocol.md 15.4), a part of
ci/redis-fault: with max_presence_members 2, two users on node A and a third on node B, the
third is refused with LimitReached 4100 as on one node, and the refusal has no effect
anywhere: A's subscribers get no member_added, the webhook receiver no member_added, and the
channel's users and user_count over both nodes stay the two. A user already in joins on B
while the channel is full; once a place is free the third user joins on B. With the fault
switch presence-limit-local (each node checks its own members only) the check fails.

redis-fault passes its helpers in (ctx): Node, Client, http, check, wait_up,
has_fault_switches, APP; stdlib only."""
import json
import os
import tempfile
import time

LIMIT = 2


def limit_config(src, dst):
    """src's config with the app's max_presence_members set to LIMIT."""
    with open(src) as f:
        cfg = json.load(f)
    for app in cfg["apps"]:
        app["max_presence_members"] = LIMIT
    with open(dst, "w") as f:
        json.dump(cfg, f)


def refusal(c, channel):
    """c's subscription_error on channel (its data), or None."""
    with c.lock:
        for e in c.events:
            if e.get("event") == "pusher:subscription_error" and e.get("channel") == channel:
                d = e.get("data")
                return json.loads(d) if isinstance(d, str) else d
    return None


def added(c, channel, user):
    with c.lock:
        return any(e.get("event") == "pusher_internal:member_added" and
                   e.get("channel") == channel and
                   json.loads(e["data"]).get("user_id") == user for e in c.events)


def users_agree(ctx, nodes, channel, want):
    """Whether /channels/{c}/users and user_count answer want on every node (asked again for
    up to 1 s, as the suite does: a node learns of a change a moment later)."""
    app = ctx.APP
    deadline = time.time() + 1.0
    while True:
        got = []
        for n in nodes:
            _, u = ctx.http("GET", n.url, "/apps/%s/channels/%s/users" % (app, channel))
            _, i = ctx.http("GET", n.url, "/apps/%s/channels/%s" % (app, channel),
                            query={"info": "user_count"})
            got.append((sorted(x["id"] for x in u.get("users", [])), i.get("user_count")))
        if all(g == (sorted(want), len(want)) for g in got) or time.time() > deadline:
            return all(g == (sorted(want), len(want)) for g in got), got
        time.sleep(0.1)


def limit_across_nodes(ctx, A, B, rx, tag):
    """The check on nodes A and B; answers whether every part held (with the fault it must
    not). Reports failures through ctx.check only when tag is "ok"."""
    pch = "presence-limit-%d-%s" % (os.getpid(), tag)
    report = ctx.check if tag == "ok" else (lambda cond, what: None)
    c1, c2, c3 = ctx.Client(A.url), ctx.Client(A.url), ctx.Client(B.url)
    ok = c1.subscribe(pch, "u1") and c2.subscribe(pch, "u2")
    report(ok, "limit: two users on A")
    c3.subscribe(pch, "u3", timeout=0)
    c3.wait(lambda e: e.get("channel") == pch and e.get("event") in (
        "pusher:subscription_error", "pusher_internal:subscription_succeeded"))
    time.sleep(0.5)  # a member_added on A, a webhook would arrive by now
    err = refusal(c3, pch) or {}
    held = err.get("type") == "LimitReached" and err.get("status") == 4100 and \
        c3.count("pusher_internal:subscription_succeeded", pch) == 0
    report(held, "limit: a third user on B is refused with LimitReached 4100 (%s)" % err)
    seen = added(c1, pch, "u3") or added(c2, pch, "u3")
    report(not seen, "limit: A's subscribers get no member_added for the refused user")
    hooks = [e for e in rx.events if e.get("name") == "member_added" and
             e.get("channel") == pch and e.get("user_id") == "u3"]
    report(not hooks, "limit: no member_added webhook for the refused user (%d)" % len(hooks))
    agree, got = users_agree(ctx, (A, B), pch, ["u1", "u2"])
    report(agree, "limit: users and user_count on A and B are the two members (%s)" % got)
    held = held and not seen and not hooks and agree
    if tag != "ok":
        return held
    c4 = ctx.Client(B.url)
    report(c4.subscribe(pch, "u1"), "limit: a user already in joins on B while it is full")
    c2.unsubscribe(pch)
    report(c1.wait(lambda e: e.get("event") == "pusher_internal:member_removed"),
           "limit: u2 left")
    c5 = ctx.Client(B.url)
    report(c5.subscribe(pch, "u3") and c1.wait(
        lambda e: e.get("event") == "pusher_internal:member_added" and
        json.loads(e["data"]).get("user_id") == "u3"),
        "limit: once a place is free the third user joins on B, announced on A")
    return held


def run(ctx, server, config, url, log, rx):
    """Two nodes with the limit, then the teeth: with presence-limit-local the check fails."""
    fd, cfg = tempfile.mkstemp(suffix=".json", prefix="redis-limit.")
    os.close(fd)
    limit_config(config, cfg)
    try:
        _run(ctx, server, cfg, url, log, rx)
    finally:
        os.unlink(cfg)


def _run(ctx, server, cfg, url, log, rx):
    for fault in (None, "presence-limit-local"):
        if fault and not ctx.has_fault_switches(server):
            print("skip teeth: this build has no fault switches")
            return
        nodes = [ctx.Node(server, cfg, url, log, [fault] if fault else []) for _ in range(2)]
        try:
            ctx.check(ctx.wait_up(nodes, 200), "limit: nodes up (%s)" % (fault or "ok"))
            held = limit_across_nodes(ctx, nodes[0], nodes[1], rx, fault or "ok")
            if fault:
                ctx.check(not held, "teeth: with %s the third user on B is admitted" % fault)
        finally:
            for n in nodes:
                n.stop()
