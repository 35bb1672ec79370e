//! The offline rule-based parser on real invoices from the corpus, checked against the
//! ground truth that came with them (`*.expected.json`).

mod common;

use rust_decimal::Decimal;
use wasm_core::Document;
use wasm_core::invoice::rules::{Extraction, extract};

fn read(rel: &str) -> Extraction {
    let doc = Document::open(std::fs::read(common::corpus(rel)).unwrap_or_default(), None)
        .expect("opens");
    let pages: Vec<_> = (1..=doc.page_count())
        .filter_map(|p| doc.page_text(p).ok())
        .collect();
    extract(&pages)
}

fn dec(s: &str) -> Option<Decimal> {
    s.parse().ok()
}

#[test]
fn oyo_receipt() {
    // oyo.expected.json: invoice_number IBZY2087, date 2017-12-31, amount 1939, INR.
    let inv = read("invoice2data/oyo.pdf").invoice;
    assert_eq!(inv.invoice_number.as_deref(), Some("IBZY2087"));
    assert_eq!(
        inv.invoice_date.map(|d| d.to_string()).as_deref(),
        Some("2017-12-31")
    );
    assert_eq!(inv.total, dec("1939"));
    assert_eq!(inv.currency.as_deref(), Some("INR"));
}

#[test]
fn german_xrechnung() {
    // xr_EN16931_Einfach.expected.json: 471102, 2018-03-05, Lieferant GmbH, EUR,
    // grand total 529.87, tax 56.87, basis 473.00.
    let inv = read("zugferd/xr_EN16931_Einfach.pdf").invoice;
    assert_eq!(inv.invoice_number.as_deref(), Some("471102"));
    assert_eq!(
        inv.invoice_date.map(|d| d.to_string()).as_deref(),
        Some("2018-03-05")
    );
    assert_eq!(inv.vendor_name.as_deref(), Some("Lieferant GmbH"));
    assert_eq!(inv.currency.as_deref(), Some("EUR"));
    assert_eq!(
        (inv.subtotal, inv.tax, inv.total),
        (dec("473.00"), dec("56.87"), dec("529.87"))
    );
}

#[test]
fn dutch_invoice_with_header_row_layout() {
    // saeco.expected.json: date 2022-09-08, due 2022-09-22, tax 8.68, total 49.99, EUR.
    let inv = read("invoice2data/saeco.pdf").invoice;
    assert_eq!(
        inv.invoice_date.map(|d| d.to_string()).as_deref(),
        Some("2022-09-08")
    );
    assert_eq!(
        inv.due_date.map(|d| d.to_string()).as_deref(),
        Some("2022-09-22")
    );
    assert_eq!((inv.tax, inv.total), (dec("8.68"), dec("49.99")));
    assert_eq!(inv.currency.as_deref(), Some("EUR"));
}

/// Plain text (what an LLM prompt or a pasted OCR result is) reads like the PDF it came
/// from: the invoice2data set's header fields come out the same from the pages' layout
/// text as from their positioned characters.
#[test]
fn plain_text_reads_like_the_pdf() {
    use wasm_core::text::PageText;
    let mut compared = 0;
    for path in common::files_in("invoice2data") {
        if path.extension().and_then(|e| e.to_str()) != Some("pdf") {
            continue;
        }
        let Ok(doc) = Document::open(std::fs::read(&path).unwrap_or_default(), None) else {
            continue;
        };
        let pages: Vec<PageText> = (1..=doc.page_count())
            .filter_map(|p| doc.page_text(p).ok())
            .collect();
        if pages.iter().all(PageText::needs_ocr) {
            continue;
        }
        let plain: Vec<PageText> = pages
            .iter()
            .map(|p| PageText::from_plain_text(p.page, &p.layout_text()))
            .collect();
        let (a, b) = (extract(&pages).invoice, extract(&plain).invoice);
        let name = path.display();
        assert_eq!(a.invoice_number, b.invoice_number, "{name}");
        assert_eq!(a.invoice_date, b.invoice_date, "{name}");
        assert_eq!(a.total, b.total, "{name}");
        assert_eq!(a.currency, b.currency, "{name}");
        // Not two empty readings agreeing: the plain text gave something to compare.
        assert!(
            b.invoice_number.is_some() || b.total.is_some(),
            "{name}: nothing read"
        );
        compared += 1;
    }
    assert!(compared >= 5, "only {compared} invoices compared");
}

#[test]
fn net_items_without_tax_make_the_total_the_subtotal() {
    // QualityHosting.expected.json: amount 34.73, amount_untaxed 34.73. The page prints
    // line amounts "Ohne MwSt.", no tax line, and "Total EUR 34,73".
    let doc = Document::open(
        std::fs::read(common::corpus("invoice2data/QualityHosting.pdf")).unwrap_or_default(),
        None,
    )
    .expect("opens");
    let pages: Vec<_> = (1..=doc.page_count())
        .filter_map(|p| doc.page_text(p).ok())
        .collect();
    let r = wasm_core::invoice::pipeline::read(&pages, &[], &[], 1.0);
    assert_eq!(
        (r.invoice.subtotal, r.invoice.total),
        (dec("34.73"), dec("34.73"))
    );
    assert!(
        r.warnings.iter().any(|w| w.contains("no tax is printed")),
        "{:?}",
        r.warnings
    );
}
