#!/usr/bin/env python3
"""Compares Zonal's native words timings with pdfplumber's and PyMuPDF's (JSON lines from
`cargo bench --bench words` and text_peers.py) over the files all three read; prints
Markdown rows for BENCHMARKS.md.

usage: compare_text.py OURS.jsonl PEERS.jsonl
"""
import json
import sys


def load(path):
    rows = [json.loads(l) for l in open(path) if l.startswith("{")]
    return rows


def main():
    ours = {r["file"]: r for r in load(sys.argv[1])}
    peers = {}
    for r in load(sys.argv[2]):
        peers.setdefault(r["engine"], {})[r["file"]] = r
    common = sorted(set(ours).intersection(*[set(p) for p in peers.values()]))
    pages = sum(ours[f]["pages"] for f in common)
    t_ours = sum(ours[f]["seconds"] for f in common)
    print(f"files read by all three: {len(common)} ({pages} pages)")
    print("| engine | total s | pages/s | Zonal is … faster |")
    print("| --- | ---: | ---: | ---: |")
    print(f"| Zonal (native, release) | {t_ours:.3f} | {pages / t_ours:.0f} | 1× |")
    for name, rows in sorted(peers.items()):
        t = sum(rows[f]["seconds"] for f in common)
        print(f"| {name} | {t:.3f} | {pages / t:.0f} | {t / t_ours:.1f}× |")


if __name__ == "__main__":
    main()
