//! Shared by the relay's integration tests: corpus paths and the Firestore emulator.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// A file of the corpus development set.
pub fn corpus(rel: &str) -> PathBuf {
    std::env::var_os("ZONAL_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus/dev"))
        .join(rel)
}

/// The Firestore emulator's address when one is running (scripts/test.sh starts Google's
/// emulator and sets `FIRESTORE_EMULATOR_HOST`). Without it the Firestore half of a test
/// is skipped with a message — unless `ZONAL_REQUIRE_FIRESTORE=1` (set by the test
/// script, so CI can never skip it silently), which makes its absence a failure.
pub fn firestore_emulator() -> Option<String> {
    match std::env::var("FIRESTORE_EMULATOR_HOST") {
        Ok(h) if !h.is_empty() => Some(h),
        _ => {
            assert!(
                std::env::var("ZONAL_REQUIRE_FIRESTORE").as_deref() != Ok("1"),
                "ZONAL_REQUIRE_FIRESTORE=1 but FIRESTORE_EMULATOR_HOST is not set"
            );
            eprintln!("Firestore part skipped: run scripts/test.sh (it starts the emulator)");
            None
        }
    }
}

/// Serves `router` on an ephemeral loopback port; its base URL.
pub async fn spawn(router: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind a loopback port");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, router).await });
    base
}
