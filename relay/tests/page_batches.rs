//! A long scanned document read in page batches: a 60-page scan, 10 pages per claim,
//! OCR by a stand-in Vision that counts its calls. The events stream reports every page
//! ("Reading page 7 of 60"); the relay is killed with SIGKILL half-way; a second relay
//! on the same store takes the job over and finishes it, reading only the pages not
//! read yet: Vision sees each page once (plus at most the one page in flight when the
//! first relay died).

mod support;

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use serde_json::{Value, json};

const PAGES: usize = 60;

fn serve(data: &Path, port: u16, vision: &str) -> support::Proc {
    support::serve_with_vision(
        data,
        port,
        vision,
        &["--ocr-batch-pages", "10", "--max-pages", "100"],
    )
}

/// A stand-in Vision (`images:annotate`) that takes 400 ms a page and counts its calls.
async fn slow_vision() -> (String, Arc<AtomicU32>) {
    let calls = Arc::new(AtomicU32::new(0));
    let seen = calls.clone();
    let router = axum::Router::new().route(
        "/v1/images:annotate",
        axum::routing::post(move || {
            seen.fetch_add(1, Ordering::SeqCst);
            async {
                tokio::time::sleep(Duration::from_millis(400)).await;
                axum::Json(json!({ "responses": [{ "fullTextAnnotation": {
                    "text": "SCANNED",
                    "pages": [{ "blocks": [{ "paragraphs": [{ "words": [{
                        "boundingBox": { "vertices": [{"x": 10, "y": 10}, {"x": 200, "y": 10}, {"x": 200, "y": 60}, {"x": 10, "y": 60}] },
                        "symbols": [{"text": "SCANNED"}], "confidence": 0.95 }] }] }] }]
                } }] }))
            }
        }),
    );
    (support::spawn(router).await, calls)
}

/// Follows a job's events on `port`, recording each page reported, until the stream
/// ends or the relay goes away; the last event.
async fn follow(
    port: u16,
    sid: &str,
    job: &str,
    pages: Arc<std::sync::Mutex<BTreeSet<u64>>>,
) -> Option<Value> {
    let res = reqwest::Client::new()
        .get(format!("http://127.0.0.1:{port}/api/jobs/{job}/events"))
        .header("X-Session-Id", sid)
        .send()
        .await
        .ok()?;
    let mut body = res.bytes_stream();
    let mut buf = String::new();
    let mut last = None;
    while let Some(Ok(chunk)) = body.next().await {
        buf.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(i) = buf.find("\n\n") {
            let event: String = buf.drain(..i + 2).collect();
            if let Some(data) = event.lines().find_map(|l| l.strip_prefix("data:")) {
                let v: Value = serde_json::from_str(data.trim()).unwrap_or(Value::Null);
                if let Some(p) = v["currentPage"].as_u64() {
                    assert!(
                        v["message"] == format!("Reading page {p} of {PAGES}"),
                        "{v}"
                    );
                    pages.lock().expect("lock").insert(p);
                }
                last = Some(v);
            }
        }
    }
    last
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_60_page_scan_is_read_in_batches_and_a_crash_rereads_no_finished_page() {
    let dir = tempfile::tempdir().expect("tmp");
    let (vision, calls) = slow_vision().await;
    let pdf = support::receipt_scan(PAGES);

    let (pa, pb) = (support::free_port(), support::free_port());
    let mut a = serve(dir.path(), pa, &vision);
    support::ready(pa).await;
    let sid = uuid::Uuid::new_v4().to_string();
    let job = support::upload_job(
        &format!("http://127.0.0.1:{pa}"),
        &sid,
        "long-scan.pdf",
        pdf,
    )
    .await;
    let pages = Arc::new(std::sync::Mutex::new(BTreeSet::new()));
    let first = {
        let (sid, job, pages) = (sid.clone(), job.clone(), pages.clone());
        tokio::spawn(async move { follow(pa, &sid, &job, pages).await })
    };

    // Half-way (past the first batches, inside one), SIGKILL.
    let deadline = Instant::now() + Duration::from_secs(120);
    while calls.load(Ordering::SeqCst) < 25 {
        assert!(Instant::now() < deadline, "no progress before the kill");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    a.0.kill().expect("SIGKILL");
    let _ = a.0.wait();
    let at_kill = calls.load(Ordering::SeqCst);
    let _ = first.await;
    let before = pages.lock().expect("lock").clone();
    assert!(
        before.len() >= 20 && before.iter().all(|&p| p <= at_kill as u64),
        "pages reported before the kill: {before:?}"
    );

    // The second relay takes over the stale job and finishes it.
    let _b = serve(dir.path(), pb, &vision);
    support::ready(pb).await;
    let last = tokio::time::timeout(
        Duration::from_secs(180),
        follow(pb, &sid, &job, pages.clone()),
    )
    .await
    .expect("the job finishes")
    .expect("events");
    assert_eq!(last["status"], "done", "{last}");

    let (s, v) = support::get_json(
        &format!("http://127.0.0.1:{pb}"),
        &sid,
        &format!("/api/jobs/{job}"),
    )
    .await;
    assert_eq!(s, 200);
    assert!(v["attempt"].as_u64() >= Some(2), "taken over: {v}");
    assert_eq!(
        v["resultJson"]["vendorName"], "SCANNED",
        "the pages' OCR text reached the invoice: {v}"
    );
    assert_eq!(v["progress"]["percent"], 100);

    let reported = pages.lock().expect("lock").clone();
    let all: BTreeSet<u64> = (1..=PAGES as u64).collect();
    assert_eq!(reported, all, "an event for every page");
    let total = calls.load(Ordering::SeqCst) as usize;
    eprintln!(
        "{PAGES} pages: {total} OCR calls ({at_kill} before the kill), {} attempts, {} pages reported",
        v["attempt"],
        reported.len()
    );
    assert!(
        (PAGES..=PAGES + 1).contains(&total),
        "Vision read {total} pages for {PAGES}: each once, and the one in flight at the kill at most again"
    );
}
