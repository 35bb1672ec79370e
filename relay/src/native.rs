//! Native reading: wasm-core run natively for the command line (`zonal words`, `region`,
//! `render`, `extract`…, with output shapes that stay stable for scripts) and for the
//! server's workers (text per page, pages without a text layer OCRed).

use std::path::{Path, PathBuf};

use serde::Serialize;
use wasm_core::PageText;
use wasm_core::geometry::Rect;
use wasm_core::invoice::pipeline::{self, InvoiceResult};
use wasm_core::ocr::{OCR_DPI, OcrText, PreparedScan, ScannedPage};
use wasm_core::scan::Straightening;
use wasm_core::template::best_match;

use crate::providers::ProviderError;
use crate::providers::ocr::PageReader;
use wasm_core::invoice::locale::Locale;
use wasm_core::template::{Template, TemplateError};
use wasm_core::{Document, OpenError, PageOutOfRange, RenderError};

/// A failure of an engine command, worded for the person who ran it.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The path given.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The PDF could not be opened.
    #[error("{path}: {source}")]
    Open {
        /// The path given.
        path: String,
        /// Why.
        source: OpenError,
    },
    /// A page outside the document.
    #[error(transparent)]
    Page(#[from] PageOutOfRange),
    /// Rendering failed.
    #[error(transparent)]
    Render(#[from] RenderError),
    /// Writing the output failed.
    #[error("cannot write {path}: {source}")]
    Write {
        /// The path given.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// Bad argument value.
    #[error("{0}")]
    Usage(String),
    /// OCR failed in a way another attempt may not (a transient failure is an error;
    /// a permanent one leaves the page unread, with a note).
    #[error("OCR: {0}")]
    Ocr(#[from] ProviderError),
    /// A template file could not be used.
    #[error("{path}: {source}")]
    Template {
        /// The path given.
        path: String,
        /// Why.
        source: TemplateError,
    },
}

/// Opens a PDF file.
pub fn open(path: &Path, password: Option<&str>) -> Result<Document, EngineError> {
    let p = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|source| EngineError::Read {
        path: p.clone(),
        source,
    })?;
    Document::open(bytes, password).map_err(|source| EngineError::Open { path: p, source })
}

/// Rounds to 0.001 pt, the precision of the corpus references.
fn r3(v: f64) -> f64 {
    (v * 1000.0).round() / 1000.0
}

/// Output of `zonal words`.
#[derive(Debug, Serialize)]
pub struct WordsOutput {
    /// One entry per page.
    pub pages: Vec<PageWords>,
}

/// Words of one page.
#[derive(Debug, Serialize)]
pub struct PageWords {
    /// 1-based page number.
    pub page: usize,
    /// Displayed width in points.
    pub width: f64,
    /// Displayed height in points.
    pub height: f64,
    /// `/Rotate` in degrees.
    pub rotation: u16,
    /// How a scan was turned before OCR (its words are in that frame); absent when not.
    #[serde(skip_serializing_if = "Straightening::is_identity")]
    pub straightened: Straightening,
    /// Words in reading order.
    pub words: Vec<WordOut>,
}

/// One word.
#[derive(Debug, Serialize)]
pub struct WordOut {
    /// Text.
    pub text: String,
    /// `[x0, top, x1, bottom]` in page points.
    pub bbox: [f64; 4],
}

/// Words of every page, or of one page (1-based).
pub fn words(texts: Vec<PageText>) -> WordsOutput {
    let mut out = Vec::with_capacity(texts.len());
    for t in texts {
        out.push(PageWords {
            page: t.page,
            width: r3(t.width),
            height: r3(t.height),
            rotation: t.rotation,
            straightened: t.straightened,
            words: t
                .words()
                .map(|w| WordOut {
                    text: w.text.clone(),
                    bbox: w.bbox.to_array().map(r3),
                })
                .collect(),
        });
    }
    WordsOutput { pages: out }
}

/// Parses `x0,top,x1,bottom` in page points.
pub fn parse_rect(s: &str) -> Result<Rect, EngineError> {
    let bad = || {
        EngineError::Usage(format!(
            "--rect must be x0,top,x1,bottom in points, got {s:?}"
        ))
    };
    let v: Vec<f64> = s
        .split(',')
        .map(|p| p.trim().parse::<f64>())
        .collect::<Result<_, _>>()
        .map_err(|_| bad())?;
    let [x0, top, x1, bottom] = v[..] else {
        return Err(bad());
    };
    let r = Rect {
        x0: x0.min(x1),
        top: top.min(bottom),
        x1: x0.max(x1),
        bottom: top.max(bottom),
    };
    if !r.is_finite() {
        return Err(bad());
    }
    Ok(r)
}

/// Renders a page to a PNG file.
pub fn render_png(
    doc: &Document,
    page: usize,
    dpi: f64,
    out: &Path,
) -> Result<(u32, u32), EngineError> {
    if !(dpi.is_finite() && dpi > 0.0) {
        return Err(EngineError::Usage(format!(
            "--dpi must be a positive number, got {dpi}"
        )));
    }
    let img = doc.render_dpi(page, dpi)?;
    let png = img.to_png()?;
    std::fs::write(out, png).map_err(|source| EngineError::Write {
        path: out.display().to_string(),
        source,
    })?;
    Ok((img.width, img.height))
}

/// Loads templates: each path is a template file (Zonal JSON, invoice2data YAML or
/// JSON) or a directory of them.
pub fn load_templates(paths: &[PathBuf]) -> Result<Vec<Template>, EngineError> {
    let mut files = Vec::new();
    for p in paths {
        if p.is_dir() {
            let entries = std::fs::read_dir(p).map_err(|source| EngineError::Read {
                path: p.display().to_string(),
                source,
            })?;
            let mut found: Vec<PathBuf> = entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|f| {
                    f.extension()
                        .and_then(|e| e.to_str())
                        .is_some_and(|e| matches!(e, "json" | "yml" | "yaml"))
                })
                .collect();
            found.sort();
            files.extend(found);
        } else {
            files.push(p.clone());
        }
    }
    files
        .iter()
        .map(|f| {
            let path = f.display().to_string();
            let text = std::fs::read_to_string(f).map_err(|source| EngineError::Read {
                path: path.clone(),
                source,
            })?;
            Template::parse(&text).map_err(|source| EngineError::Template { path, source })
        })
        .collect()
}

/// The invoice in a document: its e-invoice XML, else the best matching template, with
/// the rule-based parser for what is still missing. With `ocr`, pages without a text
/// layer are read by OCR first, and when no template matches the first page's text,
/// the first page's image is OCRed and matched again (vendors whose letterhead is a
/// picture).
pub fn extract(
    doc: &Document,
    templates: &[Template],
    ocr: Option<&dyn PageReader>,
    locale: Option<Locale>,
) -> Result<InvoiceResult, EngineError> {
    let read = read_pages(doc, ocr)?;
    let q = read.quality();
    let Pages {
        pages,
        quality,
        ocr_notes,
    } = read;
    let mut matched = best_match(templates, &pages);
    if matched.is_none()
        && !templates.is_empty()
        && let Some(t) = ocr
        && quality.is_empty()
        && let Ok(first) = ocr_page(doc, 1, t)
    {
        let text = first
            .page_text()
            .lines
            .iter()
            .flat_map(|l| l.words.iter().map(|w| w.text.as_str()))
            .collect::<Vec<_>>()
            .join(" ");
        matched = templates
            .iter()
            .map(|t| (t, t.match_pages_with(&pages, &text)))
            .filter(|(_, m)| m.matched)
            .max_by(|a, b| a.1.score.total_cmp(&b.1.score));
    }
    let mut out = pipeline::read_with_match(
        &pages,
        &doc.attachments(),
        templates,
        matched,
        None,
        q,
        locale,
    );
    out.warnings.extend(ocr_notes);
    Ok(out)
}

/// A document's pages as text: native where the PDF has a text layer, OCR elsewhere.
pub struct Pages {
    /// Every page.
    pub pages: Vec<PageText>,
    /// OCR confidence of each OCRed page.
    pub quality: Vec<f64>,
    /// What OCR did, in words.
    pub ocr_notes: Vec<String>,
}

impl Pages {
    /// The document's OCR quality: 1.0 per native page, the OCR confidence per OCRed one,
    /// averaged over the pages.
    pub fn quality(&self) -> f64 {
        let native = self.pages.len() - self.quality.len();
        (native as f64 + self.quality.iter().sum::<f64>()) / self.pages.len().max(1) as f64
    }
}

/// One page's text: native, or read by `ocr` when the page has no text layer.
pub fn read_page(
    doc: &Document,
    page: usize,
    ocr: Option<&dyn PageReader>,
) -> Result<PageText, EngineError> {
    let mut p = doc.page_text(page)?;
    if let Some(t) = ocr
        && p.needs_ocr()
    {
        match ocr_into(doc, &mut p, t) {
            Ok(_) => {}
            Err(OcrFailure::Provider(e)) => return Err(e.into()),
            Err(OcrFailure::Render(e)) => return Err(e.into()),
        }
    }
    Ok(p)
}

/// Replaces a page's (empty) text by its OCR reading; the OCR confidence.
fn ocr_into(doc: &Document, p: &mut PageText, ocr: &dyn PageReader) -> Result<f64, OcrFailure> {
    let scanned = ocr_page(doc, p.page, ocr)?;
    *p = scanned.page_text();
    Ok(scanned.quality)
}

/// Reads one scanned page by OCR (a server job's page batch): its words, to be stored.
/// A provider's failure is returned as such, so a transient one can be retried.
pub fn read_scanned_page(
    doc: &Document,
    page: usize,
    ocr: &dyn PageReader,
) -> Result<ScannedPage, EngineError> {
    ocr_page(doc, page, ocr).map_err(|e| match e {
        OcrFailure::Provider(p) => p.into(),
        OcrFailure::Render(r) => r.into(),
    })
}

/// Every page's text: native, or from its stored OCR reading when it has one.
pub fn pages_with(doc: &Document, readings: &[ScannedPage]) -> Pages {
    let mut pages = doc.page_texts();
    let mut quality = Vec::new();
    let mut ocr_notes = Vec::new();
    for r in readings {
        if let Some(p) = pages.get_mut(r.page.wrapping_sub(1)) {
            *p = r.page_text();
            quality.push(r.quality);
            ocr_notes.push(format!(
                "page {} read by OCR (confidence {:.0}%)",
                r.page,
                r.quality * 100.0
            ));
        }
    }
    Pages {
        pages,
        quality,
        ocr_notes,
    }
}

/// Reads every page; pages without a text layer go through `ocr` when given.
pub fn read_pages(doc: &Document, ocr: Option<&dyn PageReader>) -> Result<Pages, EngineError> {
    let mut pages = doc.page_texts();
    let mut quality = Vec::new();
    let mut ocr_notes = Vec::new();
    if let Some(t) = ocr {
        for p in pages.iter_mut().filter(|p| p.needs_ocr()) {
            match ocr_into(doc, p, t) {
                Ok(q) => {
                    quality.push(q);
                    ocr_notes.push(format!(
                        "page {} read by OCR (confidence {:.0}%)",
                        p.page,
                        q * 100.0
                    ));
                }
                Err(OcrFailure::Provider(e)) if e.is_transient() => return Err(e.into()),
                Err(e) => ocr_notes.push(format!("page {}: OCR failed: {e}", p.page)),
            }
        }
    }
    Ok(Pages {
        pages,
        quality,
        ocr_notes,
    })
}

/// Why a page could not be read by OCR.
#[derive(Debug, thiserror::Error)]
enum OcrFailure {
    /// It could not be rendered.
    #[error(transparent)]
    Render(#[from] RenderError),
    /// The engine failed.
    #[error(transparent)]
    Provider(ProviderError),
}

/// Renders a page at [`OCR_DPI`], whitens its dark border, turns it upright (the
/// engine's orientation) and level (its measured skew), and reads it: the page's text and
/// the mean word confidence. Orientation reports are unreliable on sparse pages such as
/// receipts, so a page the report would turn is also read as it lies, and the reading
/// with more confidently read words is kept.
fn ocr_page(doc: &Document, page: usize, ocr: &dyn PageReader) -> Result<ScannedPage, OcrFailure> {
    let mut img = doc.render_dpi(page, OCR_DPI)?;
    // The orientation is read without the dark border too (it finds no text beside one).
    img.whiten_dark_border();
    let png = img.to_png()?;
    let quarter_turns = ocr.orientation(&png).map_err(OcrFailure::Provider)?;
    let read = |quarter_turns: u8| -> Result<(OcrText, PreparedScan), OcrFailure> {
        let scan = PreparedScan::new(img.clone(), quarter_turns);
        // An upright, level page is read from the PNG already encoded.
        let level_png = if scan.is_as_rendered() {
            std::borrow::Cow::Borrowed(&png)
        } else {
            std::borrow::Cow::Owned(scan.image.to_png()?)
        };
        let o = ocr
            .read_page(&level_png, scan.layout())
            .map_err(OcrFailure::Provider)?;
        Ok((o, scan))
    };
    let mut best = read(quarter_turns)?;
    if quarter_turns != 0 {
        let as_is = read(0)?;
        if as_is.0.confident_words() >= best.0.confident_words() {
            best = as_is;
        }
    }
    let (o, scan) = best;
    Ok(o.scanned_page(page, &scan))
}
