//! The files open in the engine, as the page knows them: their bytes, pages, which pages
//! are scans and what OCR read of them. The documents themselves live in the engine
//! worker (`crate::engine`); signals carry only ids and plain data, and components look
//! files up here by id.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::rc::Rc;
use std::sync::Arc;

use ::engine::protocol::{Reply, Request};
use wasm_core::PageInfo;

/// An open PDF: its bytes, its pages, and what the engine told about them.
pub struct LoadedDoc {
    /// The PDF.
    pub bytes: Arc<Vec<u8>>,
    /// The same bytes as the browser holds them (given to the engine, kept in the session).
    pub file: web_sys::Blob,
    /// Page geometry, in order.
    pub pages: Vec<PageInfo>,
    /// The SHA-256 of the bytes (hex), as the engine computed it.
    pub sha256: String,
    scans: RefCell<BTreeSet<usize>>,
    ocr: RefCell<BTreeMap<usize, f64>>,
}

impl LoadedDoc {
    /// A file the engine opened.
    pub fn new(
        bytes: Arc<Vec<u8>>,
        file: web_sys::Blob,
        pages: Vec<PageInfo>,
        sha256: String,
    ) -> Self {
        Self {
            bytes,
            file,
            pages,
            sha256,
            scans: RefCell::new(BTreeSet::new()),
            ocr: RefCell::new(BTreeMap::new()),
        }
    }

    /// Whether a page is a scan (its own text layer is nearly empty), once its text was
    /// read ([`warm_texts`]).
    pub fn is_scan(&self, page: usize) -> bool {
        self.scans.borrow().contains(&page)
    }

    /// Records what OCR read on a page: its mean word confidence.
    pub fn set_ocr(&self, page: usize, quality: f64) {
        self.ocr.borrow_mut().insert(page, quality);
    }

    /// The OCR confidence of a page read by OCR.
    pub fn ocr_quality_of(&self, page: usize) -> Option<f64> {
        self.ocr.borrow().get(&page).copied()
    }
}

/// Pages read per request while warming: short requests, so a render asked for in the
/// meantime waits little.
const WARM_BATCH: usize = 8;

/// Has the engine read the text of every page of `id` ahead of the invoice pipeline, a
/// few pages per request; records which pages are scans.
pub async fn warm_texts(id: u32) {
    let Some(doc) = get(id) else { return };
    let pages: Vec<usize> = (1..=doc.pages.len()).collect();
    for batch in pages.chunks(WARM_BATCH) {
        let request = Request::ReadTexts {
            doc: id,
            pages: batch.to_vec(),
        };
        match crate::engine::call(request, None).await {
            Ok((Reply::Texts { scans }, _)) => doc.scans.borrow_mut().extend(scans),
            _ => return,
        }
        if get(id).is_none() {
            return; // closed meanwhile
        }
    }
}

thread_local! {
    static DOCS: RefCell<HashMap<u32, Rc<LoadedDoc>>> = RefCell::new(HashMap::new());
}

/// Registers a file the engine opened under `id`.
pub fn insert(id: u32, doc: LoadedDoc) {
    DOCS.with(|d| d.borrow_mut().insert(id, Rc::new(doc)));
}

/// The file with `id`, if open.
pub fn get(id: u32) -> Option<Rc<LoadedDoc>> {
    DOCS.with(|d| d.borrow().get(&id).cloned())
}

/// Closes the file with `id` (here and in the engine).
pub fn remove(id: u32) {
    if DOCS.with(|d| d.borrow_mut().remove(&id)).is_some() {
        leptos::task::spawn_local(async move {
            let _ = crate::engine::call(Request::Close { doc: id }, None).await;
        });
    }
}

/// Forgets the file with `id` here only (the engine lost it).
pub fn forget(id: u32) {
    DOCS.with(|d| d.borrow_mut().remove(&id));
}
