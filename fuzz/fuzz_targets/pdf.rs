//! Any bytes as a PDF: open, then for the first pages their geometry, words, text inside
//! a region, tables, layout text, and a small render. Nothing may panic, hang or blow up.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wasm_core::Document;
use wasm_core::geometry::Rect;

fuzz_target!(|data: &[u8]| {
    let Ok(doc) = Document::open(data.to_vec(), None) else {
        return;
    };
    let region = Rect {
        x0: 10.0,
        top: 10.0,
        x1: 300.0,
        bottom: 200.0,
    };
    for page in 1..=doc.page_count().min(3) {
        let _ = doc.page_info(page);
        if let Ok(text) = doc.page_text(page) {
            let _ = text.words().count();
            let _ = text.region_text(&region);
            let _ = text.layout_text();
            let _ = text.region_table(&region);
        }
        let _ = doc.render(page, 0.1);
    }
    let _ = doc.attachments();
});
