#!/usr/bin/env bash
# Benchmarks against peers, each measured in the same run (these machines are noisy, so
# only the ratios are comparable across runs). Not tests: nothing here fails on a number.
#
#   scripts/bench.sh [text|fields|ocr|text-wasm|size|render|scale|relay|relay-p99|all]   (default: all)
#
# text    words of every corpus page: Zonal natively (cargo bench) vs pdfplumber, PyMuPDF
# fields  the rules and item tables per page vs the text reading they run on; OCR seconds
#         per scanned receipt (zonal extract) vs Tesseract alone on the same page
# ocr     scanned receipts read in the browser (Tesseract in WebAssembly) vs the CLI
#         (`zonal extract`, Tesseract on the machine): the same dev sroie receipts scored
#         by the project's fields_accuracy.py, and seconds per receipt page in the same run
# text-wasm  the same words in wasm (the app in Chromium) vs natively, page by page
# size    the app's wasm + JS, gzipped, vs pdf.js (pdf.min.mjs + pdf.worker.min.mjs)
# render  Zonal in Chromium vs pdf.js in the same Chromium (e2e/bench/render.bench.ts)
# scale   a generated 500-page PDF: first page, freezes, memory while scrolling
# relay   POST /api/regions at 50/200/1000 connections (wrk), and the relay's memory with
#         10,000 queued jobs
# relay-p99  only the p99 target: 200 connections at 1000/s on a store of ~250,000 jobs
# Results go to stdout; BENCHMARKS.md records them with the date.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
what="${1:-all}"
out="${BENCH_OUT:-$CARGO_TARGET_DIR/bench}"
mkdir -p "$out"
corpus="${ZONAL_CORPUS:-$ROOT/../shared/corpus/dev}"
step() { printf '\n## %s\n\n' "$*"; }

if [[ $what == text || $what == all ]]; then
  step "text: words, Zonal native vs pdfplumber and PyMuPDF"
  python3 -c 'import pdfplumber, pymupdf' 2>/dev/null || pip install -q pdfplumber pymupdf
  cargo bench -q -p wasm-core --bench words >"$out/words-zonal.jsonl"
  python3 scripts/bench/text_peers.py "$corpus" >"$out/words-peers.jsonl"
  python3 scripts/bench/compare_text.py "$out/words-zonal.jsonl" "$out/words-peers.jsonl"
fi

if [[ $what == fields || $what == all ]]; then
  step "fields: rules + line items vs the text reading; OCR per receipt vs Tesseract"
  cargo bench -q -p wasm-core --bench extract
  cargo build -q -p relay
  python3 scripts/bench/ocr_receipts.py "$CARGO_TARGET_DIR/debug/zonal" "$corpus/sroie" "${RECEIPTS:-10}"
fi

if [[ $what == ocr || $what == all ]]; then
  step "ocr: receipts read in the browser vs the CLI, same scoring; seconds per page"
  [[ -d dist ]] || trunk build >/dev/null
  cargo build -q -p relay
  n="${RECEIPTS:-100}"
  (cd e2e && ZONAL_BIN="$CARGO_TARGET_DIR/debug/zonal" ZONAL_DIST="$ROOT/dist" RECEIPTS="$n" \
    npx playwright test -c playwright.bench.config.ts --reporter=line bench/ocr.bench.ts >"$out/ocr-browser.jsonl" 2>&1 || true)
  mkdir -p "$out/sroie-$n"
  for f in $(ls "$corpus/sroie"/*.pdf | sort | head -n "$n"); do
    b=$(basename "$f" .pdf); cp "$f" "$corpus/sroie/$b.expected.json" "$out/sroie-$n/"
  done
  mkdir -p "$out/sroie-sets/sroie" && rm -f "$out/sroie-sets/sroie"/* && cp "$out/sroie-$n"/* "$out/sroie-sets/sroie/"
  echo "browser:"; BROWSER_JSONL="$out/ocr-browser.jsonl" python3 "$ROOT/../shared/tools/fields_accuracy.py" \
    scripts/bench/browser_zonal.py "$out/sroie-sets" --only sroie | tail -3
  echo "CLI:"; python3 "$ROOT/../shared/tools/fields_accuracy.py" "$CARGO_TARGET_DIR/debug/zonal" "$out/sroie-sets" --only sroie | tail -3
  python3 - "$out/ocr-browser.jsonl" <<'PY'
import json, statistics, sys
ms = [json.loads(l)["ms"] for l in open(sys.argv[1]) if l.startswith("{") and json.loads(l).get("ms")]
print(f"browser: {statistics.median(ms) / 1000:.2f} s median per receipt page (render, straighten, Tesseract in wasm), {len(ms)} pages")
PY
  python3 scripts/bench/ocr_receipts.py "$CARGO_TARGET_DIR/debug/zonal" "$corpus/sroie" "${RECEIPTS_TIMED:-10}"
fi

if [[ $what == text-wasm || $what == all ]]; then
  step "text: words in wasm (the app in Chromium) vs natively, page by page"
  [[ -d dist ]] || trunk build >/dev/null
  cargo build -q -p relay
  [[ $what == all ]] || cargo bench -q -p wasm-core --bench words >"$out/words-zonal.jsonl"
  (cd e2e && ZONAL_BIN="$CARGO_TARGET_DIR/debug/zonal" ZONAL_DIST="$ROOT/dist" NATIVE_JSONL="$out/words-zonal.jsonl" \
    npx playwright test -c playwright.bench.config.ts --reporter=line bench/text.bench.ts >"$out/text-wasm.log" 2>&1 || true)
  python3 scripts/bench/compare_wasm_text.py "$out/words-zonal.jsonl" "$out/text-wasm.log"
fi

if [[ $what == size || $what == all ]]; then
  step "size: gzipped, Zonal's app vs pdf.js"
  [[ -d dist ]] || trunk build >/dev/null
  gz() { cat "$@" | gzip -9 | wc -c; }
  ours=$(gz dist/*.wasm dist/app-*.js)
  pdfjs=$(gz e2e/node_modules/pdfjs-dist/build/pdf.min.mjs e2e/node_modules/pdfjs-dist/build/pdf.worker.min.mjs)
  raw=$(cat dist/*.wasm dist/app-*.js | wc -c)
  echo "| | raw bytes | gzip -9 bytes |"
  echo "| --- | ---: | ---: |"
  echo "| Zonal (wasm + JS) | $raw | $ours |"
  echo "| pdf.js (pdf.min.mjs + pdf.worker.min.mjs) | $(cat e2e/node_modules/pdfjs-dist/build/pdf.min.mjs e2e/node_modules/pdfjs-dist/build/pdf.worker.min.mjs | wc -c) | $pdfjs |"
  python3 -c "print(f'ratio Zonal / pdf.js gzipped: {$ours / $pdfjs:.2f}')"
fi

if [[ $what == render || $what == all ]]; then
  step "render: Zonal vs pdf.js in the same Chromium"
  [[ -d dist ]] || trunk build >/dev/null
  cargo build -q -p relay
  (cd e2e && ZONAL_BIN="$CARGO_TARGET_DIR/debug/zonal" ZONAL_DIST="$ROOT/dist" \
    npx playwright test -c playwright.bench.config.ts --reporter=line bench/render.bench.ts 2>&1 | tee "$out/render.log" | grep -E '^RESULT|error' || true)
fi

if [[ $what == scale || $what == all ]]; then
  step "scale: a generated 500-page PDF in the app"
  python3 -c 'import pymupdf' 2>/dev/null || pip install -q pymupdf
  python3 scripts/bench/make_long_pdf.py "$out/long-500.pdf" 500
  [[ -d dist ]] || trunk build >/dev/null
  cargo build -q -p relay
  (cd e2e && ZONAL_LONG_PDF="$out/long-500.pdf" ZONAL_BIN="$CARGO_TARGET_DIR/debug/zonal" ZONAL_DIST="$ROOT/dist" \
    npx playwright test -c playwright.bench.config.ts --reporter=line bench/scale.bench.ts 2>&1 | tee "$out/scale.log" | grep -E '^RESULT|error' || true)
fi

if [[ $what == relay || $what == all || $what == relay-p99 ]]; then
  step "relay: POST /api/regions under load (wrk, oha), memory with 10,000 queued jobs"
  command -v wrk >/dev/null || { sudo=""; [[ $(id -u) == 0 ]] || sudo=sudo; $sudo apt-get install -y -qq wrk >/dev/null; }
  command -v oha >/dev/null || cargo install --locked oha
  cargo build -q --release -p relay
  python3 scripts/bench/relay_load.py "$CARGO_TARGET_DIR/release/zonal" "$corpus" \
    $([[ $what == relay-p99 ]] && echo p99)
fi
