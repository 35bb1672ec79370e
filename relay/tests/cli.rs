//! `zonal words | region | render` as a script would run them.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn corpus(rel: &str) -> PathBuf {
    std::env::var_os("ZONAL_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus/dev"))
        .join(rel)
}

fn zonal(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_zonal"))
        .args(args)
        .output()
        .expect("zonal runs")
}

fn json(out: &Output) -> Value {
    assert!(
        out.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("stdout is JSON")
}

#[test]
fn words_prints_pages_with_geometry_and_boxes() {
    let oyo = corpus("invoice2data/oyo.pdf");
    let v = json(&zonal(&["words", oyo.to_str().unwrap_or_default()]));
    let page = &v["pages"][0];
    assert_eq!(page["page"], 1);
    assert_eq!(page["width"], 595.0);
    assert_eq!(page["height"], 842.0);
    assert_eq!(page["rotation"], 0);
    let words = page["words"].as_array().expect("words");
    let first = &words[0];
    assert_eq!(first["text"], "PAYMENT");
    // pdfplumber: ['PAYMENT', 119.84, 44.131, 160.722, 52.451]
    let b: Vec<f64> = first["bbox"]
        .as_array()
        .expect("bbox")
        .iter()
        .filter_map(Value::as_f64)
        .collect();
    assert!(
        (b[0] - 119.84).abs() < 0.01 && (b[2] - 160.722).abs() < 0.01,
        "{b:?}"
    );
    assert!(b[1] < 52.451 && b[3] > 44.131, "vertical overlap {b:?}");
}

#[test]
fn words_of_one_page_of_a_rotated_file() {
    let f = corpus("pdfplumber/nics-background-checks-2015-11-rotated.pdf");
    let v = json(&zonal(&[
        "words",
        f.to_str().unwrap_or_default(),
        "--page",
        "1",
    ]));
    assert_eq!(v["pages"].as_array().map(Vec::len), Some(1));
    assert_eq!(v["pages"][0]["rotation"], 90);
}

#[test]
fn region_prints_the_text_inside() {
    let oyo = corpus("invoice2data/oyo.pdf");
    // Around "IBZY2087" (Booking ID), loosely.
    let v = json(&zonal(&[
        "region",
        oyo.to_str().unwrap_or_default(),
        "--page",
        "1",
        "--rect",
        "313,151,358,168",
    ]));
    assert_eq!(v["text"], "IBZY2087");
}

#[test]
fn render_writes_a_png_of_the_requested_resolution() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("p1.png");
    let oyo = corpus("invoice2data/oyo.pdf");
    let v = json(&zonal(&[
        "render",
        oyo.to_str().unwrap_or_default(),
        "--page",
        "1",
        "--dpi",
        "144",
        "-o",
        out.to_str().unwrap_or_default(),
    ]));
    assert_eq!(
        (v["width"].as_u64(), v["height"].as_u64()),
        (Some(1190), Some(1684))
    );
    let png = std::fs::read(&out).expect("png written");
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"));
}

fn assert_clean_failure(out: &Output, needle: &str) {
    assert_eq!(out.status.code(), Some(2), "exit status 2");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(needle),
        "stderr {err:?} should mention {needle:?}"
    );
    assert!(!err.contains("panicked"), "no panic: {err}");
    assert!(out.stdout.is_empty());
}

#[test]
fn bad_input_is_one_line_on_stderr_and_status_2() {
    let pw = corpus("pdfplumber/password-example.pdf");
    let pw = pw.to_str().unwrap_or_default();
    assert_clean_failure(&zonal(&["words", pw]), "password");
    assert_clean_failure(
        &zonal(&["words", pw, "--password", "wrong"]),
        "password does not open",
    );
    assert!(zonal(&["words", pw, "--password", "test"]).status.success());

    let empty = corpus("pdfplumber/empty.pdf");
    assert_clean_failure(
        &zonal(&["words", empty.to_str().unwrap_or_default()]),
        "not a readable PDF",
    );
    assert_clean_failure(&zonal(&["words", "/no/such/file.pdf"]), "cannot read");

    let oyo = corpus("invoice2data/oyo.pdf");
    let oyo = oyo.to_str().unwrap_or_default();
    assert_clean_failure(
        &zonal(&["region", oyo, "--page", "1", "--rect", "1,2,3"]),
        "--rect",
    );
    assert_clean_failure(
        &zonal(&["region", oyo, "--page", "7", "--rect", "1,2,3,4"]),
        "page 7 does not exist",
    );
    assert_clean_failure(
        &zonal(&["render", oyo, "--dpi", "0", "-o", "/tmp/x.png"]),
        "--dpi",
    );
    let missing = zonal(&["words"]);
    assert_clean_failure(&missing, "required");
    assert_eq!(
        String::from_utf8_lossy(&missing.stderr).lines().count(),
        1,
        "one line"
    );
    assert_clean_failure(&zonal(&["frobnicate"]), "unrecognized subcommand");
}

#[test]
fn no_corpus_file_crashes_or_hangs_the_cli() {
    let dir = corpus("");
    for sub in std::fs::read_dir(&dir).expect("corpus").flatten() {
        for f in std::fs::read_dir(sub.path())
            .into_iter()
            .flatten()
            .flatten()
        {
            let p = f.path();
            if p.extension().is_none_or(|e| e != "pdf") {
                continue;
            }
            // Without OCR: this is about the engine on every file, not Tesseract's time.
            let out = zonal(&["words", p.to_str().unwrap_or_default(), "--ocr", "off"]);
            let code = out.status.code();
            assert!(
                matches!(code, Some(0) | Some(2)),
                "{}: exit {code:?}",
                p.display()
            );
            if code == Some(0) {
                let _ = json(&out);
            }
        }
    }
}

#[test]
fn extract_with_an_invoice2data_template_explains_the_match() {
    let pdf = corpus("invoice2data/oyo.pdf");
    let tmpl = corpus("invoice2data/oyo.template.yml");
    let v = json(&zonal(&[
        "extract",
        pdf.to_str().unwrap_or_default(),
        "--template",
        tmpl.to_str().unwrap_or_default(),
    ]));
    // oyo.expected.json: IBZY2087, 2017-12-31, 1939, INR, issuer OYO.
    assert_eq!(v["invoice"]["invoiceNumber"], "IBZY2087");
    assert_eq!(v["invoice"]["total"], "1939");
    assert_eq!(v["invoice"]["vendorName"], "OYO");
    assert_eq!(v["sources"]["total"], "template");
    let why = v["template"]["explanation"].as_str().unwrap_or_default();
    assert!(why.starts_with("matched OYO because"), "{why}");
    let c = v["confidence"]["score"].as_f64().unwrap_or(0.0);
    assert!(c > 0.5 && c <= 1.0, "{c}");
}

#[test]
fn extract_reads_the_xml_inside_an_einvoice() {
    let pdf = corpus("zugferd/xr_EN16931_Einfach.pdf");
    let v = json(&zonal(&["extract", pdf.to_str().unwrap_or_default()]));
    // xr_EN16931_Einfach.expected.json: 471102, 2018-03-05, grand total 529.87.
    assert_eq!(v["einvoice"], "CrossIndustryInvoice");
    assert_eq!(v["invoice"]["invoiceNumber"], "471102");
    assert_eq!(v["invoice"]["invoiceDate"], "2018-03-05");
    assert_eq!(v["invoice"]["total"], "529.87");
    assert_eq!(v["invoice"]["lineItems"].as_array().map(Vec::len), Some(2));
}

#[test]
fn csv_combines_files_under_the_spec_header() {
    let a = corpus("invoice2data/oyo.pdf");
    let b = corpus("zugferd/xr_EN16931_Einfach.pdf");
    let out = zonal(&[
        "csv",
        a.to_str().unwrap_or_default(),
        b.to_str().unwrap_or_default(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let mut rows = csv_rows(&text);
    let header = rows.remove(0);
    assert_eq!(
        header.join(","),
        "invoiceNumber,invoiceDate,vendorName,currency,subtotal,tax,total,dueDate,lineItemIndex,description,quantity,unitPrice,lineTotal,confidenceScore,filename"
    );
    let oyo: Vec<_> = rows.iter().filter(|r| r[14] == "oyo.pdf").collect();
    assert_eq!(oyo.len(), 1, "no line items: one row");
    assert_eq!(oyo[0][0], "IBZY2087");
    let xr: Vec<_> = rows
        .iter()
        .filter(|r| r[14] == "xr_EN16931_Einfach.pdf")
        .collect();
    assert_eq!(xr.len(), 2, "one row per line item");
    assert_eq!(xr[1][8], "2");
    assert_eq!(xr[0][6], "529.87");
}

#[test]
fn bad_templates_and_missing_files_exit_2_with_a_message() {
    let dir = std::env::temp_dir().join(format!("zonal-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("tmp");
    let bad = dir.join("bad.yml");
    std::fs::write(&bad, "issuer: X\nfields:\n  amount: (unclosed\n").expect("write");
    let pdf = corpus("invoice2data/oyo.pdf");
    let out = zonal(&[
        "extract",
        pdf.to_str().unwrap_or_default(),
        "-t",
        bad.to_str().unwrap_or_default(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bad.yml") && err.contains("regular expression"),
        "{err}"
    );
    let out = zonal(&["csv", "/nonexistent.pdf"]);
    assert_eq!(out.status.code(), Some(2));
    let pdf = pdf.to_str().unwrap_or_default();
    assert_clean_failure(
        &zonal(&["extract", pdf, "--locale", "deutsch"]),
        "not a language tag",
    );
    let out = zonal(&["extract", pdf, "--locale", "en-IN", "--ocr", "off"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Every record of a CSV text, header included.
fn csv_rows(text: &str) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes())
        .records()
        .filter_map(Result::ok)
        .map(|r| r.iter().map(str::to_string).collect())
        .collect()
}

#[test]
fn table_prints_rows_and_cells_from_the_ruling_lines() {
    // tabula-java's lattice test: schools.pdf page 1, area [top, left, bottom, right]
    // = [53.74, 16.97, 548.74, 762.3]; its first data row starts "Lidstad, Dick & Peg".
    let f = corpus("tabula/schools.pdf");
    let v = json(&zonal(&[
        "table",
        f.to_str().unwrap_or_default(),
        "--rect",
        "16.97,53.74,762.3,548.74",
    ]));
    assert_eq!(v["table"]["method"], "ruling");
    let rows = v["table"]["rows"].as_array().expect("rows");
    assert!(rows.len() > 10, "{}", rows.len());
    assert!(rows[0].as_array().map_or(0, Vec::len) >= 10);
    let flat: Vec<&str> = rows
        .iter()
        .flat_map(|r| r.as_array().into_iter().flatten())
        .filter_map(Value::as_str)
        .collect();
    assert!(
        flat.contains(&"Lidstad") && flat.contains(&"Dick & Peg"),
        "{flat:?}"
    );
}

#[test]
fn a_scanned_receipt_reads_like_text_through_ocr() {
    // SROIE 000: a photographed till receipt wrapped in an image-only PDF.
    let pdf = corpus("sroie/000.pdf");
    let pdf = pdf.to_str().unwrap_or_default();
    let off = zonal(&["text", pdf, "--ocr", "off"]);
    assert!(off.status.success());
    assert!(
        String::from_utf8_lossy(&off.stdout).trim().is_empty(),
        "no text layer"
    );
    let text = String::from_utf8_lossy(&zonal(&["text", pdf]).stdout).to_string();
    assert!(
        text.contains("JALAN SAGU"),
        "the address, read by OCR: {text}"
    );
    // Label and amount on one line (the receipt read as one column).
    assert!(
        text.lines()
            .any(|l| l.contains("Total") && l.contains("9.00")),
        "{text}"
    );
    let v = json(&zonal(&["extract", pdf]));
    assert_eq!(v["invoice"]["total"], "9.00");
    assert_eq!(v["invoice"]["invoiceDate"], "2018-12-25");
    let c = v["confidence"]["fields"]["total"].as_f64().unwrap_or(1.0);
    assert!(c < 0.9, "an OCR reading is not certain: {c}");
}
