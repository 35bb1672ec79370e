#!/usr/bin/env bash
# Fuzzes wasm-core's parsers with cargo-fuzz (libFuzzer, stable Rust: no sanitizer).
#
#   scripts/fuzz.sh [pdf|templates|share|all] [SECONDS per target, default 300]
#
# FUZZ_MAX_LEN caps the input size (libFuzzer's -max_len; by default the largest seed):
# the pdf target runs twice as many executions per second on inputs of at most 64 KB
# (larger seeds are cut, which exercises the xref repair paths).
#
# Seeds come from the corpus (PDFs; templates). A crash leaves its input in
# fuzz/artifacts/<target>/: add it as a regression test (wasm-core/tests/fuzz_regressions.rs)
# before fixing.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
export CARGO_TARGET_DIR="$HOME/.cache/zonal/fuzz-target"
command -v cargo-fuzz >/dev/null || cargo install -q cargo-fuzz --locked
corpus="${ZONAL_CORPUS:-$ROOT/../shared/corpus/dev}"
targets=("${1:-all}")
[[ ${targets[0]} == all ]] && targets=(pdf templates share)
secs="${2:-300}"
seed() {
  local dir="fuzz/corpus/$1"; shift
  mkdir -p "$dir"
  [[ -n $(ls -A "$dir") ]] && return
  find "$corpus" "$@" -type f -size -2M -exec cp -t "$dir" {} + 2>/dev/null || true
}
seed pdf -name '*.pdf'
seed templates \( -name '*.template.yml' -o -name '*.template.json' \)
seed share -name '*.expected.json'
for t in "${targets[@]}"; do
  echo "== $t for ${secs}s"
  cargo fuzz run -s none "$t" "fuzz/corpus/$t" -- -max_total_time="$secs" -rss_limit_mb=2048 ${FUZZ_MAX_LEN:+-max_len=$FUZZ_MAX_LEN} \
    -timeout=20 -print_final_stats=1 2>&1 | grep -E 'stat::number_of_executed_units|stat::peak_rss_mb|Done|SUMMARY|panicked|ERROR' || true
done
