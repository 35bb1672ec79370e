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
