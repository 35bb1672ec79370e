//! Positioned text: characters → words → lines, and the text inside a region.
//!
//! A character belongs to a region when the centre of its box lies inside the region,
//! so a rectangle that grazes a neighbouring line does not pick it up, and one drawn
//! loosely around a word gets the whole word.

mod glyphs;
mod layout;
mod layout_text;
mod table;

pub use glyphs::Char;
pub use layout::{Line, Word, lines, lines_to_text};
pub use layout_text::layout_text;
pub use table::{Table, TableMethod};

use hayro_interpret::kurbo::Affine as KAffine;
use serde::Serialize;

use crate::document::{Document, PageOutOfRange, page_geometry};
use crate::geometry::Rect;
use crate::scan::Straightening;

/// Minimum number of non-blank characters for a page or region to count as having
/// native text; below it, the text needs OCR.
pub const MIN_NATIVE_CHARS: usize = 3;

/// The text of one page: its characters and their grouping.
#[derive(Debug, Clone, Serialize)]
pub struct PageText {
    /// 1-based page number.
    pub page: usize,
    /// Displayed width in points.
    pub width: f64,
    /// Displayed height in points.
    pub height: f64,
    /// `/Rotate` in degrees.
    pub rotation: u16,
    #[serde(skip)]
    chars: Vec<Char>,
    /// Ruling lines (thin boxes) drawn on the page: the grids of tables.
    #[serde(skip)]
    rules: Vec<Rect>,
    /// Lines of words in reading order.
    pub lines: Vec<Line>,
    /// How an OCRed scan was turned before it was read: its words are placed in that
    /// upright, level frame, whose size `width` × `height` is.
    #[serde(skip_serializing_if = "Straightening::is_identity")]
    pub straightened: Straightening,
    /// Whether the page draws anything besides text (an image, a painted path): a page
    /// without text and without marks is blank, not a scan.
    #[serde(skip)]
    marks: bool,
}

/// Pages narrower than this (points; 80 mm till rolls are 227) are receipts: one column
/// of text, read by OCR as such and parsed with the receipts' rules.
pub const RECEIPT_MAX_WIDTH: f64 = 320.0;

impl PageText {
    /// Builds a page's text from its characters.
    pub fn from_chars(
        page: usize,
        width: f64,
        height: f64,
        rotation: u16,
        chars: Vec<Char>,
    ) -> Self {
        let lines = lines(chars.iter());
        Self {
            page,
            width,
            height,
            rotation,
            chars,
            rules: Vec::new(),
            lines,
            straightened: Straightening::default(),
            marks: true,
        }
    }

    /// Whether the page is a till receipt's: narrower than [`RECEIPT_MAX_WIDTH`].
    pub fn is_receipt(&self) -> bool {
        self.width > 0.0 && self.width < RECEIPT_MAX_WIDTH
    }

    /// A page's text from OCR: each recognised word with its box in page points. The
    /// words are grouped into lines like native text, so the parsers read a scan the
    /// same way.
    ///
    /// The engine has already split the words: each is kept whole and apart from its
    /// neighbours, however narrow the gap (small print on a receipt), by a blank placed
    /// just before it.
    pub fn from_ocr_words(page: usize, width: f64, height: f64, words: &[(String, Rect)]) -> Self {
        let char_at = |text: &str, b: Rect| Char {
            text: text.to_string(),
            bbox: b,
            origin: crate::geometry::Point::new(b.x0, b.bottom),
            dir: crate::geometry::Point::new(1.0, 0.0),
            size: b.height(),
            advance: b.width(),
            invisible: false,
        };
        let chars = words
            .iter()
            .filter(|(t, b)| !t.trim().is_empty() && b.is_finite())
            .flat_map(|(t, b)| {
                let x = b.x0 - 0.01;
                let blank = Rect { x0: x, x1: x, ..*b };
                [char_at(" ", blank), char_at(t, *b)]
            })
            .collect();
        Self::from_chars(page, width, height, 0, chars)
    }

    /// A page's text from plain text (what an OCR service or a person typed): each
    /// whitespace-separated word is boxed at its column on a fixed 6 × 12 pt grid, so the
    /// parsers see the same lines and left-to-right order as in the text.
    pub fn from_plain_text(page: usize, text: &str) -> Self {
        const CW: f64 = 6.0;
        const LH: f64 = 12.0;
        let mut words = Vec::new();
        let mut widest = 0usize;
        let mut rows = 0usize;
        for (row, line) in text.lines().enumerate() {
            rows = row + 1;
            let mut col = 0usize;
            let mut word = String::new();
            let mut start = 0usize;
            for ch in line.chars().chain(std::iter::once(' ')) {
                if ch.is_whitespace() {
                    if !word.is_empty() {
                        let top = row as f64 * LH;
                        let b = Rect {
                            x0: start as f64 * CW,
                            top,
                            x1: col as f64 * CW,
                            bottom: top + LH * 0.8,
                        };
                        words.push((std::mem::take(&mut word), b));
                    }
                } else {
                    if word.is_empty() {
                        start = col;
                    }
                    word.push(ch);
                }
                col += 1;
            }
            widest = widest.max(col);
        }
        Self::from_ocr_words(page, widest as f64 * CW, rows as f64 * LH, &words)
    }

    /// Adds the page's ruling lines (thin boxes in page points).
    pub fn with_rules(mut self, rules: Vec<Rect>) -> Self {
        self.rules = rules;
        self
    }

    /// The page's ruling lines (thin boxes in page points).
    pub fn rules(&self) -> &[Rect] {
        &self.rules
    }

    /// Every character, in content-stream order.
    pub fn chars(&self) -> &[Char] {
        &self.chars
    }

    /// All words in reading order.
    pub fn words(&self) -> impl Iterator<Item = &Word> {
        self.lines.iter().flat_map(|l| l.words.iter())
    }

    /// Number of non-blank characters.
    pub fn char_count(&self) -> usize {
        self.chars.iter().filter(|c| !c.is_blank()).count()
    }

    /// Whether the page has too little native text to be read without OCR, and
    /// something drawn to read (a blank page needs none).
    pub fn needs_ocr(&self) -> bool {
        self.marks && self.char_count() < MIN_NATIVE_CHARS
    }

    /// The lines of text inside `region` (page points).
    pub fn region_lines(&self, region: &Rect) -> Vec<Line> {
        lines(
            self.chars
                .iter()
                .filter(|c| region.contains(c.bbox.center())),
        )
    }

    /// The text inside `region`: lines separated by `\n`, words by a space.
    pub fn region_text(&self, region: &Rect) -> String {
        lines_to_text(&self.region_lines(region))
    }

    /// The whole page's text in reading order.
    pub fn text(&self) -> String {
        lines_to_text(&self.lines)
    }

    /// The whole page's text with columns kept, as `pdftotext -layout` prints it.
    pub fn layout_text(&self) -> String {
        layout_text(&self.lines)
    }
}

/// What reading a document's pages' text can keep between pages: its parsed fonts and
/// interpreted objects. It borrows from the document it is used with (`'a`) and grows
/// with every new font: drop it for a new one now and then, and whenever a font or CMap
/// the pages lacked is provided (it keeps the fallback used without it).
#[derive(Default)]
pub struct TextCache<'a>(hayro_interpret::InterpreterCache<'a>);

impl TextCache<'_> {
    /// An empty cache.
    pub fn new() -> Self {
        Self::default()
    }
}

impl Document {
    /// Extracts the positioned text of a page (1-based).
    pub fn page_text(&self, page: usize) -> Result<PageText, PageOutOfRange> {
        self.page_text_with(page, &TextCache::new())
    }

    /// The text of every page, in order; fonts are parsed once for the whole document
    /// (faster than [`Self::page_text`] page by page on documents of several pages).
    pub fn page_texts(&self) -> Vec<PageText> {
        let cache = TextCache::new();
        (1..=self.page_count())
            .filter_map(|p| self.page_text_with(p, &cache).ok())
            .collect()
    }

    /// [`Document::page_text`], reusing the fonts `cache` kept from this document's
    /// other pages.
    pub fn page_text_with<'a>(
        &'a self,
        page: usize,
        cache: &TextCache<'a>,
    ) -> Result<PageText, PageOutOfRange> {
        let hp = self.hayro_page(page)?;
        let g = page_geometry(hp);
        let [a, b, c, d, e, f] = g.user_to_page_transform().0;
        let c = glyphs::collect_chars(hp, KAffine::new([a, b, c, d, e, f]), &cache.0);
        let mut text =
            PageText::from_chars(page, g.width(), g.height(), g.rotation.degrees(), c.chars)
                .with_rules(c.rules);
        text.marks = c.marks;
        Ok(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ocr_words_stay_apart_however_close() {
        // Receipt print: 5 pt high words 0.8 pt apart, less than the native word gap.
        let w = |t: &str, x0: f64, x1: f64| {
            (
                t.to_string(),
                Rect {
                    x0,
                    top: 10.0,
                    x1,
                    bottom: 15.0,
                },
            )
        };
        let p = PageText::from_ocr_words(
            1,
            226.0,
            500.0,
            &[
                w("WARAKUYA", 10.0, 40.0),
                w("PERMAS", 40.8, 62.0),
                w("CITY", 62.5, 75.0),
            ],
        );
        let texts: Vec<&str> = p.lines[0].words.iter().map(|w| w.text.as_str()).collect();
        assert_eq!(texts, ["WARAKUYA", "PERMAS", "CITY"]);
        assert_eq!(p.lines.len(), 1);
    }
}
