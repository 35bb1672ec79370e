//! What the benchmarks share: where the corpus is and how many rounds to run.

use std::path::{Path, PathBuf};

/// The corpus development set (`ZONAL_CORPUS` overrides it).
pub fn corpus_root() -> PathBuf {
    std::env::var_os("ZONAL_CORPUS").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus/dev"),
        PathBuf::from,
    )
}

/// Rounds per measurement: `ROUNDS`, else `default`.
pub fn rounds(default: usize) -> usize {
    std::env::var("ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(default)
}
