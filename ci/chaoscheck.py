"""The history checker of ci/chaos (pure: no I/O but reading the history file in main).

A history is a list of records (dicts, one JSON object per line in the file), kind "k":
  config   {"idempotent": bool, "presence_exact": bool}  what the server under test promises
  resp     {"op": "start"|"tok"|"end", "sid", "status", "node"}  every answer a producer got
           (status 0: no answer, a timeout or a refused connection)
  ack      {"sid", "key", "texts": [...], "first", "last", "retries"}  an acknowledged append
  endack   {"sid", "last_seq", "reason"}  an acknowledged end
  dlv      {"sub", "sess", "sid", "seq", "text", "src": "live"|"replay"}  a token delivered
  ended    {"sub", "sess", "sid", "last_seq", "reason"}  a thread.stream.ended received
  gap      {"sub", "sid", "from", "oldest"}  a replay that no longer had seqs from..oldest-1
  presence {"channel", "node", "via": "users"|"subscribe", "members": [...], "want": [...]}
  fault    {"what"}
  probe    {"what", "ok", "seen"}  a deterministic check of the fencing before the run
The checks (docs/protocol.md sections 10, 11, 15, 22): no acknowledged token lost (every
subscriber has it live or by replay), no seq assigned twice to different text, no subscriber
session saw a seq go backwards or repeat, every stream ended once with one last_seq that
covers its acknowledged tokens, presence converges, every 410/503 is allowed. A token text
delivered under two seqs is a duplicate by retry: counted, and a violation only when the
server promises idempotent appends.
"""
import json
import sys
from collections import defaultdict

ALLOWED = {
    # 503: store or replica unreachable (15.6, 22); 0: no answer (a node killed or stopped).
    "start": {0, 200, 201, 503},
    "tok": {0, 200, 503},
    "end": {0, 200, 503},
}


def check(history):
    """(counts, violations): counts a dict of figures, violations a list of strings."""
    cfg = {"idempotent": False, "presence_exact": False}
    by = defaultdict(list)
    for r in history:
        if r.get("k") == "config":
            cfg.update(r)
        else:
            by[r.get("k")].append(r)
    v = []
    counts = {"appends_acked": len(by["ack"]),
              "retried": sum(1 for a in by["ack"] if a.get("retries", 0) > 0),
              "faults": len(by["fault"]), "deliveries": len(by["dlv"]),
              "replay_gaps": len(by["gap"])}
    text_at = _seq_texts(by, v)
    counts["duplicates"] = _duplicates(text_at, cfg, v)
    _order(by["dlv"], v)
    _lost(by, v)
    _ends(by, text_at, v)
    _statuses(by["resp"], v)
    _presence(by["presence"], cfg, v)
    for p in by["probe"]:
        if not p["ok"]:
            v.append("fence probe: %s (seen: %s)" % (p["what"], p.get("seen")))
    counts["violations"] = len(v)
    return counts, v


def _seq_texts(by, v):
    """{(sid, seq): text} from acks and deliveries; two texts for one seq is a reuse."""
    text_at = {}

    def put(sid, seq, text, where):
        k = (sid, seq)
        if k in text_at and text_at[k] != text:
            v.append("seq reused: stream %s seq %d is %r and %r (%s)"
                     % (sid, seq, text_at[k], text, where))
        text_at.setdefault(k, text)

    for a in by["ack"]:
        if a["last"] - a["first"] + 1 != len(a["texts"]):
            v.append("ack of stream %s: seqs %d..%d for %d tokens"
                     % (a["sid"], a["first"], a["last"], len(a["texts"])))
        for i, t in enumerate(a["texts"]):
            put(a["sid"], a["first"] + i, t, "acknowledged")
    for d in by["dlv"]:
        put(d["sid"], d["seq"], d["text"], "delivered to %s" % d["sub"])
    return text_at


def _duplicates(text_at, cfg, v):
    seqs = defaultdict(set)
    for (sid, seq), text in text_at.items():
        seqs[(sid, text)].add(seq)
    dups = {k: s for k, s in seqs.items() if len(s) > 1}
    if cfg["idempotent"]:
        for (sid, text), s in sorted(dups.items()):
            v.append("duplicate append: stream %s text %r at seqs %s (idempotent appends)"
                     % (sid, text, sorted(s)))
    return len(dups)


def _order(dlv, v):
    last = {}
    for d in dlv:
        if d["src"] != "live":
            continue
        k = (d["sub"], d["sess"], d["sid"])
        if k in last and d["seq"] <= last[k]:
            v.append("order: %s session %s stream %s got seq %d after %d"
                     % (d["sub"], d["sess"], d["sid"], d["seq"], last[k]))
        last[k] = max(d["seq"], last.get(k, 0))


def _lost(by, v):
    have = defaultdict(set)
    subs = set()
    for d in by["dlv"]:
        have[(d["sub"], d["sid"])].add(d["seq"])
        subs.add(d["sub"])
    for e in by["ended"]:
        subs.add(e["sub"])
    gone = defaultdict(int)  # (sub, sid) -> replay no longer had seqs below this
    for g in by["gap"]:
        k = (g["sub"], g["sid"])
        gone[k] = max(gone[k], g["oldest"])
    for a in by["ack"]:
        for sub in sorted(subs):
            for seq in range(a["first"], a["last"] + 1):
                if seq not in have[(sub, a["sid"])] and seq >= gone[(sub, a["sid"])]:
                    v.append("lost: acknowledged stream %s seq %d never reached %s"
                             % (a["sid"], seq, sub))


def _ends(by, text_at, v):
    per_session = defaultdict(int)
    seen = defaultdict(set)
    for e in by["ended"]:
        per_session[(e["sub"], e["sess"], e["sid"])] += 1
        seen[e["sid"]].add((e["last_seq"], e["reason"]))
    for (sub, sess, sid), n in sorted(per_session.items()):
        if n > 1:
            v.append("ended %d times: stream %s, %s session %s" % (n, sid, sub, sess))
    acked_last = defaultdict(int)
    for a in by["ack"]:
        acked_last[a["sid"]] = max(acked_last[a["sid"]], a["last"])
    for e in by["endack"]:
        seen[e["sid"]].add((e["last_seq"], e["reason"]))
    live_end = {e["sid"] for e in by["ended"]}
    for e in by["endack"]:
        if e["sid"] not in live_end:
            v.append("stream %s: end acknowledged, no subscriber received it" % e["sid"])
    for sid, ends in sorted(seen.items()):
        if len(ends) > 1:
            v.append("stream %s ended with different records %s" % (sid, sorted(ends)))
        for last_seq, _ in ends:
            if last_seq < acked_last[sid]:
                v.append("stream %s ended at last_seq %d below acknowledged seq %d"
                         % (sid, last_seq, acked_last[sid]))
            holes = [s for s in range(1, last_seq + 1) if (sid, s) not in text_at]
            if last_seq and len(holes) == last_seq:
                v.append("stream %s ended at last_seq %d but no seq of it was seen"
                         % (sid, last_seq))


def _statuses(resp, v):
    for r in resp:
        if r["status"] not in ALLOWED.get(r["op"], set()):
            v.append("status %d to %s of stream %s on %s is not one the spec allows here"
                     % (r["status"], r["op"], r["sid"], r.get("node")))


def _presence(pres, cfg, v):
    for p in pres:
        if p["via"] == "subscribe" and not cfg["presence_exact"]:
            continue
        if sorted(p["members"]) != sorted(p["want"]):
            v.append("presence %s via %s on %s: %s, want %s"
                     % (p["channel"], p["via"], p["node"], sorted(p["members"]),
                        sorted(p["want"])))


def load(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def report(counts, violations, out=sys.stdout):
    print("chaos: " + ", ".join("%s %d" % (k, counts[k]) for k in counts), file=out)
    for x in violations[:50]:
        print("VIOLATION " + x, file=out)
    if len(violations) > 50:
        print("... and %d more" % (len(violations) - 50), file=out)


def main(argv):
    """chaoscheck.py HISTORY [--idempotent] [--presence-exact]: checks a kept history again."""
    hist = load(argv[1])
    for flag, key in (("--idempotent", "idempotent"), ("--presence-exact", "presence_exact")):
        if flag in argv:
            hist.append({"k": "config", key: True})
    counts, violations = check(hist)
    report(counts, violations)
    return 1 if violations else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
