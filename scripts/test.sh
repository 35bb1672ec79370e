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
cargo clippy --locked --all-targets -p wasm-core -p wire -p relay -p engine -- -D warnings
cargo clippy --locked -p app -p engine --target wasm32-unknown-unknown -- -D warnings
step "Firestore emulator (Google's, on Java 17) for the Firestore job store tests"
FS_JAR=/usr/lib/google-cloud-sdk/platform/cloud-firestore-emulator/cloud-firestore-emulator.jar
FS_PORT="${ZONAL_FIRESTORE_PORT:-18085}"
java -Duser.language=en -cp "$FS_JAR" com.google.cloud.datastore.emulator.firestore.CloudFirestore \
  start --host=127.0.0.1 --port="$FS_PORT" >"$CARGO_TARGET_DIR/firestore-emulator.log" 2>&1 &
FS_PID=$!
trap 'kill "$FS_PID" 2>/dev/null || true' EXIT
for _ in $(seq 1 150); do
  curl -fsS "http://127.0.0.1:$FS_PORT/" >/dev/null 2>&1 && break
  sleep 0.2
done
curl -fsS "http://127.0.0.1:$FS_PORT/" >/dev/null || { cat "$CARGO_TARGET_DIR/firestore-emulator.log"; exit 1; }
export FIRESTORE_EMULATOR_HOST="127.0.0.1:$FS_PORT" ZONAL_REQUIRE_FIRESTORE=1

step "cargo test (wasm-core, relay, the engine worker's answers)"
cargo test --locked -p wasm-core -p wire -p relay -p engine
step "wasm-core and the engine as the web app builds them (rare fonts and CMaps fetched on use)"
cargo test --locked -p wasm-core --no-default-features --test lazy_assets
ZONAL_ENGINE_AS_WEB=1 cargo test --locked -p engine --test docs a_provided_font
step "wasm-bindgen-test in headless Chromium (app glue)"
CHROMEDRIVER=/usr/bin/chromedriver WASM_BINDGEN_TEST_TIMEOUT=120 \
  cargo test --locked -p app --target wasm32-unknown-unknown
# A random Gemini key for this run, in the environment of the app's build and of the
# relay the browser tests start: e2e/tests/secrets.spec.ts checks it never reaches the
# bundle or the browser (the relay talks to a local stand-in Gemini).
GEMINI_E2E_KEY="zonal-e2e-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
step "build the app (trunk build → dist/)"
GEMINI_API_KEY="$GEMINI_E2E_KEY" trunk build
step "Playwright e2e against zonal serve"
# The zonal binary that `cargo test` built (dependencies optimised, see Cargo.toml): no
# second, release build of the relay just for the browser tests.
cd e2e
rm -rf data data-vision  # the relays' stores for the browser tests start empty
GEMINI_API_KEY="$GEMINI_E2E_KEY" ZONAL_BIN="$CARGO_TARGET_DIR/debug/zonal" ZONAL_DIST="$ROOT/dist" \
  npx playwright test
cd "$ROOT"
step "the deploy image: built from deploy/Containerfile with buildah and smoke-run"
# Reuses the zonal binary and dist/ built above; the base rootfs and layers are cached.
ZONAL_BIN="$CARGO_TARGET_DIR/debug/zonal" ZONAL_DIST="$ROOT/dist" scripts/image-test.sh
