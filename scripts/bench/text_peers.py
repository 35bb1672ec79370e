#!/usr/bin/env python3
"""Words of every page of every corpus PDF with pdfplumber and PyMuPDF: per file, the
best of several rounds, as JSON lines {"engine", "file", "pages", "words", "seconds"}.
scripts/bench.sh compares them with Zonal's `cargo bench --bench words` on the same files.

usage: text_peers.py CORPUS_DIR [ROUNDS]
"""
import json
import pathlib
import signal
import sys
import time
import warnings

import pdfplumber
import pymupdf

warnings.filterwarnings("ignore")


def plumber(path):
    with pdfplumber.open(path) as pdf:
        return len(pdf.pages), sum(len(p.extract_words()) for p in pdf.pages)


def mupdf(path):
    with pymupdf.open(path) as doc:
        return doc.page_count, sum(len(p.get_text("words")) for p in doc)


class Timeout(Exception):
    pass


def _alarm(*_):
    raise Timeout()


def main():
    signal.signal(signal.SIGALRM, _alarm)
    root = pathlib.Path(sys.argv[1])
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    for path in sorted(root.rglob("*.pdf")):
        for name, fn in (("pdfplumber", plumber), ("pymupdf", mupdf)):
            best, got = float("inf"), None
            for _ in range(rounds):
                t = time.perf_counter()
                signal.alarm(60)  # a file that hangs a peer is no sample
                try:
                    got = fn(str(path))
                except Exception:  # noqa: BLE001 - a file the peer cannot read is no sample
                    got = None
                    break
                finally:
                    signal.alarm(0)
                best = min(best, time.perf_counter() - t)
            if got:
                print(json.dumps({"engine": name, "file": str(path.relative_to(root)),
                                  "pages": got[0], "words": got[1], "seconds": round(best, 6)}), flush=True)


if __name__ == "__main__":
    main()
