//! The open documents in the worker and the answers to the app's requests.
//!
//! A page's text is read once and kept while it is among the [`TEXT_CACHE_PAGES`] last
//! used (a long document's far pages are read again when asked for), so memory stays
//! bounded however long the document; what OCR read is kept for good (it cannot be read
//! again without OCR). The invoice pipeline reads the pages invoices print their header,
//! items and totals on (see [`pipeline_pages`]), not every page of a long document.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::rc::Rc;

use wasm_core::geometry::points_to_pixels;
use wasm_core::invoice::locate::{locate, place_of};
use wasm_core::invoice::pipeline::read_with_regions;
use wasm_core::ocr::{OCR_DPI, PreparedScan, parse_tesseract_tsv};
use wasm_core::template::Template;
use wasm_core::{Document, OpenError, PageText, RenderCache, RgbaImage, TextCache};

use crate::protocol::{Envelope, OpenFailure, Reply, Request};

/// How many pages' native texts a document keeps.
pub const TEXT_CACHE_PAGES: usize = 48;

/// The invoice pipeline reads a document's first and last this many pages.
pub const PIPELINE_END_PAGES: usize = 12;

/// The pages the invoice pipeline reads of an `n`-page document: the first and the last
/// [`PIPELINE_END_PAGES`], and the pages `named` by a template's or a drawn region.
pub fn pipeline_pages(n: usize, named: impl IntoIterator<Item = usize>) -> Vec<usize> {
    let mut pages: Vec<usize> = (1..=n.min(PIPELINE_END_PAGES))
        .chain(n.saturating_sub(PIPELINE_END_PAGES).max(PIPELINE_END_PAGES) + 1..=n)
        .chain(named.into_iter().filter(|p| (1..=n).contains(p)))
        .collect();
    pages.sort_unstable();
    pages.dedup();
    pages
}

/// A PDF comment that makes the worker panic when it opens the file: how the browser
/// tests check that a failing engine costs one file, not the session.
pub const TEST_PANIC_MARKER: &[u8] = b"%zonal-test-engine-panic";

/// How many renders and text readings a document's caches serve before they are
/// dropped for new ones (they grow with every page: fonts, glyphs, colour spaces).
pub const DOC_CACHE_USES: usize = 32;

/// What reading and rendering a document's pages keep between pages.
#[derive(Default)]
struct Caches<'a> {
    render: RenderCache<'a>,
    text: TextCache<'a>,
}

self_cell::self_cell!(
    /// A document and its caches (which borrow it).
    struct Cached {
        owner: Document,
        #[not_covariant]
        dependent: Caches,
    }
);

/// Why a document's caches are always there.
const CACHED: &str = "a document's caches are only missing while they are replaced";

/// One open document.
struct Open {
    /// The document and its caches (`None` only while the caches are replaced).
    cached: Option<Cached>,
    /// Renders and text readings the current caches served.
    uses: usize,
    /// How many native texts it keeps.
    cache: usize,
    pages: usize,
    /// Native texts, most recently used last.
    texts: VecDeque<(usize, Rc<PageText>)>,
    /// Pages read by OCR: their text and mean word confidence.
    ocr: BTreeMap<usize, (Rc<PageText>, f64)>,
    /// Whether each page read so far is a scan (no text layer).
    scan: BTreeMap<usize, bool>,
    /// The scan last prepared for OCR, until its reading arrives.
    prepared: Option<(usize, PreparedScan)>,
}

impl Open {
    fn new(doc: Document, cache: usize) -> Self {
        Self {
            cache,
            pages: doc.pages().len(),
            cached: Some(Cached::new(doc, |_| Caches::default())),
            uses: 0,
            texts: VecDeque::new(),
            ocr: BTreeMap::new(),
            scan: BTreeMap::new(),
            prepared: None,
        }
    }

    fn doc(&self) -> &Document {
        self.cached.as_ref().expect(CACHED).borrow_owner()
    }

    /// The caches, new ones every [`DOC_CACHE_USES`] uses (or when `renew`).
    fn caches(&mut self, renew: bool) -> &Cached {
        if renew || self.uses >= DOC_CACHE_USES {
            let doc = self.cached.take().expect(CACHED).into_owner();
            self.cached = Some(Cached::new(doc, |_| Caches::default()));
            self.uses = 0;
        }
        self.uses += 1;
        self.cached.as_ref().expect(CACHED)
    }

    /// Renders page `page` at `scale` pixels per point, reusing what earlier renders of
    /// this document kept.
    fn render(&mut self, page: usize, scale: f64) -> Result<RgbaImage, String> {
        self.caches(false)
            .with_dependent(|doc, c| doc.render_with(page, scale, &c.render))
            .map_err(|e| e.to_string())
    }

    /// A page's text: what OCR read, else the PDF's own.
    fn text(&mut self, page: usize) -> Result<Rc<PageText>, String> {
        if let Some((t, _)) = self.ocr.get(&page) {
            return Ok(t.clone());
        }
        self.native(page)
    }

    fn native(&mut self, page: usize) -> Result<Rc<PageText>, String> {
        if let Some(i) = self.texts.iter().position(|(p, _)| *p == page) {
            let hit = self.texts.remove(i).ok_or("cache")?;
            let t = hit.1.clone();
            self.texts.push_back(hit);
            return Ok(t);
        }
        let t = Rc::new(
            self.caches(false)
                .with_dependent(|doc, c| doc.page_text_with(page, &c.text))
                .map_err(|e| e.to_string())?,
        );
        self.scan.insert(page, t.needs_ocr());
        if self.texts.len() >= self.cache {
            self.texts.pop_front();
        }
        self.texts.push_back((page, t.clone()));
        Ok(t)
    }

    /// The texts of `pages`, in order.
    fn texts_of(&mut self, pages: &[usize]) -> Result<Vec<PageText>, String> {
        pages
            .iter()
            .map(|&p| self.text(p).map(|t| (*t).clone()))
            .collect()
    }

    /// The pages the invoice pipeline reads with these templates and drawn regions.
    fn pipeline_texts(
        &mut self,
        templates: &[Template],
        drawn: Option<&Template>,
    ) -> Result<Vec<PageText>, String> {
        let named = templates
            .iter()
            .chain(drawn)
            .flat_map(Template::region_pages)
            .collect::<Vec<_>>();
        self.texts_of(&pipeline_pages(self.pages, named))
    }

    /// 1 per native page, the OCR confidence per page read by OCR, averaged.
    fn text_quality(&self) -> f64 {
        let n = self.pages.max(1);
        let read: f64 = self.ocr.values().map(|(_, q)| q).sum();
        ((n - self.ocr.len().min(n)) as f64 + read) / n as f64
    }
}

/// The documents open in the worker, by the app's file id.
pub struct Docs {
    open: HashMap<u32, Open>,
    /// How many native page texts each document keeps.
    text_cache: usize,
}

impl Default for Docs {
    fn default() -> Self {
        Self::with_text_cache(TEXT_CACHE_PAGES)
    }
}

/// A reply and the bytes that travel beside it.
pub type Answer = (Reply, Option<Vec<u8>>);

impl Docs {
    /// No documents yet; each will keep at most `pages` native page texts.
    pub fn with_text_cache(pages: usize) -> Self {
        Self {
            open: HashMap::new(),
            text_cache: pages.max(1),
        }
    }

    /// Answers `request` (`bytes`: what travelled beside it), with the fonts and CMaps
    /// the pages lacked.
    pub fn handle(
        &mut self,
        request: Request,
        bytes: Option<Vec<u8>>,
    ) -> (Envelope, Option<Vec<u8>>) {
        let (reply, out) = match self.answer(request, bytes) {
            Ok(answer) => answer,
            Err(message) => (Reply::Failed { message }, None),
        };
        let missing = wasm_core::assets::take_missing();
        (Envelope { reply, missing }, out)
    }

    /// How many native page texts document `doc` holds now.
    pub fn cached_texts(&self, doc: u32) -> usize {
        self.open.get(&doc).map_or(0, |d| d.texts.len())
    }

    /// Whether page `page` of `doc` has its native text read and kept.
    pub fn has_text(&self, doc: u32, page: usize) -> bool {
        self.open
            .get(&doc)
            .is_some_and(|d| d.texts.iter().any(|(p, _)| *p == page))
    }

    fn get(&mut self, doc: u32) -> Result<&mut Open, String> {
        self.open
            .get_mut(&doc)
            .ok_or_else(|| "the file is not open".to_string())
    }

    fn answer(&mut self, request: Request, bytes: Option<Vec<u8>>) -> Result<Answer, String> {
        let done = |reply: Reply| Ok((reply, None));
        match request {
            Request::Open { doc, password } => {
                let bytes = bytes.ok_or("no PDF came with the request")?;
                if bytes.get(..1024.min(bytes.len())).is_some_and(|head| {
                    head.windows(TEST_PANIC_MARKER.len())
                        .any(|w| w == TEST_PANIC_MARKER)
                }) {
                    panic!(
                        "the engine's test trigger: {}",
                        String::from_utf8_lossy(TEST_PANIC_MARKER)
                    );
                }
                let sha256 = sha256_hex(&bytes);
                match Document::open(bytes, password.as_deref()) {
                    Ok(d) => {
                        let pages = d.pages();
                        self.open.insert(doc, Open::new(d, self.text_cache));
                        done(Reply::Opened { pages, sha256 })
                    }
                    Err(e) => done(Reply::OpenFailed {
                        failure: match e {
                            OpenError::NeedsPassword => OpenFailure::NeedsPassword,
                            OpenError::WrongPassword => OpenFailure::WrongPassword,
                            e => OpenFailure::Other {
                                message: e.to_string(),
                            },
                        },
                    }),
                }
            }
            Request::Close { doc } => {
                self.open.remove(&doc);
                done(Reply::Done)
            }
            Request::Provide { path } => {
                let bytes = bytes.ok_or("no file came with the request")?;
                wasm_core::assets::provide(&path, bytes).map_err(|e| e.to_string())?;
                // Pages read without it read differently now, and the caches keep the
                // fallback used without it.
                for d in self.open.values_mut() {
                    d.texts.clear();
                    d.caches(true);
                }
                done(Reply::Done)
            }
            Request::Render { doc, page, scale } => {
                let img = self.get(doc)?.render(page, scale)?;
                Ok((
                    Reply::Image {
                        width: img.width,
                        height: img.height,
                    },
                    Some(img.data),
                ))
            }
            Request::ReadTexts { doc, pages } => {
                let d = self.get(doc)?;
                let mut scans = Vec::new();
                for page in pages {
                    d.native(page)?;
                    if d.scan.get(&page) == Some(&true) {
                        scans.push(page);
                    }
                }
                done(Reply::Texts { scans })
            }
            Request::RegionText { doc, page, rect } => {
                let d = self.get(doc)?;
                let t = d.text(page)?;
                done(Reply::RegionText {
                    text: t.region_text(&rect),
                    needs_ocr: t.needs_ocr(),
                })
            }
            Request::RegionTable { doc, page, rect } => {
                let t = self.get(doc)?.text(page)?;
                done(Reply::Table {
                    rows: t.region_table(&rect).map(|t| t.rows),
                })
            }
            Request::RegionPng {
                doc,
                page,
                rect,
                dpi,
            } => {
                let img = self.get(doc)?.render(page, points_to_pixels(1.0, dpi))?;
                let crop = img
                    .crop(&rect, points_to_pixels(1.0, dpi))
                    .ok_or("the region is empty")?;
                let png = crop.to_png().map_err(|e| e.to_string())?;
                Ok((Reply::Png, Some(png)))
            }
            Request::PrepareScan { doc, page } => {
                let d = self.get(doc)?;
                let img = d.render(page, points_to_pixels(1.0, OCR_DPI))?;
                let scan = PreparedScan::new(img, 0);
                let png = scan.image.to_png().map_err(|e| e.to_string())?;
                let psm = scan.layout().tesseract_psm();
                d.prepared = Some((page, scan));
                Ok((Reply::Scan { psm }, Some(png)))
            }
            Request::SetOcr { doc, page, tsv } => {
                let d = self.get(doc)?;
                let scan = match d.prepared.take() {
                    Some((p, scan)) if p == page => scan,
                    _ => return Err(format!("page {page} was not prepared for OCR")),
                };
                let words = parse_tesseract_tsv(&tsv);
                d.ocr
                    .insert(page, (Rc::new(words.page_text(page, &scan)), words.quality));
                done(Reply::OcrRead {
                    quality: words.quality,
                })
            }
            Request::Extract {
                doc,
                templates,
                drawn,
            } => {
                let d = self.get(doc)?;
                let pages = d.pipeline_texts(&templates, drawn.as_deref())?;
                let mut result = read_with_regions(
                    &pages,
                    &d.doc().attachments(),
                    &templates,
                    drawn.as_deref(),
                    d.text_quality(),
                );
                if pages.len() < d.pages {
                    result.warnings.push(format!(
                        "a long document: the invoice was read from {} of its {} pages \
                         (the first and last {PIPELINE_END_PAGES}); items printed on the \
                         others are not in it",
                        pages.len(),
                        d.pages
                    ));
                }
                let places = locate(&pages, &result.invoice).into_iter().collect();
                done(Reply::Invoice {
                    result: Box::new(result),
                    text_quality: d.text_quality(),
                    places,
                })
            }
            Request::Locate {
                doc,
                invoice,
                field,
            } => {
                let pages = self.get(doc)?.pipeline_texts(&[], None)?;
                done(Reply::Place {
                    place: invoice.get(field).and_then(|v| place_of(&pages, field, &v)),
                })
            }
            Request::LayoutTexts { doc } => {
                let d = self.get(doc)?;
                let pages = (1..=d.pages)
                    .map(|p| d.text(p).map(|t| t.layout_text()))
                    .collect::<Result<_, _>>()?;
                done(Reply::LayoutTexts { pages })
            }
            Request::FirstPage { doc } => {
                let t = self.get(doc)?.text(1)?;
                done(Reply::FirstPage {
                    text: t.text(),
                    lines: t.lines.iter().map(|l| l.text()).collect(),
                })
            }
            Request::ReadTemplates { text } => done(Reply::Templates {
                templates: Template::parse_file(&text).map_err(|e| e.to_string())?,
            }),
        }
    }
}

/// The SHA-256 of `bytes`, in lowercase hex.
fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
