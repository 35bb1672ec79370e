//! Where an invoice's values are printed: for each field, the page and the box of the
//! words that print its value — what a reviewer is shown when checking a value against
//! the page. Found from the values themselves (an amount by its number, a date by its
//! day, a text by its words), so it holds whichever source read the value.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::geometry::Rect;
use crate::invoice::amount::{DecimalSeparator, parse_amount};
use crate::invoice::date::{DateOrder, ParsedDate, parse_date};
use crate::invoice::{FieldType, Invoice, InvoiceField};
use crate::text::{Line, PageText};

/// A place on a page.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Place {
    /// 1-based page.
    pub page: usize,
    /// Box in page points.
    pub rect: Rect,
}

/// Words a date or a text can span.
const MAX_SPAN: usize = 8;

/// The places of the header fields `invoice` has, where they can be found on `pages`.
/// Amounts are looked for from the end (totals are printed at the bottom), the rest from
/// the start.
pub fn locate(pages: &[PageText], invoice: &Invoice) -> BTreeMap<InvoiceField, Place> {
    InvoiceField::HEADER
        .into_iter()
        .filter_map(|f| {
            let value = invoice.get(f)?;
            place_of(pages, f, &value).map(|p| (f, p))
        })
        .collect()
}

/// Where `value` of field `f` is printed, if anywhere.
pub fn place_of(pages: &[PageText], f: InvoiceField, value: &str) -> Option<Place> {
    let value = value.trim();
    if value.is_empty() {
        return None;
    }
    let lines = pages
        .iter()
        .flat_map(|p| p.lines.iter().map(move |l| (p.page, l)));
    match f.value_type() {
        FieldType::Amount => {
            let want = parse_amount(value, DecimalSeparator::Point)?.value;
            let found = |l: &Line| {
                l.words.iter().find_map(|w| {
                    let a = parse_amount(&w.text, DecimalSeparator::Auto)?;
                    (a.value.abs() == want.abs() && w.text.chars().any(|c| c.is_ascii_digit()))
                        .then_some(w.bbox)
                })
            };
            let all: Vec<_> = lines.collect();
            all.into_iter()
                .rev()
                .find_map(|(page, l)| found(l).map(|rect| Place { page, rect }))
        }
        FieldType::Date => {
            let want = chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d").ok()?;
            let is_it = |s: &str| match parse_date(s, DateOrder::Unknown) {
                Some(ParsedDate::Exact(d)) => d == want,
                Some(ParsedDate::Ambiguous { dmy, mdy }) => dmy == want || mdy == want,
                None => false,
            };
            lines
                .into_iter()
                .find_map(|(page, l)| span_where(l, &is_it).map(|rect| Place { page, rect }))
        }
        FieldType::Text | FieldType::Number => {
            let want = squash(value);
            if f == InvoiceField::Currency {
                // A code or its symbol, as a word of its own or on an amount.
                return lines.into_iter().find_map(|(page, l)| {
                    l.words
                        .iter()
                        .find(|w| crate::invoice::amount::find_currency(&w.text) == Some(value))
                        .map(|w| Place { page, rect: w.bbox })
                });
            }
            lines.into_iter().find_map(|(page, l)| {
                span_where(l, &|s: &str| squash(s) == want).map(|rect| Place { page, rect })
            })
        }
    }
}

/// The box of the shortest run of consecutive words of `l` that `is_it` accepts.
fn span_where(l: &Line, is_it: &dyn Fn(&str) -> bool) -> Option<Rect> {
    for len in 1..=MAX_SPAN.min(l.words.len()) {
        for run in l.words.windows(len) {
            let text: Vec<&str> = run.iter().map(|w| w.text.as_str()).collect();
            if is_it(&text.join(" ")) {
                return run.iter().map(|w| w.bbox).reduce(|a, b| a.union(&b));
            }
        }
    }
    None
}

/// Lower case, letters and digits only: "ACME B.V." and "Acme BV" compare equal.
fn squash(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(words: &[(&str, [f64; 4])]) -> PageText {
        let words: Vec<(String, Rect)> = words
            .iter()
            .map(|(t, [x0, top, x1, bottom])| {
                (
                    t.to_string(),
                    Rect {
                        x0: *x0,
                        top: *top,
                        x1: *x1,
                        bottom: *bottom,
                    },
                )
            })
            .collect();
        PageText::from_ocr_words(1, 595.0, 842.0, &words)
    }

    #[test]
    fn values_are_found_where_they_are_printed() {
        let p = page(&[
            ("ACME", [50.0, 40.0, 90.0, 52.0]),
            ("B.V.", [94.0, 40.0, 115.0, 52.0]),
            ("Factuur", [50.0, 100.0, 90.0, 112.0]),
            ("F-2024-17", [300.0, 100.0, 360.0, 112.0]),
            ("Datum", [50.0, 120.0, 90.0, 132.0]),
            ("12", [300.0, 120.0, 312.0, 132.0]),
            ("maart", [315.0, 120.0, 345.0, 132.0]),
            ("2024", [348.0, 120.0, 372.0, 132.0]),
            ("Subtotaal", [50.0, 600.0, 110.0, 612.0]),
            ("€", [290.0, 600.0, 298.0, 612.0]),
            ("1.210,00", [300.0, 600.0, 350.0, 612.0]),
            ("Totaal", [50.0, 700.0, 90.0, 712.0]),
            ("1.210,00", [300.0, 700.0, 350.0, 712.0]),
        ]);
        let inv = Invoice {
            vendor_name: Some("Acme BV".into()),
            invoice_number: Some("F-2024-17".into()),
            invoice_date: chrono::NaiveDate::from_ymd_opt(2024, 3, 12),
            total: Some("1210.00".parse().expect("decimal")),
            currency: Some("EUR".into()),
            ..Invoice::default()
        };
        let places = locate(std::slice::from_ref(&p), &inv);
        let at = |f| places.get(&f).map(|p| (p.rect.x0, p.rect.top, p.rect.x1));
        assert_eq!(at(InvoiceField::VendorName), Some((50.0, 40.0, 115.0)));
        assert_eq!(at(InvoiceField::InvoiceNumber), Some((300.0, 100.0, 360.0)));
        assert_eq!(at(InvoiceField::InvoiceDate), Some((300.0, 120.0, 372.0)));
        // The total where the total is printed: the last of the two 1.210,00.
        assert_eq!(at(InvoiceField::Total), Some((300.0, 700.0, 350.0)));
        assert_eq!(at(InvoiceField::Currency), Some((290.0, 600.0, 298.0)));
        assert_eq!(places.get(&InvoiceField::DueDate), None);
    }
}
