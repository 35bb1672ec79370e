//! Contract tests of the structuring providers against local servers that speak Gemini's
//! `generateContent` and OpenRouter's (OpenAI's) chat-completions JSON: the relay's
//! requests are checked (path, auth header, schema), and the servers answer with valid
//! replies, prose, malformed JSON, 429 with Retry-After, 5xx and timeouts.

mod support;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Json;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use relay::providers::llm::{Structurer, structure_chain};
use serde_json::{Value, json};

const KEY: &str = "test-key-123";

/// What the fake answers, one entry per call (the last one repeats).
#[derive(Clone)]
enum Answer {
    Invoice(&'static str),
    Prose,
    Malformed,
    Status(u16, Option<&'static str>),
    Slow(Duration),
}

#[derive(Clone, Default)]
struct Fake {
    answers: Arc<Mutex<Vec<Answer>>>,
    calls: Arc<Mutex<Vec<Value>>>,
}

fn invoice(number: &str) -> String {
    json!({
        "invoiceNumber": number, "invoiceDate": "2025-03-12", "dueDate": null,
        "vendorName": "ACME B.V.", "currency": "EUR", "subtotal": "100.00", "tax": "21.00",
        "total": "121.00", "lineItems": [{"description": "Widget", "quantity": "1",
        "unitPrice": "100.00", "lineTotal": "100.00"}]
    })
    .to_string()
}

impl Fake {
    fn next(&self) -> Answer {
        let mut a = self.answers.lock().expect("lock");
        if a.len() > 1 {
            a.remove(0)
        } else {
            a[0].clone()
        }
    }
}

async fn respond(f: &Fake, gemini: bool, headers: &HeaderMap, body: Value) -> Response {
    // The request is what the documented APIs expect.
    if gemini {
        assert_eq!(
            headers.get("x-goog-api-key").and_then(|v| v.to_str().ok()),
            Some(KEY)
        );
        assert_eq!(
            body["generationConfig"]["responseMimeType"],
            "application/json"
        );
        assert_eq!(body["generationConfig"]["responseSchema"]["type"], "OBJECT");
        assert!(body["contents"][0]["parts"][0]["text"].is_string());
    } else {
        let auth = format!("Bearer {KEY}");
        assert_eq!(
            headers.get("authorization").and_then(|v| v.to_str().ok()),
            Some(auth.as_str())
        );
        assert_eq!(body["response_format"]["type"], "json_schema");
        assert_eq!(body["response_format"]["json_schema"]["strict"], true);
        assert_eq!(body["messages"][1]["role"], "user");
    }
    f.calls.lock().expect("lock").push(body);
    let wrap = |text: String| {
        if gemini {
            json!({ "candidates": [{ "content": { "role": "model", "parts": [{ "text": text }] }, "finishReason": "STOP" }] })
        } else {
            json!({ "id": "gen-1", "choices": [{ "index": 0, "message": { "role": "assistant", "content": text }, "finish_reason": "stop" }] })
        }
    };
    match f.next() {
        Answer::Invoice(n) => Json(wrap(invoice(n))).into_response(),
        Answer::Prose => Json(wrap("The invoice total is 121 euros.".into())).into_response(),
        Answer::Malformed => (
            StatusCode::OK,
            [("content-type", "application/json")],
            "{\"choices\": [",
        )
            .into_response(),
        Answer::Status(code, retry_after) => {
            let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let mut r = (
                status,
                Json(json!({ "error": { "code": code, "message": "nope" } })),
            )
                .into_response();
            if let Some(ra) = retry_after {
                r.headers_mut()
                    .insert("retry-after", ra.parse().expect("header"));
            }
            r
        }
        Answer::Slow(d) => {
            tokio::time::sleep(d).await;
            Json(wrap(invoice("SLOW"))).into_response()
        }
    }
}

async fn serve(answers: Vec<Answer>) -> (String, Fake) {
    let f = Fake {
        answers: Arc::new(Mutex::new(answers)),
        ..Fake::default()
    };
    let (g, o) = (f.clone(), f.clone());
    let router = axum::Router::new()
        .route(
            "/v1beta/models/{call}",
            post(
                move |axum::extract::Path(call): axum::extract::Path<String>,
                      h: HeaderMap,
                      Json(b): Json<Value>| {
                    let g = g.clone();
                    async move {
                        assert_eq!(call, "gemini-2.5-flash:generateContent");
                        respond(&g, true, &h, b).await
                    }
                },
            ),
        )
        .route(
            "/api/v1/chat/completions",
            post(move |h: HeaderMap, Json(b): Json<Value>| {
                let o = o.clone();
                async move { respond(&o, false, &h, b).await }
            }),
        );
    let base = support::spawn(router).await;
    (base, f)
}

fn gemini(base: &str) -> Structurer {
    Structurer::Gemini {
        base_url: base.into(),
        model: "gemini-2.5-flash".into(),
        api_key: KEY.into(),
        http: reqwest::Client::new(),
    }
}

fn openrouter(base: &str) -> Structurer {
    Structurer::OpenAi {
        base_url: format!("{base}/api/v1"),
        model: "google/gemini-2.5-flash".into(),
        api_key: Some(KEY.into()),
        http: reqwest::Client::new(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gemini_429_with_retry_after_is_waited_out() {
    let (base, f) = serve(vec![Answer::Status(429, Some("1")), Answer::Invoice("G-1")]).await;
    let started = Instant::now();
    let inv = gemini(&base)
        .structure("job-1", "Factuur G-1")
        .await
        .expect("invoice");
    assert_eq!(inv.invoice_number.as_deref(), Some("G-1"));
    assert_eq!(inv.total.map(|d| d.to_string()).as_deref(), Some("121.00"));
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After honoured"
    );
    assert_eq!(f.calls.lock().expect("lock").len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prose_from_gemini_falls_through_to_openrouter() {
    let (g, _) = serve(vec![Answer::Prose]).await;
    let (o, _) = serve(vec![Answer::Invoice("OR-7")]).await;
    let (got, errors) = structure_chain(&[gemini(&g), openrouter(&o)], "job-2", "text").await;
    let (inv, by) = got.expect("an invoice");
    assert_eq!(
        (inv.invoice_number.as_deref(), by),
        (Some("OR-7"), "openai-compatible")
    );
    assert!(
        errors[0].contains("gemini") && errors[0].contains("not an invoice"),
        "{errors:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_json_5xx_and_client_errors_are_errors() {
    let (o, f) = serve(vec![Answer::Malformed]).await;
    let e = openrouter(&o)
        .structure("job-3", "t")
        .await
        .expect_err("malformed");
    assert!(e.contains("not JSON"), "{e}");
    assert_eq!(f.calls.lock().expect("lock").len(), 1);

    let (o, f) = serve(vec![Answer::Status(503, None)]).await;
    let e = openrouter(&o)
        .structure("job-4", "t")
        .await
        .expect_err("503");
    assert!(e.contains("503") && e.contains("3 attempts"), "{e}");
    assert_eq!(f.calls.lock().expect("lock").len(), 3, "5xx retried");

    let (o, f) = serve(vec![Answer::Status(400, None)]).await;
    let e = openrouter(&o)
        .structure("job-5", "t")
        .await
        .expect_err("400");
    assert!(e.contains("400"), "{e}");
    assert_eq!(
        f.calls.lock().expect("lock").len(),
        1,
        "a client error is not retried"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_provider_that_hangs_times_out_and_the_chain_ends_empty() {
    let (g, f) = serve(vec![Answer::Slow(Duration::from_secs(5))]).await;
    let started = Instant::now();
    let e = gemini(&g)
        .structure_with_timeout("job-6", "t", Duration::from_millis(200))
        .await
        .expect_err("timeout");
    assert!(e.contains("3 attempts"), "{e}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(f.calls.lock().expect("lock").len(), 3);
    let (got, errors) = structure_chain(&[], "job-7", "t").await;
    assert!(got.is_none() && errors.is_empty());
}

async fn post_structure(base: &str, sid: &str, body: String) -> (u16, Value) {
    let res = reqwest::Client::new()
        .post(format!("{base}/api/structure"))
        .header("X-Session-Id", sid)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .expect("structure");
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

/// "Structure with AI": the browser's text goes through the chain (Gemini's prose falls
/// through to OpenRouter); the provider's invoice comes back as it is, with the provider's
/// name and Gemini's failure, and the job is recorded, done, in the session.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn structure_endpoint_runs_the_chain_on_the_browsers_text() {
    let (g, _) = serve(vec![Answer::Prose]).await;
    let (o, seen) = serve(vec![Answer::Invoice("OR-9")]).await;
    let dir = tempfile::tempdir().expect("tmp");
    let (base, _) = support::relay_in(dir.path(), |c| {
        c.gemini_api_key = Some(KEY.into());
        c.gemini_base_url = g;
        c.llm_base_url = Some(format!("{o}/api/v1"));
        c.llm_api_key = Some(KEY.into());
    })
    .await;
    let sid = uuid::Uuid::new_v4().to_string();
    let text = "invoiceNumber: OR-9\ntotal: 121,00 EUR";
    let body = json!({ "filename": "acme.pdf", "text": text }).to_string();
    let (s, v) = post_structure(&base, &sid, body).await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["provider"], "openai-compatible");
    assert_eq!(v["resultJson"]["invoiceNumber"], "OR-9");
    assert_eq!(v["resultJson"]["lineItems"][0]["description"], "Widget");
    assert!(
        v["errors"][0].as_str().unwrap_or("").contains("gemini"),
        "{v}"
    );
    let c = v["confidence"]["score"].as_f64().unwrap_or(0.0);
    assert!(c > 0.5 && c <= 1.0, "{v}");
    let prompt = seen.calls.lock().expect("lock")[0]["messages"][1]["content"].clone();
    assert!(prompt.as_str().unwrap_or("").contains("OR-9"), "{prompt}");
    let (_, list) = support::get_json(&base, &sid, &format!("/api/sessions/{sid}/jobs")).await;
    assert_eq!(list["jobs"][0]["status"], "done", "{list}");
    assert_eq!(list["jobs"][0]["filename"], "acme.pdf");
}

/// With no provider configured, or all failing, the rule parser reads the text: the oyo
/// receipt's layout text gives its invoice number and total.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn structure_endpoint_falls_back_to_the_rules_and_refuses_bad_bodies() {
    let dir = tempfile::tempdir().expect("tmp");
    let (base, _) = support::relay_in(dir.path(), |_| {}).await;
    let doc = wasm_core::Document::open(
        std::fs::read(support::corpus("invoice2data/oyo.pdf")).expect("oyo"),
        None,
    )
    .expect("opens");
    let text = doc.page_text(1).expect("text").layout_text();
    let sid = uuid::Uuid::new_v4().to_string();
    let body = json!({ "filename": "oyo.pdf", "text": text }).to_string();
    let (s, v) = post_structure(&base, &sid, body).await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["provider"], "rules");
    assert_eq!(v["resultJson"]["invoiceNumber"], "IBZY2087", "{v}");
    assert_eq!(v["resultJson"]["total"], "1939", "{v}");

    let long = "x".repeat(200_001);
    for (what, body, want) in [
        ("not JSON", "filename=a.pdf".to_string(), 400),
        (
            "no text",
            json!({ "filename": "a.pdf", "text": "  " }).to_string(),
            400,
        ),
        (
            "no filename",
            json!({ "filename": "", "text": "x" }).to_string(),
            400,
        ),
        (
            "too long",
            json!({ "filename": "a.pdf", "text": long }).to_string(),
            413,
        ),
    ] {
        let (s, v) = post_structure(&base, &sid, body).await;
        assert_eq!(s, want, "{what}: {v}");
        assert!(v["error"].is_string(), "{what}: {v}");
    }
    let (s, _) = post_structure(
        &base,
        "not-a-uuid",
        json!({ "filename": "a.pdf", "text": "x" }).to_string(),
    )
    .await;
    assert_eq!(s, 400);
}
