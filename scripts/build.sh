#!/usr/bin/env bash
# Builds the web app (Trunk → dist/) and the relay binary (release).
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"
echo "[build] web app (trunk build → dist/)"
trunk build
echo "[build] relay (cargo build --release -p relay)"
cargo build --release --locked -p relay
