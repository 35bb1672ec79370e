//! Limits that protect the bill, over real HTTP on loopback: a burst over the request
//! rate gets `429` with `Retry-After` in the relay's JSON error, per client address and
//! per session; daily quotas hold across two relay instances sharing one store (SQLite,
//! and Firestore's emulator), and the paid providers behind them see no more calls than
//! the quota.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use relay::config::ServeConfig;
use relay::jobs::JobStore;
use relay::state::AppState;
use serde_json::{Value, json};

/// A relay on loopback around `store`, no workers, after `tune`.
async fn relay_on(
    store: Arc<dyn JobStore>,
    dir: &std::path::Path,
    tune: impl FnOnce(&mut ServeConfig),
) -> String {
    let mut config = ServeConfig {
        data_dir: dir.join("data"),
        dist: dir.join("dist"),
        workers: 0,
        ..ServeConfig::default()
    };
    tune(&mut config);
    let state = AppState::with_store(config, store);
    support::spawn(relay::server::app(state)).await
}

/// `POST base+path` with JSON, a session and a client address; status, `Retry-After`
/// and body.
async fn post(
    base: &str,
    path: &str,
    sid: &str,
    addr: &str,
    body: &Value,
) -> (u16, Option<u64>, Value) {
    let res = reqwest::Client::new()
        .post(format!("{base}{path}"))
        .header("X-Session-Id", sid)
        .header("X-Forwarded-For", format!("203.0.113.9, {addr}"))
        .json(body)
        .send()
        .await
        .expect("post");
    let status = res.status().as_u16();
    let retry = res
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok());
    (status, retry, res.json().await.unwrap_or(Value::Null))
}

fn structure_body() -> Value {
    json!({ "filename": "a.pdf", "text": "Invoice INV-7\nDate 2024-03-01\nTotal EUR 12.00" })
}

fn sid() -> String {
    uuid::Uuid::new_v4().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_over_the_rate_gets_429_with_retry_after_per_address_and_per_session() {
    let dir = tempfile::tempdir().expect("tmp");
    let (base, _) = support::relay_in(dir.path(), |c| {
        c.rate_limit_per_minute = 6;
        c.rate_limit_burst = 3;
        c.trust_forwarded_for = true;
    })
    .await;
    let (a, b) = (sid(), sid());
    let mut statuses = Vec::new();
    for _ in 0..5 {
        statuses.push(
            post(
                &base,
                "/api/structure",
                &a,
                "198.51.100.1",
                &structure_body(),
            )
            .await,
        );
    }
    let codes: Vec<u16> = statuses.iter().map(|s| s.0).collect();
    assert_eq!(
        codes,
        [201, 201, 201, 429, 429],
        "a burst of 3, then refused"
    );
    let (_, retry, body) = &statuses[3];
    let retry = retry.expect("Retry-After header");
    assert!((1..=10).contains(&retry), "one request per 10 s: {retry}");
    assert_eq!(
        body["retryAfter"],
        json!(retry),
        "the JSON error says it too: {body}"
    );
    assert!(
        body["error"]
            .as_str()
            .unwrap_or("")
            .contains("too many requests"),
        "{body}"
    );

    // Another address with another session is not held back by the first one's burst…
    assert_eq!(
        post(
            &base,
            "/api/structure",
            &b,
            "198.51.100.2",
            &structure_body()
        )
        .await
        .0,
        201
    );
    // …but the first session is, from any address; and so is the first address with
    // any session (the last X-Forwarded-For entry is the client's, the one the proxy
    // added; what the client put before it does not count).
    assert_eq!(
        post(
            &base,
            "/api/structure",
            &a,
            "198.51.100.3",
            &structure_body()
        )
        .await
        .0,
        429
    );
    assert_eq!(
        post(
            &base,
            "/api/structure",
            &sid(),
            "198.51.100.1",
            &structure_body()
        )
        .await
        .0,
        429
    );
    // Endpoints that cost nothing are not limited.
    let (s, _) = support::get_json(&base, &a, "/api/healthz").await;
    assert_eq!(s, 200);
}

/// A counting stand-in for Vision's `images:annotate` and an OpenAI-compatible
/// chat-completions endpoint.
async fn paid_providers() -> (String, Arc<AtomicU32>, Arc<AtomicU32>) {
    let (ocr, llm) = (Arc::new(AtomicU32::new(0)), Arc::new(AtomicU32::new(0)));
    let (o, l) = (ocr.clone(), llm.clone());
    let router = axum::Router::new()
        .route(
            "/v1/images:annotate",
            axum::routing::post(move || {
                o.fetch_add(1, Ordering::SeqCst);
                async {
                    axum::Json(json!({ "responses": [{ "fullTextAnnotation": {
                        "text": "INV-7",
                        "pages": [{ "blocks": [{ "paragraphs": [{ "words": [{
                            "boundingBox": { "vertices": [{"x": 0, "y": 0}, {"x": 50, "y": 0}, {"x": 50, "y": 20}, {"x": 0, "y": 20}] },
                            "symbols": [{"text": "INV-7"}], "confidence": 0.97 }] }] }] }]
                    } }] }))
                }
            }),
        )
        .route(
            "/v1/chat/completions",
            axum::routing::post(move || {
                l.fetch_add(1, Ordering::SeqCst);
                async {
                    let invoice = json!({ "invoiceNumber": "INV-7", "total": "12.00", "currency": "EUR", "lineItems": [] });
                    axum::Json(json!({ "choices": [{ "message": { "role": "assistant", "content": invoice.to_string() } }] }))
                }
            }),
        );
    (support::spawn(router).await, ocr, llm)
}

/// Two relays on one store, OCR quota 3, AI quota 2, shares 1 MB a day.
async fn quotas_hold_across_instances(store: Arc<dyn JobStore>, name: &str) {
    let dir = tempfile::tempdir().expect("tmp");
    let (provider, ocr_calls, llm_calls) = paid_providers().await;
    let tune = |c: &mut ServeConfig| {
        c.rate_limit_per_minute = 0;
        c.daily_ocr_quota = 3;
        c.daily_llm_quota = 2;
        c.daily_share_mb = 1;
        c.vision_api_key = Some("k".into());
        c.vision_base_url = provider.clone();
        c.llm_base_url = Some(format!("{provider}/v1"));
    };
    let one = relay_on(store.clone(), &dir.path().join("1"), tune).await;
    let two = relay_on(store, &dir.path().join("2"), tune).await;
    let png = {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD.encode(b"\x89PNG\r\n\x1a\n crop")
    };
    let regions = json!({ "filename": "scan.pdf", "regions": [
        { "page": 1, "rect": { "x0": 0.0, "y0": 0.0, "x1": 100.0, "y1": 20.0 }, "field": "invoiceNumber", "pngBase64": png }
    ] });
    let mut codes = Vec::new();
    for i in 0..5 {
        let base = if i % 2 == 0 { &one } else { &two };
        let (s, retry, body) = post(base, "/api/regions", &sid(), "198.51.100.7", &regions).await;
        if s == 429 {
            assert!(retry.is_some_and(|r| r <= 86_400), "{name}: {body}");
            assert!(
                body["error"]
                    .as_str()
                    .unwrap_or("")
                    .contains("daily OCR quota"),
                "{name}: {body}"
            );
        }
        codes.push(s);
    }
    assert_eq!(
        codes,
        [201, 201, 201, 429, 429],
        "{name}: OCR quota 3 over two relays"
    );
    assert_eq!(
        ocr_calls.load(Ordering::SeqCst),
        3,
        "{name}: Vision saw the quota, no more"
    );

    let mut codes = Vec::new();
    for i in 0..4 {
        let base = if i % 2 == 0 { &two } else { &one };
        codes.push(
            post(
                base,
                "/api/structure",
                &sid(),
                "198.51.100.7",
                &structure_body(),
            )
            .await
            .0,
        );
    }
    assert_eq!(
        codes,
        [201, 201, 429, 429],
        "{name}: AI quota 2 over two relays"
    );
    assert_eq!(
        llm_calls.load(Ordering::SeqCst),
        2,
        "{name}: the model saw the quota, no more"
    );

    // Shares: 600 KB stored, then 600 KB more is over the day's 1 MB.
    let sealed = wasm_core::share::seal(&vec![b'x'; 600 * 1024], &[1u8; 32], &[0u8; 12]);
    let mut codes = Vec::new();
    for base in [&one, &two] {
        let res = reqwest::Client::new()
            .post(format!("{base}/api/shares"))
            .header("content-type", "application/octet-stream")
            .header("X-Session-Id", sid())
            .body(sealed.clone())
            .send()
            .await
            .expect("post");
        codes.push(res.status().as_u16());
    }
    assert_eq!(codes, [201, 429], "{name}: share storage quota");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn daily_quotas_hold_across_two_relays_on_sqlite_and_firestore() {
    let dir = tempfile::tempdir().expect("tmp");
    let sqlite =
        relay::jobs::sqlite::SqliteStore::open(&dir.path().join("jobs.sqlite")).expect("sqlite");
    quotas_hold_across_instances(Arc::new(sqlite), "sqlite").await;
    if support::firestore_emulator().is_some() {
        let collection = format!("limits-{}", uuid::Uuid::new_v4().simple());
        let fs = relay::jobs::firestore::FirestoreStore::connect("zonal-test", &collection)
            .await
            .expect("firestore");
        quotas_hold_across_instances(Arc::new(fs), "firestore").await;
    }
}
