//! Plain text that keeps the page's columns, as `pdftotext -layout` prints it.
//!
//! Each line's words are placed at the character column their left edge falls on, so
//! words far apart on the page stay far apart in the text (`Total      35,00`) and
//! regular expressions written against `pdftotext -layout` output (invoice2data
//! templates) read this text the same way.

use super::layout::Line;

/// Width of one character column in points when the page gives nothing to measure.
const DEFAULT_COLUMN: f64 = 5.0;

/// Lines as text with columns kept: every word starts at the column of its left edge
/// (at least one space after the previous word), one text row per line.
pub fn layout_text(lines: &[Line]) -> String {
    let col = column_width(lines);
    let mut out = String::new();
    for (i, line) in lines.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let mut len = 0usize;
        let mut prev: Option<&super::layout::Word> = None;
        for w in &line.words {
            let target = if w.bbox.x0.is_finite() && w.bbox.x0 > 0.0 {
                // Bounded: a stray coordinate must not produce megabytes of spaces.
                ((w.bbox.x0 / col).round() as usize).min(2000)
            } else {
                0
            };
            let at = match prev {
                None => target,
                // An ordinary word gap (in the words' own font size) is one space,
                // whatever the page's column width; a wider gap is at least two.
                Some(p) if w.bbox.x0 - p.bbox.x1 < 1.5 * char_width(p).max(char_width(w)) => {
                    len + 1
                }
                Some(_) => target.max(len + 2),
            };
            out.extend(std::iter::repeat_n(' ', at - len));
            out.push_str(&w.text);
            len = at + w.text.chars().count();
            prev = Some(w);
        }
    }
    out
}

/// A word's mean character advance in points.
fn char_width(w: &super::layout::Word) -> f64 {
    let n = w.text.chars().count().max(1) as f64;
    let width = w.bbox.x1 - w.bbox.x0;
    if width.is_finite() && width > 0.0 {
        width / n
    } else {
        0.0
    }
}

/// The median advance of one character over the page's words, in points.
fn column_width(lines: &[Line]) -> f64 {
    let mut widths: Vec<f64> = lines
        .iter()
        .flat_map(|l| l.words.iter())
        .filter_map(|w| {
            let n = w.text.chars().count();
            let width = w.bbox.x1 - w.bbox.x0;
            (n > 0 && width.is_finite() && width > 0.0).then(|| width / n as f64)
        })
        .collect();
    if widths.is_empty() {
        return DEFAULT_COLUMN;
    }
    widths.sort_by(f64::total_cmp);
    let m = widths[widths.len() / 2];
    if m > 0.5 { m } else { DEFAULT_COLUMN }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geometry::Rect;
    use crate::text::Word;

    fn word(text: &str, x0: f64) -> Word {
        let w = text.chars().count() as f64 * 5.0;
        Word {
            text: text.into(),
            bbox: Rect {
                x0,
                top: 0.0,
                x1: x0 + w,
                bottom: 10.0,
            },
        }
    }

    fn line(words: Vec<Word>) -> Line {
        Line {
            bbox: words[0].bbox,
            words,
        }
    }

    #[test]
    fn far_apart_words_keep_their_gap_and_columns_align() {
        let lines = vec![
            line(vec![word("Total", 50.0), word("35,00", 300.0)]),
            line(vec![word("VAT", 50.0), word("7,35", 300.0)]),
        ];
        let t = layout_text(&lines);
        let rows: Vec<&str> = t.lines().collect();
        assert_eq!(
            rows[0].trim_start(),
            format!("Total{}35,00", " ".repeat(45))
        );
        assert_eq!(rows[0].find("35,00"), rows[1].find("7,35"));
    }

    #[test]
    fn touching_words_get_one_space() {
        let t = layout_text(&[line(vec![word("Invoice", 0.0), word("12", 30.0)])]);
        assert_eq!(t, "Invoice 12");
    }
}
