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
async fn sends_the_precompressed_copy_the_browser_accepts_and_caches_hashed_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    std::fs::write(d.join("index.html"), "<!doctype html><title>Zonal</title>").expect("write");
    let wasm = "app-0123456789abcdef_bg.wasm";
    std::fs::write(d.join(wasm), b"\0asm raw").expect("write");
    std::fs::write(d.join(format!("{wasm}.br")), b"brotli bytes").expect("write");
    std::fs::write(d.join(format!("{wasm}.gz")), b"gzip bytes").expect("write");
    let fetch = |uri: &str, accept: &str| {
        let req = Request::get(uri)
            .header("accept-encoding", accept)
            .body(Body::empty())
            .expect("request");
        let app = app(state(d));
        async move {
            let res = app.oneshot(req).await.expect("response");
            let h = |name: &str| {
                res.headers()
                    .get(name)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("")
                    .to_string()
            };
            let (enc, cache, ctype) =
                (h("content-encoding"), h("cache-control"), h("content-type"));
            assert_eq!(
                h("vary"),
                "accept-encoding",
                "caches keep a copy per encoding"
            );
            let body = res.into_body().collect().await.expect("body").to_bytes();
            (enc, cache, ctype, body.to_vec())
        }
    };
    let path = format!("/{wasm}");
    let (enc, cache, ctype, body) = fetch(&path, "gzip, deflate, br, zstd").await;
    assert_eq!((enc.as_str(), &body[..]), ("br", &b"brotli bytes"[..]));
    assert_eq!(
        ctype, "application/wasm",
        "the type is the file's, not the copy's"
    );
    assert!(
        cache.contains("immutable"),
        "a hashed file is cached for good: {cache}"
    );
    let (enc, _, _, body) = fetch(&path, "gzip").await;
    assert_eq!((enc.as_str(), &body[..]), ("gzip", &b"gzip bytes"[..]));
    let (enc, _, _, body) = fetch(&path, "identity").await;
    assert_eq!((enc.as_str(), &body[..]), ("", &b"\0asm raw"[..]));

    // index.html (and any unhashed name) is revalidated, so a deploy shows at once; a
    // hashed name that is gone gets the app's HTML, never cached for good.
    let (_, cache, _, _) = fetch("/", "br").await;
    assert_eq!(cache, "no-cache");
    let (_, cache, ctype, _) = fetch("/app-fedcba9876543210_bg.wasm", "br").await;
    assert!(ctype.starts_with("text/html"));
    assert_eq!(cache, "no-cache");
}

#[tokio::test]
async fn the_openapi_document_lists_every_route_with_its_errors() {
    let dir = tempfile::tempdir().expect("tmp");
    let (s, ct, body) = get(app(state(dir.path())), "/api/openapi.json").await;
    assert_eq!(s, StatusCode::OK);
    assert!(ct.starts_with("application/json"));
    let v: Value = serde_json::from_slice(&body).expect("json");
    // Every operation the document lists is served: with its path parameters filled
    // in, each method reaches its handler (whatever it answers, it is not the API's
    // "no such endpoint" 404 nor a 405). The document is made from the routes, so
    // nothing served is missing from it.
    let paths = v["paths"].as_object().expect("paths");
    assert!(paths.len() >= 15, "{} paths", paths.len());
    let mut operations = 0;
    for (path, item) in paths {
        let uri = path
            .split('/')
            .map(|seg| match seg {
                "{file}" => "0.png",
                s if s.starts_with('{') => "00000000-0000-4000-8000-000000000000",
                s => s,
            })
            .collect::<Vec<_>>()
            .join("/");
        for method in ["get", "post", "delete"] {
            if item.get(method).is_none() {
                continue;
            }
            operations += 1;
            let res = app(state(dir.path()))
                .oneshot(
                    Request::builder()
                        .method(method.to_uppercase().as_str())
                        .uri(&uri)
                        .header("x-session-id", "00000000-0000-4000-8000-000000000000")
                        .body(Body::empty())
                        .expect("request"),
                )
                .await
                .expect("response");
            let status = res.status();
            let body = res.into_body().collect().await.expect("body").to_bytes();
            let text = String::from_utf8_lossy(&body);
            assert_ne!(
                status,
                StatusCode::METHOD_NOT_ALLOWED,
                "{method} {uri}: {text}"
            );
            assert!(
                !text.contains("no such API endpoint"),
                "{method} {path} is documented but not served"
            );
        }
    }
    assert!(operations >= 16, "{operations} operations");
    // And a path that is not an endpoint is the JSON 404.
    let (s, _, body) = get(app(state(dir.path())), "/api/nowhere").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert!(String::from_utf8_lossy(&body).contains("no such API endpoint"));
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
