//! Tesseract for real (Debian's `tesseract-ocr`, installed by scripts/setup.sh): text
//! regions of corpus pages are rendered at 300 DPI, cropped, OCRed, and compared with
//! the same regions' native text; and a scanned page and an image-only letterhead are
//! read end to end through `zonal extract`.

mod support;

use std::process::Command;

use relay::providers::ocr::{Layout, Tesseract};
use serde_json::Value;
use wasm_core::Document;
use wasm_core::geometry::Rect;

/// Character accuracy floor over all regions (the issue asks for 95 %).
const ACCURACY_FLOOR: f64 = 95.0;

fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn tesseract() -> Tesseract {
    Tesseract::find().expect("tesseract is installed (scripts/setup.sh installs tesseract-ocr)")
}

#[test]
fn ocr_of_rendered_text_regions_matches_their_native_text() {
    let t = tesseract();
    // (file, page, region id) — text blocks of different fonts and sizes.
    let cases = [
        ("invoice2data/oyo.pdf", 1, "p1-block"),
        ("invoice2data/QualityHosting.pdf", 1, "p1-block"),
        ("invoice2data/AmazonWebServices.pdf", 1, "p1-block"),
        ("zugferd/xr_EN16931_Einfach.pdf", 1, "p1-block"),
        ("invoice2data/free_fiber.pdf", 1, "p1-block"),
    ];
    let (mut errors, mut chars) = (0usize, 0usize);
    let mut report = String::new();
    for (file, page, id) in cases {
        let regions: Value = serde_json::from_str(
            &std::fs::read_to_string(support::corpus(&format!("{file}.regions.json")))
                .expect("regions"),
        )
        .expect("json");
        let r = regions["pages"][page - 1]["regions"]
            .as_array()
            .and_then(|rs| rs.iter().find(|r| r["id"] == id))
            .expect("region");
        let b: Vec<f64> = r["bbox"]
            .as_array()
            .expect("bbox")
            .iter()
            .filter_map(Value::as_f64)
            .collect();
        let rect = Rect {
            x0: b[0],
            top: b[1],
            x1: b[2],
            bottom: b[3],
        };
        let doc = Document::open(std::fs::read(support::corpus(file)).expect("pdf"), None)
            .expect("opens");
        let native = squash(&doc.page_text(page).expect("text").region_text(&rect));
        let img = doc.render_dpi(page, 300.0).expect("render");
        let crop = img.crop(&rect, 300.0 / 72.0).expect("crop");
        let ocr = t
            .read_png(&crop.to_png().expect("png"), Layout::Block)
            .expect("ocr");
        let got = squash(&ocr.text);
        let d = strsim::levenshtein(&native, &got);
        report.push_str(&format!(
            "{file} {id}: {} chars, {d} edits, confidence {:.2}\n  native: {native}\n  ocr:    {got}\n",
            native.chars().count(),
            ocr.quality
        ));
        errors += d;
        chars += native.chars().count();
    }
    let accuracy = 100.0 * (1.0 - errors as f64 / chars.max(1) as f64);
    println!("{report}character accuracy {accuracy:.1}% over {chars} characters");
    assert!(chars > 500, "{report}");
    assert!(
        accuracy >= ACCURACY_FLOOR,
        "accuracy {accuracy:.1}% < {ACCURACY_FLOOR}%\n{report}"
    );
}

fn extract(args: &[&str]) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_zonal"))
        .arg("extract")
        .args(args)
        .output()
        .expect("zonal runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("json")
}

#[test]
fn a_letterhead_in_an_image_is_read_to_match_its_template() {
    tesseract();
    let pdf = support::corpus("invoice2data/saeco.pdf");
    let tmpl = support::corpus("invoice2data/saeco.template.yml");
    let v = extract(&[
        pdf.to_str().unwrap_or_default(),
        "-t",
        tmpl.to_str().unwrap_or_default(),
    ]);
    // saeco.expected.json: issuer e-Luscious Nederland B.V., invoice_number VF1005193039.
    let why = v["template"]["explanation"].as_str().unwrap_or_default();
    assert!(why.contains("read by OCR"), "{v}");
    assert_eq!(v["invoice"]["vendorName"], "e-Luscious Nederland B.V.");
    assert_eq!(v["invoice"]["invoiceNumber"], "VF1005193039");
    // Without OCR the template cannot be recognised, and says so.
    let off = extract(&[
        pdf.to_str().unwrap_or_default(),
        "-t",
        tmpl.to_str().unwrap_or_default(),
        "--ocr",
        "off",
    ]);
    assert!(off["template"].is_null());
    assert!(
        off["warnings"].to_string().contains("no template matched"),
        "{off}"
    );
}

#[test]
fn a_scanned_page_is_read_by_ocr() {
    tesseract();
    let pdf = support::corpus("pdfjs/issue4379.pdf");
    let v = extract(&[pdf.to_str().unwrap_or_default()]);
    let q = v["confidence"]["ocrQuality"].as_f64().unwrap_or(0.0);
    assert!(q > 0.5 && q < 1.0, "OCR quality feeds the confidence: {v}");
    assert!(
        v["warnings"].to_string().contains("page 1 read by OCR"),
        "{v}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vision_requests_and_replies_follow_its_documented_json() {
    use axum::Json;
    use axum::extract::Query;
    use base64::Engine;
    use relay::providers::ocr::{Vision, VisionAuth};
    use std::collections::HashMap;

    let router = axum::Router::new().route(
        "/v1/images:annotate",
        axum::routing::post(|h: axum::http::HeaderMap, Query(q): Query<HashMap<String, String>>, Json(b): Json<Value>| async move {
            assert_eq!(h.get("x-goog-api-key").and_then(|v| v.to_str().ok()), Some("vision-key"));
            assert!(q.is_empty(), "the key never travels in the URL: {q:?}");
            let r = &b["requests"][0];
            assert_eq!(r["features"][0]["type"], "DOCUMENT_TEXT_DETECTION");
            assert_eq!(r["imageContext"]["languageHints"], serde_json::json!(["nl", "en"]));
            let png = base64::engine::general_purpose::STANDARD
                .decode(r["image"]["content"].as_str().unwrap_or_default())
                .expect("base64 image");
            if !png.starts_with(b"\x89PNG") {
                return Json(serde_json::json!({ "responses": [{ "error": { "code": 3, "message": "Bad image data." } }] }));
            }
            let word = |t: &str, x: i64, c: f64| serde_json::json!({
                "boundingBox": { "vertices": [{"x": x, "y": 10}, {"x": x + 60, "y": 10}, {"x": x + 60, "y": 30}, {"x": x, "y": 30}] },
                "symbols": t.chars().map(|ch| serde_json::json!({ "text": ch.to_string() })).collect::<Vec<_>>(),
                "confidence": c
            });
            Json(serde_json::json!({ "responses": [{
                "fullTextAnnotation": {
                    "text": "Factuur VF1005193039\n",
                    "pages": [{ "blocks": [{ "paragraphs": [{ "words": [word("Factuur", 0, 0.99), word("VF1005193039", 80, 0.97)] }] }] }]
                }
            }] }))
        }),
    );
    let base = support::spawn(router).await;
    let v = Vision {
        base_url: base,
        auth: VisionAuth::ApiKey("vision-key".into()),
        http: reqwest::Client::new(),
    };
    let png = b"\x89PNG\r\n\x1a\n fake".to_vec();
    let o = v.read_png(&png).await.expect("text");
    assert_eq!(o.text, "Factuur VF1005193039");
    assert_eq!(o.words[1].text, "VF1005193039");
    assert_eq!(o.words[1].bbox, [80.0, 10.0, 140.0, 30.0]);
    assert!((o.quality - 0.98).abs() < 1e-9);
    let e = v.read_png(b"GIF89a").await.expect_err("an error reply");
    assert!(e.contains("Bad image data"), "{e}");
}

/// With a service account instead of a key, Vision gets the metadata server's access
/// token as a bearer token, fetched once and reused, and no `key=` parameter.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vision_with_a_service_account_sends_its_access_token() {
    use axum::extract::Query;
    use axum::http::HeaderMap;
    use relay::google::TokenSource;
    use relay::providers::ocr::{Vision, VisionAuth};
    use std::collections::HashMap;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    let token_calls = Arc::new(AtomicUsize::new(0));
    let calls = token_calls.clone();
    let router = axum::Router::new()
        .route(
            "/token",
            axum::routing::get(move |h: HeaderMap| {
                let calls = calls.clone();
                async move {
                    assert_eq!(h["metadata-flavor"], "Google");
                    calls.fetch_add(1, Ordering::SeqCst);
                    axum::Json(serde_json::json!({ "access_token": "ya29.sa-token", "expires_in": 3599, "token_type": "Bearer" }))
                }
            }),
        )
        .route(
            "/v1/images:annotate",
            axum::routing::post(|h: HeaderMap, Query(q): Query<HashMap<String, String>>| async move {
                if q.contains_key("key") || h.contains_key("x-goog-api-key") || h.get("authorization").and_then(|v| v.to_str().ok()) != Some("Bearer ya29.sa-token") {
                    return (axum::http::StatusCode::UNAUTHORIZED, axum::Json(serde_json::json!({ "error": { "code": 401, "message": "Request is missing required authentication credential.", "status": "UNAUTHENTICATED" } })));
                }
                (axum::http::StatusCode::OK, axum::Json(serde_json::json!({ "responses": [{ "fullTextAnnotation": { "text": "Total 12,00\n", "pages": [] } }] })))
            }),
        );
    let base = support::spawn(router).await;
    let http = reqwest::Client::new();
    let v = Vision {
        base_url: base.clone(),
        auth: VisionAuth::ServiceAccount(TokenSource::new(
            Some(format!("{base}/token")),
            http.clone(),
        )),
        http: http.clone(),
    };
    let png = b"\x89PNG\r\n\x1a\n fake".to_vec();
    assert_eq!(v.read_png(&png).await.expect("text").text, "Total 12,00");
    assert_eq!(v.read_png(&png).await.expect("text").text, "Total 12,00");
    assert_eq!(token_calls.load(Ordering::SeqCst), 1, "the token is cached");

    // A wrong token is Vision's 401, reported with its message.
    let v = Vision {
        base_url: base.clone(),
        auth: VisionAuth::ApiKey("not-a-token".into()),
        http,
    };
    let e = v.read_png(&png).await.expect_err("401");
    assert!(
        e.contains("401") && e.contains("missing required authentication"),
        "{e}"
    );
}

/// Server jobs OCR scanned pages with the relay's engine: with Vision configured, the page
/// is rendered at 300 DPI by wasm-core, sent to Vision once, and its words become the
/// page's text that the job reads (no Tesseract involved).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_job_reads_a_scanned_page_with_vision() {
    use axum::Json;
    use base64::Engine;
    use std::sync::{Arc, Mutex};

    let sizes: Arc<Mutex<Vec<(u32, u32)>>> = Default::default();
    let seen = sizes.clone();
    let router = axum::Router::new().route(
        "/v1/images:annotate",
        axum::routing::post(move |Json(b): Json<Value>| {
            let seen = seen.clone();
            async move {
                let png = base64::engine::general_purpose::STANDARD
                    .decode(b["requests"][0]["image"]["content"].as_str().unwrap_or_default())
                    .unwrap_or_default();
                let dims = image_size(&png);
                seen.lock().expect("lock").push(dims);
                let word = |t: &str, x: i64| serde_json::json!({
                    "boundingBox": { "vertices": [{"x": x, "y": 300}, {"x": x + 400, "y": 300}, {"x": x + 400, "y": 360}, {"x": x, "y": 360}] },
                    "symbols": t.chars().map(|ch| serde_json::json!({ "text": ch.to_string() })).collect::<Vec<_>>(),
                    "confidence": 0.93
                });
                Json(serde_json::json!({ "responses": [{ "fullTextAnnotation": {
                    "text": "Invoice number: SCAN-4379\n",
                    "pages": [{ "blocks": [{ "paragraphs": [{ "words": [
                        word("Invoice", 300), word("number:", 750), word("SCAN-4379", 1200)
                    ] }] }] }]
                } }] }))
            }
        }),
    );
    let vision = support::spawn(router).await;
    let dir = tempfile::tempdir().expect("tmp");
    let config = relay::config::ServeConfig {
        data_dir: dir.path().join("data"),
        dist: dir.path().join("dist"),
        workers: 1,
        vision_api_key: Some("vision-key".into()),
        vision_base_url: vision,
        ..relay::config::ServeConfig::default()
    };
    let state = relay::state::AppState::open(config).expect("state");
    state.spawn_background();
    let base = support::spawn(relay::server::app(state)).await;
    let sid = uuid::Uuid::new_v4().to_string();
    let pdf = std::fs::read(support::corpus("pdfjs/issue4379.pdf")).expect("corpus");
    let job = support::upload_job(&base, &sid, "scan.pdf", pdf).await;
    let done = support::wait_final(&base, &sid, &job).await;
    assert_eq!(done["status"], "done", "{done}");
    assert_eq!(done["resultJson"]["invoiceNumber"], "SCAN-4379", "{done}");
    let sizes = sizes.lock().expect("lock").clone();
    assert_eq!(sizes.len(), 1, "one page, one Vision call");
    // A4 at 300 DPI is 2480 × 3508 pixels.
    let (w, h) = sizes[0];
    assert!(
        (2400..2560).contains(&w) && (3400..3600).contains(&h),
        "{w}×{h}"
    );
}

/// Width and height from a PNG's IHDR.
fn image_size(png: &[u8]) -> (u32, u32) {
    let be = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    if png.len() < 24 || !png.starts_with(b"\x89PNG") {
        return (0, 0);
    }
    (be(&png[16..20]), be(&png[20..24]))
}

#[test]
fn a_sideways_or_askew_scan_is_straightened_before_ocr() {
    let t = tesseract();
    // SROIE 000: a 463 × 1013 pixel receipt scan on a 226.8 × 496.2 pt page.
    let original = std::fs::read(support::corpus("sroie/000.pdf")).expect("corpus");
    let jpeg = support::jpeg_of(&original);
    let (w, h) = (226.771654, 496.154827);
    let read = |pdf: Vec<u8>| {
        let doc = Document::open(pdf, None).expect("opens");
        relay::native::read_page(&doc, 1, Some(&t)).expect("reads")
    };
    // What the upright scan reads; a straightened one must read mostly the same words
    // (Tesseract on this faint receipt varies with a pixel's resampling: 70–90 % of the
    // words; read sideways without turning it, the page gives a handful of letters).
    let upright = read(original.clone());
    assert!(
        upright.straightened.is_identity(),
        "{:?}",
        upright.straightened
    );
    let words = |p: &wasm_core::PageText| -> Vec<String> {
        p.text().split_whitespace().map(str::to_owned).collect()
    };
    let known = words(&upright);
    let reads_like_upright = |p: &wasm_core::PageText| {
        let got = words(p);
        let shared = got.iter().filter(|w| known.contains(w)).count();
        let share = shared as f64 / known.len().max(1) as f64;
        assert!(
            share > 0.6,
            "{:.0} % of the upright words:\n{}",
            share * 100.0,
            p.text()
        );
        assert!(p.text().contains("CASH BILL") && p.text().contains("THANK YOU"));
    };

    // The receipt placed on its page unchanged, the page shown turned by `rotate`.
    let turned_page = |rotate| {
        read(support::scan_pdf(
            jpeg,
            (463, 1013),
            (w, h),
            [w, 0.0, 0.0, h, 0.0, 0.0],
            rotate,
            1,
        ))
    };
    // Handed over sideways: the page shows the receipt turned a quarter clockwise.
    let sideways = turned_page(90);
    assert_eq!(
        sideways.straightened.quarter_turns, 3,
        "turned back a quarter"
    );
    assert!(
        (sideways.width - w).abs() < 1.0,
        "read upright: {}",
        sideways.width
    );
    reads_like_upright(&sideways);
    // Upside down.
    let upside_down = turned_page(180);
    assert_eq!(upside_down.straightened.quarter_turns, 2);
    reads_like_upright(&upside_down);

    // Photographed 3° askew (turned counter-clockwise on a page grown to hold it): its
    // lines rise to the right, and a label and its amount would fall on different lines.
    let (sin, cos) = 3f64.to_radians().sin_cos();
    let page = (w * cos + h * sin, w * sin + h * cos);
    let cm = [w * cos, w * sin, -h * sin, h * cos, h * sin, 0.0];
    let askew = read(support::scan_pdf(jpeg, (463, 1013), page, cm, 0, 1));
    let skew = askew.straightened.skew_degrees;
    assert!((skew + 3.0).abs() < 0.5, "measured {skew}°");
    reads_like_upright(&askew);

    // SROIE 085 is upright, but Tesseract's orientation report calls it upside down: the
    // reading as it lies has more confidently read words and is kept.
    let doc = Document::open(
        std::fs::read(support::corpus("sroie/085.pdf")).expect("corpus"),
        None,
    )
    .expect("opens");
    let misjudged = relay::native::read_page(&doc, 1, Some(&t)).expect("reads");
    assert_eq!(misjudged.straightened.quarter_turns, 0);
    assert!(misjudged.text().contains("SDN BHD"), "{}", misjudged.text());
}
