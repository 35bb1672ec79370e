//! Tables inside a region: rows × cells, from the ruling lines the PDF draws when it
//! draws a grid, otherwise from how the text is aligned (column gaps shared by the rows).
//!
//! * **Ruling** — horizontal and vertical rules inside the region are clustered into row
//!   and column boundaries; each character goes to the grid cell holding its centre, and
//!   a cell's lines are joined by spaces, so multi-line cells stay one cell.
//! * **Alignment** — a column boundary is an x-range no word crosses on (nearly) any
//!   line; each line is a row, and a line whose first column is empty while that column
//!   is normally filled continues the row above (a wrapped cell).

use serde::Serialize;

use super::layout::{Line, lines};
use super::{Char, PageText};
use crate::geometry::Rect;

/// Rules closer than this (points) are the same boundary.
const SNAP: f64 = 2.0;
/// Narrowest gap between two columns, in multiples of the median character width.
const MIN_COLUMN_GAP: f64 = 1.2;

/// How a table's cells were found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TableMethod {
    /// From the grid of ruling lines.
    Ruling,
    /// From column gaps in the text.
    Alignment,
}

/// Rows × cells of text.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Table {
    /// How the cells were found.
    pub method: TableMethod,
    /// The rows, top to bottom; every row has the same number of cells.
    pub rows: Vec<Vec<String>>,
}

impl PageText {
    /// The table inside `region`, if its text forms one (at least two rows and two
    /// columns).
    pub fn region_table(&self, region: &Rect) -> Option<Table> {
        // Blanks stay: words split at them.
        let chars: Vec<&Char> = self
            .chars()
            .iter()
            .filter(|c| region.contains(c.bbox.center()))
            .collect();
        if chars.iter().all(|c| c.is_blank()) {
            return None;
        }
        match ruled(&chars, self.rules(), region) {
            // Rules around a header or between column groups only, with the body's rows
            // unruled: the text's alignment tells the rows.
            Some((t, grid_rows)) if lines(chars.iter().copied()).len() > 2 * grid_rows => {
                aligned(&chars).or(Some(t))
            }
            Some((t, _)) => Some(t),
            None => aligned(&chars),
        }
    }
}

/// Sorted cluster centres of `values` (within [`SNAP`]).
fn snap(mut values: Vec<f64>) -> Vec<f64> {
    values.sort_by(f64::total_cmp);
    let mut out: Vec<(f64, usize)> = Vec::new();
    for v in values {
        match out.last_mut() {
            Some((c, n)) if (v - *c / *n as f64).abs() <= SNAP => {
                *c += v;
                *n += 1;
            }
            _ => out.push((v, 1)),
        }
    }
    out.into_iter().map(|(c, n)| c / n as f64).collect()
}

fn join_lines(ls: &[Line]) -> String {
    ls.iter().map(Line::text).collect::<Vec<_>>().join(" ")
}

/// Drops rows and columns that are empty everywhere.
fn prune(mut rows: Vec<Vec<String>>) -> Vec<Vec<String>> {
    rows.retain(|r| r.iter().any(|c| !c.is_empty()));
    let ncols = rows.first().map_or(0, Vec::len);
    let keep: Vec<bool> = (0..ncols)
        .map(|j| rows.iter().any(|r| r.get(j).is_some_and(|c| !c.is_empty())))
        .collect();
    for r in &mut rows {
        let mut j = 0;
        r.retain(|_| {
            j += 1;
            keep[j - 1]
        });
    }
    rows
}

/// The table from the ruling lines, and how many grid rows the rules make.
fn ruled(chars: &[&Char], rules: &[Rect], region: &Rect) -> Option<(Table, usize)> {
    let area = Rect {
        x0: region.x0 - SNAP,
        top: region.top - SNAP,
        x1: region.x1 + SNAP,
        bottom: region.bottom + SNAP,
    };
    let inside: Vec<&Rect> = rules
        .iter()
        .filter(|r| r.intersect(&area).is_some())
        .collect();
    let ys = snap(
        inside
            .iter()
            .filter(|r| r.width() > r.height())
            .map(|r| r.center().y.clamp(region.top, region.bottom))
            .collect(),
    );
    let xs = snap(
        inside
            .iter()
            .filter(|r| r.height() >= r.width())
            .map(|r| r.center().x.clamp(region.x0, region.x1))
            .collect(),
    );
    if ys.len() < 3 || xs.len() < 2 {
        return None;
    }
    let grid = Rect {
        x0: xs[0],
        top: ys[0],
        x1: xs[xs.len() - 1],
        bottom: ys[ys.len() - 1],
    };
    let in_grid = chars
        .iter()
        .filter(|c| grid.contains(c.bbox.center()))
        .count();
    // A few rules around a block of text are not a table.
    if in_grid * 2 < chars.len() {
        return None;
    }
    let mut cells: Vec<Vec<Vec<&Char>>> = vec![vec![Vec::new(); xs.len() - 1]; ys.len() - 1];
    for c in chars {
        let p = c.bbox.center();
        let i = ys.partition_point(|y| *y < p.y);
        let j = xs.partition_point(|x| *x < p.x);
        if (1..ys.len()).contains(&i) && (1..xs.len()).contains(&j) {
            cells[i - 1][j - 1].push(c);
        }
    }
    let rows: Vec<Vec<String>> = cells
        .into_iter()
        .map(|row| row.into_iter().map(|cs| join_lines(&lines(cs))).collect())
        .collect();
    let grid_rows = rows.len();
    let rows = prune(rows);
    (rows.len() >= 2 && rows[0].len() >= 2).then_some((
        Table {
            method: TableMethod::Ruling,
            rows,
        },
        grid_rows,
    ))
}

/// Merges wrapped cells into the row above: a row with only one cell filled, and the
/// first column empty where it is normally filled.
fn merge_wrapped(rows: Vec<Vec<String>>) -> Vec<Vec<String>> {
    let first_filled = rows.iter().filter(|r| !r[0].is_empty()).count();
    if first_filled * 2 <= rows.len() {
        return rows;
    }
    let mut merged: Vec<Vec<String>> = Vec::new();
    for row in rows {
        match merged.last_mut() {
            Some(prev)
                if row[0].is_empty() && row.iter().filter(|c| !c.is_empty()).count() == 1 =>
            {
                for (p, c) in prev.iter_mut().zip(row) {
                    if !c.is_empty() {
                        if !p.is_empty() {
                            p.push(' ');
                        }
                        p.push_str(&c);
                    }
                }
            }
            _ => merged.push(row),
        }
    }
    merged
}

/// A table from the columns the lines' words leave free: gaps wider than
/// `MIN_COLUMN_GAP` characters that (nearly) no line covers.
fn aligned(chars: &[&Char]) -> Option<Table> {
    let ls = lines(chars.iter().copied());
    if ls.len() < 2 {
        return None;
    }
    let mut widths: Vec<f64> = chars
        .iter()
        .map(|c| c.advance)
        .filter(|a| a.is_finite() && *a > 0.0)
        .collect();
    widths.sort_by(f64::total_cmp);
    let char_w = widths.get(widths.len() / 2).copied().unwrap_or(5.0);

    // Elementary x-intervals between word edges, and how many lines cover each.
    let mut edges: Vec<f64> = ls
        .iter()
        .flat_map(|l| l.words.iter().flat_map(|w| [w.bbox.x0, w.bbox.x1]))
        .collect();
    edges.sort_by(f64::total_cmp);
    edges.dedup();
    let allowed = ls.len() / 10;
    let covered = |x: f64| {
        ls.iter()
            .filter(|l| l.words.iter().any(|w| w.bbox.x0 < x && x < w.bbox.x1))
            .count()
    };
    let mut seps = Vec::new();
    let mut gap: Option<(f64, f64)> = None;
    for win in edges.windows(2) {
        let (a, b) = (win[0], win[1]);
        if covered((a + b) / 2.0) <= allowed {
            gap = Some(gap.map_or((a, b), |(s, _)| (s, b)));
        } else if let Some((s, e)) = gap.take()
            && e - s >= MIN_COLUMN_GAP * char_w
        {
            seps.push((s + e) / 2.0);
        }
    }
    if seps.is_empty() {
        return None;
    }
    let ncols = seps.len() + 1;
    let mut rows: Vec<Vec<String>> = Vec::new();
    for l in &ls {
        let mut row = vec![String::new(); ncols];
        for w in &l.words {
            let j = seps.partition_point(|s| *s < w.bbox.center().x);
            if !row[j].is_empty() {
                row[j].push(' ');
            }
            row[j].push_str(&w.text);
        }
        rows.push(row);
    }
    let rows = merge_wrapped(rows);
    let rows = prune(rows);
    (rows.len() >= 2 && rows[0].len() >= 2).then_some(Table {
        method: TableMethod::Alignment,
        rows,
    })
}
