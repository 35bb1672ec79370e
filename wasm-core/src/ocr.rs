//! OCR readings, whichever engine made them (Tesseract on the relay, Tesseract compiled
//! to WebAssembly in the browser, Google Vision): words with pixel boxes and confidences,
//! Tesseract's TSV output parsed, and a scan's page prepared for reading and turned into
//! the page's text layer. The engines themselves live with their callers.

use crate::geometry::pixel_box_to_page;
use crate::render::RgbaImage;
use crate::scan::{Straightening, skew_degrees};
use crate::text::{PageText, RECEIPT_MAX_WIDTH};

/// Resolution scanned pages are rendered at for OCR, in pixels per inch.
pub const OCR_DPI: f64 = 300.0;

/// A recognised word: text, box in image pixels `[x0, top, x1, bottom]`, confidence 0–1.
#[derive(Debug, Clone, PartialEq)]
pub struct OcrWord {
    /// Text.
    pub text: String,
    /// Box in pixels of the image.
    pub bbox: [f64; 4],
    /// The engine's confidence, 0–1.
    pub confidence: f64,
}

/// What OCR read from one image.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct OcrText {
    /// Words in reading order.
    pub words: Vec<OcrWord>,
    /// Lines of text.
    pub text: String,
    /// Mean word confidence, 0–1 (0 without words).
    pub quality: f64,
}

impl OcrText {
    /// A reading from its words (lines as given), the quality their mean confidence.
    pub fn from_words(words: Vec<OcrWord>, text: String) -> Self {
        let quality = if words.is_empty() {
            0.0
        } else {
            words.iter().map(|w| w.confidence).sum::<f64>() / words.len() as f64
        };
        Self {
            words,
            text,
            quality,
        }
    }

    /// The words weighed by their confidence: of two readings of one page (as it lies
    /// and turned), the one that read more, more surely (a sideways page read as it lies
    /// gives a few words, or many doubtful ones).
    pub fn confident_words(&self) -> f64 {
        self.quality * self.words.len() as f64
    }

    /// The page's text layer from this reading of `scan` (boxes at [`OCR_DPI`]).
    pub fn page_text(&self, page: usize, scan: &PreparedScan) -> PageText {
        self.scanned_page(page, scan).page_text()
    }

    /// This reading of `scan` as page `page`'s words in page points: what a server job
    /// keeps of a page read, to make its text layer again later.
    pub fn scanned_page(&self, page: usize, scan: &PreparedScan) -> ScannedPage {
        let (width, height) = scan.size_points();
        ScannedPage {
            page,
            width,
            height,
            words: self
                .words
                .iter()
                .map(|w| (w.text.clone(), pixel_box_to_page(w.bbox, OCR_DPI)))
                .collect(),
            straightened: scan.straightened,
            quality: self.quality,
        }
    }
}

/// A scanned page as OCR read it: words with boxes in page points, the page's size, how
/// the scan was straightened and the mean word confidence. Serializable, so a reading
/// can be stored page by page and the text layer made from it when every page is read.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScannedPage {
    /// 1-based page number.
    pub page: usize,
    /// Width in points (of the straightened scan).
    pub width: f64,
    /// Height in points.
    pub height: f64,
    /// Words and their boxes.
    pub words: Vec<(String, crate::geometry::Rect)>,
    /// How the scan was turned and levelled.
    pub straightened: Straightening,
    /// Mean word confidence, 0–1.
    pub quality: f64,
}

impl ScannedPage {
    /// The page's text layer.
    pub fn page_text(&self) -> PageText {
        let mut text = PageText::from_ocr_words(self.page, self.width, self.height, &self.words);
        text.straightened = self.straightened;
        text
    }
}

/// Page segmentation: a whole page, a cropped block of text, or one column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// Automatic page segmentation (Tesseract `--psm 3`).
    Page,
    /// One uniform block, as a region crop usually is (`--psm 6`).
    Block,
    /// One column of text in sizes that vary, as a till receipt is (`--psm 4`): labels
    /// and their amounts stay on one line.
    Column,
}

impl Layout {
    /// The layout of a whole page `width` points wide: a receipt is one column.
    pub fn for_page(width: f64) -> Self {
        if width < RECEIPT_MAX_WIDTH {
            Self::Column
        } else {
            Self::Page
        }
    }

    /// Tesseract's page segmentation mode for it.
    pub fn tesseract_psm(self) -> u8 {
        match self {
            Self::Page => 3,
            Self::Block => 6,
            Self::Column => 4,
        }
    }
}

/// A scanned page rendered at [`OCR_DPI`] and straightened, ready for an engine.
#[derive(Debug, Clone)]
pub struct PreparedScan {
    /// The upright, level bitmap.
    pub image: RgbaImage,
    /// How it was turned from the page as rendered.
    pub straightened: Straightening,
    /// Whether `image` is the page exactly as rendered (upright, level, no dark border).
    as_rendered: bool,
}

impl PreparedScan {
    /// Whitens `img`'s dark border (a page rendered at [`OCR_DPI`]), turns it by
    /// `quarter_turns` clockwise (what an orientation report asks), then levels it by its
    /// measured skew.
    pub fn new(mut img: RgbaImage, quarter_turns: u8) -> Self {
        let whitened = img.whiten_dark_border();
        let upright = if quarter_turns.is_multiple_of(4) {
            img
        } else {
            img.turned(quarter_turns)
        };
        let skew = skew_degrees(&upright);
        let image = if skew == 0.0 {
            upright
        } else {
            upright.rotated(skew)
        };
        let straightened = Straightening {
            quarter_turns: quarter_turns % 4,
            skew_degrees: skew,
        };
        Self {
            image,
            as_rendered: !whitened && straightened.is_identity(),
            straightened,
        }
    }

    /// Whether the image is the page exactly as rendered, so an encoding of the rendered
    /// page can be sent as it is.
    pub fn is_as_rendered(&self) -> bool {
        self.as_rendered
    }

    /// The straightened page's size in points.
    pub fn size_points(&self) -> (f64, f64) {
        let to_points = |px: u32| f64::from(px) * 72.0 / OCR_DPI;
        (to_points(self.image.width), to_points(self.image.height))
    }

    /// How an engine should segment it.
    pub fn layout(&self) -> Layout {
        Layout::for_page(self.size_points().0)
    }
}

/// Parses Tesseract's TSV (level, page, block, par, line, word, left, top, width, height,
/// conf, text): words (rows of level 5 with a confidence), lines by block, paragraph
/// and line number.
pub fn parse_tesseract_tsv(tsv: &str) -> OcrText {
    let mut words = Vec::new();
    let mut text = String::new();
    let mut last_line = None;
    // The command line prints a header row, the library does not: rows are told by level.
    for row in tsv.lines() {
        let cols: Vec<&str> = row.splitn(12, '\t').collect();
        if cols.len() < 12 || cols[0] != "5" {
            continue;
        }
        let word = cols[11].trim();
        let num = |i: usize| cols[i].trim().parse::<f64>().unwrap_or(0.0);
        let conf = num(10);
        if word.is_empty() || conf < 0.0 {
            continue;
        }
        let line = (cols[2], cols[3], cols[4]);
        match last_line {
            Some(l) if l == line => text.push(' '),
            Some(_) => text.push('\n'),
            None => {}
        }
        last_line = Some(line);
        text.push_str(word);
        let (x, y, w, h) = (num(6), num(7), num(8), num(9));
        words.push(OcrWord {
            text: word.to_string(),
            bbox: [x, y, x + w, y + h],
            confidence: (conf / 100.0).clamp(0.0, 1.0),
        });
    }
    OcrText::from_words(words, text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blank(width: u32, height: u32) -> RgbaImage {
        RgbaImage {
            width,
            height,
            data: vec![255; (width * height * 4) as usize],
        }
    }

    const TSV: &str = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n\
1\t1\t0\t0\t0\t0\t0\t0\t100\t100\t-1\t\n\
5\t1\t1\t1\t1\t1\t10\t20\t30\t10\t96.5\tFactuur\n\
5\t1\t1\t1\t1\t2\t45\t20\t40\t10\t90\tVF1005193039\n\
5\t1\t1\t1\t2\t1\t10\t40\t30\t10\t80\tTotaal\n";

    #[test]
    fn tsv_rows_become_words_and_lines() {
        let t = parse_tesseract_tsv(TSV);
        assert_eq!(t.text, "Factuur VF1005193039\nTotaal");
        assert_eq!(t.words[1].bbox, [45.0, 20.0, 85.0, 30.0]);
        assert!((t.quality - (0.965 + 0.9 + 0.8) / 3.0).abs() < 1e-9);
    }

    #[test]
    fn a_reading_becomes_the_page_text_in_points() {
        let scan = PreparedScan::new(blank(2480, 3508), 0);
        assert_eq!(scan.layout(), Layout::Page);
        let (w, h) = scan.size_points();
        assert!((w - 595.2).abs() < 0.01 && (h - 841.92).abs() < 0.01);
        let text = parse_tesseract_tsv(TSV).page_text(1, &scan);
        assert_eq!(text.text(), "Factuur VF1005193039\nTotaal");
        // 300 px per inch: 10 px are 2.4 points.
        let first = &text.lines[0].words[0];
        assert!((first.bbox.x0 - 2.4).abs() < 0.01, "{:?}", first.bbox);
    }

    #[test]
    fn a_till_roll_is_read_as_one_column() {
        let scan = PreparedScan::new(blank(900, 3000), 0);
        assert_eq!(scan.layout(), Layout::Column);
        assert_eq!(Layout::Column.tesseract_psm(), 4);
    }
}
