//! Every built-in template of invoice2data (the corpus's `invoice2data-templates/`, the
//! format as its users write it today) imports.

mod common;

use std::path::{Path, PathBuf};

use wasm_core::template::Template;

fn templates(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            templates(&p, out);
        } else if p
            .extension()
            .is_some_and(|e| e == "yml" || e == "yaml" || e == "json")
        {
            out.push(p);
        }
    }
}

#[test]
fn every_invoice2data_builtin_template_imports() {
    let mut files = Vec::new();
    templates(&common::corpus("invoice2data-templates"), &mut files);
    assert!(files.len() >= 200, "only {} templates found", files.len());
    let refused: Vec<String> = files
        .iter()
        .filter_map(|f| {
            let text =
                std::fs::read_to_string(f).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
            Template::parse(&text)
                .err()
                .map(|e| format!("{}: {e}", f.display()))
        })
        .collect();
    println!(
        "{} of {} templates import",
        files.len() - refused.len(),
        files.len()
    );
    assert!(refused.is_empty(), "refused:\n{}", refused.join("\n"));
}
