//! Grouping characters into words and lines, in reading order, whatever the text direction.
//!
//! Characters are first split by direction (the glyph's x axis, to the nearest quarter
//! turn), so rotated labels on a page never mix with the body text. Within a direction each
//! character is seen in its own *reading frame*: `u` runs along the text, `v` down across
//! it. Lines are clusters of baselines in `v`; words split a line where the gap in `u` is
//! larger than a tolerance or where the PDF draws a blank.

use serde::Serialize;

use super::glyphs::Char;
use crate::geometry::{Point, Rect};

/// Gap (points) along the text beyond which two characters belong to different words;
/// pdfplumber's `x_tolerance`.
const X_TOLERANCE: f64 = 3.0;
/// Distance (points) across the text within which baselines form one line; pdfplumber's
/// `y_tolerance`.
const Y_TOLERANCE: f64 = 3.0;

/// A word: consecutive characters with no gap or blank between them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Word {
    /// The word's text.
    pub text: String,
    /// Box in page points.
    pub bbox: Rect,
}

/// A line of words in reading order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Line {
    /// The words, in reading order.
    pub words: Vec<Word>,
    /// Box of all words in page points.
    pub bbox: Rect,
}

impl Line {
    /// The line's text: words joined by single spaces.
    pub fn text(&self) -> String {
        let mut s = String::new();
        for (i, w) in self.words.iter().enumerate() {
            if i > 0 {
                s.push(' ');
            }
            s.push_str(&w.text);
        }
        s
    }
}

/// The four reading directions, by the glyph x axis in page space (y down).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Direction {
    /// Left to right (ordinary text).
    Ltr,
    /// Top to bottom (text rotated 90° clockwise).
    Ttb,
    /// Right to left (upside-down text).
    Rtl,
    /// Bottom to top (text rotated 90° counter-clockwise).
    Btt,
}

impl Direction {
    fn of(dir: Point) -> Self {
        if dir.x.abs() >= dir.y.abs() {
            if dir.x >= 0.0 { Self::Ltr } else { Self::Rtl }
        } else if dir.y >= 0.0 {
            Self::Ttb
        } else {
            Self::Btt
        }
    }

    /// Page point → reading frame `(u along the text, v across it, downward)`.
    fn frame(self, p: Point) -> (f64, f64) {
        match self {
            Self::Ltr => (p.x, p.y),
            Self::Ttb => (p.y, -p.x),
            Self::Rtl => (-p.x, -p.y),
            Self::Btt => (-p.y, p.x),
        }
    }

    /// A page-space box → its extent `(u0, u1)` along the text in the reading frame.
    fn span(self, r: &Rect) -> (f64, f64) {
        let (a, _) = self.frame(Point::new(r.x0, r.top));
        let (b, _) = self.frame(Point::new(r.x1, r.bottom));
        (a.min(b), a.max(b))
    }
}

struct Placed<'a> {
    c: &'a Char,
    u0: f64,
    u1: f64,
    /// Baseline position across the text.
    v: f64,
}

/// Groups characters into lines of words in reading order: lines of the dominant
/// direction first, top to bottom; words left to right within a line.
pub fn lines<'a>(chars: impl IntoIterator<Item = &'a Char>) -> Vec<Line> {
    let mut by_dir: [Vec<Placed<'a>>; 4] = Default::default();
    for c in chars {
        let d = Direction::of(c.dir);
        let (u0, u1) = d.span(&c.bbox);
        let (_, v) = d.frame(c.origin);
        let idx = d as usize;
        by_dir[idx].push(Placed { c, u0, u1, v });
    }
    let mut out = Vec::new();
    // Array order is the enum order: ordinary text first, then the rotated directions.
    for placed in by_dir {
        if !placed.is_empty() {
            out.extend(lines_in_direction(placed));
        }
    }
    out
}

fn lines_in_direction(mut placed: Vec<Placed<'_>>) -> Vec<Line> {
    // Cluster baselines: sort across the text and chain values within the tolerance.
    placed.sort_by(|a, b| a.v.total_cmp(&b.v));
    let mut clusters: Vec<Vec<Placed<'_>>> = Vec::new();
    let mut last_v = f64::NEG_INFINITY;
    for p in placed {
        let tol = Y_TOLERANCE.min(p.c.size * 0.5).max(0.5);
        if p.v - last_v > tol || clusters.is_empty() {
            clusters.push(Vec::new());
        }
        last_v = p.v;
        if let Some(cluster) = clusters.last_mut() {
            cluster.push(p);
        }
    }
    let mut lines = Vec::new();
    for mut cluster in clusters {
        cluster.sort_by(|a, b| a.u0.total_cmp(&b.u0));
        let words = words_in_line(&cluster);
        if let Some(bbox) = words.iter().map(|w| w.bbox).reduce(|a, b| a.union(&b)) {
            lines.push(Line { words, bbox });
        }
    }
    lines
}

fn words_in_line(line: &[Placed<'_>]) -> Vec<Word> {
    let mut words = Vec::new();
    let mut text = String::new();
    let mut bbox: Option<Rect> = None;
    let mut prev_u1 = f64::NEG_INFINITY;
    let flush = |text: &mut String, bbox: &mut Option<Rect>, words: &mut Vec<Word>| {
        if let Some(b) = bbox.take()
            && !text.is_empty()
        {
            words.push(Word {
                text: std::mem::take(text),
                bbox: b,
            });
        }
        text.clear();
    };
    for p in line {
        if p.c.is_blank() {
            flush(&mut text, &mut bbox, &mut words);
            prev_u1 = p.u1;
            continue;
        }
        if p.u0 > prev_u1 + X_TOLERANCE {
            flush(&mut text, &mut bbox, &mut words);
        }
        text.push_str(p.c.text.trim());
        bbox = Some(match bbox {
            Some(b) => b.union(&p.c.bbox),
            None => p.c.bbox,
        });
        prev_u1 = prev_u1.max(p.u1);
    }
    flush(&mut text, &mut bbox, &mut words);
    words
}

/// Joins lines into text: one line per row, words separated by spaces.
pub fn lines_to_text(lines: &[Line]) -> String {
    let mut s = String::new();
    for (i, l) in lines.iter().enumerate() {
        if i > 0 {
            s.push('\n');
        }
        s.push_str(&l.text());
    }
    s
}
