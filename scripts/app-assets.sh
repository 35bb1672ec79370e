#!/usr/bin/env bash
# Trunk post-build hook: puts the fonts and CMaps the web app fetches on first use into
# dist/assets/ (see wasm-core/src/assets.rs). Fonts come from wasm-core/assets/fonts (the
# Foxit substitutes for the 14 standard fonts), CMaps from Adobe's set as Debian's
# poppler-data installs it (scripts/setup.sh), filtered to the names hayro knows
# (wasm-core/assets/cmaps.txt). wasm-core's tests check both against the native build.
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
