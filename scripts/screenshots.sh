#!/usr/bin/env bash
# Refreshes the README's screenshots (docs/screenshots/*.png): builds the app and the
# relay, then runs the screenshots spec against them with ZONAL_SCREENSHOTS pointing at
# docs/screenshots (a plain test run writes its screenshots under e2e/test-results/).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
source scripts/env.sh
cd "$ROOT/e2e"
ZONAL_SCREENSHOTS="$ROOT/docs/screenshots" ZONAL_BIN="$CARGO_TARGET_DIR/release/zonal" \
  ZONAL_DIST="$ROOT/dist" npx playwright test tests/screenshots.spec.ts tests/phone.spec.ts
