//! Helpers shared by the corpus tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use wasm_core::Document;

/// The corpus development set (`ZONAL_CORPUS` overrides it).
pub fn corpus_dir() -> PathBuf {
    std::env::var_os("ZONAL_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus/dev"))
}

/// A file in the corpus, by its path relative to the set.
pub fn corpus(rel: &str) -> PathBuf {
    corpus_dir().join(rel)
}

/// A corpus file's bytes; panics with the file name when it cannot be read (a missing
/// corpus fails the test instead of passing it on empty bytes).
pub fn read(rel: &str) -> Vec<u8> {
    std::fs::read(corpus(rel)).unwrap_or_else(|e| panic!("{}: {e}", corpus(rel).display()))
}

/// Opens a corpus PDF; panics with the file name when it does not open.
pub fn open(rel: &str) -> Document {
    let bytes = std::fs::read(corpus(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"));
    Document::open(bytes, None).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// Adobe's text CMap called `name`, from `ZONAL_CMAPS` or where Debian's `poppler-data`
/// installs them (one folder per character collection); `None` if there is no such file.
/// Panics when the folder is missing (scripts/setup.sh installs poppler-data).
pub fn adobe_cmap(name: &str) -> Option<PathBuf> {
    let dir = std::env::var_os("ZONAL_CMAPS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/share/poppler/cMap"));
    std::fs::read_dir(&dir)
        .unwrap_or_else(|e| {
            panic!(
                "{}: {e} (scripts/setup.sh installs poppler-data)",
                dir.display()
            )
        })
        .filter_map(|e| e.ok().map(|e| e.path().join(name)))
        .find(|p| p.is_file())
}

/// The files of a corpus directory, sorted by path.
pub fn files_in(sub: &str) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(corpus_dir().join(sub))
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    out.sort();
    out
}
