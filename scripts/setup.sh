#!/usr/bin/env bash
# Installs everything Zonal needs on Debian 12 with Rust (rustup), Node and apt.
# Idempotent: each step checks what is already there and returns quickly.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

log() { printf '\033[1;34m[setup]\033[0m %s\n' "$*"; }
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"

# --- apt: Chromium (+driver) for browser tests, Tesseract for OCR, CMaps -----------
need_apt=()
command -v chromium >/dev/null || need_apt+=(chromium)
command -v chromedriver >/dev/null || need_apt+=(chromium-driver)
command -v tesseract >/dev/null || need_apt+=(tesseract-ocr)
[ -e /usr/share/tesseract-ocr/5/tessdata/eng.traineddata ] || need_apt+=(tesseract-ocr-eng)
[ -e /usr/share/tesseract-ocr/5/tessdata/nld.traineddata ] || need_apt+=(tesseract-ocr-nld)
# Adobe's CMaps, which the web app fetches for CJK text (scripts/app-assets.sh).
[ -d /usr/share/poppler/cMap ] || need_apt+=(poppler-data)
# The deploy image is built and smoke-run by the tests (scripts/image-test.sh).
command -v buildah >/dev/null || need_apt+=(buildah)
command -v debootstrap >/dev/null || need_apt+=(debootstrap)
if [ "${#need_apt[@]}" -gt 0 ]; then
  log "apt-get install ${need_apt[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

# --- Rust: wasm target, Trunk, wasm-bindgen-cli at the Cargo.lock version ----------
if ! rustup target list --installed | grep -q wasm32-unknown-unknown; then
  log "rustup target add wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi
export PATH="$HOME/.cargo/bin:$PATH"
if ! trunk --version 2>/dev/null | grep -q "0.21.14"; then
  log "cargo install trunk 0.21.14 (a few minutes, once)"
  # trunk 0.22 needs rustc >= 1.96; LTO off cuts the build from ~17 to ~6 minutes.
  CARGO_PROFILE_RELEASE_LTO=off CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
    cargo install --locked trunk --version 0.21.14
fi
WB_VERSION=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/version = |"/,""); print; exit}' Cargo.lock)
if ! wasm-bindgen --version 2>/dev/null | grep -q "$WB_VERSION"; then
  log "cargo install wasm-bindgen-cli $WB_VERSION"
  export CARGO_PROFILE_RELEASE_LTO=off CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16
  # Its lock file can name a release the registry lacks: retry unlocked at the same version.
  cargo install --locked wasm-bindgen-cli --version "=$WB_VERSION" \
    || cargo install wasm-bindgen-cli --version "=$WB_VERSION"
fi

# --- npm: Playwright (driving Debian's Chromium) and binaryen's wasm-opt -----------
if [ ! -x e2e/node_modules/.bin/wasm-opt ] || [ ! -d e2e/node_modules/@playwright/test ] \
   || [ e2e/package-lock.json -nt e2e/node_modules/.package-lock.json ]; then
  log "npm ci (e2e: @playwright/test, binaryen)"
  (cd e2e && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error)
fi

# --- npm: what the web app serves for reading scans offline (tesseract.js, models) --
if [ ! -d app/node_modules/tesseract.js-core ] || [ ! -d app/node_modules/@tesseract.js-data/nld ] \
   || [ app/package-lock.json -nt app/node_modules/.package-lock.json ]; then
  log "npm ci (app: tesseract.js, tesseract.js-core, English and Dutch models)"
  (cd app && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
fi

# --- crates for offline builds (Trunk runs cargo with --offline) --------------------
cargo fetch --locked >/dev/null 2>&1 || cargo fetch --locked
log "tools ready"
