#!/usr/bin/env python3
"""A tiny Pusher-protocol subscriber for ci/demo and manual smoke tests.

Standard library only (this machine's python3 has no websocket package): a minimal
RFC 6455 client (handshake, masked text frames, fragmentation on request, ping/pong,
close) and the Pusher subscribe flow with the bundled authorizer (/broadcasting/auth).

  wsdemo.py subscribe URL KEY CHANNEL [--token T] [--until EVENT] [--timeout S]
      prints every event received on CHANNEL, one JSON line each, until EVENT arrives.
  wsdemo.py raw URL PATH
      reads lines from stdin: "text <payload>", "frag <n> <payload>" (send in n fragments),
      "binary <payload>", "big <n>" (a text message of n bytes), "ping", "recv", "sleep S";
      prints what the server sends.
"""
import base64
import json
import os
import socket
import struct
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rhapi import authorize  # noqa: E402


class WS:
    def __init__(self, host, port, path, timeout=10.0):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        req = (
            f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        )
        self.sock.sendall(req.encode())
        self.buf = b""
        while b"\r\n\r\n" not in self.buf:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise ConnectionError("closed during handshake")
            self.buf += chunk
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        status = head.split(b"\r\n", 1)[0]
        if b" 101 " not in status + b" ":
            raise ConnectionError(f"handshake refused: {status.decode(errors='replace')}")
        self.close_code = None

    def _send_frame(self, opcode, payload, fin=True):
        b0 = (0x80 if fin else 0) | opcode
        n = len(payload)
        if n < 126:
            head = struct.pack("!BB", b0, 0x80 | n)
        elif n < 65536:
            head = struct.pack("!BBH", b0, 0x80 | 126, n)
        else:
            head = struct.pack("!BBQ", b0, 0x80 | 127, n)
        mask = os.urandom(4)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(head + mask + masked)

    def send_text(self, text):
        self._send_frame(1, text.encode() if isinstance(text, str) else text)

    def send_fragmented(self, data, parts):
        step = max(1, (len(data) + parts - 1) // parts)
        chunks = [data[i:i + step] for i in range(0, len(data), step)] or [b""]
        for i, c in enumerate(chunks):
            self._send_frame(1 if i == 0 else 0, c, fin=(i == len(chunks) - 1))

    def _read(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("connection closed")
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def recv(self):
        """Next data message as (opcode, bytes); control frames are handled here."""
        while True:
            b0, b1 = self._read(2)
            n = b1 & 0x7F
            if n == 126:
                n = struct.unpack("!H", self._read(2))[0]
            elif n == 127:
                n = struct.unpack("!Q", self._read(8))[0]
            payload = self._read(n)
            op = b0 & 0x0F
            if op == 9:
                self._send_frame(10, payload)
                continue
            if op == 10:
                return (op, payload)
            if op == 8:
                self.close_code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else None
                try:
                    self._send_frame(8, payload[:2])
                except OSError:
                    pass
                return (op, payload)
            return (op, payload)


def split_url(url):
    u = urllib.parse.urlsplit(url)
    return u.hostname, u.port or 80


def subscribe(url, key, channel, token, until, timeout):
    host, port = split_url(url)
    ws = WS(host, port, f"/app/{key}?protocol=7&client=wsdemo&version=0.1", timeout=timeout)
    op, data = ws.recv()
    msg = json.loads(data)
    if msg.get("event") != "pusher:connection_established":
        print(f"unexpected first message: {data.decode()}", file=sys.stderr)
        return 1
    socket_id = json.loads(msg["data"])["socket_id"]
    print(f"# connected, socket_id {socket_id}", file=sys.stderr)
    sub = {"channel": channel}
    if channel.startswith(("private-", "presence-")):
        status, auth = authorize(url, token, socket_id, channel, timeout)
        if status != 200:
            print(f"# the authorizer answered {status}", file=sys.stderr)
            return 1
        sub.update(auth)
    ws.send_text(json.dumps({"event": "pusher:subscribe", "data": sub}))
    deadline = time.time() + timeout
    while time.time() < deadline:
        op, data = ws.recv()
        if op == 8:
            print(f"# closed by server, code {ws.close_code}", file=sys.stderr)
            return 1
        msg = json.loads(data)
        ev = msg.get("event")
        if ev == "pusher_internal:subscription_succeeded":
            print(f"# subscribed to {channel}", file=sys.stderr)
            sys.stderr.flush()
            continue
        if ev == "pusher:subscription_error":
            print(f"# subscription refused: {data.decode()}", file=sys.stderr)
            return 1
        print(data.decode())
        sys.stdout.flush()
        if until and ev == until:
            return 0
    print("# timed out", file=sys.stderr)
    return 1


def raw(url, path):
    host, port = split_url(url)
    ws = WS(host, port, path)
    for line in sys.stdin:
        cmd, _, arg = line.rstrip("\n").partition(" ")
        try:
            if cmd == "text":
                ws.send_text(arg)
            elif cmd == "frag":
                n, _, payload = arg.partition(" ")
                ws.send_fragmented(payload.encode(), int(n))
            elif cmd == "binary":
                ws._send_frame(2, arg.encode())
            elif cmd == "big":
                ws.send_text(b'{"event":"pusher:ping","data":"' + b"x" * int(arg) + b'"}')
            elif cmd == "ping":
                ws._send_frame(9, b"hi")
            elif cmd == "sleep":
                time.sleep(float(arg))
            elif cmd == "recv":
                op, data = ws.recv()
                if op == 8:
                    print(f"CLOSE {ws.close_code} {data[2:].decode(errors='replace')}")
                elif op == 10:
                    print("PONG")
                else:
                    print(data.decode(errors="replace"))
            sys.stdout.flush()
        except (ConnectionError, OSError) as e:
            print(f"ERROR {e}")
            return 1
    return 0


def main(argv):
    if len(argv) >= 5 and argv[1] == "subscribe":
        opts = {"--token": "alice-token", "--until": "", "--timeout": "30"}
        rest = argv[5:]
        for i in range(0, len(rest) - 1, 2):
            opts[rest[i]] = rest[i + 1]
        return subscribe(argv[2], argv[3], argv[4], opts["--token"], opts["--until"],
                         float(opts["--timeout"]))
    if len(argv) == 4 and argv[1] == "raw":
        return raw(argv[2], argv[3])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
