//! Words of every page of every corpus PDF, natively: per file, the best of several
//! rounds, as JSON lines `{"file", "pages", "seconds", "per_page_seconds"}`.
//! `seconds` opens the file and reads all pages with one interpreter cache (what the CLI
//! does; scripts/bench.sh compares it with pdfplumber and PyMuPDF); `per_page_seconds`
//! reads the pages of the open document one `page_text_with` at a time, one text cache kept
//! for the document (what the web app's engine worker does, compared with the same in wasm
//! by e2e/bench/text.bench.ts). Run: `cargo bench -p wasm-core --bench
//! words` (`ZONAL_CORPUS` picks the corpus directory, `ROUNDS` the rounds, 3 by default).

mod common;

use std::path::{Path, PathBuf};
use std::time::Instant;

use wasm_core::{Document, TextCache};

fn pdfs(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            pdfs(&p, out);
        } else if p.extension().is_some_and(|x| x.eq_ignore_ascii_case("pdf")) {
            out.push(p);
        }
    }
}

/// Opens the file and collects every page's words; the page count.
fn words(bytes: &[u8]) -> Option<(usize, usize)> {
    let doc = Document::open(bytes.to_vec(), None).ok()?;
    let n = doc.page_texts().iter().map(|t| t.words().count()).sum();
    Some((doc.page_count(), n))
}

fn main() {
    let root = common::corpus_root();
    let rounds = common::rounds(3);
    let mut files = Vec::new();
    pdfs(&root, &mut files);
    files.sort();
    for f in files {
        let Ok(bytes) = std::fs::read(&f) else {
            continue;
        };
        let mut best = f64::INFINITY;
        let mut got = None;
        for _ in 0..rounds {
            let t = Instant::now();
            got = words(&bytes);
            best = best.min(t.elapsed().as_secs_f64());
        }
        let Some((pages, n)) = got else { continue };
        // A freshly opened document each round, read page by page with one text cache,
        // as the app's engine worker does (opening not timed).
        let per_page = (0..rounds)
            .filter_map(|_| {
                let doc = Document::open(bytes.clone(), None).ok()?;
                let cache = TextCache::new();
                let t = Instant::now();
                for p in 1..=doc.page_count() {
                    let _ = doc.page_text_with(p, &cache);
                }
                Some(t.elapsed().as_secs_f64())
            })
            .fold(f64::NAN, f64::min);
        let rel = f.strip_prefix(&root).unwrap_or(&f).display().to_string();
        println!(
            "{{\"file\": {:?}, \"pages\": {pages}, \"words\": {n}, \"seconds\": {best:.6}, \"per_page_seconds\": {per_page:.6}}}",
            rel
        );
    }
}
