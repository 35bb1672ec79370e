//! The app's reactive state, provided once at the root and read with [`use_app`].

use std::sync::Arc;

use leptos::prelude::*;
use wasm_core::PageInfo;
use wasm_core::geometry::Rect;
use wasm_core::invoice::pipeline::InvoiceResult;
use wasm_core::invoice::{Invoice, InvoiceField};
use wasm_core::template::Template;

/// Where a file stands.
#[derive(Debug, Clone, PartialEq)]
pub enum FileStatus {
    /// Being read and parsed.
    Loading,
    /// Open; pages known.
    Ready(Vec<PageInfo>),
    /// Encrypted: waiting for a password (bytes kept so nothing is lost).
    NeedsPassword { bytes: Arc<Vec<u8>>, wrong: bool },
    /// Could not be opened; the message says why in plain words.
    Failed(String),
}

/// One file in the file list.
#[derive(Debug, Clone, PartialEq)]
pub struct FileEntry {
    /// Stable id (also the document id in the store).
    pub id: u32,
    /// File name as dropped.
    pub name: String,
    /// The name shown and exported: the file name, numbered when another open file
    /// has the same one ("invoice (2).pdf").
    pub display: String,
    /// Size in bytes.
    pub size: usize,
    /// State.
    pub status: FileStatus,
    /// The person marked its values reviewed.
    pub reviewed: bool,
}

/// A rectangle drawn by the person, in page points.
#[derive(Debug, Clone, PartialEq)]
pub struct Region {
    /// Stable id.
    pub id: u32,
    /// Document id.
    pub doc: u32,
    /// 1-based page.
    pub page: usize,
    /// Box in page points (displayed page, origin top-left).
    pub rect: Rect,
    /// Editable label.
    pub label: String,
    /// The invoice field this region fills, if any.
    pub field: Option<InvoiceField>,
    /// Drawn over the item table: what each of its columns holds (then it fills the
    /// line items, not a field).
    pub items: Option<Vec<wasm_core::template::ItemColumn>>,
    /// Native text inside.
    pub text: String,
    /// The page has no text layer: the region needs OCR.
    pub needs_ocr: bool,
    /// What the relay's OCR read, with the crop it read (a PNG data URL), or why not.
    pub ocr: Option<Result<(crate::relay::OcrReading, String), String>>,
    /// OCR in progress.
    pub ocr_busy: bool,
    /// The table inside (rows × cells), when it holds one.
    pub table: Option<Vec<Vec<String>>>,
    /// The engine is reading its text.
    pub reading: bool,
}

/// What the pipeline read from a file, and the invoice as the person corrected it.
#[derive(Debug, Clone, PartialEq)]
pub struct Extracted {
    /// Document id.
    pub doc: u32,
    /// The pipeline's result (sources, confidence, matched template, warnings).
    pub result: InvoiceResult,
    /// The invoice as exported: the result with the person's corrections.
    pub invoice: Invoice,
    /// Fields the person changed.
    pub corrected: Vec<InvoiceField>,
    /// "Structure with AI": what the relay's AI read, or why it could not.
    pub ai: Option<AiStatus>,
    /// Where each value is on the page: its region, else where it is printed.
    pub places: std::collections::BTreeMap<InvoiceField, wasm_core::invoice::locate::Place>,
}

/// Values below this confidence need a person's review.
pub const DOUBTFUL: f64 = 0.6;

impl Extracted {
    /// The header fields a person should check: missing, or read with a confidence
    /// below [`DOUBTFUL`] (values the person typed are certain).
    pub fn needs_review(&self) -> Vec<InvoiceField> {
        InvoiceField::HEADER
            .into_iter()
            .filter(|f| !self.corrected.contains(f))
            .filter(|f| match self.result.confidence.fields.get(f) {
                Some(c) => *c < DOUBTFUL,
                None => REQUIRED.contains(f),
            })
            .collect()
    }
}

/// The fields every invoice has: missing, they need review.
pub const REQUIRED: [InvoiceField; 4] = [
    InvoiceField::VendorName,
    InvoiceField::InvoiceNumber,
    InvoiceField::InvoiceDate,
    InvoiceField::Total,
];

/// Where reading a scanned page in the browser stands.
#[derive(Debug, Clone, PartialEq)]
pub enum ScanRead {
    /// Waiting for the pages before it.
    Queued,
    /// Being read: the engine's step and the fraction of it done.
    Reading {
        /// What the engine is doing, in words.
        step: String,
        /// 0–1.
        fraction: f64,
    },
    /// Read: the mean word confidence and how long it took.
    Done {
        /// 0–1.
        quality: f64,
        /// Milliseconds from rendering to the words.
        ms: f64,
    },
    /// Could not be read, and why.
    Failed(String),
}

/// One scanned page of an open file and its reading.
#[derive(Debug, Clone, PartialEq)]
pub struct ScanPage {
    /// Document id.
    pub doc: u32,
    /// 1-based page.
    pub page: usize,
    /// Where its reading stands.
    pub state: ScanRead,
}

/// A file sent to be processed on the server, and where its job stands.
#[derive(Debug, Clone, PartialEq)]
pub struct ServerJob {
    /// Document id.
    pub doc: u32,
    /// The relay's job id.
    pub job_id: String,
    /// Its status, as the last progress event said.
    pub status: wire::JobStatus,
    /// 0–100.
    pub percent: u8,
    /// What is happening, in words (why, when it failed).
    pub message: String,
    /// Progress events received.
    pub events: u32,
}

/// Where a "Structure with AI" request stands.
#[derive(Debug, Clone, PartialEq)]
pub enum AiStatus {
    /// Sent; waiting for the answer. Says what was sent.
    Asking(String),
    /// The AI's invoice.
    Done(crate::relay::AiReading),
    /// Why it failed.
    Failed(String),
}

/// Zoom setting.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Zoom {
    /// Page width fills the viewer.
    FitWidth,
    /// A fixed factor (1.0 = 100 %).
    Factor(f64),
}

/// The zoom factors offered (and stepped through with + and −).
pub const ZOOM_STEPS: [f64; 9] = [0.5, 0.75, 1.0, 1.25, 1.5, 2.0, 2.5, 3.0, 4.0];

/// Smallest and largest zoom factors.
pub const ZOOM_MIN: f64 = 0.5;
/// Largest zoom factor.
pub const ZOOM_MAX: f64 = 4.0;

/// All shared state.
#[derive(Clone, Copy)]
pub struct AppState {
    /// Open files, in the order they were added.
    pub files: RwSignal<Vec<FileEntry>>,
    /// The file shown in the viewer.
    pub active: RwSignal<Option<u32>>,
    /// All regions of all files.
    pub regions: RwSignal<Vec<Region>>,
    /// The selected region.
    pub selected: RwSignal<Option<u32>>,
    /// Zoom setting.
    pub zoom: RwSignal<Zoom>,
    /// The effective zoom factor (resolved from fit-width and the viewer width).
    pub zoom_factor: RwSignal<f64>,
    /// The screen's device pixels per CSS pixel (pages are rendered at it).
    pub pixel_ratio: RwSignal<f64>,
    /// Page currently in view (1-based).
    pub current_page: RwSignal<usize>,
    /// Page to scroll to (set by navigation, cleared by the viewer).
    pub scroll_to: RwSignal<Option<usize>>,
    /// Extraction results, one per file that has been read.
    pub extracted: RwSignal<Vec<Extracted>>,
    /// Files whose invoice the engine is reading now (the panel shows it busy).
    pub extracting: RwSignal<Vec<u32>>,
    /// The person's vendor templates (persisted in the browser).
    pub templates: RwSignal<Vec<Template>>,
    /// A message for the person (import errors and the like).
    pub notice: RwSignal<Option<String>>,
    /// Moves on whenever fetched fonts or CMaps arrive: pages paint again.
    pub assets_epoch: RwSignal<u32>,
    /// Files of an opened shared session still to be opened (by name), and those whose
    /// PDF came with the share while they are being read.
    pub pending: RwSignal<Vec<wasm_core::share::SharedFile>>,
    /// What an opened shared session held, for the "Keep a copy" banner.
    pub received: RwSignal<Option<String>>,
    /// The relay's providers (`Err`: no relay reachable); `None` until known.
    pub providers: RwSignal<Option<Result<crate::relay::Providers, String>>>,
    /// Undo and redo of region edits.
    pub history: RwSignal<History>,
    /// Scanned pages being read (or read) by OCR in the browser.
    pub scans: RwSignal<Vec<ScanPage>>,
    /// A value's place shown on its page (a click in the batch, a field in focus).
    pub highlight: RwSignal<Option<(u32, wasm_core::invoice::locate::Place)>>,
    /// The batch table is shown in place of the page viewer.
    pub batch_open: RwSignal<bool>,
    /// Files ticked in the batch (for "Process on the server").
    pub ticked: RwSignal<Vec<u32>>,
    /// Files sent to the server and their jobs.
    pub jobs: RwSignal<Vec<ServerJob>>,
    /// The UI's language (switching it draws the app again).
    pub lang: RwSignal<crate::i18n::Lang>,
    next_id: StoredValue<u32>,
}

/// Snapshots of the regions before each edit (draw, move, resize, label, field, delete).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct History {
    undo: Vec<Vec<Region>>,
    redo: Vec<Vec<Region>>,
}

/// Edits remembered for undo.
const HISTORY_DEPTH: usize = 100;

impl History {
    /// Whether there is an edit to undo.
    pub fn can_undo(&self) -> bool {
        !self.undo.is_empty()
    }

    /// Whether there is an undone edit to redo.
    pub fn can_redo(&self) -> bool {
        !self.redo.is_empty()
    }
}

impl AppState {
    /// Fresh state.
    pub fn new() -> Self {
        Self {
            files: RwSignal::new(Vec::new()),
            active: RwSignal::new(None),
            regions: RwSignal::new(Vec::new()),
            selected: RwSignal::new(None),
            zoom: RwSignal::new(Zoom::FitWidth),
            zoom_factor: RwSignal::new(1.0),
            pixel_ratio: RwSignal::new(crate::glue::device_pixel_ratio()),
            current_page: RwSignal::new(1),
            scroll_to: RwSignal::new(None),
            extracted: RwSignal::new(Vec::new()),
            extracting: RwSignal::new(Vec::new()),
            templates: RwSignal::new(crate::persist::load_templates()),
            notice: RwSignal::new(None),
            assets_epoch: RwSignal::new(0),
            providers: RwSignal::new(None),
            pending: RwSignal::new(Vec::new()),
            received: RwSignal::new(None),
            history: RwSignal::new(History::default()),
            scans: RwSignal::new(Vec::new()),
            highlight: RwSignal::new(None),
            batch_open: RwSignal::new(false),
            ticked: RwSignal::new(Vec::new()),
            jobs: RwSignal::new(Vec::new()),
            lang: RwSignal::new(crate::i18n::initial()),
            next_id: StoredValue::new(1),
        }
    }

    /// A new unique id.
    pub fn next_id(&self) -> u32 {
        let id = self.next_id.get_value();
        self.next_id.set_value(id + 1);
        id
    }

    /// Remembers the regions as they are, before an edit (undo goes back here).
    pub fn checkpoint(&self) {
        let now = self.regions.get_untracked();
        self.history.update(|h| {
            h.undo.push(now);
            if h.undo.len() > HISTORY_DEPTH {
                h.undo.remove(0);
            }
            h.redo.clear();
        });
    }

    /// Forgets the last checkpoint (an edit that changed nothing, such as a click).
    pub fn cancel_checkpoint(&self) {
        self.history.update(|h| {
            h.undo.pop();
        });
    }

    /// Records the current regions and applies `edit` to them.
    pub fn edit_regions(&self, edit: impl FnOnce(&mut Vec<Region>)) {
        self.checkpoint();
        self.regions.update(edit);
    }

    /// Undoes the last region edit; false when there is none.
    pub fn undo(&self) -> bool {
        self.step_history(true)
    }

    /// Redoes the last undone edit; false when there is none.
    pub fn redo(&self) -> bool {
        self.step_history(false)
    }

    fn step_history(&self, back: bool) -> bool {
        let now = self.regions.get_untracked();
        let mut target = None;
        self.history.update(|h| {
            let (from, to) = if back {
                (&mut h.undo, &mut h.redo)
            } else {
                (&mut h.redo, &mut h.undo)
            };
            if let Some(prev) = from.pop() {
                to.push(now);
                target = Some(prev);
            }
        });
        let Some(regions) = target else {
            return false;
        };
        let selected = self.selected.get_untracked();
        if selected.is_some_and(|id| !regions.iter().any(|r| r.id == id)) {
            self.selected.set(None);
        }
        self.regions.set(regions);
        true
    }

    /// Scrolls `delta` pages from the current one, within the active file.
    pub fn go_page(&self, delta: isize) {
        let n = self.active_pages().map_or(0, |(_, p)| p.len());
        if n == 0 {
            return;
        }
        let cur = self.current_page.get_untracked() as isize;
        self.scroll_to
            .set(Some((cur + delta).clamp(1, n as isize) as usize));
    }

    /// One zoom step in or out.
    pub fn step_zoom(&self, up: bool) {
        let cur = self.zoom_factor.get_untracked();
        let next = if up {
            ZOOM_STEPS
                .iter()
                .copied()
                .find(|z| *z > cur + 1e-6)
                .unwrap_or(ZOOM_MAX)
        } else {
            ZOOM_STEPS
                .iter()
                .rev()
                .copied()
                .find(|z| *z < cur - 1e-6)
                .unwrap_or(ZOOM_MIN)
        };
        self.zoom.set(Zoom::Factor(next));
    }

    /// Deletes the selected region (an undoable edit).
    pub fn delete_selected(&self) {
        if let Some(id) = self.selected.get_untracked() {
            self.edit_regions(|rs| rs.retain(|r| r.id != id));
            self.selected.set(None);
        }
    }

    /// How the in-browser OCR of a page stands, if it is a scan.
    pub fn scan_state(&self, doc: u32, page: usize) -> Option<ScanRead> {
        self.scans.with(|s| {
            s.iter()
                .find(|p| p.doc == doc && p.page == page)
                .map(|p| p.state.clone())
        })
    }

    /// Shows `doc` with the place of its value of `field` highlighted (and scrolled to).
    pub fn show_value(&self, doc: u32, field: InvoiceField) {
        self.active.set(Some(doc));
        self.batch_open.set(false);
        let place = self.extracted.with_untracked(|all| {
            all.iter()
                .find(|e| e.doc == doc)
                .and_then(|e| e.places.get(&field).copied())
        });
        self.highlight.set(place.map(|p| (doc, p)));
        if let Some(p) = place {
            self.scroll_to.set(Some(p.page));
        }
    }

    /// Reads the text of the regions `which` selects again (their page's text changed:
    /// a font arrived, or OCR read the page).
    pub fn reread_regions(&self, which: impl Fn(&Region) -> bool) {
        let mut todo: Vec<(u32, u32, usize, Rect)> = Vec::new();
        self.regions.update(|rs| {
            for r in rs.iter_mut().filter(|r| which(r)) {
                r.reading = true;
                todo.push((r.id, r.doc, r.page, r.rect));
            }
        });
        let regions = self.regions;
        for (id, doc, page, rect) in todo {
            leptos::task::spawn_local(async move {
                let read = read_region(doc, page, rect).await;
                regions.update(|rs| {
                    // (Unless it moved meanwhile: that reading is on its way.)
                    if let Some(r) = rs.iter_mut().find(|r| r.id == id && r.rect == rect) {
                        r.text = read.text;
                        r.needs_ocr = read.needs_ocr;
                        r.table = read.table;
                        r.reading = false;
                    }
                });
            });
        }
    }

    /// Pages of the active file, if it is open.
    pub fn active_pages(&self) -> Option<(u32, Vec<PageInfo>)> {
        let id = self.active.get()?;
        self.files.with(|fs| {
            fs.iter()
                .find(|f| f.id == id)
                .and_then(|f| match &f.status {
                    FileStatus::Ready(p) => Some((id, p.clone())),
                    _ => None,
                })
        })
    }
}

/// The app state from context.
pub fn use_app() -> AppState {
    expect_context::<AppState>()
}

/// What the engine reads inside a region.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RegionRead {
    /// The text inside.
    pub text: String,
    /// The page has no text layer.
    pub needs_ocr: bool,
    /// The table inside, when it holds one.
    pub table: Option<Vec<Vec<String>>>,
}

/// Has the engine read a region's text and table (nothing if the file is not open).
pub async fn read_region(doc: u32, page: usize, rect: Rect) -> RegionRead {
    use ::engine::protocol::{Reply, Request};
    let mut out = RegionRead::default();
    match crate::engine::call(Request::RegionText { doc, page, rect }, None).await {
        Ok((Reply::RegionText { text, needs_ocr }, _)) => {
            out.text = text;
            out.needs_ocr = needs_ocr;
        }
        Ok(_) => {}
        Err(e) => web_sys::console::warn_1(&format!("region text: {e}").into()),
    }
    if let Ok((Reply::Table { rows }, _)) =
        crate::engine::call(Request::RegionTable { doc, page, rect }, None).await
    {
        out.table = rows;
    }
    out
}
