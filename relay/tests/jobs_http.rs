//! The job API end to end over real HTTP on loopback: the relay serves on an ephemeral
//! port with its embedded store (SQLite in a temporary directory) and in-process
//! workers, and a reqwest client does what the browser would.

mod support;

use std::path::Path;
use std::time::{Duration, Instant};

use relay::config::ServeConfig;
use relay::server::app;
use relay::state::AppState;
use reqwest::multipart::{Form, Part};
use serde_json::Value;

use support::corpus;

struct Relay {
    base: String,
    state: AppState,
    _dir: tempfile::TempDir,
}

async fn start(tune: impl FnOnce(&mut ServeConfig)) -> Relay {
    start_on("sqlite", tune).await
}

/// A relay on the given store: `sqlite` (a temporary file) or `firestore` (the emulator,
/// a fresh collection).
async fn start_on(store: &str, tune: impl FnOnce(&mut ServeConfig)) -> Relay {
    let dir = tempfile::tempdir().expect("tmp");
    let mut config = ServeConfig {
        dist: dir.path().join("dist"),
        data_dir: dir.path().join("data"),
        retry_backoff_ms: 50,
        store: clap::ValueEnum::from_str(store, false).expect("a store kind"),
        firestore_project: "zonal-test".into(),
        firestore_collection: format!("jobs-{}", uuid::Uuid::new_v4().simple()),
        ..ServeConfig::default()
    };
    tune(&mut config);
    let state = AppState::connect(config).await.expect("state");
    state.spawn_background();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let router = app(state.clone());
    tokio::spawn(async move { axum::serve(listener, router).await });
    Relay {
        base,
        state,
        _dir: dir,
    }
}

fn session() -> String {
    uuid::Uuid::new_v4().to_string()
}

fn pdf_part(rel: &str) -> Part {
    let bytes = std::fs::read(corpus(rel)).expect("corpus file");
    let name = Path::new(rel)
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("x.pdf")
        .to_string();
    Part::bytes(bytes)
        .file_name(name)
        .mime_str("application/pdf")
        .expect("mime")
}

async fn upload(r: &Relay, sid: &str, form: Form) -> (u16, Value) {
    let res = reqwest::Client::new()
        .post(format!("{}/api/jobs", r.base))
        .header("X-Session-Id", sid)
        .multipart(form)
        .send()
        .await
        .expect("response");
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn get_json(r: &Relay, sid: &str, path: &str) -> (u16, Value) {
    let res = reqwest::Client::new()
        .get(format!("{}{path}", r.base))
        .header("X-Session-Id", sid)
        .send()
        .await
        .expect("response");
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn wait_final(r: &Relay, sid: &str, job: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let (s, v) = get_json(r, sid, &format!("/api/jobs/{job}")).await;
        assert_eq!(s, 200, "{v}");
        if v["status"] == "done" || v["status"] == "failed" {
            return v;
        }
        assert!(Instant::now() < deadline, "job stuck: {v}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upload_follow_export_and_delete_a_session_on_sqlite() {
    upload_follow_export_and_delete(start(|_| {}).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upload_follow_export_and_delete_a_session_on_firestore() {
    if support::firestore_emulator().is_some() {
        upload_follow_export_and_delete(start_on("firestore", |_| {}).await).await;
    }
}

async fn upload_follow_export_and_delete(r: Relay) {
    let sid = session();
    let form = Form::new()
        .part("files[]", pdf_part("invoice2data/oyo.pdf"))
        .part("files[]", pdf_part("zugferd/xr_EN16931_Einfach.pdf"));
    let (s, v) = upload(&r, &sid, form).await;
    assert_eq!(s, 202, "{v}");
    assert_eq!(v["sessionId"], sid.as_str());
    assert_eq!(v["limits"]["maxFiles"], 10);
    let jobs: Vec<String> = v["jobs"]
        .as_array()
        .expect("jobs")
        .iter()
        .map(|j| j["jobId"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(jobs.len(), 2);

    // Live progress until done.
    let events = reqwest::Client::new()
        .get(format!("{}/api/jobs/{}/events", r.base, jobs[0]))
        .header("X-Session-Id", &sid)
        .send()
        .await
        .expect("events");
    assert_eq!(
        events
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("text/event-stream")
    );
    let text = tokio::time::timeout(Duration::from_secs(60), events.text())
        .await
        .expect("the stream ends after done")
        .expect("body");
    assert!(text.contains("event: progress"), "{text}");
    assert!(
        text.contains(r#""status":"done""#) && text.contains(r#""percent":100"#),
        "{text}"
    );

    let oyo = wait_final(&r, &sid, &jobs[0]).await;
    assert_eq!(oyo["status"], "done", "{oyo}");
    // oyo.expected.json: invoice_number IBZY2087, amount 1939.
    assert_eq!(oyo["resultJson"]["invoiceNumber"], "IBZY2087");
    assert_eq!(oyo["resultJson"]["total"], "1939");
    assert!(oyo["confidenceScore"].as_f64().unwrap_or(0.0) > 0.5);
    for st in [
        "uploaded",
        "queued",
        "processing",
        "extracting",
        "llm",
        "done",
    ] {
        assert!(oyo["stages"].get(st).is_some(), "stage {st}: {oyo}");
    }
    let xr = wait_final(&r, &sid, &jobs[1]).await;
    assert_eq!(xr["resultJson"]["total"], "529.87", "{xr}");

    let (s, list) = get_json(&r, &sid, &format!("/api/sessions/{sid}/jobs")).await;
    assert_eq!(s, 200);
    assert_eq!(list["jobs"].as_array().map(Vec::len), Some(2));

    let csv = reqwest::Client::new()
        .get(format!("{}/api/sessions/{sid}/export.csv", r.base))
        .header("X-Session-Id", &sid)
        .send()
        .await
        .expect("csv")
        .text()
        .await
        .expect("text");
    assert!(csv.starts_with("invoiceNumber,invoiceDate,vendorName,currency,subtotal,tax,total,dueDate,lineItemIndex,description,quantity,unitPrice,lineTotal,confidenceScore,filename\r\n"));
    assert!(
        csv.contains("IBZY2087") && csv.contains(",oyo.pdf\r\n"),
        "{csv}"
    );
    assert_eq!(
        csv.matches("xr_EN16931_Einfach.pdf").count(),
        2,
        "one row per line item"
    );

    // The PDFs are gone once the jobs are done.
    let blobs = r.state.config.data_dir.join("blobs/uploads").join(&sid);
    let left = std::fs::read_dir(&blobs).map(|d| d.count()).unwrap_or(0);
    assert_eq!(left, 0, "PDFs kept after done");

    let res = reqwest::Client::new()
        .delete(format!("{}/api/sessions/{sid}", r.base))
        .header("X-Session-Id", &sid)
        .send()
        .await
        .expect("delete");
    assert_eq!(res.status().as_u16(), 204);
    let (s, _) = get_json(&r, &sid, &format!("/api/jobs/{}", jobs[0])).await;
    assert_eq!(s, 404);
}

/// Every client mistake gets the right 4xx with a JSON error, and nothing is stored.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_inputs_get_clear_4xx_and_lose_nothing() {
    let r = start(|c| {
        c.max_files = 2;
        c.max_size_mb = 1;
        c.max_pages = 3;
    })
    .await;
    let sid = session();
    let big = vec![b'%'; 1024 * 1024 + 10];
    let text = |name: &str, mime: &str, bytes: Vec<u8>| {
        Part::bytes(bytes)
            .file_name(name.to_string())
            .mime_str(mime)
            .expect("mime")
    };
    let cases: Vec<(&str, Form, u16)> = vec![
        (
            "wrong MIME",
            Form::new().part("files[]", text("a.txt", "text/plain", b"hello".to_vec())),
            415,
        ),
        (
            "not a PDF named .pdf",
            Form::new().part(
                "files[]",
                text("a.pdf", "application/pdf", b"GIF89a....".to_vec()),
            ),
            415,
        ),
        (
            "oversize",
            Form::new().part("files[]", text("big.pdf", "application/pdf", big)),
            413,
        ),
        (
            "too many files",
            Form::new()
                .part("files[]", pdf_part("invoice2data/oyo.pdf"))
                .part("files[]", pdf_part("invoice2data/oyo.pdf"))
                .part("files[]", pdf_part("invoice2data/oyo.pdf")),
            413,
        ),
        (
            "too many pages",
            Form::new().part("files[]", pdf_part("icdar2013/eu-007.pdf")),
            422,
        ),
        (
            "malformed PDF",
            Form::new().part(
                "files[]",
                text("m.pdf", "application/pdf", b"%PDF-1.4\n1 0 obj <<".to_vec()),
            ),
            422,
        ),
        (
            "encrypted PDF",
            Form::new().part("files[]", pdf_part("pdfplumber/password-example.pdf")),
            422,
        ),
        ("no files", Form::new().text("note", "hi"), 400),
        ("empty form", Form::new(), 400),
        (
            "one good, one bad: all refused",
            Form::new()
                .part("files[]", pdf_part("invoice2data/oyo.pdf"))
                .part(
                    "files[]",
                    text("a.pdf", "application/pdf", b"nope".to_vec()),
                ),
            415,
        ),
    ];
    for (what, form, want) in cases {
        let (s, v) = upload(&r, &sid, form).await;
        assert_eq!(s, want, "{what}: {v}");
        assert!(
            v["error"].as_str().is_some_and(|e| !e.is_empty()),
            "{what}: {v}"
        );
    }
    let (s, v) = get_json(&r, &sid, &format!("/api/sessions/{sid}/jobs")).await;
    assert_eq!(
        (s, v["jobs"].as_array().map(Vec::len)),
        (200, Some(0)),
        "nothing stored"
    );

    // Requests malformed below the form: each is the relay's JSON error, never axum's
    // plain-text rejection.
    let client = reqwest::Client::new();
    let url = |p: &str| format!("{}{p}", r.base);
    let raw: Vec<(&str, reqwest::RequestBuilder, u16)> = vec![
        (
            "missing session",
            client.get(url(&format!("/api/sessions/{sid}/jobs"))),
            400,
        ),
        (
            "malformed session",
            client
                .get(url(&format!("/api/sessions/{sid}/jobs")))
                .header("X-Session-Id", "not-a-uuid"),
            400,
        ),
        (
            "a JSON body where a form is expected",
            client
                .post(url("/api/jobs"))
                .header("X-Session-Id", &sid)
                .header("content-type", "application/json")
                .body("{not json"),
            400,
        ),
        (
            "a urlencoded form",
            client
                .post(url("/api/jobs"))
                .header("X-Session-Id", &sid)
                .form(&[("files[]", "oyo.pdf")]),
            400,
        ),
        (
            "multipart without a boundary",
            client
                .post(url("/api/jobs"))
                .header("X-Session-Id", &sid)
                .header("content-type", "multipart/form-data")
                .body("--x--"),
            400,
        ),
        (
            "regions: not JSON",
            client
                .post(url("/api/regions"))
                .header("X-Session-Id", &sid)
                .body("{not json"),
            400,
        ),
        (
            "regions: an unknown invoice field",
            client
                .post(url("/api/regions"))
                .header("X-Session-Id", &sid)
                .json(&serde_json::json!({"filename": "a.pdf", "regions": [{"page": 1, "field": "vat", "text": "x"}]})),
            400,
        ),
        (
            "structure: the wrong shape",
            client
                .post(url("/api/structure"))
                .header("X-Session-Id", &sid)
                .json(&serde_json::json!({"text": 12})),
            400,
        ),
        (
            "shares: ttlHours not a number",
            client
                .post(url("/api/shares?ttlHours=soon"))
                .header("X-Session-Id", &sid)
                .body("sealed"),
            400,
        ),
        (
            "a path that is not UTF-8",
            client
                .get(url("/api/jobs/%FF%FE"))
                .header("X-Session-Id", &sid),
            400,
        ),
        (
            "no such endpoint",
            client.get(url("/api/nothing")).header("X-Session-Id", &sid),
            404,
        ),
    ];
    for (what, req, want) in raw {
        let res = req.send().await.expect("request");
        let status = res.status().as_u16();
        let ctype = res
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let body = res.text().await.unwrap_or_default();
        assert_eq!(status, want, "{what}: {body}");
        assert!(
            ctype.starts_with("application/json"),
            "{what}: {ctype} {body}"
        );
        let v: Value =
            serde_json::from_str(&body).unwrap_or_else(|e| panic!("{what}: {e}: {body}"));
        assert!(
            v["error"].as_str().is_some_and(|e| !e.is_empty()),
            "{what}: {body}"
        );
    }

    // Unknown job, another session's job, another session's list.
    let (s, _) = get_json(&r, &sid, &format!("/api/jobs/{}", uuid::Uuid::new_v4())).await;
    assert_eq!(s, 404);
    let (s, v) = upload(
        &r,
        &sid,
        Form::new().part("files[]", pdf_part("invoice2data/oyo.pdf")),
    )
    .await;
    assert_eq!(s, 202);
    let job = v["jobs"][0]["jobId"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let other = session();
    let (s, _) = get_json(&r, &other, &format!("/api/jobs/{job}")).await;
    assert_eq!(s, 404, "another session's job is invisible");
    let (s, _) = get_json(&r, &other, &format!("/api/sessions/{sid}/jobs")).await;
    assert_eq!(s, 403);
    // Retrying a job that did not fail.
    let done = wait_final(&r, &sid, &job).await;
    assert_eq!(done["status"], "done");
    let res = client
        .post(format!("{}/api/jobs/{job}/retry", r.base))
        .header("X-Session-Id", &sid)
        .send()
        .await
        .expect("r");
    assert_eq!(res.status().as_u16(), 409);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_huge_body_is_cut_off_at_the_limit() {
    let r = start(|c| {
        c.max_files = 1;
        c.max_size_mb = 1;
    })
    .await;
    // 1 GB of zeros, generated as it is sent: the relay must refuse it without reading
    // it all.
    let chunk = bytes_of(1 << 20);
    let stream =
        futures_util::stream::iter((0..1024).map(move |_| Ok::<_, std::io::Error>(chunk.clone())));
    let started = Instant::now();
    let res = reqwest::Client::new()
        .post(format!("{}/api/jobs", r.base))
        .header("X-Session-Id", session())
        .header("content-type", "multipart/form-data; boundary=XYZ")
        .body(reqwest::Body::wrap_stream(stream))
        .send()
        .await;
    if let Ok(res) = res {
        assert_eq!(res.status().as_u16(), 413);
    }
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "{:?}",
        started.elapsed()
    );
    let (s, _) = get_json(&r, &session(), "/api/healthz").await;
    assert_eq!(s, 200, "still serving");
}

fn bytes_of(n: usize) -> Vec<u8> {
    let mut v = b"--XYZ\r\nContent-Disposition: form-data; name=\"files[]\"; filename=\"a.pdf\"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.4\n".to_vec();
    v.resize(n, 0);
    v
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_of_a_failed_job_whose_pdf_is_gone_needs_a_reupload() {
    let r = start(|c| c.workers = 0).await;
    let sid = session();
    let mut job = relay::jobs::Job::new(uuid::Uuid::new_v4().to_string(), &sid, "gone.pdf", 10, 1);
    job.has_blob = false;
    job.advance(relay::jobs::Status::Failed);
    job.error = Some("the PDF is no longer stored; upload it again".into());
    r.state.store.insert(&job).await.expect("insert");
    let res = reqwest::Client::new()
        .post(format!("{}/api/jobs/{}/retry", r.base, job.job_id))
        .header("X-Session-Id", &sid)
        .send()
        .await
        .expect("r");
    assert_eq!(res.status().as_u16(), 409);
    let v: Value = res.json().await.expect("json");
    assert!(
        v["error"]
            .as_str()
            .unwrap_or_default()
            .contains("re-upload required"),
        "{v}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn regions_from_the_browser_become_a_done_job() {
    let r = start(|c| c.workers = 0).await;
    let sid = session();
    let post = |body: String| {
        reqwest::Client::new()
            .post(format!("{}/api/regions", r.base))
            .header("X-Session-Id", sid.clone())
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    let body = serde_json::json!({
        "filename": "oyo.pdf",
        "regions": [
            {"page": 1, "field": "invoiceNumber", "text": "IBZY2087"},
            {"page": 1, "field": "total", "text": "Rs 1939"},
            {"page": 1, "field": "invoiceDate", "text": "2017-12-31"},
            {"page": 1, "text": "Oravel Stays Pvt. Ltd."}
        ]
    });
    let res = post(body.to_string()).await.expect("regions");
    assert_eq!(res.status().as_u16(), 201);
    let v: Value = res.json().await.expect("json");
    assert_eq!(v["status"], "done");
    assert_eq!(v["resultJson"]["invoiceNumber"], "IBZY2087");
    assert_eq!(v["resultJson"]["total"], "1939");
    assert_eq!(v["resultJson"]["invoiceDate"], "2017-12-31");
    let job = v["jobId"].as_str().unwrap_or_default().to_string();
    let (s, got) = get_json(&r, &sid, &format!("/api/jobs/{job}")).await;
    assert_eq!((s, &got["status"]), (200, &serde_json::json!("done")));

    for (what, bad, want) in [
        ("not JSON", "{".to_string(), 400),
        ("no regions", serde_json::json!({"filename": "a.pdf", "regions": []}).to_string(), 400),
        ("unknown field", serde_json::json!({"filename": "a.pdf", "regions": [{"page": 1, "field": "colour", "text": "x"}]}).to_string(), 400),
        ("needs OCR", serde_json::json!({"filename": "a.pdf", "regions": [{"page": 1, "field": "total"}]}).to_string(), 422),
    ] {
        let res = post(bad).await.expect("r");
        assert_eq!(res.status().as_u16(), want, "{what}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_count_jobs_by_status() {
    let r = start(|_| {}).await;
    let sid = session();
    let (s, v) = upload(
        &r,
        &sid,
        Form::new().part("files[]", pdf_part("invoice2data/oyo.pdf")),
    )
    .await;
    assert_eq!(s, 202);
    let job = v["jobs"][0]["jobId"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    wait_final(&r, &sid, &job).await;
    let text = reqwest::get(format!("{}/metrics", r.base))
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    assert!(text.contains("zonal_jobs{status=\"done\"} 1"), "{text}");
    assert!(text.contains("zonal_job_attempts_total 1"), "{text}");
    assert!(
        text.contains("zonal_stage_duration_seconds_count{stage=\"extracting\"} 1"),
        "{text}"
    );
}

/// A structuring endpoint that answers with something that is not an invoice.
async fn broken_llm() -> String {
    let router = axum::Router::new().route(
        "/v1/chat/completions",
        axum::routing::post(|| async {
            axum::Json(serde_json::json!({
                "choices": [{ "message": { "content": "Sure! The invoice number is IBZY2087." } }]
            }))
        }),
    );
    format!("{}/v1", support::spawn(router).await)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_that_is_not_an_invoice_falls_back_to_the_offline_parser() {
    let llm = broken_llm().await;
    let r = start(|c| c.llm_base_url = Some(llm)).await;
    let (_, cfg) = get_json(&r, &session(), "/api/config").await;
    assert_eq!(
        cfg["providers"]["llm"],
        serde_json::json!(["openai-compatible", "rules"])
    );
    let sid = session();
    let (s, v) = upload(
        &r,
        &sid,
        Form::new().part("files[]", pdf_part("invoice2data/oyo.pdf")),
    )
    .await;
    assert_eq!(s, 202);
    let job = v["jobs"][0]["jobId"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let done = wait_final(&r, &sid, &job).await;
    assert_eq!(done["status"], "done", "{done}");
    // The offline parser's reading (vendor from the legal-form line), not the prose.
    assert_eq!(done["resultJson"]["invoiceNumber"], "IBZY2087");
    assert_eq!(done["resultJson"]["vendorName"], "Oravel Stays Pvt. Ltd.");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sweeper_removes_sessions_past_their_time_to_live() {
    let r = start(|c| {
        c.session_ttl_hours = 0;
        c.workers = 0;
    })
    .await;
    let sid = session();
    let (s, _) = upload(
        &r,
        &sid,
        Form::new().part("files[]", pdf_part("invoice2data/oyo.pdf")),
    )
    .await;
    assert_eq!(s, 202);
    tokio::time::sleep(Duration::from_millis(20)).await;
    let removed = r.state.sweep().await.expect("sweep");
    assert_eq!(removed, 1);
    let (_, v) = get_json(&r, &sid, &format!("/api/sessions/{sid}/jobs")).await;
    assert_eq!(v["jobs"].as_array().map(Vec::len), Some(0));
    let blobs = r.state.config.data_dir.join("blobs/uploads").join(&sid);
    assert_eq!(
        std::fs::read_dir(&blobs).map(|d| d.count()).unwrap_or(0),
        0,
        "PDFs removed"
    );
}

/// A structuring endpoint that records the Authorization header it receives.
async fn recording_llm() -> (String, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    let seen: std::sync::Arc<std::sync::Mutex<Vec<String>>> = Default::default();
    let s2 = seen.clone();
    let router = axum::Router::new().route(
        "/v1/chat/completions",
        axum::routing::post(move |h: axum::http::HeaderMap| {
            let s2 = s2.clone();
            async move {
                let auth = h
                    .get("authorization")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("");
                s2.lock().expect("lock").push(auth.to_string());
                (axum::http::StatusCode::TOO_MANY_REQUESTS, "slow down")
            }
        }),
    );
    let base = format!("{}/v1", support::spawn(router).await);
    (base, seen)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_key_reaches_its_provider_and_nothing_else() {
    const KEY: &str = "sk-zonal-test-4f1d9c2b7e";
    let (llm, seen) = recording_llm().await;
    let r = start(|c| {
        c.llm_base_url = Some(llm);
        c.llm_api_key = Some(KEY.into());
    })
    .await;
    assert!(
        !format!("{:?}", r.state).contains(KEY),
        "Debug of the state"
    );
    assert!(
        !format!("{:?}", r.state.config).contains(KEY),
        "Debug of the config"
    );
    let sid = session();
    let (_, cfg) = get_json(&r, &sid, "/api/config").await;
    let (s, v) = upload(
        &r,
        &sid,
        Form::new().part("files[]", pdf_part("invoice2data/oyo.pdf")),
    )
    .await;
    assert_eq!(s, 202);
    let job = v["jobs"][0]["jobId"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let done = wait_final(&r, &sid, &job).await;
    let (_, list) = get_json(&r, &sid, &format!("/api/sessions/{sid}/jobs")).await;
    let openapi = reqwest::get(format!("{}/api/openapi.json", r.base))
        .await
        .expect("r")
        .text()
        .await
        .expect("t");
    let metrics = reqwest::get(format!("{}/metrics", r.base))
        .await
        .expect("r")
        .text()
        .await
        .expect("t");
    for (what, body) in [
        ("config", cfg.to_string()),
        ("job", done.to_string()),
        ("list", list.to_string()),
        ("openapi", openapi),
        ("metrics", metrics),
    ] {
        assert!(!body.contains(KEY), "the key leaked into {what}");
    }
    // The provider (answering 429) got it, and the job still finished offline.
    assert_eq!(
        seen.lock().expect("lock").first().map(String::as_str),
        Some(format!("Bearer {KEY}").as_str())
    );
    assert_eq!(done["status"], "done");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_region_without_text_is_read_from_its_crop_by_ocr() {
    use base64::Engine;
    let r = start(|c| c.workers = 0).await;
    // The browser renders the page at 300 DPI and crops the region (wasm-core does both).
    let doc = wasm_core::Document::open(
        std::fs::read(corpus("invoice2data/oyo.pdf")).expect("oyo"),
        None,
    )
    .expect("opens");
    let regions: Value = serde_json::from_str(
        &std::fs::read_to_string(corpus("invoice2data/oyo.pdf.regions.json")).expect("regions"),
    )
    .expect("json");
    let b: Vec<f64> = regions["pages"][0]["regions"]
        .as_array()
        .and_then(|rs| rs.iter().find(|r| r["id"] == "p1-field-invoice_number"))
        .and_then(|r| r["bbox"].as_array())
        .expect("bbox")
        .iter()
        .filter_map(Value::as_f64)
        .collect();
    let rect = wasm_core::geometry::Rect {
        x0: b[0] - 4.0,
        top: b[1] - 3.0,
        x1: b[2] + 4.0,
        bottom: b[3] + 3.0,
    };
    let crop = doc
        .render_dpi(1, 300.0)
        .expect("render")
        .crop(&rect, 300.0 / 72.0)
        .expect("crop");
    let png = base64::engine::general_purpose::STANDARD.encode(crop.to_png().expect("png"));
    let body = serde_json::json!({
        "filename": "oyo.pdf",
        "regions": [{ "page": 1, "field": "invoiceNumber", "pngBase64": png }]
    });
    let sid = session();
    let res = reqwest::Client::new()
        .post(format!("{}/api/regions", r.base))
        .header("X-Session-Id", &sid)
        .json(&body)
        .send()
        .await
        .expect("regions");
    assert_eq!(res.status().as_u16(), 201);
    let v: Value = res.json().await.expect("json");
    assert_eq!(v["resultJson"]["invoiceNumber"], "IBZY2087", "{v}");
    assert_eq!(v["regions"][0]["source"], "tesseract");
    let c = v["regions"][0]["confidence"].as_f64().unwrap_or(0.0);
    assert!(c > 0.5 && c <= 1.0, "{v}");
    // The crop that was read is kept with the job, for this session only…
    let url = format!(
        "{}{}",
        r.base,
        v["regions"][0]["crop"].as_str().expect("crop url")
    );
    let http = reqwest::Client::new();
    let got = http
        .get(&url)
        .header("X-Session-Id", &sid)
        .send()
        .await
        .expect("crop");
    assert_eq!(got.status().as_u16(), 200);
    assert_eq!(got.headers()["content-type"], "image/png");
    let sent = base64::engine::general_purpose::STANDARD
        .decode(&png)
        .expect("b64");
    assert_eq!(got.bytes().await.expect("bytes").to_vec(), sent);
    let other = http
        .get(&url)
        .header("X-Session-Id", session())
        .send()
        .await
        .expect("crop");
    assert_eq!(other.status().as_u16(), 404);
    let job = v["jobId"].as_str().expect("job id");
    let past = http
        .get(format!("{}/api/jobs/{job}/regions/7.png", r.base))
        .header("X-Session-Id", &sid)
        .send()
        .await
        .expect("crop");
    assert_eq!(past.status().as_u16(), 404);
    // …and goes with the session.
    let del = http
        .delete(format!("{}/api/sessions/{sid}", r.base))
        .header("X-Session-Id", &sid)
        .send()
        .await
        .expect("delete");
    assert!(del.status().is_success());
    let gone = http
        .get(&url)
        .header("X-Session-Id", &sid)
        .send()
        .await
        .expect("crop");
    assert_eq!(gone.status().as_u16(), 404);
    let artifacts = r.state.config.data_dir.join("blobs/artifacts").join(&sid);
    let left = std::fs::read_dir(&artifacts)
        .map(|d| {
            d.flatten()
                .flat_map(|e| std::fs::read_dir(e.path()).into_iter().flatten())
                .count()
        })
        .unwrap_or(0);
    assert_eq!(left, 0, "crops left in {}", artifacts.display());
    // A crop that is not a PNG is refused.
    let bad = serde_json::json!({ "filename": "x.pdf", "regions": [{ "page": 1, "pngBase64": "R0lGODlh" }] });
    let res = reqwest::Client::new()
        .post(format!("{}/api/regions", r.base))
        .header("X-Session-Id", &sid)
        .json(&bad)
        .send()
        .await
        .expect("r");
    assert_eq!(res.status().as_u16(), 415);
}
