"""The webhook side of the ci scripts (stdlib only): a receiver that keeps every event and
checks every signature, and the config that points an app's webhooks at it (the short
timings the CI config uses elsewhere too; docs/protocol.md section 20)."""
import hashlib
import hmac
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
import json
import threading
import time

from rhapi import APP, KEY, SECRET


class Receiver:
    """The webhook receiver of the nodes: every event of every POST, and whether each POST's
    signature was right."""

    def __init__(self):
        self.events, self.bad, self.lock = [], 0, threading.Lock()
        rx = self

        class H(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                want = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
                with rx.lock:
                    if (self.headers.get("X-Pusher-Key") != KEY or
                            self.headers.get("X-Pusher-Signature") != want):
                        rx.bad += 1
                    rx.events += json.loads(body).get("events", [])
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.port = self.srv.server_address[1]
        threading.Thread(target=self.srv.serve_forever, daemon=True).start()

    def count(self, name, channel):
        with self.lock:
            return sum(1 for e in self.events
                       if e.get("name") == name and e.get("channel") == channel)

    def wait(self, name, channel, timeout=5):
        deadline = time.time() + timeout
        while time.time() < deadline and not self.count(name, channel):
            time.sleep(0.05)
        return self.count(name, channel)


def config(src, dst, port, app_id=APP, indent=None):
    """src's config with app_id sending every webhook to the receiver on port: a 1 s delayed
    vacate and a 100 ms batch window."""
    with open(src) as f:
        cfg = json.load(f)
    for app in cfg["apps"]:
        if app["id"] == app_id:
            app["webhooks"] = [{"url": "http://127.0.0.1:%d/webhooks" % port}]
            app["webhook_delay_ms"] = 1000
            app["webhook_batch_ms"] = 100
    with open(dst, "w") as f:
        json.dump(cfg, f, indent=indent)
