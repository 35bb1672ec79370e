#!/usr/bin/env bash
# One command on a fresh machine: install what is missing, build, and serve Zonal on its
# embedded defaults. Extra arguments go to `zonal serve` (e.g. --port 9000).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
source scripts/env.sh
exec "$CARGO_TARGET_DIR/release/zonal" serve --dist "$ROOT/dist" "$@"
