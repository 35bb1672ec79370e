//! The web app's build (no `embedded-assets`): a page that needs a font or CMap that is
//! not compiled in names it, and once the app hands it over the page reads in full.
//! Run with `cargo test -p wasm-core --no-default-features --test lazy_assets`.
#![cfg(not(feature = "embedded-assets"))]

mod common;

use std::collections::HashMap;
use std::path::Path;

use wasm_core::Document;
use wasm_core::assets::{provide, take_missing};

/// Reads an asset the way the app's server lays them out (`scripts/app-assets.sh`):
/// fonts from `wasm-core/assets`, CMaps from Adobe's set in `poppler-data`.
fn fetch(path: &str) -> Vec<u8> {
    let file = match path.strip_prefix("cmaps/") {
        Some(name) => common::adobe_cmap(name).unwrap_or_else(|| panic!("{name}: no such CMap")),
        None => Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("assets")
            .join(path),
    };
    std::fs::read(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()))
}

/// Every word of every page, as text.
fn words(doc: &Document) -> Vec<String> {
    (1..=doc.page_count())
        .filter_map(|p| doc.page_text(p).ok())
        .flat_map(|t| t.words().map(|w| w.text.clone()).collect::<Vec<_>>())
        .collect()
}

/// The share of pdfplumber's words (the corpus reference) that we read too.
fn recall(rel: &str, ours: &[String]) -> f64 {
    let reference = std::fs::read_to_string(common::corpus(&format!("{rel}.words.json")))
        .unwrap_or_else(|e| panic!("{rel}: {e}"));
    let reference: serde_json::Value = serde_json::from_str(&reference).expect("reference JSON");
    let mut have: HashMap<&str, usize> = HashMap::new();
    for w in ours {
        *have.entry(w.as_str()).or_default() += 1;
    }
    let (mut found, mut total) = (0usize, 0usize);
    for page in reference["pages"].as_array().into_iter().flatten() {
        for w in page["words"].as_array().into_iter().flatten() {
            total += 1;
            if let Some(n) = w[0].as_str().and_then(|t| have.get_mut(t))
                && *n > 0
            {
                *n -= 1;
                found += 1;
            }
        }
    }
    found as f64 / total.max(1) as f64
}

/// One test, not several: the registry of provided assets is process-wide.
#[test]
fn pages_name_the_fonts_and_cmaps_they_lack_and_read_in_full_once_given_them() {
    for (rel, needs) in [
        // Courier and Courier-Bold, not embedded.
        ("icdar2013/us-033.pdf", "fonts/FoxitFixed.pfb"),
        // Times Italic, not embedded.
        ("icdar2013/us-039.pdf", "fonts/FoxitSerifItalic.pfb"),
        // Japanese text in 90ms-RKSJ-V, which builds on 90ms-RKSJ-H; Unicode from
        // Adobe-Japan1-UCS2: three rounds of fetching.
        ("pdfjs/issue11555.pdf", "cmaps/90ms-RKSJ-V"),
    ] {
        let doc = common::open(rel);
        let before = words(&doc);
        let mut missing = take_missing();
        assert!(missing.iter().any(|m| m == needs), "{rel}: {missing:?}");

        let mut rounds = 0;
        while !missing.is_empty() {
            rounds += 1;
            assert!(rounds <= 4, "{rel}: still missing {missing:?}");
            for m in &missing {
                provide(m, fetch(m)).unwrap_or_else(|e| panic!("{rel}: {e}"));
            }
            let _ = words(&doc);
            missing = take_missing();
        }
        let after = words(&doc);
        let (r0, r1) = (recall(rel, &before), recall(rel, &after));
        eprintln!("{rel}: {r0:.3} → {r1:.3} in {rounds} rounds");
        assert!(
            r1 > r0,
            "{rel}: {r0:.3} of the reference words before, {r1:.3} after"
        );
        assert!(r1 >= 0.9, "{rel}: only {r1:.3} of the reference words");
        if rel.contains("11555") {
            assert!(before.is_empty(), "{before:?}");
            assert!(after.iter().any(|w| w.contains('あ')), "{after:?}");
        }
    }
}
