#!/usr/bin/env bash
# Trunk post-build hook: puts the fonts and CMaps the web app fetches on first use into
# dist/assets/ (see wasm-core/src/assets.rs). Fonts come from wasm-core/assets/fonts (the
# Foxit substitutes for the 14 standard fonts), CMaps from Adobe's set as Debian's
# poppler-data installs it (scripts/setup.sh), filtered to the names hayro knows
# (wasm-core/assets/cmaps.txt). wasm-core's tests check both against the native build.
# The in-browser OCR (app/src/tesseract.js) goes to assets/ocr/: tesseract.js and its
# worker, tesseract.js-core's LSTM builds (with SIMD, relaxed SIMD, and without), and the
# English and Dutch models, from app/node_modules (npm ci in scripts/setup.sh).
# Last, brotli and gzip copies of everything built (scripts/precompress.mjs).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT="${TRUNK_STAGING_DIR:?run by trunk build}/assets"
CMAPS="${ZONAL_CMAPS:-/usr/share/poppler/cMap}"
mkdir -p "$OUT/fonts" "$OUT/cmaps"
shopt -s nullglob
cp "$ROOT"/wasm-core/assets/fonts/*.pfb "$ROOT/wasm-core/assets/fonts/LICENSE_FOXIT" "$OUT/fonts/"
while read -r name; do
  [ -n "$name" ] || continue
  found=("$CMAPS"/*/"$name")
  src=${found[0]:-}
  [ -n "$src" ] || { echo "app-assets: CMap $name not in $CMAPS (apt-get install poppler-data)" >&2; exit 1; }
  cp "$src" "$OUT/cmaps/$name"
done < "$ROOT/wasm-core/assets/cmaps.txt"

NM="$ROOT/app/node_modules"
[ -d "$NM/tesseract.js-core" ] || { echo "app-assets: $NM missing (run scripts/setup.sh)" >&2; exit 1; }
mkdir -p "$OUT/ocr/core" "$OUT/ocr/lang"
cp "$NM/tesseract.js/dist/tesseract.min.js" "$NM/tesseract.js/dist/worker.min.js" "$OUT/ocr/"
cp "$NM/tesseract.js/LICENSE.md" "$OUT/ocr/LICENSE-tesseract.js" 2>/dev/null || cp "$NM/tesseract.js/LICENSE" "$OUT/ocr/LICENSE-tesseract.js"
for v in lstm simd-lstm relaxedsimd-lstm; do
  cp "$NM/tesseract.js-core/tesseract-core-$v.wasm.js" "$OUT/ocr/core/"
done
cp "$NM/tesseract.js-core/LICENSE" "$OUT/ocr/core/LICENSE"
for l in eng nld; do
  cp "$NM/@tesseract.js-data/$l/4.0.0_best_int/$l.traineddata.gz" "$OUT/ocr/lang/"
done

node "$ROOT/scripts/precompress.mjs" "$TRUNK_STAGING_DIR"
