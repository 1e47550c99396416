"""The Pusher side of the ci scripts' test clients (stdlib only): the signed HTTP API call, the
locally signed subscription and the bundled authorizer's, with the CI config's app
(fixtures/configs/ci.json)."""
import hashlib
import hmac
import json
import time
import urllib.error
import urllib.parse
import urllib.request

APP, KEY, SECRET = "app-id", "app-key", "app-secret"


def signed(method, path, body=b"", query=None):
    """path?query signed as the Pusher HTTP API asks (auth_* parameters, body_md5)."""
    q = dict(query or {})
    q.update({"auth_key": KEY, "auth_timestamp": str(int(time.time())), "auth_version": "1.0"})
    if body:
        q["body_md5"] = hashlib.md5(body).hexdigest()
    qs = "&".join("%s=%s" % (k, q[k]) for k in sorted(q))
    sig = hmac.new(SECRET.encode(), ("%s\n%s\n%s" % (method, path, qs)).encode(),
                   hashlib.sha256).hexdigest()
    return "%s?%s&auth_signature=%s" % (path, qs, sig)


def http(method, url, path, obj=None, query=None, headers=None, timeout=3, signed_req=True):
    """(status, body); status 0 when there was no answer (timeout, refused, reset)."""
    body = json.dumps(obj).encode() if obj is not None else b""
    h = {"Content-Type": "application/json"}
    h.update(headers or {})
    target = url + (signed(method, path, body, query) if signed_req else path)
    req = urllib.request.Request(target, data=body if method == "POST" else None, method=method,
                                 headers=h)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, json.loads(r.read() or b"{}")
    except urllib.error.HTTPError as e:
        try:
            return e.code, json.loads(e.read() or b"{}")
        except ValueError:
            return e.code, {}
    except (OSError, ValueError):
        return 0, {}


def subscribe_data(socket_id, channel, user=None):
    """The data of pusher:subscribe to channel, signed with the app secret as a server-side
    authorizer would for private and presence channels (user: the presence user_id)."""
    data = {"channel": channel}
    if channel.startswith(("private-", "presence-")):
        cd = json.dumps({"user_id": user, "user_info": {"n": user}}) if user else None
        text = "%s:%s" % (socket_id, channel) + (":" + cd if cd else "")
        data["auth"] = KEY + ":" + hmac.new(SECRET.encode(), text.encode(),
                                            hashlib.sha256).hexdigest()
        if cd:
            data["channel_data"] = cd
    return data


def authorize(url, bearer, socket_id, channel, timeout=10):
    """(status, body) of the bundled authorizer (POST url/broadcasting/auth) for socket_id and
    channel as the user of bearer; body {} when the answer is not 200."""
    form = urllib.parse.urlencode({"socket_id": socket_id, "channel_name": channel}).encode()
    req = urllib.request.Request(url + "/broadcasting/auth", data=form, method="POST",
                                 headers={"Authorization": "Bearer " + bearer,
                                          "Content-Type": "application/x-www-form-urlencoded"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, {}
