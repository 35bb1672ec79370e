#!/usr/bin/env python3
"""Words in wasm (e2e/bench/text.bench.ts's log) vs natively (`cargo bench --bench words`,
its `per_page_seconds`): the same page-by-page reads, one text cache per document, summed over the files both read.

usage: compare_wasm_text.py WORDS_ZONAL_JSONL TEXT_WASM_LOG
"""
import json
import math
import sys


def lines(path):
    for line in open(path, encoding="utf-8"):
        line = line.strip()
        if line.startswith("{"):
            yield json.loads(line)


native = {r["file"]: r for r in lines(sys.argv[1])}
wasm = {r["file"]: r for r in lines(sys.argv[2]) if "wasm_seconds" in r}
both = sorted(f for f in wasm if f in native and not math.isnan(native[f]["per_page_seconds"]))
if not both:
    sys.exit("no file measured both in wasm and natively: see the Playwright log")
pages = sum(native[f]["pages"] for f in both)
n = sum(native[f]["per_page_seconds"] for f in both)
w = sum(wasm[f]["wasm_seconds"] for f in both)
ratios = sorted(wasm[f]["wasm_seconds"] / native[f]["per_page_seconds"] for f in both if native[f]["per_page_seconds"] > 0)
print("| | files | pages | total s | pages/s |")
print("| --- | ---: | ---: | ---: | ---: |")
print(f"| Zonal native, page by page | {len(both)} | {pages} | {n:.3f} | {pages / n:.0f} |")
print(f"| Zonal in wasm (Chromium), page by page | {len(both)} | {pages} | {w:.3f} | {pages / w:.0f} |")
print(f"\nwasm / native: {w / n:.2f}× in total, median per file {ratios[len(ratios) // 2]:.2f}×")
