//! Any text as a template: Zonal's JSON templates and invoice2data YAML, then matched and
//! applied to a plain-text page made from the same bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wasm_core::template::{Template, invoice2data};
use wasm_core::text::PageText;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    let page = PageText::from_plain_text(1, s);
    let mut templates = Vec::new();
    if let Ok(t) = serde_json::from_str::<Template>(s) {
        templates.push(t);
    }
    if let Ok(t) = invoice2data::from_yaml(s) {
        templates.push(t);
    }
    for t in &templates {
        let _ = t.match_pages(std::slice::from_ref(&page));
        let _ = t.apply(std::slice::from_ref(&page));
    }
    let _ = wasm_core::invoice::rules::extract(std::slice::from_ref(&page));
});
