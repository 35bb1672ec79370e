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

/// A PDF of `pages` pages each showing a JPEG scan (`px` pixels, drawn by `cm` on a page
/// of `page` points) with `/Rotate rotate`: the ways a scanner or a phone hands a
/// receipt over sideways or askew, or a long scanned document.
pub fn scan_pdf(
    jpeg: &[u8],
    px: (u32, u32),
    page: (f64, f64),
    cm: [f64; 6],
    rotate: u32,
    pages: usize,
) -> Vec<u8> {
    let content = format!(
        "q {} {} {} {} {} {} cm /Im0 Do Q",
        cm[0], cm[1], cm[2], cm[3], cm[4], cm[5]
    );
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    let mut obj = |out: &mut Vec<u8>, body: Vec<u8>| {
        offsets.push(out.len());
        out.extend(format!("{} 0 obj\n", offsets.len()).as_bytes());
        out.extend(body);
        out.extend(b"\nendobj\n");
    };
    obj(&mut out, b"<< /Type /Catalog /Pages 2 0 R >>".to_vec());
    let kids: Vec<String> = (0..pages).map(|i| format!("{} 0 R", 5 + i)).collect();
    obj(
        &mut out,
        format!(
            "<< /Type /Pages /Kids [{}] /Count {pages} >>",
            kids.join(" ")
        )
        .into_bytes(),
    );
    obj(
        &mut out,
        format!(
            "<< /Length {} >>\nstream\n{content}\nendstream",
            content.len()
        )
        .into_bytes(),
    );
    let mut image = format!(
        "<< /Type /XObject /Subtype /Image /Width {} /Height {} /ColorSpace /DeviceRGB \
         /BitsPerComponent 8 /Filter /DCTDecode /Length {} >>\nstream\n",
        px.0,
        px.1,
        jpeg.len()
    )
    .into_bytes();
    image.extend(jpeg);
    image.extend(b"\nendstream");
    obj(&mut out, image);
    for _ in 0..pages {
        obj(
            &mut out,
            format!(
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {} {}] /Rotate {rotate} \
                 /Resources << /XObject << /Im0 4 0 R >> >> /Contents 3 0 R >>",
                page.0, page.1
            )
            .into_bytes(),
        );
    }
    let xref = out.len();
    out.extend(format!("xref\n0 {}\n0000000000 65535 f \n", offsets.len() + 1).as_bytes());
    for o in &offsets {
        out.extend(format!("{o:010} 00000 n \n").as_bytes());
    }
    out.extend(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            offsets.len() + 1
        )
        .as_bytes(),
    );
    out
}

/// The JPEG inside a corpus scan's PDF (its one `/DCTDecode` stream).
pub fn jpeg_of(pdf: &[u8]) -> &[u8] {
    let find = |needle: &[u8], from: usize| {
        pdf[from..]
            .windows(needle.len())
            .position(|w| w == needle)
            .map(|i| i + from)
            .expect("a JPEG stream")
    };
    let start = find(b"\xff\xd8\xff", 0);
    let end = find(b"endstream", start);
    let end = pdf[..end]
        .iter()
        .rposition(|&b| b == 0xd9)
        .expect("the JPEG's end marker");
    &pdf[start..=end]
}

/// Objects of the stand-in Cloud Storage, by (bucket, name).
pub type Objects =
    std::sync::Arc<std::sync::Mutex<std::collections::HashMap<(String, String), Vec<u8>>>>;

/// A local server speaking the Cloud Storage JSON API (upload, get, delete, list with
/// pages of two), objects in memory: its base URL and the objects.
pub async fn fake_gcs() -> (String, Objects) {
    use axum::Router;
    use axum::body::Bytes;
    use axum::extract::{Path, Query, State};
    use axum::http::StatusCode;
    use axum::routing::{get, post};
    use std::collections::HashMap;
    let objects: Objects = Objects::default();
    let router = Router::new()
        .route(
            "/upload/storage/v1/b/{bucket}/o",
            post(
                |State(o): State<Objects>,
                 Path(bucket): Path<String>,
                 Query(q): Query<HashMap<String, String>>,
                 body: Bytes| async move {
                    if q.get("uploadType").map(String::as_str) != Some("media") {
                        return (StatusCode::BAD_REQUEST, String::new());
                    }
                    let name = q.get("name").cloned().unwrap_or_default();
                    let size = body.len();
                    o.lock().expect("lock").insert((bucket.clone(), name.clone()), body.to_vec());
                    (
                        StatusCode::OK,
                        format!(r#"{{"bucket":"{bucket}","name":"{name}","size":"{size}"}}"#),
                    )
                },
            ),
        )
        .route(
            "/storage/v1/b/{bucket}/o",
            // objects.list, two items a page so that nextPageToken is followed.
            get(
                |State(o): State<Objects>,
                 Path(bucket): Path<String>,
                 Query(q): Query<HashMap<String, String>>| async move {
                    let prefix = q.get("prefix").cloned().unwrap_or_default();
                    let mut names: Vec<String> = o
                        .lock()
                        .expect("lock")
                        .keys()
                        .filter(|(b, n)| *b == bucket && n.starts_with(&prefix))
                        .map(|(_, n)| n.clone())
                        .collect();
                    names.sort();
                    let from: usize = q.get("pageToken").and_then(|t| t.parse().ok()).unwrap_or(0);
                    let page: Vec<_> = names.iter().skip(from).take(2).map(|n| serde_json::json!({ "name": n })).collect();
                    let mut v = serde_json::json!({ "kind": "storage#objects", "items": page });
                    if from + 2 < names.len() {
                        v["nextPageToken"] = serde_json::json!((from + 2).to_string());
                    }
                    axum::Json(v)
                },
            ),
        )
        .route(
            "/storage/v1/b/{bucket}/o/{object}",
            get(
                |State(o): State<Objects>,
                 Path((bucket, object)): Path<(String, String)>,
                 Query(q): Query<HashMap<String, String>>| async move {
                    assert_eq!(q.get("alt").map(String::as_str), Some("media"));
                    match o.lock().expect("lock").get(&(bucket, object)) {
                        Some(b) => (StatusCode::OK, b.clone()),
                        None => (StatusCode::NOT_FOUND, br#"{"error":{"code":404}}"#.to_vec()),
                    }
                },
            )
            .delete(
                |State(o): State<Objects>, Path((bucket, object)): Path<(String, String)>| async move {
                    match o.lock().expect("lock").remove(&(bucket, object)) {
                        Some(_) => StatusCode::NO_CONTENT,
                        None => StatusCode::NOT_FOUND,
                    }
                },
            ),
        )
        .with_state(objects.clone());
    (spawn(router).await, objects)
}

/// A child process killed when dropped (a `zonal serve` of a test).
pub struct Proc(pub std::process::Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Waits until the relay on `port` answers `/api/healthz`.
pub async fn ready(port: u16) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while std::time::Instant::now() < deadline {
        if reqwest::get(format!("http://127.0.0.1:{port}/api/healthz"))
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("relay on {port} did not start");
}

/// A scanned document of `pages` pages, each the SROIE 000 receipt scan on its page.
pub fn receipt_scan(pages: usize) -> Vec<u8> {
    let original = std::fs::read(corpus("sroie/000.pdf")).expect("corpus");
    let (w, h) = (226.771654, 496.154827);
    scan_pdf(
        jpeg_of(&original),
        (463, 1013),
        (w, h),
        [w, 0.0, 0.0, h, 0.0, 0.0],
        0,
        pages,
    )
}

/// A `zonal serve` on `port` with its store under `data`, one worker, OCR by the
/// stand-in Vision at `vision`, short leases (2 s) and retries, then `extra` flags.
pub fn serve_with_vision(data: &Path, port: u16, vision: &str, extra: &[&str]) -> Proc {
    use std::process::{Command, Stdio};
    Proc(
        Command::new(env!("CARGO_BIN_EXE_zonal"))
            .args(["serve", "--port", &port.to_string(), "--workers", "1"])
            .args(["--vision-base-url", vision, "--daily-ocr-quota", "0"])
            .args(["--stale-lock-secs", "2", "--retry-backoff-ms", "100"])
            .args(extra)
            .arg("--data-dir")
            .arg(data)
            .arg("--dist")
            .arg(data.join("no-dist"))
            .env("GOOGLE_VISION_API_KEY", "test-key")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("zonal serve starts"),
    )
}

/// Uploads `pdf` as a server job of session `sid` to the relay at `base`: the job's id.
pub async fn upload_job(base: &str, sid: &str, name: &str, pdf: Vec<u8>) -> String {
    let form = reqwest::multipart::Form::new().part(
        "files[]",
        reqwest::multipart::Part::bytes(pdf)
            .file_name(name.to_string())
            .mime_str("application/pdf")
            .expect("mime"),
    );
    let up: serde_json::Value = reqwest::Client::new()
        .post(format!("{base}/api/jobs"))
        .header("X-Session-Id", sid)
        .multipart(form)
        .send()
        .await
        .expect("upload")
        .json()
        .await
        .expect("json");
    up["jobs"][0]["jobId"].as_str().expect("a job").to_string()
}
