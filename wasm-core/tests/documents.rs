//! Behaviour a person relies on, checked on real files from the corpus.

mod common;

use wasm_core::geometry::Rect;
use wasm_core::{Document, OpenError};

#[test]
fn malformed_and_empty_files_are_typed_errors() {
    assert_eq!(
        Document::open(Vec::new(), None).err(),
        Some(OpenError::Malformed)
    );
    assert_eq!(
        Document::open(b"%PDF-1.7\n garbage".to_vec(), None).err(),
        Some(OpenError::Malformed)
    );
    let empty = common::read("pdfplumber/empty.pdf");
    assert!(Document::open(empty, None).is_err());
}

#[test]
fn encrypted_files_ask_for_the_password_and_open_with_it() {
    let bytes = common::read("pdfplumber/password-example.pdf");
    assert_eq!(
        Document::open(bytes.clone(), None).err(),
        Some(OpenError::NeedsPassword)
    );
    assert_eq!(
        Document::open(bytes.clone(), Some("nope")).err(),
        Some(OpenError::WrongPassword)
    );
    let doc = Document::open(bytes, Some("test")).expect("opens with its password");
    let text = doc.page_text(1).expect("page 1").text();
    assert!(text.len() > 20, "decrypted text is readable: {text:?}");
}

#[test]
fn invoice_number_is_read_from_its_region() {
    // oyo.pdf: "Booking ID" / "IBZY2087" (expected.json: invoice_number IBZY2087).
    let doc = common::open("invoice2data/oyo.pdf");
    let t = doc.page_text(1).expect("page 1");
    let word = t
        .words()
        .find(|w| w.text == "IBZY2087")
        .expect("invoice number word");
    let b = word.bbox;
    let loose = Rect {
        x0: b.x0 - 3.0,
        top: b.top - 2.0,
        x1: b.x1 + 3.0,
        bottom: b.bottom + 2.0,
    };
    assert_eq!(t.region_text(&loose), "IBZY2087");
}

#[test]
fn rotated_page_reads_like_its_upright_twin() {
    // The same document, once with /Rotate: the words must be the same, in the same order.
    let upright = common::open("pdfplumber/nics-background-checks-2015-11.pdf");
    let rotated = common::open("pdfplumber/nics-background-checks-2015-11-rotated.pdf");
    let a = upright.page_text(1).expect("page");
    let b = rotated.page_text(1).expect("page");
    assert_eq!((a.width, a.height), (b.height, b.width), "sides swap");
    let wa: Vec<&str> = a.words().map(|w| w.text.as_str()).collect();
    let wb: Vec<&str> = b.words().map(|w| w.text.as_str()).collect();
    assert!(wa.len() > 100);
    assert_eq!(wa, wb);
}

#[test]
fn region_reads_lines_top_to_bottom_and_words_left_to_right() {
    let doc = common::open("invoice2data/oyo.pdf");
    let t = doc.page_text(1).expect("page 1");
    let text = t.region_text(&Rect {
        x0: 30.0,
        top: 30.0,
        x1: 300.0,
        bottom: 150.0,
    });
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.first().copied(), Some("PAYMENT RECEIPT"));
    assert!(lines.contains(&"Guest Name: Sanjay"), "{text}");
}

#[test]
fn page_sizes_and_rotation_are_as_displayed() {
    let doc = common::open("pdfplumber/nics-background-checks-2015-11-rotated.pdf");
    let info = doc.page_info(1).expect("page 1");
    assert_eq!(info.rotation, 90);
    // A landscape MediaBox (1008 × 612) shown a quarter turn: portrait on screen.
    assert_eq!((info.width, info.height), (612.0, 1008.0));
    assert!(doc.page_info(99).is_err());
}

#[test]
fn render_is_white_paper_with_ink() {
    let doc = common::open("invoice2data/oyo.pdf");
    let img = doc.render_dpi(1, 72.0).expect("render");
    assert_eq!((img.width, img.height), (595, 842));
    let dark = img
        .data
        .chunks(4)
        .filter(|p| p[0] < 128 && p[1] < 128 && p[2] < 128)
        .count();
    let white = img
        .data
        .chunks(4)
        .filter(|p| p[0] > 250 && p[1] > 250 && p[2] > 250)
        .count();
    assert!(white > img.data.len() / 4 / 2, "mostly paper");
    assert!(dark > 1000, "text is drawn");
    assert!(img.to_png().expect("png").starts_with(b"\x89PNG"));
    assert!(
        doc.render_dpi(1, 1e9).is_err(),
        "absurd resolution is refused, not attempted"
    );
}

/// A one-page PDF whose page draws nothing.
fn blank_pdf() -> Vec<u8> {
    let objs = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>",
    ];
    let mut out = String::from("%PDF-1.4\n");
    let mut offsets = Vec::new();
    for (i, o) in objs.iter().enumerate() {
        offsets.push(out.len());
        out += &format!("{} 0 obj\n{o}\nendobj\n", i + 1);
    }
    let xref = out.len();
    out += &format!("xref\n0 {}\n0000000000 65535 f \n", objs.len() + 1);
    for o in offsets {
        out += &format!("{o:010} 00000 n \n");
    }
    out += &format!(
        "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
        objs.len() + 1
    );
    out.into_bytes()
}

#[test]
fn a_blank_page_is_not_a_scan_but_a_scanned_one_is() {
    let blank = Document::open(blank_pdf(), None).expect("a blank page opens");
    assert_eq!(blank.page_count(), 1);
    assert!(!blank.page_text(1).expect("page 1").needs_ocr());
    let scan = common::open("sroie/000.pdf");
    assert!(scan.page_text(1).expect("page 1").needs_ocr());
}

#[test]
fn a_file_of_two_pdfs_one_after_the_other_opens_as_the_first() {
    // pdf.js's issue 15893: an unencrypted PDF, then an encrypted one (RC4; neither its
    // user nor its owner password is empty), in one file with a broken cross-reference
    // table. pdf.js and pdfplumber show the first; so do we, without asking.
    let doc = common::open("pdfjs/issue15893_reduced.pdf");
    let text = doc.page_text(1).expect("page 1").text();
    assert!(text.contains("Issue 15893"), "{text:?}");
    // An encrypted file on its own still asks for its password.
    let bytes = common::read("pdfplumber/password-example.pdf");
    assert_eq!(
        Document::open(bytes, None).err(),
        Some(OpenError::NeedsPassword)
    );
}
