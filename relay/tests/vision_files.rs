//! Whole-PDF OCR by Vision's asynchronous files API, against local servers speaking
//! Vision's `files:asyncBatchAnnotate` and operations API and the Cloud Storage JSON
//! API. The relay uploads the PDF to `gs://bucket/uploads/…`, starts one operation with
//! a `gs://bucket/vision/{jobId}/` output prefix, saves its name in the job document
//! before polling, reads the shards as they appear, and deletes them. Killed with
//! SIGKILL while it polls, the relay's successor resumes the same operation: Vision sees
//! one `asyncBatchAnnotate` for the job.

mod support;

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use relay::jobs::JobStore;
use serde_json::{Value, json};

const PAGES: usize = 20;
const BUCKET: &str = "zonal-test-bucket";

/// A started operation: its output prefix (bucket, name) and the pages written so far.
#[derive(Debug, Clone)]
struct Op {
    prefix: String,
    batch: usize,
    written: usize,
}

#[derive(Default)]
struct VisionState {
    starts: Vec<Value>,
    ops: HashMap<String, Op>,
}

/// The stand-in Vision: `files:asyncBatchAnnotate` checks the request and that the PDF
/// is in the bucket; each `operations.get` writes the next output shard (a batch of
/// pages, as Vision's `AnnotateFileResponse` JSON with `normalizedVertices`) until all
/// are written, then reports `done`.
async fn fake_vision(objects: support::Objects) -> (String, Arc<Mutex<VisionState>>) {
    let state: Arc<Mutex<VisionState>> = Arc::default();
    let (s1, s2) = (state.clone(), state.clone());
    let o1 = objects.clone();
    let router = axum::Router::new()
        .route(
            "/v1/files:asyncBatchAnnotate",
            axum::routing::post(move |axum::Json(b): axum::Json<Value>| {
                let (state, objects) = (s1.clone(), o1.clone());
                async move {
                    let r = &b["requests"][0];
                    let input = r["inputConfig"]["gcsSource"]["uri"].as_str().unwrap_or("");
                    let name = input.strip_prefix(&format!("gs://{BUCKET}/")).unwrap_or("");
                    let stored = objects.lock().expect("lock").contains_key(&(BUCKET.to_string(), name.to_string()));
                    let out = r["outputConfig"]["gcsDestination"]["uri"].as_str().unwrap_or("");
                    let ok = stored
                        && name.starts_with("uploads/")
                        && r["inputConfig"]["mimeType"] == "application/pdf"
                        && r["features"][0]["type"] == "DOCUMENT_TEXT_DETECTION"
                        && out.starts_with(&format!("gs://{BUCKET}/vision/"))
                        && out.ends_with('/');
                    if !ok {
                        return (axum::http::StatusCode::BAD_REQUEST, axum::Json(json!({ "error": { "message": format!("bad request {b}") } })));
                    }
                    let mut s = state.lock().expect("lock");
                    let op = format!("projects/p/operations/op-{}", s.starts.len() + 1);
                    s.starts.push(b.clone());
                    s.ops.insert(op.clone(), Op {
                        prefix: out.trim_start_matches(&format!("gs://{BUCKET}/")).to_string(),
                        batch: r["outputConfig"]["batchSize"].as_u64().unwrap_or(20) as usize,
                        written: 0,
                    });
                    (axum::http::StatusCode::OK, axum::Json(json!({ "name": op })))
                }
            }),
        )
        .route(
            "/v1/{*name}",
            axum::routing::get(move |axum::extract::Path(name): axum::extract::Path<String>| {
                let (state, objects) = (s2.clone(), objects.clone());
                async move {
                    let mut s = state.lock().expect("lock");
                    let Some(op) = s.ops.get_mut(&name) else {
                        return (axum::http::StatusCode::NOT_FOUND, axum::Json(json!({ "error": { "message": "no such operation" } })));
                    };
                    if op.written < PAGES {
                        let (a, b) = (op.written + 1, (op.written + op.batch).min(PAGES));
                        let responses: Vec<Value> = (a..=b).map(|p| json!({
                            "fullTextAnnotation": {
                                "text": format!("PAGE{p}\n"),
                                "pages": [{ "width": 612, "height": 792, "blocks": [{ "paragraphs": [{ "words": [{
                                    "boundingBox": { "normalizedVertices": [{"x": 0.1, "y": 0.1}, {"x": 0.3, "y": 0.1}, {"x": 0.3, "y": 0.12}, {"x": 0.1, "y": 0.12}] },
                                    "symbols": format!("PAGE{p}").chars().map(|c| json!({ "text": c.to_string() })).collect::<Vec<_>>(),
                                    "confidence": 0.96 }] }] }] }]
                            },
                            "context": { "uri": "gs://in.pdf", "pageNumber": p }
                        })).collect();
                        let key = format!("{}output-{a}-to-{b}.json", op.prefix);
                        let shard = json!({ "inputConfig": {}, "responses": responses });
                        objects.lock().expect("lock").insert((BUCKET.to_string(), key), shard.to_string().into_bytes());
                        op.written = b;
                    }
                    let done = op.written >= PAGES;
                    let state = if done { "DONE" } else { "RUNNING" };
                    let mut v = json!({ "name": name, "done": done, "metadata": { "@type": "type.googleapis.com/google.cloud.vision.v1.OperationMetadata", "state": state } });
                    if done {
                        v["response"] = json!({ "@type": "type.googleapis.com/google.cloud.vision.v1.AsyncBatchAnnotateFilesResponse", "responses": [{ "outputConfig": { "gcsDestination": { "uri": format!("gs://{BUCKET}/{}", op.prefix) } } }] });
                    }
                    (axum::http::StatusCode::OK, axum::Json(v))
                }
            }),
        );
    (support::spawn(router).await, state)
}

fn serve(data: &Path, port: u16, vision: &str, gcs: &str) -> support::Proc {
    support::serve_with_vision(
        data,
        port,
        vision,
        &[
            "--ocr-batch-pages",
            "5",
            "--max-pages",
            "100",
            "--blobs",
            "gcs",
            "--gcs-bucket",
            BUCKET,
            "--gcs-api",
            gcs,
            "--tasks-token-url",
            "none",
        ],
    )
}

fn vision_keys(objects: &support::Objects) -> usize {
    objects
        .lock()
        .expect("lock")
        .keys()
        .filter(|(_, k)| k.starts_with("vision/"))
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pdf_is_read_by_one_vision_operation_resumed_after_a_crash_while_polling() {
    let dir = tempfile::tempdir().expect("tmp");
    let (gcs, objects) = support::fake_gcs().await;
    let (vision, seen) = fake_vision(objects.clone()).await;
    let pdf = support::receipt_scan(PAGES);

    let (pa, pb) = (support::free_port(), support::free_port());
    let mut a = serve(dir.path(), pa, &vision, &gcs);
    support::ready(pa).await;
    let sid = uuid::Uuid::new_v4().to_string();
    let job = support::upload_job(&format!("http://127.0.0.1:{pa}"), &sid, "scan.pdf", pdf).await;

    // Kill it while it polls: the operation started and its first shard written.
    let deadline = Instant::now() + Duration::from_secs(60);
    while vision_keys(&objects) == 0 {
        assert!(Instant::now() < deadline, "Vision never started");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    a.0.kill().expect("SIGKILL");
    let _ = a.0.wait();
    let store =
        relay::jobs::sqlite::SqliteStore::open(&dir.path().join("jobs.sqlite")).expect("store");
    let held = store.get(&job).await.expect("get").expect("the job");
    assert_eq!(
        held.vision_operation_name.as_deref(),
        Some("projects/p/operations/op-1"),
        "the operation's name is saved before polling"
    );

    let _b = serve(dir.path(), pb, &vision, &gcs);
    support::ready(pb).await;
    let base = format!("http://127.0.0.1:{pb}");
    let done = support::wait_final(&base, &sid, &job).await;
    assert_eq!(done["status"], "done", "{done}");
    assert!(done["attempt"].as_u64() >= Some(2), "taken over: {done}");

    let starts = seen.lock().expect("lock").starts.clone();
    assert_eq!(
        starts.len(),
        1,
        "one paid operation for the job: {starts:?}"
    );
    let out = starts[0]["requests"][0]["outputConfig"]["gcsDestination"]["uri"]
        .as_str()
        .unwrap_or("");
    assert_eq!(out, format!("gs://{BUCKET}/vision/{job}/"));
    assert_eq!(vision_keys(&objects), 0, "the outputs are deleted");
    let left: Vec<String> = objects
        .lock()
        .expect("lock")
        .keys()
        .map(|(_, k)| k.clone())
        .filter(|k| k.contains(&job))
        .collect();
    assert!(left.is_empty(), "no PDF or page reading left: {left:?}");

    let stored = store.get(&job).await.expect("get").expect("the job");
    let text = stored.text.expect("text");
    assert_eq!(text.pages.len(), PAGES);
    for (i, page) in text.pages.iter().enumerate() {
        assert!(
            page.contains(&format!("PAGE{}", i + 1)),
            "page {}: {page:?}",
            i + 1
        );
    }
    assert!(
        stored
            .ocr_pages
            .iter()
            .flatten()
            .all(|p| p.state == relay::jobs::PageState::Done),
        "{:?}",
        stored.ocr_pages
    );
}
