//! Open documents live here, outside the reactive graph: signals carry only ids and plain
//! data, and components look documents up by id.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use wasm_core::{Document, PageInfo, PageText};

/// An open PDF and the text of the pages read so far: the PDF's own, or for a scanned
/// page what OCR read (kept when the native texts are read again).
pub struct LoadedDoc {
    /// The parsed document.
    pub doc: Document,
    /// Page geometry, in order.
    pub pages: Vec<PageInfo>,
    texts: RefCell<HashMap<usize, Rc<PageText>>>,
    ocr: RefCell<HashMap<usize, (Rc<PageText>, f64)>>,
}

impl LoadedDoc {
    /// Wraps an opened document.
    pub fn new(doc: Document) -> Self {
        let pages = doc.pages();
        Self {
            doc,
            pages,
            texts: RefCell::new(HashMap::new()),
            ocr: RefCell::new(HashMap::new()),
        }
    }

    /// The text of a page (1-based): what OCR read, else the PDF's own, extracted once
    /// and cached.
    pub fn page_text(&self, page: usize) -> Option<Rc<PageText>> {
        if let Some((t, _)) = self.ocr.borrow().get(&page) {
            return Some(t.clone());
        }
        self.native_text(page)
    }

    /// Every page's text, in order (what the invoice pipeline reads).
    pub fn texts(&self) -> Vec<PageText> {
        (1..=self.pages.len())
            .filter_map(|p| self.page_text(p).map(|t| (*t).clone()))
            .collect()
    }

    /// Whether a page is a scan: its own text layer is (nearly) empty.
    pub fn is_scan(&self, page: usize) -> bool {
        self.native_text(page).is_some_and(|t| t.needs_ocr())
    }

    /// Puts what OCR read (with its mean word confidence) in place of a page's text.
    pub fn set_ocr(&self, page: usize, text: PageText, quality: f64) {
        self.ocr.borrow_mut().insert(page, (Rc::new(text), quality));
    }

    /// The OCR confidence of a page read by OCR.
    pub fn ocr_quality_of(&self, page: usize) -> Option<f64> {
        self.ocr.borrow().get(&page).map(|(_, q)| *q)
    }

    /// How surely the document's text was read: 1 per native page, the OCR confidence
    /// per page read by OCR, averaged (what the pipeline's confidence takes).
    pub fn text_quality(&self) -> f64 {
        let n = self.pages.len().max(1);
        let ocr = self.ocr.borrow();
        let read: f64 = ocr.values().map(|(_, q)| q).sum();
        ((n - ocr.len().min(n)) as f64 + read) / n as f64
    }

    fn native_text(&self, page: usize) -> Option<Rc<PageText>> {
        if let Some(t) = self.texts.borrow().get(&page) {
            return Some(t.clone());
        }
        let name = format!("zonal:text {page}");
        let t = Rc::new(crate::glue::timed(&name, || self.doc.page_text(page)).ok()?);
        self.texts.borrow_mut().insert(page, t.clone());
        Some(t)
    }
}

/// Forgets every page text read so far (fonts or CMaps arrived: they read differently).
pub fn forget_texts() {
    DOCS.with(|d| {
        for doc in d.borrow().values() {
            doc.texts.borrow_mut().clear();
        }
    });
}

/// Extracts the text of every page of `id` ahead of the invoice pipeline, in slices of
/// about 8 ms with the event loop in between, so a long document never freezes the page.
pub async fn warm_texts(id: u32) {
    let Some(doc) = get(id) else { return };
    let now = crate::glue::now_ms;
    let mut slice = now();
    for page in 1..=doc.pages.len() {
        let _ = doc.page_text(page);
        if now() - slice > 8.0 {
            crate::glue::yield_now().await;
            slice = now();
        }
    }
}

thread_local! {
    static DOCS: RefCell<HashMap<u32, Rc<LoadedDoc>>> = RefCell::new(HashMap::new());
}

/// Registers a document under `id`.
pub fn insert(id: u32, doc: LoadedDoc) {
    DOCS.with(|d| d.borrow_mut().insert(id, Rc::new(doc)));
}

/// The document with `id`, if open.
pub fn get(id: u32) -> Option<Rc<LoadedDoc>> {
    DOCS.with(|d| d.borrow().get(&id).cloned())
}

/// Closes the document with `id`.
pub fn remove(id: u32) {
    DOCS.with(|d| d.borrow_mut().remove(&id));
}
