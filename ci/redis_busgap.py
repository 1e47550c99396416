"""The bus gap across two nodes (docs/protocol.md 15.11), a part of ci/redis-fault: node A's
bus subscription is cut (CLIENT KILL of its pub/sub connection) while events are published
through B; A's subscriber either got every event B acknowledged or was closed with 4200, never
silently left behind. With the fault switch bus-gap-ignored (the teeth) it is left behind.
stdlib only; check is redis-fault's."""
import os
import threading
import time

from chaoscluster import Node, has_fault_switches, redis_cmd
from faultclients import Client, http, wait_up
from rhapi import APP


def local_ports(pid, remote_port):
    """The local ports of pid's TCP connections to remote_port on 127.0.0.1 (from /proc)."""
    inodes = set()
    for fd in os.listdir("/proc/%d/fd" % pid):
        try:
            t = os.readlink("/proc/%d/fd/%s" % (pid, fd))
        except OSError:
            continue
        if t.startswith("socket:["):
            inodes.add(t[8:-1])
    ports = []
    with open("/proc/net/tcp") as f:
        for line in f.readlines()[1:]:
            p = line.split()
            if p[9] in inodes and int(p[2].split(":")[1], 16) == remote_port:
                ports.append(int(p[1].split(":")[1], 16))
    return ports


def cut_bus(node, redis_port):
    """CLIENT KILL of node's pub/sub connection only (its command connection stays)."""
    listing = redis_cmd(redis_port, "CLIENT", "LIST", "TYPE", "pubsub") or ""
    mine = set(local_ports(node.proc.pid, redis_port))
    for line in listing.splitlines():
        addr = next((f[5:] for f in line.split() if f.startswith("addr=")), "")
        if addr.rsplit(":", 1)[-1].isdigit() and int(addr.rsplit(":", 1)[-1]) in mine:
            redis_cmd(redis_port, "CLIENT", "KILL", "ADDR", addr)
            return True
    return False


def bus_gap(check, A, B, redis_port):
    """Events through B while A's bus subscription is cut. (cut, closed 4200, missing)."""
    ch = "gap-%d-%d" % (os.getpid(), int(time.time() * 1000) % 1000000)
    c = Client(A.url)
    check(c.subscribe(ch), "bus gap: subscriber on A")
    acked, stop = [], threading.Event()

    def publish():
        i = 0
        while not stop.is_set():
            st, _ = http("POST", B.url, "/apps/%s/events" % APP,
                         {"name": "n", "channel": ch, "data": str(i)})
            if st == 200:
                acked.append(i)
            i += 1
            time.sleep(0.003)

    t = threading.Thread(target=publish, daemon=True)
    t.start()
    time.sleep(0.3)
    cut = cut_bus(A, redis_port)
    time.sleep(1.0)  # A resubscribes within its backoff (100 ms) while B keeps publishing
    stop.set()
    t.join()
    time.sleep(0.5)
    with c.lock:
        got = {int(e["data"]) for e in c.events if e.get("event") == "n" and e.get("channel") == ch}
        closed = getattr(c.ws, "close_code", None) == 4200 or any(
            e.get("event") == "pusher:error" and e.get("data", {}).get("code") == 4200
            for e in c.events)
    missing = sorted(set(acked) - got)
    return cut, closed, missing


def bus_gap_teeth(check, a, url, port, log):
    """With bus-gap-ignored the subscriber must be seen left behind (the check has teeth)."""
    if not has_fault_switches(a.server):
        print("skip teeth: this build has no fault switches")
        return
    faulty = [Node(a.server, a.config, url, log, ["bus-gap-ignored"])
              for _ in range(2)]
    try:
        check(wait_up(faulty, 200), "faulty nodes up")
        cut, closed, missing = bus_gap(check, faulty[0], faulty[1], port)
        check(cut and not closed and missing,
              "teeth: with bus-gap-ignored A's subscriber is left behind (%d missed, closed %s)"
              % (len(missing), closed))
    finally:
        for n in faulty:
            n.stop()


def run(check, a, r, A, B):
    """The gap on A and B (r: redis-fault's Setup), then the teeth on two faulty nodes."""
    cut, closed, missing = bus_gap(check, A, B, r.port)
    check(cut, "bus gap: A's pub/sub connection found and killed")
    check(closed or not missing,
          "bus gap: A's subscriber got every acknowledged event or was closed with 4200 "
          "(%d missed, closed %s)" % (len(missing), closed))
    check(wait_up([A, B], 200), "both nodes up after the bus cut")
    bus_gap_teeth(check, a, r.url, r.port, r.log)
