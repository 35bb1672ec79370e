#!/usr/bin/env python3
"""Stands in for `zonal extract FILE` with what the app in the browser read (the JSON
lines e2e/bench/ocr.bench.ts prints, file named by BROWSER_JSONL), so the project's
scoring script scores the browser's readings exactly as it scores the CLI's."""
import json, os, sys

if len(sys.argv) < 3 or sys.argv[1] != "extract":
    sys.exit("usage: browser_zonal.py extract FILE.pdf")
want = os.path.join(os.path.basename(os.path.dirname(sys.argv[2])), os.path.basename(sys.argv[2]))
with open(os.environ["BROWSER_JSONL"]) as f:
    for line in f:
        if line.startswith("{"):
            r = json.loads(line)
            if r["file"] == want:
                print(json.dumps({"invoice": r["invoice"], "confidence": r["confidence"]}))
                sys.exit(0)
sys.exit(f"{want}: not read in the browser")
