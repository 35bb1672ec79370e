//! The offline, rule-based invoice parser: labelled fields in Dutch, English, German and
//! French, found in a document's lines of words.
//!
//! For each field a list of labels, strongest first. A value is read from the rest of the
//! label's line, or else from the line just below (label-above-value layouts). Totals take
//! the last match in the document (totals sit at the bottom); other fields the first.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::amount::{DecimalSeparator, find_currency, parse_amount};
use super::date::{DateOrder, ParsedDate, parse_date};
use super::{Invoice, items};
use crate::text::PageText;

/// The parser's result: the invoice and what a person should double-check.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Extraction {
    /// The fields found.
    pub invoice: Invoice,
    /// Things not decided, in plain words (e.g. an ambiguous date).
    pub warnings: Vec<String>,
}

const NUMBER_LABELS: &[&str] = &[
    "invoice number",
    "invoice no",
    "invoice nr",
    "invoice #",
    "invoice id",
    "factuurnummer",
    "factuur nr",
    "factuurnr",
    "rechnungsnummer",
    "rechnungs-nr",
    "rechnung nr",
    "rechnungsnr",
    "numéro de facture",
    "n° de facture",
    "facture n°",
    "facture no",
    "bill no",
    "bill number",
    "receipt no",
    "document no",
    "booking id",
    "invoice",
    "^nr.",
    "^no.",
];
const DATE_LABELS: &[&str] = &[
    "factuur datum",
    "invoice date",
    "date of issue",
    "issue date",
    "factuurdatum",
    "rechnungsdatum",
    "date de facture",
    "date facture",
    "belegdatum",
    "date",
    "datum",
    "vom",
];
const DUE_LABELS: &[&str] = &[
    "due date",
    "payment due",
    "date due",
    "vervaldatum",
    "fälligkeitsdatum",
    "fällig am",
    "zahlbar bis",
    "date d'échéance",
    "date limite de paiement",
    "date limite",
    "échéance",
    "echeance",
];
const SUBTOTAL_LABELS: &[&str] = &[
    "rechnungssumme ohne ust",
    "summe ohne ust",
    "gesamtsumme netto",
    "nettosumme",
    "summe netto",
    "subtotal",
    "sub total",
    "sub-total",
    "subtotaal",
    "total excl",
    "totaal excl",
    "net amount",
    "nettobetrag",
    "zwischensumme",
    "total ht",
    "montant ht",
    "total net",
    "netto",
];
const TAX_LABELS: &[&str] = &[
    "steuerbetrag",
    "umsatzsteuerbetrag",
    "mwst.-betrag",
    "summe ust",
    "vat amount",
    "total vat",
    "tax amount",
    "total tax",
    "btw bedrag",
    "mwst",
    "umsatzsteuer",
    "ust",
    "montant tva",
    "total tva",
    "tva",
    "btw",
    "vat",
    "tax",
];
const TOTAL_LABELS: &[&str] = &[
    "factuur totaal",
    "bruttosumme",
    "zahlbetrag",
    "fälliger betrag",
    "gesamtbruttobetrag",
    "grand total",
    "amount due",
    "total due",
    "balance due",
    "total amount",
    "te betalen",
    "totaal incl",
    "gesamtbetrag",
    "rechnungsbetrag",
    "zahlbetrag",
    "zu zahlen",
    "bruttobetrag",
    "gesamtsumme brutto",
    "total ttc",
    "montant ttc",
    "net à payer",
    "total",
    "totaal",
    "gesamt",
    "summe",
];

/// Words that mark a language whose numeric dates put the day first.
const DAY_FIRST_HINTS: &[&str] = &[
    "factuur", "btw", "rechnung", "mwst", "ust", "facture", "tva", "datum", "betrag", "montant",
];

struct DocLine {
    page: usize,
    text: String,
    lower: String,
    /// Left/right edges of each word, and the word texts.
    words: Vec<(f64, f64, String)>,
    top: f64,
    height: f64,
}

fn doc_lines(pages: &[PageText]) -> Vec<DocLine> {
    let mut out = Vec::new();
    for p in pages {
        for l in &p.lines {
            let text = l.text();
            out.push(DocLine {
                page: p.page,
                lower: text.to_lowercase(),
                text,
                words: l
                    .words
                    .iter()
                    .map(|w| (w.bbox.x0, w.bbox.x1, w.text.clone()))
                    .collect(),
                top: l.bbox.top,
                height: l.bbox.height(),
            });
        }
    }
    out
}

/// Finds `label` as whole words in `lower`; returns the byte offset just after it. A
/// label starting with `^` must also stand after a blank or at the line start (so `^nr.`
/// finds "Nr. 471102" but not "USt.-Id.-Nr.").
fn find_label(lower: &str, label: &str) -> Option<usize> {
    let (label, after_blank) = match label.strip_prefix('^') {
        Some(l) => (l, true),
        None => (label, false),
    };
    let mut from = 0;
    while let Some(i) = lower[from..].find(label) {
        let (a, b) = (from + i, from + i + label.len());
        let prev = lower[..a].chars().next_back();
        let before_ok = if after_blank {
            prev.is_none_or(char::is_whitespace)
        } else {
            prev.is_none_or(|c| !c.is_alphanumeric())
        };
        // "n°562044387": a label ending in ° or # may touch its value.
        let glued = label.ends_with(['°', '#']);
        let after_ok = lower[b..]
            .chars()
            .next()
            .is_none_or(|c| !c.is_alphanumeric() || (glued && c.is_ascii_digit()));
        if before_ok && after_ok {
            return Some(b);
        }
        from = b;
    }
    None
}

/// A place where a label was found and the texts that may hold its value.
struct Candidate {
    /// Index of the label in its list (0 = strongest).
    rank: usize,
    /// Line index in the document.
    line: usize,
    /// The rest of the label's line.
    rest: String,
    /// The value below the label: the whole next line when the label stands alone, else
    /// the words of the next line under the label (header-row layouts).
    below: Option<String>,
}

fn candidates(lines: &[DocLine], labels: &[&str]) -> Vec<Candidate> {
    let mut out = Vec::new();
    for (rank, label) in labels.iter().enumerate() {
        for (i, l) in lines.iter().enumerate() {
            let Some(end) = find_label(&l.lower, label) else {
                continue;
            };
            // Byte offsets of `lower` and `text` agree for all but a few case mappings.
            let rest = l.text.get(end..).unwrap_or("");
            let rest = rest.trim_start_matches(|c: char| {
                c.is_whitespace() || matches!(c, ':' | '#' | '.' | '-' | '|')
            });
            let next = lines
                .get(i + 1)
                .filter(|n| n.page == l.page && n.top - l.top < 4.0 * l.height.max(1.0));
            let below = next.and_then(|n| {
                if rest.is_empty() && l.words.len() <= 4 {
                    return Some(n.text.clone());
                }
                let (x0, x1) = label_span(l, end - label.trim_start_matches('^').len(), end)?;
                let under: Vec<&str> = n
                    .words
                    .iter()
                    .filter(|(a, b, _)| *b > x0 - 2.0 && *a < x1 + 2.0)
                    .map(|(_, _, w)| w.as_str())
                    .collect();
                (!under.is_empty()).then(|| under.join(" "))
            });
            out.push(Candidate {
                rank,
                line: i,
                rest: rest.to_string(),
                below,
            });
        }
    }
    out
}

/// Horizontal extent of the words covering bytes `start..end` of a line's text (the
/// text is the words joined by single spaces).
fn label_span(l: &DocLine, start: usize, end: usize) -> Option<(f64, f64)> {
    let mut offset = 0;
    let mut span: Option<(f64, f64)> = None;
    for (x0, x1, w) in &l.words {
        let (a, b) = (offset, offset + w.len());
        if b > start && a < end {
            span = Some(span.map_or((*x0, *x1), |(s0, s1)| (s0.min(*x0), s1.max(*x1))));
        }
        offset = b + 1;
    }
    span
}

fn invoice_number(s: &str) -> Option<String> {
    let skip = [
        "no", "nr", "number", "nummer", "n°", "no.", "nr.", "#", ":", "id",
    ];
    for tok in s.split_whitespace().take(4) {
        let t = tok.trim_matches(|c: char| matches!(c, ':' | ',' | ';' | '(' | ')'));
        if skip.contains(&t.to_lowercase().as_str()) {
            continue;
        }
        let has_digit = t.chars().any(|c| c.is_ascii_digit());
        let plausible = t.len() >= 3
            && t.chars()
                .all(|c| c.is_alphanumeric() || matches!(c, '-' | '/' | '.' | '_'))
            && has_digit
            && parse_date(t, DateOrder::Dmy).is_none();
        if plausible {
            return Some(t.to_string());
        }
        if !has_digit && t.len() > 1 {
            // A word (not an id) right after the label: this label is prose, not a field.
            if t.chars().all(char::is_alphabetic) {
                return None;
            }
        }
    }
    None
}

fn last_amount(s: &str) -> Option<Decimal> {
    // The rightmost number on the line: totals are printed at the right.
    let mut best = None;
    for (i, c) in s.char_indices() {
        let starts = c.is_ascii_digit()
            && s[..i]
                .chars()
                .next_back()
                .is_none_or(|p| !p.is_ascii_digit() && p != '.' && p != ',');
        if starts {
            let from = s[..i]
                .rfind(|c: char| c.is_whitespace())
                .map(|j| j + 1)
                .unwrap_or(0);
            let word = s[from..].split_whitespace().next().unwrap_or("");
            if word.chars().any(char::is_alphabetic) && word.chars().any(|c| c.is_ascii_digit()) {
                continue; // DE136695976, TB100A4: identifiers, not money
            }
            if let Some(a) = parse_amount(&s[from..], DecimalSeparator::Auto) {
                let tail = &s[i..];
                // Skip percentages (VAT rates) and dates.
                let num_end = tail
                    .find(|c: char| !(c.is_ascii_digit() || matches!(c, '.' | ',' | ' ')))
                    .unwrap_or(tail.len());
                if tail[num_end..].trim_start().starts_with('%')
                    || parse_date(tail, DateOrder::Dmy).is_some()
                {
                    continue;
                }
                best = Some(a.value);
            }
        }
    }
    best
}

/// Reads an invoice from the text of its pages.
pub fn extract(pages: &[PageText]) -> Extraction {
    let lines = doc_lines(pages);
    let mut ex = Extraction::default();
    let order = date_order(&lines);

    // Invoice number: strongest label first, first occurrence.
    let mut cands = candidates(&lines, NUMBER_LABELS);
    cands.sort_by_key(|c| (c.rank, c.line));
    ex.invoice.invoice_number = cands.iter().find_map(|c| {
        invoice_number(&c.rest).or_else(|| c.below.as_deref().and_then(invoice_number))
    });

    ex.invoice.invoice_date = labelled_date(&lines, order, false, &mut ex.warnings);
    ex.invoice.due_date = labelled_date(&lines, order, true, &mut ex.warnings);
    if ex.invoice.invoice_date.is_none() {
        // Fall back to the first unambiguous date on the first page.
        ex.invoice.invoice_date = lines
            .iter()
            .filter(|l| l.page == 1)
            .find_map(|l| parse_date(&l.text, order).and_then(ParsedDate::exact));
    }

    // Amounts: strongest label; totals from the bottom of the document.
    ex.invoice.subtotal = labelled_amount(&lines, SUBTOTAL_LABELS);
    ex.invoice.tax = labelled_amount(&lines, TAX_LABELS);
    ex.invoice.total = labelled_amount(&lines, TOTAL_LABELS);
    ex.invoice.currency = currency(&lines);
    ex.invoice.vendor_name = vendor(&lines, pages);
    ex.invoice.line_items = items::extract(pages, DecimalSeparator::Auto);
    ex
}

/// Day/month order from the document's words: day first when a label in a day-first
/// language appears, month first with dollars, else unknown.
fn date_order(lines: &[DocLine]) -> DateOrder {
    let all_lower: String = lines
        .iter()
        .map(|l| l.lower.as_str())
        .collect::<Vec<_>>()
        .join("\n");
    if DAY_FIRST_HINTS
        .iter()
        .any(|h| find_label(&all_lower, h).is_some())
    {
        DateOrder::Dmy
    } else if all_lower.contains('$') {
        DateOrder::Mdy
    } else {
        DateOrder::Unknown
    }
}

/// The invoice date (or, `is_due`, the due date) after its strongest label; an
/// ambiguous one is left out with a warning.
fn labelled_date(
    lines: &[DocLine],
    order: DateOrder,
    is_due: bool,
    warnings: &mut Vec<String>,
) -> Option<NaiveDate> {
    let labels = if is_due { DUE_LABELS } else { DATE_LABELS };
    let mut cands = candidates(lines, labels);
    cands.sort_by_key(|c| (c.rank, c.line));
    // "Date limite de paiement …" is a due date, not a "date" label.
    cands.retain(|c| {
        let label = labels[c.rank];
        let rest = c.rest.to_lowercase();
        is_due
            || !DUE_LABELS.iter().any(|d| {
                d.len() > label.len()
                    && d.starts_with(label)
                    && rest.starts_with(d[label.len()..].trim_start())
            })
    });
    let found = cands.iter().find_map(|c| {
        parse_date(&c.rest, order).or_else(|| c.below.as_deref().and_then(|b| parse_date(b, order)))
    });
    match found {
        Some(ParsedDate::Exact(d)) => Some(d),
        Some(ParsedDate::Ambiguous { dmy, mdy }) => {
            let which = if is_due { "due date" } else { "invoice date" };
            warnings.push(format!("the {which} could be {dmy} (day first) or {mdy} (month first); set the locale to decide"));
            None
        }
        None => None,
    }
}

/// The amount after the strongest of `labels`, nearest the bottom of the document.
fn labelled_amount(lines: &[DocLine], labels: &[&str]) -> Option<Decimal> {
    let mut cands = candidates(lines, labels);
    cands.sort_by_key(|c| (c.rank, usize::MAX - c.line));
    cands
        .iter()
        .find_map(|c| last_amount(&c.rest).or_else(|| c.below.as_deref().and_then(last_amount)))
}

/// The currency code or symbol printed most often.
fn currency(lines: &[DocLine]) -> Option<String> {
    let mut counts: Vec<(&'static str, usize)> = Vec::new();
    for l in lines {
        for (_, _, w) in &l.words {
            if let Some(c) = find_currency(w) {
                match counts.iter_mut().find(|(k, _)| *k == c) {
                    Some((_, n)) => *n += 1,
                    None => counts.push((c, 1)),
                }
            }
        }
    }
    counts.sort_by_key(|c| std::cmp::Reverse(c.1));
    counts.first().map(|(c, _)| (*c).to_string())
}

const LEGAL_FORMS: &[&str] = &[
    "gmbh", "ag", "b.v.", "bv", "n.v.", "ltd", "ltd.", "limited", "llc", "inc", "inc.", "s.a.",
    "sa", "sarl", "sas", "e.k.", "kg", "ohg", "plc", "corp", "co.", "a.g.",
];

/// The sender: the first line on page 1 naming a legal form (GmbH, B.V., Ltd…), else the
/// tallest line in the top third of page 1 that is not a label or a number.
/// Words that open the customer's address block: a legal name there is the buyer's.
const CUSTOMER_MARKERS: &[&str] = &[
    "bill to",
    "billed to",
    "ship to",
    "sold to",
    "attn",
    "factuuradres",
    "afleveradres",
    "rechnungsadresse",
    "lieferadresse",
    "rechnungsempfänger",
    "adresse de facturation",
    "facturé à",
];

fn vendor(lines: &[DocLine], pages: &[PageText]) -> Option<String> {
    let first: Vec<&DocLine> = lines.iter().filter(|l| l.page == 1).collect();
    let in_customer_block = |i: usize| {
        first[i.saturating_sub(4)..=i].iter().any(|l| {
            CUSTOMER_MARKERS
                .iter()
                .any(|m| find_label(&l.lower, m).is_some())
        })
    };
    for (li, l) in first.iter().enumerate() {
        let words: Vec<&str> = l.text.split_whitespace().collect();
        if let Some(i) = words
            .iter()
            .position(|w| LEGAL_FORMS.contains(&w.to_lowercase().trim_end_matches([',', '·'])))
        {
            if in_customer_block(li) {
                continue;
            }
            // "Amazon Web Services, Inc.": the comma before the legal form belongs to it.
            let start = words[..i.saturating_sub(1)]
                .iter()
                .rposition(|w| w.ends_with(',') || *w == "·" || *w == "|" || *w == "-")
                .map_or(0, |j| j + 1);
            let name = words[start..=i].join(" ");
            // "Name: Lieferant GmbH" → "Lieferant GmbH".
            let name = name.rsplit_once(": ").map_or(name.as_str(), |(_, n)| n);
            if name.len() > 3 && !name.contains('@') {
                return Some(name.trim_end_matches(',').to_string());
            }
        }
    }
    let height = pages.first().map(|p| p.height).unwrap_or(842.0);
    let noise = [
        "invoice", "factuur", "rechnung", "facture", "receipt", "page", "seite", "bill",
    ];
    // Else the most prominent name-like line at the top: largest type, no e-mail,
    // label or number in it.
    first
        .iter()
        .enumerate()
        .filter(|(i, l)| l.top < height / 3.0 && !in_customer_block(*i))
        .map(|(_, l)| l)
        .filter(|l| l.text.chars().filter(|c| c.is_alphabetic()).count() >= 3)
        .filter(|l| !l.text.contains(['@', ':']) && !l.text.chars().any(|c| c.is_ascii_digit()))
        .filter(|l| l.words.len() <= 6)
        .filter(|l| !noise.iter().any(|n| l.lower.contains(n)))
        .max_by(|a, b| a.height.total_cmp(&b.height).then(b.top.total_cmp(&a.top)))
        .map(|l| l.text.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_match_whole_words_only() {
        assert!(find_label("subtotal 12,00", "total").is_none());
        assert_eq!(find_label("total: 12,00", "total"), Some(5));
        assert_eq!(find_label("handelsrechnung nr. 471102", "^nr."), Some(19));
        assert_eq!(find_label("ust.-id.-nr.: de123456789", "^nr."), None);
    }

    #[test]
    fn rightmost_amount_skips_rates_and_dates() {
        assert_eq!(last_amount("VAT 21% 8,68"), Some(Decimal::new(868, 2)));
        assert_eq!(
            last_amount("Total EUR 1.234,56"),
            Some(Decimal::new(123456, 2))
        );
        assert_eq!(last_amount("19 %"), None);
        assert_eq!(last_amount("USt-IdNr. DE136695976"), None);
    }

    #[test]
    fn invoice_numbers_are_ids_not_words_or_dates() {
        assert_eq!(
            invoice_number("No. VF1005193039").as_deref(),
            Some("VF1005193039")
        );
        assert_eq!(
            invoice_number(": RE-20170509/505").as_deref(),
            Some("RE-20170509/505")
        );
        assert_eq!(invoice_number("12.03.2025"), None);
        assert_eq!(invoice_number("for your order 123"), None);
    }
}
