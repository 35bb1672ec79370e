//! # wasm-core — Zonal's PDF and invoice engine
//!
//! Pure Rust, no browser or HTTP code: the same engine runs in the web app (compiled to
//! `wasm32-unknown-unknown`) and natively in the relay and the `zonal` CLI.
//!
//! It is layered like the PDF engine it builds on (hayro: syntax → interpret → render):
//!
//! * [`geometry`] — every coordinate conversion (page points, PDF user space, render
//!   pixels, CSS pixels). Page points are the canonical space: PDF points on the page as
//!   displayed, origin top-left of the visible box, y down.
//! * [`document`] — opening a PDF (typed [`OpenError`]) and page geometry;
//!   [`attachments`] — files embedded in it.
//! * [`text`] — characters, words and lines with boxes; text inside a region.
//! * [`render`] — a page to RGBA, a bitmap to PNG, crops; [`scan`] — a scanned page
//!   turned upright and levelled before OCR.
//! * [`invoice`] — the structured invoice and the amount and date normalisers.
//! * [`template`] — per-vendor templates (and invoice2data imports): match and apply.
//! * [`assets`] — the standard fonts and predefined CMaps PDFs name without embedding
//!   them: compiled in, or (in the web app) fetched when a page first needs one.
//! * [`share`] — a session as it travels in a link: sealed with AES-256-GCM for the
//!   relay, or deflated into the link's fragment.
//!
//! ```no_run
//! use wasm_core::{Document, geometry::Rect};
//! let bytes = std::fs::read("invoice.pdf").unwrap();
//! let doc = Document::open(bytes, None).unwrap();
//! let text = doc.page_text(1).unwrap();
//! println!("{}", text.region_text(&Rect { x0: 400.0, top: 50.0, x1: 580.0, bottom: 80.0 }));
//! ```
//!
//! ## Limitations
//! * Glyph boxes use the PDF's advance widths and a fixed ascent/descent (−0.21 em to
//!   0.79 em), not per-font metrics.
//! * Text without a Unicode mapping (no ToUnicode, unknown glyph names) is skipped.
#![deny(missing_docs)]

pub mod assets;
pub mod attachments;
pub mod document;
pub mod geometry;
pub mod invoice;
pub mod ocr;
pub mod render;
pub mod scan;
pub mod share;
pub mod template;
pub mod text;

pub use document::{Document, OpenError, PageInfo, PageOutOfRange};
pub use render::{RenderCache, RenderError, RgbaImage};
pub use text::{Line, PageText, TextCache, Word};
