//! The messages between the app and the engine worker. Each request names the document
//! by the app's file id; the worker answers every request with exactly one reply, in
//! the order the requests came. Bytes travel beside a message (a transferred
//! `Uint8Array`), never inside the JSON: the PDF of [`Request::Open`], the font or CMap of
//! [`Request::Provide`], the pixels of [`Reply::Image`], the PNG of [`Reply::Png`].

use serde::{Deserialize, Serialize};
use wasm_core::PageInfo;
use wasm_core::geometry::Rect;
use wasm_core::invoice::locate::Place;
use wasm_core::invoice::pipeline::InvoiceResult;
use wasm_core::invoice::{Invoice, InvoiceField};
use wasm_core::template::Template;

/// What the app asks the engine.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "camelCase")]
pub enum Request {
    /// Opens the PDF sent beside the message as document `doc` → [`Reply::Opened`] or
    /// [`Reply::OpenFailed`].
    Open { doc: u32, password: Option<String> },
    /// Forgets document `doc` → [`Reply::Done`].
    Close { doc: u32 },
    /// A font or CMap the pages lacked (sent beside the message), at its path under
    /// `assets/`; the texts read so far are read again → [`Reply::Done`].
    Provide { path: String },
    /// Page `page` (1-based) at `scale` pixels per point → [`Reply::Image`].
    Render { doc: u32, page: usize, scale: f64 },
    /// Reads the text of `pages` (ahead of the pipeline) → [`Reply::Texts`].
    ReadTexts { doc: u32, pages: Vec<usize> },
    /// The text inside `rect` on `page` → [`Reply::RegionText`].
    RegionText { doc: u32, page: usize, rect: Rect },
    /// The table inside `rect` on `page`, if it holds one → [`Reply::Table`].
    RegionTable { doc: u32, page: usize, rect: Rect },
    /// `rect` of `page` rendered at `dpi`, as PNG (a crop for the relay's OCR) →
    /// [`Reply::Png`].
    RegionPng {
        doc: u32,
        page: usize,
        rect: Rect,
        dpi: f64,
    },
    /// A scanned page rendered for OCR (300 dpi, straightened), as PNG, and how Tesseract
    /// should segment it → [`Reply::Scan`]. The worker keeps the scan's geometry for
    /// [`Request::SetOcr`].
    PrepareScan { doc: u32, page: usize },
    /// What Tesseract read (its TSV) on the page last prepared by
    /// [`Request::PrepareScan`]: it becomes the page's text → [`Reply::OcrRead`].
    SetOcr { doc: u32, page: usize, tsv: String },
    /// The invoice pipeline over every page, with the regions the person mapped
    /// (`drawn`) and the saved templates → [`Reply::Invoice`].
    Extract {
        doc: u32,
        templates: Vec<Template>,
        drawn: Option<Box<Template>>,
    },
    /// Where `invoice`'s value of `field` is printed → [`Reply::Place`].
    Locate {
        doc: u32,
        invoice: Box<Invoice>,
        field: InvoiceField,
    },
    /// Every page's text with columns kept (what "Structure with AI" sends) →
    /// [`Reply::LayoutTexts`].
    LayoutTexts { doc: u32 },
    /// The first page's text and its lines (what a template is recognised by) →
    /// [`Reply::FirstPage`].
    FirstPage { doc: u32 },
    /// A template file's text (Zonal's JSON, invoice2data's YAML or JSON, or a list),
    /// read and its patterns checked → [`Reply::Templates`]. Reading templates is the
    /// engine's: the app's own download carries no YAML reader or regex engine.
    ReadTemplates { text: String },
}

impl Request {
    /// The document the request is about, if any.
    pub fn doc(&self) -> Option<u32> {
        match self {
            Self::Provide { .. } | Self::ReadTemplates { .. } => None,
            Self::Open { doc, .. }
            | Self::Close { doc }
            | Self::Render { doc, .. }
            | Self::ReadTexts { doc, .. }
            | Self::RegionText { doc, .. }
            | Self::RegionTable { doc, .. }
            | Self::RegionPng { doc, .. }
            | Self::PrepareScan { doc, .. }
            | Self::SetOcr { doc, .. }
            | Self::Extract { doc, .. }
            | Self::Locate { doc, .. }
            | Self::LayoutTexts { doc }
            | Self::FirstPage { doc } => Some(*doc),
        }
    }
}

/// Why a PDF did not open.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum OpenFailure {
    /// It is encrypted and needs a password (none was given).
    NeedsPassword,
    /// The password given is not this file's.
    WrongPassword,
    /// Anything else, in words.
    Other { message: String },
}

/// What the engine answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "reply", rename_all = "camelCase")]
pub enum Reply {
    /// The request is done.
    Done,
    /// The request could not be done (a page out of range, a document not open…).
    Failed { message: String },
    /// The document opened; its pages, and the SHA-256 of its bytes (hex): which file it
    /// is, whatever its name.
    Opened {
        pages: Vec<PageInfo>,
        sha256: String,
    },
    /// The document did not open.
    OpenFailed { failure: OpenFailure },
    /// A page's pixels (RGBA, sent beside the message).
    Image { width: u32, height: u32 },
    /// The texts were read; `scans` are the pages among them without a text layer.
    Texts { scans: Vec<usize> },
    /// A region's text, and whether its page is a scan (no text layer).
    RegionText { text: String, needs_ocr: bool },
    /// A region's table (rows × cells), if it holds one.
    Table { rows: Option<Vec<Vec<String>>> },
    /// A PNG (sent beside the message).
    Png,
    /// A scan prepared for OCR (its PNG sent beside the message) and Tesseract's page
    /// segmentation mode for it.
    Scan { psm: u8 },
    /// The mean word confidence of a page read by OCR.
    OcrRead { quality: f64 },
    /// The pipeline's reading, how surely the text was read (1 per native page, the OCR
    /// confidence per scanned page, averaged), and where each value is printed.
    Invoice {
        result: Box<InvoiceResult>,
        text_quality: f64,
        places: Vec<(InvoiceField, Place)>,
    },
    /// Where a value is printed, if found.
    Place { place: Option<Place> },
    /// Every page's text with columns kept.
    LayoutTexts { pages: Vec<String> },
    /// The first page's text and its lines' texts.
    FirstPage { text: String, lines: Vec<String> },
    /// The templates a file holds.
    Templates { templates: Vec<Template> },
}

/// A reply as it travels: the reply, and the fonts and CMaps the pages read for it
/// lacked (the app fetches them and sends them back with [`Request::Provide`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Envelope {
    /// The reply.
    pub reply: Reply,
    /// Asset paths under `assets/` that were missing.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub missing: Vec<String>,
}
