//! The rule parser and the item tables on the printed e-invoices (`zugferd-visual/`) and
//! invoice2data's samples, natively: per page, the text reading alone against the text
//! reading followed by `rules::extract` (header fields, line items, extended fields),
//! best of several rounds. Prints a table and the ratio. Run: `cargo bench -p wasm-core
//! --bench extract` (`ZONAL_CORPUS` picks the corpus, `ROUNDS` the rounds, 5 by default).

mod common;

use std::path::PathBuf;
use std::time::Instant;

use wasm_core::Document;
use wasm_core::invoice::rules;

fn best_of(rounds: usize, mut f: impl FnMut()) -> f64 {
    (0..rounds)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64()
        })
        .fold(f64::INFINITY, f64::min)
}

fn main() {
    let root = common::corpus_root();
    let rounds = common::rounds(5);
    let mut files: Vec<PathBuf> = ["zugferd-visual", "invoice2data"]
        .iter()
        .filter_map(|s| std::fs::read_dir(root.join(s)).ok())
        .flat_map(|d| d.flatten().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "pdf"))
        .collect();
    files.sort();
    let (mut pages, mut read_s, mut rules_s) = (0usize, 0.0, 0.0);
    for f in &files {
        let Ok(bytes) = std::fs::read(f) else {
            continue;
        };
        let Ok(doc) = Document::open(bytes, None) else {
            continue;
        };
        let n = doc.page_count();
        // A fresh reading each round: what a first look at a document costs.
        let read = best_of(rounds, || {
            std::hint::black_box(doc.page_texts());
        });
        let texts = doc.page_texts();
        let parse = best_of(rounds, || {
            std::hint::black_box(rules::extract(&texts));
        });
        pages += n;
        read_s += read;
        rules_s += parse;
    }
    let per = |s: f64| 1000.0 * s / pages.max(1) as f64;
    println!("| {} files, {pages} pages | ms per page |", files.len());
    println!("| --- | ---: |");
    println!("| text reading (words, lines) | {:.2} |", per(read_s));
    println!("| rules + line items on that text | {:.2} |", per(rules_s));
    println!("| both | {:.2} |", per(read_s + rules_s));
    println!(
        "ratio rules+items / text reading: {:.2}",
        rules_s / read_s.max(f64::EPSILON)
    );
}
