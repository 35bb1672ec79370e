#!/usr/bin/env bash
# Benchmarks against peers, each measured in the same run (these machines are noisy, so
# only the ratios are comparable across runs). Not tests: nothing here fails on a number.
#
#   scripts/bench.sh [text|fields|ocr|text-wasm|size|download|render|scale|relay|relay-p99|all]   (default: all)
#
# text    words of every corpus page: Zonal natively (cargo bench) vs pdfplumber, PyMuPDF
# fields  the rules and item tables per page vs the text reading they run on; OCR seconds
#         per scanned receipt (zonal extract) vs Tesseract alone on the same page
# ocr     scanned receipts read in the browser (Tesseract in WebAssembly) vs the CLI
#         (`zonal extract`, Tesseract on the machine): the same dev sroie receipts scored
#         by the project's fields_accuracy.py, and seconds per receipt page in the same run
# text-wasm  the same words in wasm (the app in Chromium) vs natively, page by page
# size    the app's and the engine worker's wasm + JS (raw, gzip, brotli) vs pdf.js,
#         MuPDF.js and PDFium (their npm packages' files)
# download  bytes on the wire and navigation → first page on an emulated 10 Mbit/s, 40 ms
#         link, Zonal vs pdf.js, both served by `zonal serve` (e2e/bench/download.bench.ts)
# render  Zonal vs pdf.js, MuPDF.js and PDFium in the same Chromium (e2e/bench/render.bench.ts)
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
  step "size: what each downloads to show a page: Zonal's app and engine vs pdf.js, MuPDF.js, PDFium"
  [[ -d dist ]] || trunk build >/dev/null
  nm=e2e/node_modules
  files() { ls "$@" | paste -sd, -; }
  node scripts/bench/sizes.mjs \
    "Zonal: app + engine worker (wasm + JS)=$(files dist/app-*_bg.wasm dist/app-*.js dist/engine_bg.wasm dist/engine.js dist/engine_loader.js)" \
    "Zonal: the app (UI)=$(files dist/app-*_bg.wasm dist/app-*.js)" \
    "Zonal: the engine worker=$(files dist/engine_bg.wasm dist/engine.js dist/engine_loader.js)" \
    "pdf.js (pdf.min.mjs + pdf.worker.min.mjs)=$(files $nm/pdfjs-dist/build/pdf.min.mjs $nm/pdfjs-dist/build/pdf.worker.min.mjs)" \
    "MuPDF.js (mupdf.js + mupdf-wasm.js + .wasm)=$(files $nm/mupdf/dist/mupdf.js $nm/mupdf/dist/mupdf-wasm.js $nm/mupdf/dist/mupdf-wasm.wasm)" \
    "PDFium (@embedpdf/pdfium: JS + .wasm)=$(files $nm/@embedpdf/pdfium/dist/index.browser.js $nm/@embedpdf/pdfium/dist/pdfium.wasm)"
fi

if [[ $what == download || $what == all ]]; then
  step "download: bytes on the wire and first page on a 10 Mbit/s, 40 ms link, Zonal vs pdf.js"
  [[ -d dist ]] || trunk build >/dev/null
  cargo build -q -p relay
  # A copy of dist/ with pdf.js and a minimal viewer under __pdfjs/, precompressed like
  # the app, so `zonal serve` sends both the same way.
  site="$out/download-site"
  rm -rf "$site" && cp -r dist "$site" && mkdir -p "$site/__pdfjs"
  cp e2e/node_modules/pdfjs-dist/build/pdf.min.mjs e2e/node_modules/pdfjs-dist/build/pdf.worker.min.mjs "$site/__pdfjs/"
  cat >"$site/__pdfjs/index.html" <<'HTML'
<!doctype html><meta charset="utf-8"><title>pdf.js</title>
<input type="file" id="f"><canvas id="c"></canvas>
<script type="module">
import * as pdfjs from './pdf.min.mjs';
pdfjs.GlobalWorkerOptions.workerSrc = './pdf.worker.min.mjs';
const input = document.getElementById('f');
input.addEventListener('change', async () => {
  const doc = await pdfjs.getDocument({ data: new Uint8Array(await input.files[0].arrayBuffer()) }).promise;
  const page = await doc.getPage(1);
  const viewport = page.getViewport({ scale: (innerWidth - 40) / page.getViewport({ scale: 1 }).width });
  const c = document.getElementById('c');
  c.width = Math.ceil(viewport.width);
  c.height = Math.ceil(viewport.height);
  await page.render({ canvasContext: c.getContext('2d'), viewport }).promise;
  window.painted = performance.now();
});
window.ready = true;
</script>
HTML
  node scripts/precompress.mjs "$site/__pdfjs" >/dev/null
  (cd e2e && ZONAL_BIN="$CARGO_TARGET_DIR/debug/zonal" ZONAL_DIST="$site" \
    npx playwright test -c playwright.bench.config.ts --reporter=line bench/download.bench.ts 2>&1 | tee "$out/download.log" | grep -E '^RESULT|^\{|error' || true)
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
  # Written once (it takes minutes) and reused: the same 500 pages every run.
  if [[ ! -f "$out/long-500.pdf" ]]; then
    python3 scripts/bench/make_long_pdf.py "$out/long-500.pdf.part" 500 && mv "$out/long-500.pdf.part" "$out/long-500.pdf"
  fi
  [[ -d dist ]] || trunk build >/dev/null
  cargo build -q -p relay
  (cd e2e && ZONAL_LONG_PDF="$out/long-500.pdf" ZONAL_BIN="$CARGO_TARGET_DIR/debug/zonal" ZONAL_DIST="$ROOT/dist" \
    npx playwright test -c playwright.bench.config.ts --reporter=line bench/scale.bench.ts 2>&1 | tee "$out/scale.log" | grep -E '^RESULT|^LONG_TASKS|^START_FRAMES|error' || true)
fi

if [[ $what == relay || $what == all || $what == relay-p99 ]]; then
  step "relay: POST /api/regions under load (wrk, oha), memory with 10,000 queued jobs"
  command -v wrk >/dev/null || { sudo=""; [[ $(id -u) == 0 ]] || sudo=sudo; $sudo apt-get install -y -qq wrk >/dev/null; }
  command -v oha >/dev/null || cargo install --locked oha
  cargo build -q --release -p relay
  python3 scripts/bench/relay_load.py "$CARGO_TARGET_DIR/release/zonal" "$corpus" \
    $([[ $what == relay-p99 ]] && echo p99)
fi
