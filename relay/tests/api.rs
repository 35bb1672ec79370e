//! The HTTP app, exercised in-process with `oneshot` (no port needed).

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use relay::config::ServeConfig;
use relay::server::app;
use relay::state::AppState;
use serde_json::Value;
use tower::ServiceExt;

fn state(dist: &std::path::Path) -> AppState {
    AppState::open(ServeConfig {
        dist: dist.to_path_buf(),
        data_dir: dist.join("data"),
        max_pages: 7,
        ..ServeConfig::default()
    })
    .expect("state opens")
}

async fn get(app: axum::Router, uri: &str) -> (StatusCode, String, Vec<u8>) {
    let res = app
        .oneshot(Request::get(uri).body(Body::empty()).expect("request"))
        .await
        .expect("response");
    let status = res.status();
    let ctype = res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let body = res
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes()
        .to_vec();
    (status, ctype, body)
}

#[tokio::test]
async fn healthz_and_config() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (s, ct, body) = get(app(state(dir.path())), "/api/healthz").await;
    assert_eq!(s, StatusCode::OK);
    assert!(ct.starts_with("application/json"));
    assert_eq!(
        serde_json::from_slice::<Value>(&body).expect("json")["status"],
        "ok"
    );

    let (s, _, body) = get(app(state(dir.path())), "/api/config").await;
    assert_eq!(s, StatusCode::OK);
    let v: Value = serde_json::from_slice(&body).expect("json");
    assert_eq!(v["limits"]["maxPages"], 7, "limits come from configuration");
    assert_eq!(v["limits"]["maxFiles"], 10);
    assert_eq!(v["limits"]["maxSizeMb"], 10);
    assert!(v["providers"]["llm"].as_array().is_some());
}

#[tokio::test]
async fn unknown_api_path_is_a_json_404() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (s, ct, body) = get(app(state(dir.path())), "/api/nope").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert!(ct.starts_with("application/json"));
    assert!(serde_json::from_slice::<Value>(&body).expect("json")["error"].is_string());
}

#[tokio::test]
async fn serves_the_built_app_with_spa_fallback() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("index.html"),
        "<!doctype html><title>Zonal</title>",
    )
    .expect("write");
    std::fs::write(dir.path().join("app.js"), "console.log(1)").expect("write");
    let (s, ct, body) = get(app(state(dir.path())), "/").await;
    assert_eq!(s, StatusCode::OK);
    assert!(ct.starts_with("text/html"));
    assert!(String::from_utf8_lossy(&body).contains("Zonal"));
    let (s, ct, _) = get(app(state(dir.path())), "/app.js").await;
    assert_eq!(s, StatusCode::OK);
    assert!(ct.contains("javascript"));
    let (s, _, body) = get(app(state(dir.path())), "/some/client/route").await;
    assert_eq!(s, StatusCode::OK, "client-side routes get index.html");
    assert!(String::from_utf8_lossy(&body).contains("Zonal"));
    // Fonts and CMaps the app fetches: a missing one is a 404, never the app's HTML
    // (which the app would take for a font and the service worker would keep).
    std::fs::create_dir_all(dir.path().join("assets/fonts")).expect("mkdir");
    std::fs::write(
        dir.path().join("assets/fonts/FoxitFixed.pfb"),
        b"\x01\x00\x04\x02font",
    )
    .expect("write");
    let (s, _, body) = get(app(state(dir.path())), "/assets/fonts/FoxitFixed.pfb").await;
    assert_eq!((s, &body[..2]), (StatusCode::OK, &b"\x01\x00"[..]));
    let (s, _, _) = get(app(state(dir.path())), "/assets/cmaps/UniJIS-UCS2-H").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_openapi_document_lists_every_route_with_its_errors() {
    let dir = tempfile::tempdir().expect("tmp");
    let (s, ct, body) = get(app(state(dir.path())), "/api/openapi.json").await;
    assert_eq!(s, StatusCode::OK);
    assert!(ct.starts_with("application/json"));
    let v: Value = serde_json::from_slice(&body).expect("json");
    let mut paths: Vec<&str> = v["paths"]
        .as_object()
        .expect("paths")
        .keys()
        .map(String::as_str)
        .collect();
    paths.sort_unstable();
    assert_eq!(
        paths,
        [
            "/api/config",
            "/api/healthz",
            "/api/jobs",
            "/api/jobs/{id}",
            "/api/jobs/{id}/events",
            "/api/jobs/{id}/regions/{n}.png",
            "/api/jobs/{id}/retry",
            "/api/regions",
            "/api/sessions/{id}",
            "/api/sessions/{id}/export.csv",
            "/api/sessions/{id}/jobs",
            "/api/shares",
            "/api/shares/{id}",
            "/api/structure",
            "/api/tasks/process",
        ]
    );
    let upload = &v["paths"]["/api/jobs"]["post"];
    for code in ["202", "400", "413", "415", "422"] {
        assert!(
            upload["responses"].get(code).is_some(),
            "POST /api/jobs documents {code}"
        );
    }
    let params = upload["parameters"].as_array().expect("parameters");
    assert!(
        params
            .iter()
            .any(|p| p["name"] == "X-Session-Id" && p["in"] == "header"),
        "{params:?}"
    );
    // What the document promises, the server does: an upload without a session is a 400.
    let (s, _, _) = get(app(state(dir.path())), "/api/sessions/x/jobs").await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
}
