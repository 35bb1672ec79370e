//! The relay's secrets stay in the relay: `zonal serve` runs as a process with every
//! provider key set (Gemini, Vision, the OpenAI-compatible key), its providers are local
//! servers that fail in the ways that produce error messages (HTTP errors, malformed
//! JSON), and neither any response body nor any line the process logs —
//! at `debug`, in JSON — contains a key. The built app bundle is checked by the e2e suite
//! (`e2e/tests/secrets.spec.ts`).

mod support;

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const GEMINI: &str = "gm-SECRET-6b0c1d2e";
const VISION: &str = "vis-SECRET-93af71c4";
const LLM: &str = "sk-or-SECRET-5e8d2a10";

type Seen = std::sync::Arc<std::sync::Mutex<Vec<String>>>;

/// A POST handler that records the `header` it was sent in `seen` and answers `reply`.
fn recording<R>(seen: &Seen, header: &'static str, reply: R) -> axum::routing::MethodRouter
where
    R: axum::response::IntoResponse + Clone + Send + Sync + 'static,
{
    let seen = seen.clone();
    axum::routing::post(move |h: axum::http::HeaderMap| {
        let (seen, reply) = (seen.clone(), reply.clone());
        async move {
            let k = h.get(header).and_then(|v| v.to_str().ok());
            seen.lock().expect("lock").push(k.unwrap_or("").to_string());
            reply
        }
    })
}

/// Gemini answers 400 with its error JSON, the OpenAI-compatible endpoint answers
/// malformed JSON, Vision answers 403; each records the credentials it was sent.
async fn failing_providers() -> (String, Seen) {
    let seen = Seen::default();
    let router = axum::Router::new()
        .route(
            "/v1beta/models/{call}",
            recording(
                &seen,
                "x-goog-api-key",
                (
                    axum::http::StatusCode::BAD_REQUEST,
                    axum::Json(json!({ "error": { "code": 400, "message": "API key not valid. Please pass a valid API key.", "status": "INVALID_ARGUMENT" } })),
                ),
            ),
        )
        .route(
            "/v1/images:annotate",
            recording(
                &seen,
                "x-goog-api-key",
                (
                    axum::http::StatusCode::FORBIDDEN,
                    axum::Json(json!({ "error": { "code": 403, "message": "Cloud Vision API has not been used in project 0 before or it is disabled.", "status": "PERMISSION_DENIED" } })),
                ),
            ),
        )
        .route(
            "/v1/chat/completions",
            recording(
                &seen,
                "authorization",
                ([("content-type", "application/json")], "{\"choices\": ["),
            ),
        );
    (support::spawn(router).await, seen)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_in_any_response_or_log_line() {
    let (fake, seen) = failing_providers().await;
    let dir = tempfile::tempdir().expect("tmp");
    let port = support::free_port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_zonal"))
        .args(["serve", "--port", &port.to_string(), "--log-json"])
        .arg("--data-dir")
        .arg(dir.path().join("data"))
        .arg("--dist")
        .arg(dir.path().join("dist"))
        .env("RUST_LOG", "debug")
        .env("GEMINI_API_KEY", GEMINI)
        .env("ZONAL_GEMINI_BASE_URL", &fake)
        .env("GOOGLE_VISION_API_KEY", VISION)
        .env("ZONAL_VISION_BASE_URL", &fake)
        .env("ZONAL_LLM_API_KEY", LLM)
        .env("ZONAL_LLM_BASE_URL", format!("{fake}/v1"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("zonal serve starts");
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    while http
        .get(format!("{base}/api/healthz"))
        .send()
        .await
        .is_err()
    {
        assert!(Instant::now() < deadline, "the relay did not start");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    let sid = uuid::Uuid::new_v4().to_string();
    let mut bodies = Vec::new();
    let mut record = |what: &str, status: u16, body: String| {
        bodies.push((what.to_string(), status, body));
    };
    for path in [
        "/api/config",
        "/api/openapi.json",
        "/metrics",
        "/api/healthz",
    ] {
        let r = http.get(format!("{base}{path}")).send().await.expect("get");
        record(
            path,
            r.status().as_u16(),
            r.text().await.unwrap_or_default(),
        );
    }
    // Structuring: Gemini refuses, the OpenAI-compatible reply is broken, the rules answer.
    let r = http
        .post(format!("{base}/api/structure"))
        .header("X-Session-Id", &sid)
        .json(&json!({ "filename": "a.pdf", "text": "Invoice number: INV-77\nTotal: 12.00 EUR" }))
        .send()
        .await
        .expect("structure");
    let status = r.status().as_u16();
    let structured: Value = r.json().await.unwrap_or(Value::Null);
    assert_eq!(status, 201, "{structured}");
    assert_eq!(structured["provider"], "rules", "{structured}");
    assert_eq!(
        structured["errors"].as_array().map(Vec::len),
        Some(2),
        "{structured}"
    );
    record("structure", status, structured.to_string());
    // OCR: Vision refuses, so the crop cannot be read (503 with Vision's reason).
    let png = {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD.encode(b"\x89PNG\r\n\x1a\nnot really")
    };
    let r = http
        .post(format!("{base}/api/regions"))
        .header("X-Session-Id", &sid)
        .json(&json!({ "filename": "a.pdf", "regions": [{ "page": 1, "pngBase64": png }] }))
        .send()
        .await
        .expect("regions");
    let status = r.status().as_u16();
    let body = r.text().await.unwrap_or_default();
    assert_eq!(status, 503, "{body}");
    assert!(body.contains("vision") && body.contains("403"), "{body}");
    record("regions", status, body);
    // A whole-PDF job, structured by the (failing) chain in a worker.
    let r = http
        .post(format!("{base}/api/jobs"))
        .header("X-Session-Id", &sid)
        .multipart(support::pdf_form("invoice2data/oyo.pdf", "oyo.pdf"))
        .send()
        .await
        .expect("upload");
    record(
        "upload",
        r.status().as_u16(),
        r.text().await.unwrap_or_default(),
    );
    let upload: Value =
        serde_json::from_str(&bodies.last().map(|b| b.2.clone()).unwrap_or_default())
            .unwrap_or(Value::Null);
    let job = upload["jobs"][0]["jobId"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert_eq!(
        support::wait_final(&base, &sid, &job).await["status"],
        "done"
    );
    let (_, list) = support::get_json(&base, &sid, &format!("/api/sessions/{sid}/jobs")).await;
    bodies.push(("list".into(), 200, list.to_string()));
    let _ = child.kill();
    let _ = child.wait();
    let mut logs = String::new();
    for pipe in [
        child.stdout.take().map(|mut p| {
            let mut s = String::new();
            let _ = p.read_to_string(&mut s);
            s
        }),
        child.stderr.take().map(|mut p| {
            let mut s = String::new();
            let _ = p.read_to_string(&mut s);
            s
        }),
    ]
    .into_iter()
    .flatten()
    {
        logs.push_str(&pipe);
    }

    // The providers got their keys (so the test is not vacuous)…
    let seen = seen.lock().expect("lock").clone();
    assert!(seen.iter().any(|k| k == GEMINI), "{seen:?}");
    assert!(seen.iter().any(|k| k == VISION), "{seen:?}");
    assert!(
        seen.iter().any(|k| *k == format!("Bearer {LLM}")),
        "{seen:?}"
    );
    // …the logs speak of the failures…
    assert!(logs.lines().count() > 5, "{logs}");
    assert!(logs.contains("structuring provider failed"), "{logs}");
    // …and no key is anywhere else.
    for secret in [GEMINI, VISION, LLM] {
        for (what, status, body) in &bodies {
            assert!(
                !body.contains(secret),
                "{what} ({status}) holds a secret: {body}"
            );
        }
        for line in logs.lines() {
            assert!(!line.contains(secret), "a log line holds a secret: {line}");
        }
    }
}
