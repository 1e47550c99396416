"""The processes of ci/chaos and ci/redis-fault: Redis (a primary, replicas, with or without
AOF), sentinels and reference nodes, all on 127.0.0.1 free ports, started and stopped here
(stdlib only)."""
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time

MASTER = "chaos"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def redis_cmd(port, *args, timeout=1.0):
    """One command in RESP over a fresh connection: the decoded reply, or None."""
    out = b"*%d\r\n" % len(args) + b"".join(
        b"$%d\r\n%s\r\n" % (len(a.encode()), a.encode()) for a in args)
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
            s.sendall(out)
            f = s.makefile("rb")
            return _read(f)
    except (OSError, ValueError):
        return None


def _read(f):
    line = f.readline()
    if not line:
        raise ValueError("closed")
    t, rest = line[:1], line[1:].rstrip(b"\r\n")
    if t in (b"+", b"-"):
        return rest.decode()
    if t == b":":
        return int(rest)
    if t == b"$":
        n = int(rest)
        if n < 0:
            return None
        data = f.read(n + 2)[:n]
        return data.decode(errors="replace")
    if t == b"*":
        n = int(rest)
        return None if n < 0 else [_read(f) for _ in range(n)]
    raise ValueError("bad reply")


def wait_for(pred, timeout, step=0.05):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if pred():
            return True
        time.sleep(step)
    return False


def has_fault_switches(server):
    """Whether server was built with -Dfaults=true (a build without them refuses --fault)."""
    r = subprocess.run([server, "--list-faults"], capture_output=True, text=True, timeout=10)
    return "no fault switches" not in r.stderr


class Proc:
    def __init__(self, args, log):
        self.args, self.log = args, log
        self.proc = subprocess.Popen(args, stdout=log, stderr=log)
        self.stopped = False

    def alive(self):
        return self.proc.poll() is None

    def signal(self, sig):
        if self.alive():
            self.proc.send_signal(sig)
        self.stopped = sig == signal.SIGSTOP

    def kill9(self):
        self.signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        if self.stopped:
            self.signal(signal.SIGCONT)
        if self.alive():
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class Redis(Proc):
    def __init__(self, port, workdir, log, replicaof=None, aof=False, fresh=True):
        """fresh: an empty data directory of its own (a full sync writes dump.rdb, and a Redis
        restarted in a shared directory would load the other's old copy); not fresh: the
        directory as a killed Redis left it, so aof (appendfsync always) brings its data back."""
        self.port = port
        data = os.path.join(workdir, "redis-%d" % port)
        if fresh:
            shutil.rmtree(data, ignore_errors=True)
        os.makedirs(data, exist_ok=True)
        args = ["redis-server", "--bind", "127.0.0.1", "--port", str(port), "--dir", data,
                "--save", "", "--appendonly", "yes" if aof else "no", "--logfile",
                os.path.join(workdir, "redis-%d.log" % port)]  # kept across restarts
        if aof:
            args += ["--appendfsync", "always"]
        if replicaof:
            args += ["--replicaof", "127.0.0.1", str(replicaof)]
        super().__init__(args, log)
        if not wait_for(lambda: redis_cmd(port, "PING") == "PONG", 10):
            raise RuntimeError("redis-server on %d did not start" % port)

    def role(self):
        r = redis_cmd(self.port, "ROLE")
        return r[0] if isinstance(r, list) and r else None


def sentinel_binary():
    for d in os.environ.get("PATH", "").split(os.pathsep):
        if os.access(os.path.join(d, "redis-sentinel"), os.X_OK):
            return ["redis-sentinel"]
    return ["redis-server"]  # the same program: "redis-server FILE --sentinel"


class Sentinel(Proc):
    def __init__(self, port, workdir, primary_port, log):
        self.port = port
        conf = os.path.join(workdir, "sentinel-%d.conf" % port)
        with open(conf, "w") as f:
            f.write("bind 127.0.0.1\nport %d\ndir %s\n" % (port, workdir))
            f.write("logfile %s\n" % os.path.join(workdir, "sentinel-%d.log" % port))
            f.write("sentinel monitor %s 127.0.0.1 %d 2\n" % (MASTER, primary_port))
            # 3 s: on a loaded 2-core machine 1 s flags a Redis busy forking as down, and a
            # sentinel that notices late refuses a replica down 10 times this long
            f.write("sentinel down-after-milliseconds %s 3000\n" % MASTER)
            f.write("sentinel failover-timeout %s 4000\n" % MASTER)
            f.write("sentinel parallel-syncs %s 1\n" % MASTER)
        super().__init__(sentinel_binary() + [conf, "--sentinel"], log)
        if not wait_for(lambda: redis_cmd(port, "PING") == "PONG", 10):
            raise RuntimeError("redis-sentinel on %d did not start" % port)

    def primary(self):
        r = redis_cmd(self.port, "SENTINEL", "get-master-addr-by-name", MASTER)
        return int(r[1]) if isinstance(r, list) and len(r) == 2 else None


class Node(Proc):
    def __init__(self, server, config, redis_url, log, faults=()):
        pf = tempfile.mktemp()
        args = [server, "--config", config, "--redis", redis_url, "--port", "0",
                "--port-file", pf]
        for f in faults:
            args += ["--fault", f]
        self.launch = (server, config, redis_url, log, tuple(faults))
        super().__init__(args, log)
        ok = wait_for(lambda: os.path.exists(pf) and open(pf).read().strip(), 10)
        if not ok or not self.alive():
            raise RuntimeError("rehome-server did not start")
        self.port = int(open(pf).read().strip())
        self.url = "http://127.0.0.1:%d" % self.port
        os.unlink(pf)

    def restart(self):
        """A new process on a new port (the load balancer would learn it)."""
        return Node(*self.launch)


class Cluster:
    """Primary, replica, three sentinels, n nodes. redis[i] may change role by failover."""

    def __init__(self, server, config, n, workdir, log, faults=()):
        self.workdir, self.log = workdir, log
        self.redis, self.sentinels, self.nodes = [], [], []
        self.no_failover = 0
        p1, p2 = free_port(), free_port()
        self.redis.append(Redis(p1, workdir, log))
        self.redis.append(Redis(p2, workdir, log, replicaof=p1))
        for _ in range(3):
            self.sentinels.append(Sentinel(free_port(), workdir, p1, log))
        if not wait_for(self.replicated, 15):
            raise RuntimeError("the replica did not sync")
        self.url = "redis+sentinel://%s/%s" % (
            ",".join("127.0.0.1:%d" % s.port for s in self.sentinels), MASTER)
        with open(config) as f:
            cfg = json.load(f)
        cfg.update({"ended_ttl": 600, "activity_timeout": 10, "pong_timeout": 10,
                    "log_level": "warn", "demo": False})
        self.config = os.path.join(workdir, "chaos.json")
        with open(self.config, "w") as f:
            json.dump(cfg, f)
        for _ in range(n):
            self.nodes.append(Node(server, self.config, self.url, log, faults))

    def replicated(self, r=None):
        info = redis_cmd((r or self.redis[1]).port, "INFO", "replication") or ""
        return "master_link_status:up" in info

    def primary_port(self):
        for s in self.sentinels:
            p = s.primary()
            if p:
                return p
        return None

    def redis_by_port(self, port):
        return next((r for r in self.redis if r.port == port), None)

    def restart_redis(self, r):
        """A killed Redis comes back as a replica of the current primary (empty, it syncs)."""
        i = self.redis.index(r)
        primary = self.primary_port()
        # no failover (the sentinels found no good replica): it comes back as the primary
        self.redis[i] = Redis(r.port, self.workdir, self.log,
                              replicaof=primary if primary != r.port else None)
        if primary == r.port:
            return self.redis[i]
        # Sentinel may promote a replica that has not synced yet (and lose the data): the
        # next fault waits for the sync, as an operator would before the next maintenance.
        wait_for(lambda: self.replicated(self.redis[i]), 20, 0.1)
        return self.redis[i]

    def stop(self):
        for p in self.nodes + self.sentinels + self.redis:
            p.stop()
