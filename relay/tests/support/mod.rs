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

/// `GET base+path` with the session header: status and JSON body (`Null` if not JSON).
pub async fn get_json(base: &str, sid: &str, path: &str) -> (u16, serde_json::Value) {
    let res = reqwest::Client::new()
        .get(format!("{base}{path}"))
        .header("X-Session-Id", sid)
        .send()
        .await
        .expect("GET");
    let s = res.status().as_u16();
    (s, res.json().await.unwrap_or(serde_json::Value::Null))
}

/// A multipart upload of one corpus PDF as `files[]`, under `name`.
pub fn pdf_form(rel: &str, name: &str) -> reqwest::multipart::Form {
    let bytes = std::fs::read(corpus(rel)).expect("corpus file");
    reqwest::multipart::Form::new().part(
        "files[]",
        reqwest::multipart::Part::bytes(bytes)
            .file_name(name.to_string())
            .mime_str("application/pdf")
            .expect("mime"),
    )
}

/// Polls a job until it is `done` or `failed` (at most a minute); its last view.
pub async fn wait_final(base: &str, sid: &str, job: &str) -> serde_json::Value {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let (s, v) = get_json(base, sid, &format!("/api/jobs/{job}")).await;
        assert_eq!(s, 200, "{v}");
        if v["status"] == "done" || v["status"] == "failed" {
            return v;
        }
        assert!(std::time::Instant::now() < deadline, "job stuck: {v}");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// A free loopback port (for `zonal serve` processes).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// A relay on loopback with its embedded store under `dir` and no workers, after `tune`;
/// its base URL and state.
pub async fn relay_in(
    dir: &Path,
    tune: impl FnOnce(&mut relay::config::ServeConfig),
) -> (String, relay::state::AppState) {
    let mut config = relay::config::ServeConfig {
        data_dir: dir.join("data"),
        dist: dir.join("dist"),
        workers: 0,
        ..relay::config::ServeConfig::default()
    };
    tune(&mut config);
    let state = relay::state::AppState::open(config).expect("state");
    (spawn(relay::server::app(state.clone())).await, state)
}
