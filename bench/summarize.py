#!/usr/bin/env python3
"""Summarise rehome-bench result files written by bench/compare: medians over repetitions,
ratios against soketi, a Markdown table, a JSON summary and a latency CDF in SVG. Scenario
"unpinned" is the latency scenario run with no CPU pinning (the others are pinned unless
bench/compare was given --unpinned; the header says which); "spin" is the latency scenario
with rehome-bench --spin (the tool polls instead of sleeping, so no figure holds its wake-up).

Usage: bench/summarize.py DIR    (reads DIR/NAME-MODE-SCENARIO-rREP.json)
"""
import glob
import json
import math
import os
import re
import statistics
import sys

# (scenario, label, path in the result, better: "low" or "high")
METRICS = [
    ("latency", "end-to-end p50 (us)", "figures.latency.p50_us", "low"),
    ("latency", "end-to-end p99 (us)", "figures.latency.p99_us", "low"),
    ("latency", "end-to-end p99.9 (us)", "figures.latency.p999_us", "low"),
    ("latency", "server-added p50 (us)", "figures.above_relay.p50_us", "low"),
    ("latency", "server-added p99 (us)", "figures.above_relay.p99_us", "low"),
    ("latency", "relay floor p50 (us)", "relay_floor.p50_us", None),
    ("latency", "relay floor p99 (us)", "relay_floor.p99_us", None),
    ("latency", "above ping-pong floor p50 (us, old)", "figures.above_floor.p50_us", "low"),
    ("latency", "loopback floor RTT p50 (us, old)", "floor.p50_us", None),
    ("spin", "end-to-end p50 (us)", "figures.latency.p50_us", "low"),
    ("spin", "end-to-end p99 (us)", "figures.latency.p99_us", "low"),
    ("spin", "end-to-end p99.9 (us)", "figures.latency.p999_us", "low"),
    ("spin", "server-added p50 (us)", "figures.above_relay.p50_us", "low"),
    ("spin", "relay floor p50 (us)", "relay_floor.p50_us", None),
    ("unpinned", "end-to-end p50 (us)", "figures.latency.p50_us", "low"),
    ("unpinned", "end-to-end p99 (us)", "figures.latency.p99_us", "low"),
    ("unpinned", "end-to-end p99.9 (us)", "figures.latency.p999_us", "low"),
    ("unpinned", "server-added p50 (us)", "figures.above_relay.p50_us", "low"),
    ("unpinned", "relay floor p50 (us)", "relay_floor.p50_us", None),
    ("fanout", "deliveries per second", "figures.deliveries_per_s", "high"),
    ("fanout", "server CPU us per delivery", "figures.server.cpu_us_per_delivery", "low"),
    ("fanout", "delivery p50 (us)", "figures.latency.p50_us", "low"),
    ("fanout", "delivery p99 (us)", "figures.latency.p99_us", "low"),
    # Who limits the rate: the publisher waits for each answer, so a server that is not busy
    # all the time waits on the tool; near 100 % of the tool's core, the figure is the tool's.
    ("fanout", "server CPU (% of a core)", "figures.server.cpu_pct", None),
    ("fanout", "tool CPU (% of a core, the client's limit)", "figures.bench_cpu_pct", None),
    ("streams", "delivery p50 (us)", "figures.latency.p50_us", "low"),
    ("streams", "delivery p99 (us)", "figures.latency.p99_us", "low"),
    ("streams", "delivery p99.9 (us)", "figures.latency.p999_us", "low"),
    # How late the tool sent tokens against its open-loop schedule: milliseconds of its own
    # 1 ms timer and loop (every server alike) until a server cannot keep up, then seconds.
    # A check that the server kept up, not a speed ranking: no ratio.
    ("streams", "send lag p99 (us, the tool's schedule)", "figures.send_lag.p99_us", None),
    ("streams", "server RSS above idle (kB)", "figures.server.rss_above_idle_kb", "low"),
    ("streams", "server RSS peak above connected (kB)", "peak-minus-loaded", "low"),
    ("streams", "server CPU (% of a core)", "figures.server.cpu_pct", "low"),
    ("connections", "server bytes per idle connection", "figures.server.bytes_per_connection", "low"),
    ("connections", "server RSS idle, fresh (kB)", "figures.server.rss_idle_kb", "low"),
    ("cpu", "server CPU us per delivery", "figures.server.cpu_us_per_delivery", "low"),
    ("cpu", "server CPU us per token published (x10 subs)", "figures.server.cpu_us_per_publish", "low"),
    ("cpu", "deliveries per second", "figures.deliveries_per_s", "high"),
]

NAME_RE = re.compile(r"^(?P<server>.+)-(?P<mode>http|control)-(?P<scen>[a-z]+)-r(?P<rep>\d+)\.json$")


def get(doc, path):
    if path == "peak-minus-loaded":
        # Memory the streams themselves took: peak while publishing minus the RSS once every
        # subscriber was connected and subscribed, before the first token.
        a = get(doc, "figures.server.rss_peak_kb")
        b = get(doc, "figures.server.rss_loaded_kb")
        return a - b if a is not None and b is not None else None
    cur = doc
    for part in path.split("."):
        if not isinstance(cur, dict) or part not in cur:
            return None
        cur = cur[part]
    return cur if isinstance(cur, (int, float)) else None


def load(d):
    runs = {}
    for f in sorted(glob.glob(os.path.join(d, "*.json"))):
        m = NAME_RE.match(os.path.basename(f))
        if not m:
            continue
        with open(f) as fh:
            doc = json.load(fh)
        key = (m["server"], m["mode"], m["scen"])
        runs.setdefault(key, []).append(doc)
    return runs


def columns(runs):
    cols = sorted({(s, m) for (s, m, _) in runs}, key=lambda c: (c[1] != "http", c[0] != "rehome", c))
    return cols


def fmt(v):
    if v is None:
        return "-"
    if abs(v) >= 1000:
        return f"{v:,.0f}"
    return f"{v:.1f}"


def summarise(runs):
    cols = columns(runs)
    rows = []
    for scen, label, path, better in METRICS:
        vals = {}
        spread = {}
        for c in cols:
            docs = runs.get((c[0], c[1], scen), [])
            xs = [x for x in (get(d, path) for d in docs) if x is not None]
            vals[c] = statistics.median(xs) if xs else None
            spread[f"{c[0]} ({c[1]})"] = [min(xs), max(xs)] if xs else None
        b = vals.get(("soketi", "http"))
        ratios = {}
        for name in [c[0] for c in cols if c[1] == "http" and c[0].startswith("rehome")]:
            a = vals.get((name, "http"))
            if better and a is not None and b is not None and a > 0 and b > 0:
                ratios[name] = b / a if better == "low" else a / b
        rows.append({"scenario": scen, "metric": label, "better": better,
                     "values": {f"{s} ({m})": v for (s, m), v in vals.items()},
                     "min_max": spread,
                     "rehome_advantage": ratios.get("rehome"),
                     "advantage_of": ratios})
    return cols, rows


def markdown(cols, rows, runs):
    # one ratio column per variant of the reference server on the HTTP API (busy-poll runs)
    variants = ["rehome"] + [s for s, m in cols if m == "http" and s.startswith("rehome-bp")]
    head = ["scenario", "metric"] + [f"{s} ({m})" for s, m in cols] + [f"soketi / {v}" for v in variants]
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        if all(v is None for v in r["values"].values()):
            continue
        cells = [r["scenario"], r["metric"]] + [fmt(r["values"][f"{s} ({m})"]) for s, m in cols]
        for v in variants:
            ratio = r["advantage_of"].get(v)
            # A ratio against a figure near zero says nothing more than "far lower".
            cells.append("" if ratio is None else (">100x" if ratio > 100 else f"{ratio:.2f}x"))
        out.append("| " + " | ".join(cells) + " |")
    out.append("")
    out.append("Spread over the repetitions (min to max), same order of columns:")
    out.append("")
    for r in rows:
        sp = [r["min_max"][f"{s} ({m})"] for s, m in cols]
        if all(x is None for x in sp):
            continue
        cells = ["-" if x is None else f"{fmt(x[0])} to {fmt(x[1])}" for x in sp]
        out.append(f"- {r['scenario']}, {r['metric']}: " + "; ".join(cells))
    bad = [f"{k[0]} {k[1]} {k[2]}: {d.get('figures', {}).get('first_error')}"
           for k, docs in runs.items() for d in docs if not d.get("ok")]
    out.append("")
    out.append("Ratio column: how many times better the reference server is than soketi, both "
               "publishing through the HTTP API (lower-is-better metrics: soketi / rehome; "
               "deliveries per second: rehome / soketi). Medians of "
               f"{max(len(v) for v in runs.values())} repetitions.")
    if bad:
        out.append("")
        out.append("Runs with errors: " + "; ".join(bad))
    return "\n".join(out)


def nines(q):
    return -math.log10(max(1e-6, 1.0 - q))


def cdf_svg(runs, scen, path):
    series = []
    for (server, mode, s), docs in sorted(runs.items()):
        if s != scen:
            continue
        docs = [d for d in docs if get(d, "figures.latency.p50_us") is not None]
        if not docs:
            continue
        docs.sort(key=lambda d: get(d, "figures.latency.p50_us"))
        doc = docs[len(docs) // 2]  # the repetition with the median p50
        pts = [(us, q) for us, q in doc["figures"]["latency"]["cdf"] if q < 1.0 and us > 0]
        series.append((f"{server} ({mode})", pts))
        rl = doc.get("relay_floor")
        if rl and server == "rehome" and mode == "http":
            series.append(("relay floor", [(u, q) for u, q in rl["cdf"] if q < 1.0 and u > 0]))
    if not series:
        return False
    W, H, L, R, T, B = 720, 420, 70, 180, 30, 50
    xs = [u for _, p in series for u, _ in p]
    x0 = math.floor(math.log10(min(xs)))
    x1 = math.ceil(math.log10(max(xs)))
    y1 = 4.0

    def X(u):
        return L + (math.log10(u) - x0) / max(1, x1 - x0) * (W - L - R)

    def Y(q):
        return H - B - min(nines(q), y1) / y1 * (H - T - B)

    colors = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#7f7f7f"]
    o = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" font-family="sans-serif" font-size="12">',
         f'<rect width="{W}" height="{H}" fill="white"/>',
         f'<text x="{L}" y="18" font-size="14">{scen}: latency CDF (publish to receipt), log scale</text>']
    for e in range(x0, x1 + 1):
        x = L + (e - x0) / max(1, x1 - x0) * (W - L - R)
        o.append(f'<line x1="{x:.1f}" y1="{T}" x2="{x:.1f}" y2="{H - B}" stroke="#ddd"/>')
        o.append(f'<text x="{x:.1f}" y="{H - B + 16}" text-anchor="middle">{10 ** e:g} us</text>')
    for q, lab in [(0.0, "0"), (0.5, "p50"), (0.9, "p90"), (0.99, "p99"), (0.999, "p99.9"), (0.9999, "p99.99")]:
        y = Y(q)
        o.append(f'<line x1="{L}" y1="{y:.1f}" x2="{W - R}" y2="{y:.1f}" stroke="#ddd"/>')
        o.append(f'<text x="{L - 6}" y="{y + 4:.1f}" text-anchor="end">{lab}</text>')
    for i, (label, pts) in enumerate(series):
        c = colors[i % len(colors)]
        dash = ' stroke-dasharray="4 3"' if "floor" in label else ""
        d = " ".join(f"{X(u):.1f},{Y(q):.1f}" for u, q in pts)
        o.append(f'<polyline fill="none" stroke="{c}" stroke-width="2"{dash} points="{d}"/>')
        ly = T + 14 + i * 18
        o.append(f'<line x1="{W - R + 10}" y1="{ly - 4}" x2="{W - R + 30}" y2="{ly - 4}" stroke="{c}" stroke-width="2"{dash}/>')
        o.append(f'<text x="{W - R + 34}" y="{ly}">{label}</text>')
    o.append("</svg>")
    with open(path, "w") as fh:
        fh.write("\n".join(o) + "\n")
    return True


def placements(runs):
    """Each placement note with the scenarios run in it (pinned and unpinned in one run)."""
    by_note = {}
    for (_, _, scen), docs in sorted(runs.items()):
        # "(on CPU n at the end)" differs run by run when unpinned: not part of the placement
        note = re.sub(r" \(on [^)]*\)", "", docs[0].get("placement", {}).get("note") or "")
        scens = by_note.setdefault(note, [])
        if scen not in scens:
            scens.append(scen)
    if len(by_note) == 1:
        return next(iter(by_note))
    return "; ".join(f"{' '.join(sc)}: {note}" for note, sc in by_note.items())


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    d = sys.argv[1]
    runs = load(d)
    if not runs:
        print(f"summarize: no result files in {d}", file=sys.stderr)
        return 2
    cols, rows = summarise(runs)
    md = markdown(cols, rows, runs)
    any_doc = next(iter(runs.values()))[0]
    m = any_doc.get("machine", {})
    header = (f"rehome-bench {any_doc.get('version')} on {m.get('cpu_model')} x{m.get('ncpu')}, "
              f"{m.get('kernel')}, {any_doc.get('date')}; placement: {placements(runs)}")
    print(header)
    print(md)
    with open(os.path.join(d, "summary.md"), "w") as fh:
        fh.write(header + "\n\n" + md + "\n")
    with open(os.path.join(d, "summary.json"), "w") as fh:
        json.dump({"header": header, "rows": rows}, fh, indent=1)
    for scen in ("latency", "streams"):
        if cdf_svg(runs, scen, os.path.join(d, f"{scen}-cdf.svg")):
            print(f"CDF: {os.path.join(d, scen + '-cdf.svg')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
