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
