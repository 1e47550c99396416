#!/usr/bin/env python3
"""Unit tests of ci/chaoscheck.py: a clean hand-made history passes, and one history per kind
of violation is caught (the checker's teeth)."""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import chaoscheck  # noqa: E402


def clean():
    h = [{"k": "config", "idempotent": False}]
    h += [{"k": "resp", "op": "start", "sid": "s", "status": 201, "node": "A"}]
    h += [{"k": "ack", "sid": "s", "key": "k1", "texts": ["a", "b"], "first": 1, "last": 2,
           "retries": 0},
          {"k": "ack", "sid": "s", "key": "k2", "texts": ["c"], "first": 3, "last": 3,
           "retries": 1}]
    for sub in ("X", "Y"):
        h += [{"k": "dlv", "sub": sub, "sess": 1, "sid": "s", "seq": i, "text": t,
               "src": "live"} for i, t in ((1, "a"), (2, "b"))]
        h += [{"k": "dlv", "sub": sub, "sess": 2, "sid": "s", "seq": 3, "text": "c",
               "src": "replay"}]
        h += [{"k": "ended", "sub": sub, "sess": 2, "sid": "s", "last_seq": 3,
               "reason": "completed"}]
    h += [{"k": "endack", "sid": "s", "last_seq": 3, "reason": "completed"},
          {"k": "resp", "op": "tok", "sid": "s", "status": 503, "node": "B"},
          {"k": "presence", "channel": "presence-p", "node": "A", "via": "users",
           "members": ["u1"], "want": ["u1"]},
          {"k": "fault", "what": "kill -9 primary"}]
    return h


def bad(pred, repl):
    """clean() with the records matching pred replaced by repl(record) (a list)."""
    out = []
    for r in clean():
        out += repl(dict(r)) if pred(r) else [r]
    return out


class T(unittest.TestCase):
    def violations(self, h):
        return chaoscheck.check(h)[1]

    def assertCaught(self, h, word):
        v = self.violations(h)
        self.assertTrue(any(word in x for x in v), "%r not in %s" % (word, v))

    def test_clean(self):
        counts, v = chaoscheck.check(clean())
        self.assertEqual(v, [])
        self.assertEqual(counts["appends_acked"], 2)
        self.assertEqual(counts["retried"], 1)
        self.assertEqual(counts["faults"], 1)

    def test_seq_reused(self):
        h = clean() + [{"k": "dlv", "sub": "Y", "sess": 3, "sid": "s", "seq": 2, "text": "z",
                        "src": "live"}]
        self.assertCaught(h, "seq reused")

    def test_lost(self):
        h = [r for r in clean() if not (r["k"] == "dlv" and r["sub"] == "Y" and r["seq"] == 3)]
        self.assertCaught(h, "lost")

    def test_gap_excuses_loss(self):
        h = [r for r in clean() if not (r["k"] == "dlv" and r["sub"] == "Y" and r["seq"] == 1)]
        h.append({"k": "gap", "sub": "Y", "sid": "s", "from": 1, "oldest": 2})
        self.assertEqual(self.violations(h), [])

    def test_backwards(self):
        h = bad(lambda r: r["k"] == "dlv" and r["sub"] == "X" and r["seq"] == 2,
                lambda r: [r, dict(r, seq=1, text="a")])
        self.assertCaught(h, "order")

    def test_repeat(self):
        h = bad(lambda r: r["k"] == "dlv" and r["sub"] == "X" and r["seq"] == 2,
                lambda r: [r, r])
        self.assertCaught(h, "order")

    def test_duplicate_only_when_idempotent(self):
        h = clean() + [{"k": "dlv", "sub": "X", "sess": 2, "sid": "s", "seq": 4, "text": "c",
                        "src": "live"}]
        counts, v = chaoscheck.check(h)
        self.assertEqual(counts["duplicates"], 1)
        self.assertFalse(any("duplicate" in x for x in v))
        self.assertCaught(h + [{"k": "config", "idempotent": True}], "duplicate append")

    def test_ended_twice(self):
        h = bad(lambda r: r["k"] == "ended" and r["sub"] == "X", lambda r: [r, r])
        self.assertCaught(h, "ended 2 times")

    def test_end_records_differ(self):
        h = bad(lambda r: r["k"] == "ended" and r["sub"] == "X",
                lambda r: [dict(r, last_seq=4)])
        self.assertCaught(h, "different records")

    def test_end_below_acked(self):
        h = bad(lambda r: r["k"] in ("ended", "endack"), lambda r: [dict(r, last_seq=2)])
        self.assertCaught(h, "below acknowledged")

    def test_end_never_delivered(self):
        h = [r for r in clean() if r["k"] != "ended"]
        self.assertCaught(h, "no subscriber received it")

    def test_bad_status(self):
        for op, st in (("tok", 410), ("tok", 404), ("start", 409), ("end", 500)):
            h = clean() + [{"k": "resp", "op": op, "sid": "s", "status": st, "node": "A"}]
            self.assertCaught(h, "status %d" % st)

    def test_presence(self):
        h = bad(lambda r: r["k"] == "presence", lambda r: [dict(r, members=["u1", "u2"])])
        self.assertCaught(h, "presence")
        sub = clean() + [{"k": "presence", "channel": "presence-p", "node": "B",
                          "via": "subscribe", "members": [], "want": ["u1"]}]
        self.assertEqual(self.violations(sub), [])
        self.assertCaught(sub + [{"k": "config", "presence_exact": True}], "presence")

    def test_probe(self):
        h = clean() + [{"k": "probe", "what": "an append answered 200", "ok": True}]
        self.assertEqual(self.violations(h), [])
        h.append({"k": "probe", "what": "an append without replica answered 503", "ok": False,
                  "seen": 200})
        self.assertCaught(h, "fence probe")

    def test_ack_shape(self):
        h = bad(lambda r: r["k"] == "ack" and r["key"] == "k2", lambda r: [dict(r, last=4)])
        self.assertCaught(h, "seqs 3..4 for 1 tokens")


if __name__ == "__main__":
    unittest.main()
