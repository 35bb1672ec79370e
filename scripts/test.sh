#!/usr/bin/env bash
# One command on a fresh machine: install what is missing, then run every test —
# formatting and lints, native tests (engine, CLI, API), wasm tests in headless Chromium,
# and the Playwright end-to-end suite against `zonal serve` serving the built app.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
source scripts/env.sh
cd "$ROOT"
step() { printf '\n\033[1;34m[test]\033[0m %s\n' "$*"; }

step "cargo fmt --check"
cargo fmt --all -- --check
step "cargo clippy -D warnings (native, and the app for wasm32)"
cargo clippy --locked --all-targets -p wasm-core -p relay -- -D warnings
cargo clippy --locked -p app --target wasm32-unknown-unknown -- -D warnings
step "cargo test (wasm-core, relay)"
cargo test --locked -p wasm-core -p relay
step "wasm-bindgen-test in headless Chromium (app glue)"
CHROMEDRIVER=/usr/bin/chromedriver WASM_BINDGEN_TEST_TIMEOUT=120 \
  cargo test --locked -p app --target wasm32-unknown-unknown
step "build the app (trunk build → dist/)"
trunk build
step "Playwright e2e against zonal serve"
# The zonal binary that `cargo test` built (dependencies optimised, see Cargo.toml): no
# second, release build of the relay just for the browser tests.
cd e2e
ZONAL_BIN="$CARGO_TARGET_DIR/debug/zonal" ZONAL_DIST="$ROOT/dist" npx playwright test
