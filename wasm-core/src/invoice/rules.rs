//! The offline, rule-based invoice parser: labelled fields in Dutch, English, German and
//! French, found in a document's lines of words.
//!
//! For each field a list of labels, strongest first. A value is read from the rest of the
//! label's line, or else from the line just below (label-above-value layouts). Totals take
//! the last match in the document (totals sit at the bottom); other fields the first.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::amount::{DecimalSeparator, find_currency, parse_amount};
use super::confidence::Evidence;
use super::date::{DateOrder, ParsedDate, parse_date};
use super::locale::Locale;
use super::{FieldValue, Invoice, InvoiceField, ids, items};
use crate::text::PageText;

mod receipt;

/// The parser's result: the invoice and what a person should double-check.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Extraction {
    /// The fields found.
    pub invoice: Invoice,
    /// How far each field found is trusted from how it was found (a strong label or a
    /// loose one, beside or below it, competing readings, a certain date order), 0–1,
    /// before OCR quality and cross-checks.
    pub evidence: Evidence,
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
    "numero de facture",
    "n° de facture",
    "facture n°",
    "facture no",
    "belegnummer",
    "beleg-nr",
    "beleg nr",
    "bill no",
    "bill number",
    "receipt no",
    "document no",
    "booking id",
    "invoice",
    "rechnung",
    "facture",
    "factuur",
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
    "date d'echeance",
    "date limite de paiement",
    "date limite",
    "échéance",
    "echeance",
];
const SUBTOTAL_LABELS: &[&str] = &[
    "rechnungssumme netto",
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
    "summe umsatzsteuer",
    "total tva",
    "mwst-betrag",
    "ust-betrag",
    "total taxes",
    "steuerbetrag",
    "umsatzsteuerbetrag",
    "mwst.-betrag",
    "ust.-betrag",
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
    "tva",
    "btw",
    "vat",
    "tax",
];
const TOTAL_LABELS: &[&str] = &[
    "rechnungssumme brutto",
    "summe brutto",
    "factuur totaal",
    "bruttosumme",
    "zahlbetrag",
    "fälliger betrag",
    "gesamtbruttobetrag",
    "endbetrag",
    "grand total",
    "rounded total",
    "total rounded",
    "total amt rounded",
    "total amount rounded",
    // The amount due before a total that includes a tax: "Total 6% supplies (Inc. GST)"
    // is one rate's part of it.
    "total amount payable",
    "total payable",
    "amount payable",
    "total incl",
    "total (incl",
    "inclusive of gst",
    "incl. of gst",
    "incl of gst",
    "inclusive gst",
    "inc gst",
    "inc. gst",
    "gst incl",
    "nett total",
    "incl. gst",
    "incl gst",
    "total with gst",
    "jumlah",
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
    "net a payer",
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
        let receipt = p.is_receipt();
        for l in &p.lines {
            let height = l.bbox.height();
            let mut words = join_kerned(
                l.words
                    .iter()
                    .map(|w| (w.bbox.x0, w.bbox.x1, w.text.clone()))
                    .collect(),
                height,
            );
            if receipt {
                words = join_split_cents(words);
            }
            // The line's text is its words joined by single spaces (label offsets rely on it).
            let text = words
                .iter()
                .map(|w| w.2.as_str())
                .collect::<Vec<_>>()
                .join(" ");
            out.push(DocLine {
                page: p.page,
                lower: text.to_lowercase(),
                text,
                words,
                top: l.bbox.top,
                height,
            });
        }
    }
    out
}

/// Whether `word` (lower case) starts one of the field labels ("factuurnummer:",
/// "rechnungsdatum").
fn is_label_word(word: &str) -> bool {
    [
        NUMBER_LABELS,
        DATE_LABELS,
        DUE_LABELS,
        SUBTOTAL_LABELS,
        TAX_LABELS,
        TOTAL_LABELS,
    ]
    .iter()
    .flat_map(|l| l.iter())
    .filter_map(|l| l.trim_start_matches('^').split(' ').next())
    .any(|first| first.len() >= 4 && word.starts_with(first))
}

/// Joins a capital split from the rest of its word by kerning ("F actuurnummer",
/// "R echnung"): a lone capital letter close before a word in lower case that together
/// make a label's word ("I am" stays two words).
fn join_kerned(words: Vec<(f64, f64, String)>, height: f64) -> Vec<(f64, f64, String)> {
    let mut out: Vec<(f64, f64, String)> = Vec::with_capacity(words.len());
    for w in words {
        if let Some(prev) = out.last_mut() {
            let mut chars = prev.2.chars();
            let lone_capital =
                chars.next().is_some_and(char::is_uppercase) && chars.next().is_none();
            let lower_next = w.2.chars().next().is_some_and(char::is_lowercase);
            if lone_capital
                && lower_next
                && w.0 - prev.1 < 0.6 * height.max(1.0)
                && is_label_word(&format!("{}{}", prev.2, w.2).to_lowercase())
            {
                prev.1 = w.1;
                prev.2.push_str(&w.2);
                continue;
            }
        }
        out.push(w);
    }
    out
}

/// Joins an amount the OCR split after its decimal point ("62. 80" → "62.80"): a word
/// ending in a digit and a point or comma, then a word of two digits.
fn join_split_cents(words: Vec<(f64, f64, String)>) -> Vec<(f64, f64, String)> {
    let mut out: Vec<(f64, f64, String)> = Vec::with_capacity(words.len());
    for w in words {
        if let Some(prev) = out.last_mut() {
            let b = prev.2.as_bytes();
            let split = b.len() >= 2
                && matches!(b[b.len() - 1], b'.' | b',')
                && b[b.len() - 2].is_ascii_digit();
            if split && w.2.len() == 2 && w.2.bytes().all(|c| c.is_ascii_digit()) {
                prev.1 = w.1;
                prev.2.push_str(&w.2);
                continue;
            }
        }
        out.push(w);
    }
    out
}

/// Finds `label` as whole words in `lower`; returns the byte offset just after it. A
/// label starting with `^` must also stand after a blank or at the line start (so `^nr.`
/// finds "Nr. 471102" but not "USt.-Id.-Nr.").
fn find_label(lower: &str, label: &str) -> Option<usize> {
    LabelSearch::new(label).ends_in(lower).next()
}

/// A label made ready to be looked for in many lines (the searcher is built once).
struct LabelSearch<'l> {
    /// Without its `^`.
    text: &'l str,
    /// It must stand after a blank or at the line start.
    after_blank: bool,
    /// It ends in ° or #, so it may touch its value: "n°562044387".
    glued: bool,
    finder: memchr::memmem::Finder<'l>,
}

impl<'l> LabelSearch<'l> {
    fn new(label: &'l str) -> Self {
        let (text, after_blank) = match label.strip_prefix('^') {
            Some(l) => (l, true),
            None => (label, false),
        };
        Self {
            text,
            after_blank,
            glued: text.ends_with(['°', '#']),
            finder: memchr::memmem::Finder::new(text),
        }
    }

    /// Every place [`find_label`] would find the label in `lower`, left to right.
    fn ends_in<'a>(&'a self, lower: &'a str) -> impl Iterator<Item = usize> + 'a {
        let mut from = 0;
        std::iter::from_fn(move || {
            let end = self.end_from(lower, from)?;
            from = end;
            Some(end)
        })
    }

    fn end_from(&self, lower: &str, mut from: usize) -> Option<usize> {
        if self.text.is_empty() {
            return None;
        }
        // A match of valid UTF-8 in valid UTF-8 starts and ends on character boundaries.
        while let Some(i) = self.finder.find(lower.get(from..)?.as_bytes()) {
            let (a, b) = (from + i, from + i + self.text.len());
            let prev = lower.get(..a)?.chars().next_back();
            let before_ok = if self.after_blank {
                prev.is_none_or(char::is_whitespace)
            } else {
                prev.is_none_or(|c| !c.is_alphanumeric())
            };
            let after_ok = lower
                .get(b..)?
                .chars()
                .next()
                .is_none_or(|c| !c.is_alphanumeric() || (self.glued && c.is_ascii_digit()));
            if before_ok && after_ok {
                return Some(b);
            }
            from = b;
        }
        None
    }
}

/// A place where a label was found and the texts that may hold its value.
struct Candidate {
    /// Index of the label in its list (0 = strongest).
    rank: usize,
    /// Line index in the document.
    line: usize,
    /// The words before the label in its cell, lower case.
    before: String,
    /// The rest of the label's line.
    rest: String,
    /// Left and right edge of the label.
    span: Option<(f64, f64)>,
    /// The words after the label in its cell (a wide gap ends it: "Rechnungsempfänger
    /// ⟶ Kundennummer" is the next column's).
    rest_cell: String,
    /// The values below the label, nearest first: the words of the following lines
    /// under the label (header-row layouts), or to the right of where a label that
    /// stands alone starts (label-above-value layouts).
    below: Vec<String>,
}

impl Candidate {
    /// The first text that `read` accepts: the rest of the line, else the first row below.
    fn read<T>(&self, read: impl Fn(&str) -> Option<T>) -> Option<(T, Placement)> {
        if let Some(v) = read(&self.rest) {
            return Some((v, Placement::SameLine));
        }
        self.below
            .first()
            .and_then(|b| read(b))
            .map(|v| (v, Placement::Below))
    }
}

/// Where a value stood relative to its label.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    /// On the label's line, after it.
    SameLine,
    /// Under the label.
    Below,
}

/// "associée : 01/01/2026" after "date de facture": the label goes on, so it is a
/// different one.
fn label_goes_on(raw_rest: &str) -> bool {
    let t = raw_rest.trim_start();
    match t.find(':') {
        Some(k) if k > 0 && k <= 30 => {
            let words = t[..k]
                .trim_matches(|c: char| !c.is_alphabetic())
                .to_lowercase();
            // "USt. Gesamt:", "TVA total :": the same amount, summed.
            let summed = ["gesamt", "total", "summe", "betrag", "bedrag", "montant"]
                .contains(&words.as_str());
            !summed
                && t[..k].chars().any(char::is_alphabetic)
                && t[..k]
                    .chars()
                    .all(|c| c.is_alphabetic() || matches!(c, ' ' | '.' | '-' | '\''))
        }
        _ => false,
    }
}

fn candidates(lines: &[DocLine], labels: &[&str]) -> Vec<Candidate> {
    let mut out = Vec::new();
    for (rank, label) in labels.iter().enumerate() {
        let search = LabelSearch::new(label);
        for (i, l) in lines.iter().enumerate() {
            for end in search.ends_in(&l.lower) {
                let start = end - search.text.len();
                // Byte offsets of `lower` and `text` agree for all but a few case mappings.
                let raw_rest = l.text.get(end..).unwrap_or("");
                if label_goes_on(raw_rest) {
                    continue;
                }
                let rest = trim_label_punctuation(raw_rest);
                let span = label_span(l, start, end);
                let below = span
                    .map(|span| {
                        // Nothing else on the line: a label above its value.
                        let alone = l
                            .words
                            .iter()
                            .all(|(a, b, _)| *a >= span.0 - 1.0 && *b <= span.1 + 1.0);
                        below_values(lines, i, span, alone)
                    })
                    .unwrap_or_default();
                out.push(Candidate {
                    rank,
                    line: i,
                    before: cell_before(l, start),
                    span,
                    rest_cell: cell_after(l, end),
                    rest: rest.to_string(),
                    below,
                });
            }
        }
    }
    out
}

/// The words just before byte `start` of a line, lower case, in the same cell: a gap
/// wider than the line is high ends the cell ("TOTAL HT    TOTAL TVA": "ht" is another
/// column's).
fn cell_before(l: &DocLine, start: usize) -> String {
    let mut offset = 0;
    let mut before: Vec<&(f64, f64, String)> = Vec::new();
    for w in &l.words {
        if offset + w.2.len() > start {
            break;
        }
        before.push(w);
        offset += w.2.len() + 1;
    }
    let label_x0 = l.words.get(before.len()).map_or(f64::INFINITY, |w| w.0);
    let mut first = before.len();
    let mut right = label_x0;
    while first > 0 && right - before[first - 1].1 <= 1.5 * l.height.max(1.0) {
        first -= 1;
        right = before[first].0;
    }
    before[first..]
        .iter()
        .map(|w| w.2.to_lowercase())
        .collect::<Vec<_>>()
        .join(" ")
        + if first < before.len() { " " } else { "" }
}

/// The words from byte `end` of a line on, in the same cell as the word holding `end`.
fn cell_after(l: &DocLine, end: usize) -> String {
    let mut offset = 0;
    let mut out: Vec<&str> = Vec::new();
    let mut right: Option<f64> = None;
    for (x0, x1, w) in &l.words {
        let (a, b) = (offset, offset + w.len());
        offset = b + 1;
        if b <= end {
            right = Some(*x1);
            continue;
        }
        if right.is_some_and(|r| x0 - r > 1.5 * l.height.max(1.0)) {
            break;
        }
        out.push(if a < end { &w[end - a..] } else { w });
        right = Some(*x1);
    }
    trim_label_punctuation(&out.join(" ")).to_string()
}

/// The rest of a label's line without the punctuation between label and value; a minus
/// sign that starts a number ("Bruttosumme -8,79") stays.
fn trim_label_punctuation(raw: &str) -> &str {
    let mut t = raw;
    loop {
        let Some(c) = t.chars().next() else {
            return t;
        };
        let minus_of_number = c == '-' && t[1..].starts_with(|d: char| d.is_ascii_digit());
        if minus_of_number || !(c.is_whitespace() || matches!(c, ':' | '#' | '.' | '-' | '|')) {
            return t;
        }
        t = &t[c.len_utf8()..];
    }
}

/// The rows under a label at `span` on line `i`: up to two lines without words there
/// are passed over before the first row; then rows follow while each has words there.
/// A label that stands alone takes the words from where it starts rightwards.
fn below_values(lines: &[DocLine], i: usize, (x0, x1): (f64, f64), alone: bool) -> Vec<String> {
    let l = &lines[i];
    let mut out = Vec::new();
    let mut skipped = 0;
    let mut prev_top = l.top;
    for n in lines.iter().skip(i + 1).take(8) {
        if n.page != l.page || n.top - prev_top > 4.0 * l.height.max(1.0) {
            break;
        }
        prev_top = n.top;
        let under: Vec<&str> = n
            .words
            .iter()
            .filter(|(a, b, _)| {
                if alone {
                    *b > x0 - 2.0
                } else {
                    *b > x0 - 2.0 && *a < x1 + 2.0
                }
            })
            .map(|(_, _, w)| w.as_str())
            .collect();
        // Under a label standing alone, a row of several amounts is a table's, not its value.
        if alone && under.iter().filter(|w| last_amount(w).is_some()).count() > 1 {
            break;
        }
        if under.is_empty() {
            if !out.is_empty() || skipped == 2 {
                break;
            }
            skipped += 1;
            continue;
        }
        out.push(under.join(" "));
        if alone || out.len() == 5 {
            break;
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

/// Whether the number starting at byte `i` of `s` is printed as money: with cents
/// (`12,50`, `1.234,56`) or beside a currency (`€ 35`, `35 EUR`, `35,-`).
fn looks_like_money(s: &str, from: usize, i: usize) -> bool {
    let tail = &s[i..];
    let end = tail
        .find(|c: char| !(c.is_ascii_digit() || matches!(c, '.' | ',' | '\'')))
        .unwrap_or(tail.len());
    let num = &tail[..end];
    let num = num.trim_end_matches(['.', ',']);
    let b = num.as_bytes();
    let cents = b.len() >= 3
        && matches!(b[b.len() - 3], b'.' | b',')
        && b[b.len() - 2..].iter().all(u8::is_ascii_digit);
    let head: String = s[..i]
        .chars()
        .rev()
        .take(4)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let around = format!(
        "{} {}",
        head,
        &tail[end..].chars().take(5).collect::<String>()
    );
    cents || find_currency(&around).is_some() || tail[end..].starts_with(",-") || from < i
}

fn last_amount(s: &str) -> Option<Decimal> {
    last_amount_in(s, DecimalSeparator::Auto)
}

/// The rightmost amount of `s`, read with the separator `sep`.
fn last_amount_in(s: &str, sep: DecimalSeparator) -> Option<Decimal> {
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
            // "RM367.10", "EUR12,50": a currency written onto its amount.
            let digits = s[i..].split_whitespace().next().unwrap_or("");
            let from = if from < i && find_currency(&s[from..i]).is_some() && has_cents(digits) {
                i
            } else {
                from
            };
            let word = s[from..].split_whitespace().next().unwrap_or("");
            if word.chars().any(char::is_alphabetic) && word.chars().any(|c| c.is_ascii_digit()) {
                continue; // DE136695976, TB100A4: identifiers, not money
            }
            if !looks_like_money(s, from, i) {
                continue; // "article 262", "30 Tagen": counts, not money
            }
            if let Some(a) = parse_amount(&s[from..], sep) {
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
                // "- 8,79": a minus set apart from its number.
                let minus = s[..from].trim_end();
                let set_apart = (minus.ends_with('-') || minus.ends_with('−'))
                    && minus[..minus.len() - 1]
                        .chars()
                        .next_back()
                        .is_none_or(char::is_whitespace);
                best = Some(if set_apart && a.value > Decimal::ZERO {
                    -a.value
                } else {
                    a.value
                });
            }
        }
    }
    best
}

/// Trust in a receipt's subtotal read as its total (below the review line).
const RECEIPT_SUBTOTAL_TRUST: f64 = 0.35;

/// "367.10", "12,50": a number whose last three characters are a separator and cents.
fn has_cents(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 4
        && matches!(b[b.len() - 3], b'.' | b',')
        && b[b.len() - 2..].iter().all(u8::is_ascii_digit)
        && b[..b.len() - 3]
            .iter()
            .all(|c| c.is_ascii_digit() || matches!(c, b'.' | b','))
}

/// Labels that name their field only loosely ("Total", "Date", "Nr."): a value after
/// one is less certain than after "Rechnungsnummer" or "Zahlbetrag".
const LOOSE_LABELS: &[&str] = &[
    "^nr.",
    "^no.",
    "date",
    "datum",
    "vom",
    "netto",
    "mwst",
    "umsatzsteuer",
    "ust",
    "tva",
    "btw",
    "vat",
    "tax",
    "total",
    "totaal",
    "gesamt",
    "summe",
];
/// The document's title used as a label ("Rechnung RE-1"): loose too, and only at the
/// start of its cell ("Kopie factuur" is a title, not a label).
const TITLE_LABELS: &[&str] = &["invoice", "rechnung", "facture", "factuur"];

fn is_loose(label: &str) -> bool {
    LOOSE_LABELS.contains(&label) || TITLE_LABELS.contains(&label)
}

/// How far a value found after `label` is trusted, before cross-checks and OCR.
fn label_trust(label: &str, placement: Placement) -> f64 {
    let base = if is_loose(label) { 0.55 } else { 0.8 };
    match placement {
        Placement::SameLine => base,
        Placement::Below => base - 0.05,
    }
}

/// Reads an invoice from the text of its pages.
pub fn extract(pages: &[PageText]) -> Extraction {
    extract_with(pages, None)
}

/// Reads an invoice from the text of its pages; a `locale` given decides the order of
/// day and month and the decimal separator where the document leaves them open.
pub fn extract_with(pages: &[PageText], locale: Option<Locale>) -> Extraction {
    let lines = doc_lines(pages);
    let mut ex = Extraction::default();
    let sep = locale.map_or(DecimalSeparator::Auto, |l| l.decimal);
    let order = match locale.map(|l| l.date_order) {
        Some(o) if o != DateOrder::Unknown => Order {
            order: o,
            certainty: 1.0,
        },
        _ => date_order(&lines),
    };

    if let Some((v, trust)) = labelled_number(&lines) {
        ex.invoice.invoice_number = Some(v);
        ex.evidence.insert(InvoiceField::InvoiceNumber, trust);
    }
    let date = labelled_date(&lines, &order, false, &mut ex.warnings);
    let due = labelled_date(&lines, &order, true, &mut ex.warnings);
    if let Some((d, t)) = due {
        ex.invoice.due_date = Some(d);
        ex.evidence.insert(InvoiceField::DueDate, t);
    }
    let receipt = is_receipt(pages);
    let date = date
        .or_else(|| {
            // Else the first date on the first page, if its order is certain.
            lines
                .iter()
                .filter(|l| l.page == 1)
                .find_map(|l| parse_date(&l.text, order.order).and_then(ParsedDate::exact))
                .map(|d| (d, 0.4))
        })
        .or_else(|| {
            receipt
                .then(|| receipt::garbled_date(&lines, order.order))
                .flatten()
        });
    if let Some((d, t)) = date {
        ex.invoice.invoice_date = Some(d);
        ex.evidence.insert(InvoiceField::InvoiceDate, t);
    }

    // Amounts: strongest label; totals from the bottom of the document.
    for (field, labels) in [
        (InvoiceField::Subtotal, SUBTOTAL_LABELS),
        (InvoiceField::Tax, TAX_LABELS),
        (InvoiceField::Total, TOTAL_LABELS),
    ] {
        let mut found = labelled_amount(&lines, labels, field, sep);
        if field == InvoiceField::Total && receipt {
            found = found.map(|chosen| receipt::payable_total(&lines, chosen, sep));
            found = receipt::paid_when_unread(&lines, found, sep);
        }
        if let Some(a) = found {
            ex.invoice.set(field, Some(&FieldValue::Number(a.value)));
            ex.evidence.insert(field, a.trust);
        }
    }
    // A receipt whose total line was not read: its subtotal is usually what was paid
    // (prices include the tax), so it stands in, flagged for review.
    if receipt
        && ex.invoice.total.is_none()
        && let Some(sub) = ex.invoice.subtotal
    {
        ex.invoice.total = Some(sub);
        ex.evidence
            .insert(InvoiceField::Total, RECEIPT_SUBTOTAL_TRUST);
    }
    if let Some((c, t)) = currency(&lines) {
        ex.invoice.currency = Some(c);
        ex.evidence.insert(InvoiceField::Currency, t);
    }
    if let Some((v, t)) = vendor(&lines, pages) {
        ex.invoice.vendor_name = Some(v);
        ex.evidence.insert(InvoiceField::VendorName, t);
    }
    ex.invoice.line_items = items::extract(pages, sep);
    parties(&lines, &mut ex);
    ex
}

const VAT_ID_LABELS: &[&str] = &[
    "ust-idnr",
    "ust-id-nr",
    "ust.-id.-nr",
    "ust.-idnr",
    "ust-id",
    "ust.-id",
    "ustid",
    "ust.-identnr",
    "ust-identnr",
    "umsatzsteuer-id",
    "umsatzsteuer-identifikationsnummer",
    "vat id",
    "vat no",
    "vat number",
    "vat reg",
    "vat registration",
    "btw-nummer",
    "btw nummer",
    "btw-nr",
    "btw nr",
    "btw-id",
    "btw id",
    "tva intracom",
    "tva intra",
    "n° tva",
    "numéro de tva",
    "no tva",
    "vat",
];
const ORDER_LABELS: &[&str] = &[
    "purchase order",
    "po number",
    "po no",
    "p.o. number",
    "order number",
    "order no",
    "your order",
    "bestellnummer",
    "ihre bestellung",
    "bestellung",
    "auftragsnummer",
    "bon de commande",
    "n° de commande",
    "numéro de commande",
    "commande",
    "ordernummer",
    "bestelnummer",
    "uw bestelling",
    "uw order",
];
/// Words before a VAT ID's label that make it the customer's ("Uw BTW nummer").
const YOUR: &[&str] = &[
    "uw", "ihre", "your", "votre", "client", "kunde", "customer", "käufer",
];

/// The fields after the eight: the vendor's VAT ID, the IBAN (check digits hold) and
/// BIC, the buyer's order number and the customer's name.
fn parties(lines: &[DocLine], ex: &mut Extraction) {
    let customer_block = |i: usize| lines[i.saturating_sub(4)..=i].iter().any(names_customer);
    // VAT IDs: the vendor's is the one not marked as the customer's.
    let mut vat: Vec<String> = Vec::new();
    for c in candidates(lines, VAT_ID_LABELS) {
        let yours = c.before.split_whitespace().any(|w| YOUR.contains(&w))
            || customer_block(c.line) && lines[c.line].page == 1 && c.line < 40;
        if yours {
            continue;
        }
        let value = std::iter::once(c.rest.as_str())
            .chain(c.below.first().map(String::as_str))
            .find_map(vat_id_in);
        if let Some(v) = value
            && !vat.contains(&v)
        {
            vat.push(v);
        }
    }
    if let Some(v) = vat.first() {
        let trust = if vat.len() == 1 { 0.8 } else { 0.5 };
        ex.invoice.vendor_vat_id = Some(v.clone());
        ex.evidence.insert(InvoiceField::VendorVatId, trust);
    }
    if let Some((i, iban)) = lines
        .iter()
        .enumerate()
        .find_map(|(i, l)| ids::find_iban(&l.text).map(|v| (i, v)))
    {
        ex.invoice.iban = Some(iban);
        // The check digits make a misread all but impossible; whose account it is, less so.
        ex.evidence.insert(InvoiceField::Iban, 0.9);
        // The BIC: after its label, or on the IBAN's line.
        let bic = candidates(
            lines,
            &["bic", "swift", "swift code", "bic/swift", "swift/bic"],
        )
        .iter()
        .find_map(|c| {
            c.rest
                .split_whitespace()
                .take(2)
                .map(clean_id)
                .find(|w| ids::is_bic(w))
        })
        .or_else(|| {
            lines[i]
                .text
                .split_whitespace()
                .map(clean_id)
                .find(|w| ids::is_bic(w) && !w.chars().all(char::is_alphabetic))
        });
        if let Some(b) = bic {
            ex.invoice.bic = Some(b);
            ex.evidence.insert(InvoiceField::Bic, 0.8);
        }
    }
    let mut orders = candidates(lines, ORDER_LABELS);
    orders.sort_by_key(|c| (c.rank, c.line));
    if let Some((v, p, rank)) = orders
        .iter()
        .find_map(|c| c.read(invoice_number).map(|(v, p)| (v, p, c.rank)))
    {
        ex.invoice.order_number = Some(v);
        ex.evidence.insert(
            InvoiceField::OrderNumber,
            label_trust(ORDER_LABELS[rank], p) - 0.1,
        );
    }
    if let Some(name) = customer_name(lines) {
        ex.invoice.customer_name = Some(name);
        ex.evidence.insert(InvoiceField::CustomerName, 0.5);
    }
}

fn clean_id(w: &str) -> String {
    w.trim_matches(|c: char| !c.is_ascii_alphanumeric())
        .to_string()
}

/// A VAT ID at the start of `s`: a country prefix and digits, maybe printed in groups
/// ("FR 11 123 456 782").
fn vat_id_in(s: &str) -> Option<String> {
    let words: Vec<&str> = s.split_whitespace().take(6).collect();
    let mut joined = String::new();
    let mut best = None;
    for w in words {
        let w = w.trim_end_matches([',', ';', ')']);
        if !w.chars().all(|c| c.is_ascii_alphanumeric() || c == '.') {
            break;
        }
        joined.push_str(&w.replace('.', ""));
        if ids::is_vat_id(&joined) {
            best = Some(joined.to_uppercase());
        }
        if joined.len() > 14 {
            break;
        }
    }
    best
}

/// The customer: the words after a "Bill to / Rechnungsempfänger / Factuuradres" label,
/// or the first line under it.
fn customer_name(lines: &[DocLine]) -> Option<String> {
    let name_like = |t: &str| {
        t.chars().filter(|c| c.is_alphabetic()).count() >= 3
            && !t.contains('@')
            && t.chars().filter(|c| c.is_ascii_digit()).count() <= 2
    };
    let labelled = candidates(lines, CUSTOMER_MARKERS).iter().find_map(|c| {
        let rest = c.rest_cell.trim();
        let continues = rest.starts_with('/') || rest.ends_with(':');
        if name_like(rest) && !label_goes_on(rest) && !continues {
            return Some(rest.to_string());
        }
        // The first row under it that is a name ("Name: Kunden AG", not "Nummer: 0094"),
        // read from where the label starts, to the end of that cell.
        let l = &lines[c.line];
        let (x0, x1) = c.span?;
        lines
            .iter()
            .skip(c.line + 1)
            .take(3)
            .take_while(|n| n.page == l.page)
            .map(|n| {
                let mut cell: Vec<&str> = Vec::new();
                let mut right: Option<f64> = None;
                for (a, b, w) in n.words.iter().filter(|(_, b, _)| *b > x0 - 2.0) {
                    // The cell starts under the label and ends at a wide gap.
                    let apart = right.map_or(*a > x1, |r| a - r > 1.5 * n.height.max(1.0));
                    if apart {
                        break;
                    }
                    cell.push(w);
                    right = Some(*b);
                }
                let t = cell.join(" ");
                // "Nummer  : 12345676": a label of the block, not the name.
                let labelled =
                    n.text.contains(&format!("{t} :")) || n.text.contains(&format!("{t}:"));
                let t = t.strip_prefix("Name:").map_or(t.as_str(), str::trim);
                if labelled {
                    String::new()
                } else {
                    t.to_string()
                }
            })
            .find(|t| name_like(t) && !t.contains(':'))
    });
    labelled.or_else(|| after_return_address(lines).filter(|t| name_like(t)))
}

/// The first line under the sender's one-line return address ("Bei Spiel GmbH ● Ecke
/// 12 ● 12345 Stadthausen") at the top of page 1: the addressee, in the window.
fn after_return_address(lines: &[DocLine]) -> Option<String> {
    let first: Vec<&DocLine> = lines.iter().filter(|l| l.page == 1).take(30).collect();
    let i = first.iter().position(|l| {
        let parts = l
            .text
            .split(['●', '·', '•', '|'])
            .chain(l.text.split(" - "))
            .filter(|p| !p.trim().is_empty())
            .count();
        let postcode = l.words.iter().any(|(_, _, w)| {
            let d = w.trim_start_matches(|c: char| c.is_ascii_alphabetic() || c == '-');
            (4..=5).contains(&d.len()) && d.chars().all(|c| c.is_ascii_digit())
        });
        parts >= 4 && postcode
    })?;
    let ret = first[i];
    let (x0, x1) = ret
        .words
        .iter()
        .fold((f64::MAX, f64::MIN), |(a, b), w| (a.min(w.0), b.max(w.1)));
    first.get(i + 1..)?.iter().find_map(|n| {
        let under: Vec<&str> = n
            .words
            .iter()
            .filter(|(a, b, _)| *b > x0 && *a < x1)
            .map(|(_, _, w)| w.as_str())
            .collect();
        (!under.is_empty()).then(|| under.join(" "))
    })
}

/// The invoice number after its strongest label, first occurrence, and its trust:
/// lowered when another label of the same strength gives a different number.
fn labelled_number(lines: &[DocLine]) -> Option<(String, f64)> {
    let mut cands = candidates(lines, NUMBER_LABELS);
    // "Kopie factuur", "Commercial invoice": a loose label after other words is a title.
    cands.retain(|c| !TITLE_LABELS.contains(&NUMBER_LABELS[c.rank]) || c.before.trim().is_empty());
    cands.sort_by_key(|c| (c.rank, c.line));
    let found: Vec<(String, &str, Placement)> = cands
        .iter()
        .filter_map(|c| {
            c.read(invoice_number)
                .map(|(v, p)| (v, NUMBER_LABELS[c.rank], p))
        })
        .collect();
    let (v, label, placement) = found.first()?;
    let mut trust = label_trust(label, *placement);
    let strong = |l: &str| !is_loose(l);
    if found
        .iter()
        .any(|(w, l, _)| w != v && strong(l) == strong(label))
    {
        trust -= 0.2;
    }
    Some((v.clone(), trust))
}

/// The day/month order of a document's numeric dates, and how it was decided.
struct Order {
    order: DateOrder,
    /// 1.0 from another date in the document that only reads one way, 0.8 from the
    /// language of its labels, 0.6 from its currency, 0 when undecided.
    certainty: f64,
}

/// Day/month order from the document: a numeric date that reads only one way (25.03.,
/// 03/25/…) decides; else a label in a day-first language; else a currency of
/// day-first countries; else dollars (month first).
fn date_order(lines: &[DocLine]) -> Order {
    let (mut dmy, mut mdy) = (0, 0);
    for l in lines {
        for (_, _, w) in &l.words {
            if let Some(ParsedDate::Exact(_)) = parse_date(w, DateOrder::Unknown)
                && let Some((a, b)) = numeric_day_month(w)
            {
                if a > 12 && b <= 12 {
                    dmy += 1;
                } else if b > 12 && a <= 12 {
                    mdy += 1;
                }
            }
        }
    }
    if dmy > 0 && mdy == 0 {
        return Order {
            order: DateOrder::Dmy,
            certainty: 1.0,
        };
    }
    if mdy > 0 && dmy == 0 {
        return Order {
            order: DateOrder::Mdy,
            certainty: 1.0,
        };
    }
    let all_lower: String = lines
        .iter()
        .map(|l| l.lower.as_str())
        .collect::<Vec<_>>()
        .join("\n");
    if DAY_FIRST_HINTS
        .iter()
        .any(|h| find_label(&all_lower, h).is_some())
    {
        Order {
            order: DateOrder::Dmy,
            certainty: 0.8,
        }
    } else if let Some(day_first) = currency_order(lines).or_else(|| {
        // Goods and services tax: Malaysia, Singapore, India, Australia, New Zealand.
        find_label(&all_lower, "gst").map(|_| DateOrder::Dmy)
    }) {
        Order {
            order: day_first,
            certainty: 0.6,
        }
    } else if all_lower.contains('$') {
        Order {
            order: DateOrder::Mdy,
            certainty: 0.6,
        }
    } else {
        Order {
            order: DateOrder::Unknown,
            certainty: 0.0,
        }
    }
}

/// Day/month order from a currency printed whose countries write the day first (the
/// ringgit, the pound, the rupee…).
fn currency_order(lines: &[DocLine]) -> Option<DateOrder> {
    const DAY_FIRST: &[&str] = &[
        "MYR", "SGD", "GBP", "INR", "AUD", "NZD", "EUR", "CHF", "HKD",
    ];
    lines
        .iter()
        .flat_map(|l| l.words.iter())
        .any(|(_, _, w)| find_currency(w).is_some_and(|c| DAY_FIRST.contains(&c)))
        .then_some(DateOrder::Dmy)
}

/// The first two parts of a numeric date `p/q/yyyy` (any of `.`, `/`, `-`), when the
/// year comes last.
fn numeric_day_month(w: &str) -> Option<(u32, u32)> {
    let parts: Vec<&str> = w
        .trim_matches(|c: char| !c.is_ascii_digit())
        .split(['.', '/', '-'])
        .collect();
    match parts.as_slice() {
        [a, b, y] if a.len() <= 2 && b.len() <= 2 && (y.len() == 2 || y.len() == 4) => {
            Some((a.parse().ok()?, b.parse().ok()?))
        }
        _ => None,
    }
}

/// The invoice date (or, `is_due`, the due date) after its strongest label, with its
/// trust; an ambiguous one is left out with a warning.
fn labelled_date(
    lines: &[DocLine],
    order: &Order,
    is_due: bool,
    warnings: &mut Vec<String>,
) -> Option<(NaiveDate, f64)> {
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
    let (found, label, placement) = cands.iter().find_map(|c| {
        c.read(|t| parse_date(t, order.order).map(|d| (d, t.to_string())))
            .map(|((d, t), p)| ((d, t), labels[c.rank], p))
    })?;
    let (parsed, text) = found;
    let mut trust = label_trust(label, placement) + 0.05;
    // A numeric date that reads both ways is only as sure as the order decided.
    if let Some(ParsedDate::Ambiguous { .. }) = parse_date(&text, DateOrder::Unknown) {
        trust = trust.min(0.3 + 0.5 * order.certainty);
    }
    match parsed {
        ParsedDate::Exact(d) => Some((d, trust)),
        ParsedDate::Ambiguous { dmy, mdy } => {
            let which = if is_due { "due date" } else { "invoice date" };
            warnings.push(format!("the {which} could be {dmy} (day first) or {mdy} (month first); set the locale to decide"));
            None
        }
    }
}

/// Words that make a line a tax line, not the grand total ("Summe Umsatzsteuer").
const TAX_WORDS: &[&str] = &[
    "umsatzsteuer",
    "ust",
    "mwst",
    "vat",
    "tax",
    "btw",
    "tva",
    "steuer",
    "gst",
];
/// Words that say the tax is included or excluded: "Brutto (inkl. USt.)" is not a tax line.
const TAX_QUALIFIERS: &[&str] = &[
    "inkl",
    "incl",
    "including",
    "exkl",
    "excl",
    "excluding",
    "zzgl",
    "ohne",
    "plus",
    "ttc",
    "brutto",
    "ht",
    "hors",
    "(",
];

/// An amount read after a label.
#[derive(Debug, Clone, Copy)]
struct LabelledAmount {
    value: Decimal,
    trust: f64,
    /// The label it was read after.
    label: &'static str,
}

/// The most a value some check put in doubt is trusted: below the 0.6 of review.
const DOUBTED_TRUST: f64 = 0.5;

impl LabelledAmount {
    /// The same amount, trusted at most [`DOUBTED_TRUST`].
    fn doubted(self) -> Self {
        Self {
            trust: self.trust.min(DOUBTED_TRUST),
            ..self
        }
    }
}

/// The amount after the strongest of `labels`, nearest the bottom of the document, with
/// its trust and label.
fn labelled_amount(
    lines: &[DocLine],
    labels: &[&'static str],
    field: InvoiceField,
    sep: DecimalSeparator,
) -> Option<LabelledAmount> {
    let mut cands = candidates(lines, labels);
    cands.sort_by_key(|c| (c.rank, usize::MAX - c.line));
    cands.retain(|c| {
        let label = labels[c.rank];
        let words = |s: &str| -> Vec<String> {
            s.split(|ch: char| !ch.is_alphanumeric() && ch != '(')
                .filter(|w| !w.is_empty())
                .map(str::to_string)
                .collect()
        };
        let before = words(&c.before);
        let line = format!("{} {}", c.before, c.rest.to_lowercase());
        let has = |list: &[&str], ws: &[String]| ws.iter().any(|w| list.contains(&w.as_str()));
        match field {
            // "(inkl. USt.)", "excl. VAT": the tax named, not its amount.
            InvoiceField::Tax => {
                !before
                    .last()
                    .is_some_and(|w| TAX_QUALIFIERS.contains(&w.trim_start_matches('(')))
                    && !c.before.trim_end().ends_with('(')
            }
            // "Summe Umsatzsteuer", "Total VAT": a tax line, unless "incl. VAT".
            InvoiceField::Total if is_loose(label) => {
                let ws = words(&line);
                !has(TAX_WORDS, &ws) || has(TAX_QUALIFIERS, &ws)
            }
            _ => true,
        }
    });
    cands.iter().find_map(|c| {
        let label = labels[c.rank];
        column_amount(c, label, sep).map(|(value, trust)| LabelledAmount {
            value,
            trust,
            label,
        })
    })
}

/// A till receipt: the first page is narrow (80 mm paper and less).
fn is_receipt(pages: &[PageText]) -> bool {
    pages.first().is_some_and(PageText::is_receipt)
}

/// The amount a label gives: beside it; else under it, where a column of several
/// amounts (one per VAT rate) gives its sum row, or, under a strong label with no sum
/// row printed, the sum of the rows, trusted less.
fn column_amount(c: &Candidate, label: &str, sep: DecimalSeparator) -> Option<(Decimal, f64)> {
    let last_amount = |s: &str| last_amount_in(s, sep);
    if let Some(v) = last_amount(&c.rest) {
        return Some((v, label_trust(label, Placement::SameLine)));
    }
    let below = label_trust(label, Placement::Below);
    let rows: Vec<Decimal> = c.below.iter().map_while(|r| last_amount(r)).collect();
    match rows.as_slice() {
        [] => c
            .below
            .iter()
            .find_map(|r| last_amount(r))
            .map(|v| (v, below - 0.1)),
        [v] => Some((*v, below)),
        [head @ .., last] if head.iter().copied().sum::<Decimal>() == *last => Some((*last, below)),
        _ if !is_loose(label) && rows.len() <= 4 => {
            Some((rows.iter().copied().sum(), below - 0.15))
        }
        [.., last] => Some((*last, below - 0.2)),
    }
}

/// The currency code or symbol printed most often, with its trust: a code or € printed
/// more than once is sure; a lone mention or a `$` (which many currencies use) less so.
fn currency(lines: &[DocLine]) -> Option<(String, f64)> {
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
    let (code, n) = *counts.first()?;
    let dollar = code == "USD"
        && !lines
            .iter()
            .any(|l| l.text.contains("USD") || l.text.contains("US$"));
    let contested = counts.get(1).is_some_and(|(_, m)| *m * 2 > n);
    let trust = match (n, dollar || contested) {
        (_, true) => 0.55,
        (1, false) => 0.75,
        _ => 0.85,
    };
    Some((code.to_string(), trust))
}

const LEGAL_FORMS: &[&str] = &[
    "gmbh", "ag", "b.v.", "bv", "n.v.", "ltd", "ltd.", "limited", "llc", "inc", "inc.", "s.a.",
    "sa", "sarl", "sas", "e.k.", "kg", "ohg", "plc", "corp", "co.", "a.g.", "bhd", "bhd.", "s/b",
    "pte", "sdn.bhd", "sdn.bhd.",
];

/// Words of a document's title or page furniture, which no sender's name contains.
const TITLE_WORDS: &[&str] = &[
    "invoice", "factuur", "rechnung", "facture", "receipt", "page", "seite", "bill",
];

/// A receipt line's words, with the OCR's usual misreadings of a Malaysian legal form put
/// right ("Sdn Ehd", "Sin Bad", "SUN BUD", "SON. BHD" → "Sdn Bhd", "SDN."; "5/B" →
/// "S/B") and a
/// registration number glued to a word split off ("SB(306295-X)" → "SB", "(306295-X)").
fn receipt_words(text: &str) -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    for w in text.split_whitespace() {
        match w.find('(') {
            Some(p) if p > 0 && w[p..].chars().any(|c| c.is_ascii_digit()) => {
                words.push(w[..p].to_string());
                words.push(w[p..].to_string());
            }
            _ => words.push(w.to_string()),
        }
    }
    let upper = |w: &str| {
        w.chars()
            .filter(|c| c.is_alphabetic())
            .all(char::is_uppercase)
    };
    // "Bhd" as the OCR reads it: b/e/3/8, then hd/id/ad/nd/ud.
    let bhd = |w: &str| {
        let w = w.trim_end_matches(['.', ',']).to_lowercase();
        w.len() == 3
            && matches!(w.as_bytes()[0], b'b' | b'e' | b'3' | b'8')
            && matches!(&w[1..], "hd" | "id" | "ad" | "nd" | "ud")
    };
    let cased = |up: bool, word: &str, like: &str| {
        let tail = &like[like.trim_end_matches(['.', ',']).len()..];
        format!(
            "{}{tail}",
            if up {
                word.to_uppercase()
            } else {
                word.to_string()
            }
        )
    };
    for i in 0..words.len() {
        let lower = words[i].to_lowercase();
        let up = upper(&words[i]);
        if matches!(lower.as_str(), "5/b" | "s/8" | "5/8") {
            words[i] = "S/B".into();
        } else if let Some(rest) = lower.strip_prefix("sdn.")
            && bhd(rest)
        {
            words[i] = cased(up, "Sdn.Bhd", &words[i]);
        } else if matches!(
            lower.trim_end_matches('.'),
            "sdn" | "son" | "sin" | "sdm" | "sun" | "sen"
        ) && words.get(i + 1).is_some_and(|n| bhd(n))
        {
            words[i] = cased(up, "Sdn", &words[i]);
            words[i + 1] = cased(up, "Bhd", &words[i + 1]);
        }
    }
    words
}

/// Whether a line of a receipt's first lines could be the shop's name printed at its
/// head: two words or more, in capitals, no label, address, tax number or greeting.
fn shop_like(l: &DocLine) -> bool {
    const NOT_A_SHOP: &[&str] = &[
        "gst", "tax", "reg", "tel", "fax", "thank", "voucher", "welcome", ".com", "www",
    ];
    let letters: Vec<char> = l.text.chars().filter(|c| c.is_alphabetic()).collect();
    let upper = letters.iter().filter(|c| c.is_uppercase()).count();
    // An identifier (a tax or company number) mixes letters and digits in one word.
    let id = l.words.iter().any(|(_, _, w)| {
        w.chars().count() >= 5
            && w.chars().any(|c| c.is_ascii_digit())
            && w.chars().any(char::is_alphabetic)
    });
    l.words.len() >= 2
        && letters.len() >= 6
        && upper * 10 >= letters.len() * 8
        && !id
        && !l.text.contains(['@', ':'])
        && !TITLE_WORDS
            .iter()
            .chain(NOT_A_SHOP)
            .any(|n| l.lower.contains(n))
}

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
    "käufer",
    "leistungsempfänger",
    "invoice to",
    "bill-to",
];

/// Whether a line opens the customer's block ("Bill to", "Rechnungsempfänger"…): a legal
/// name or a VAT ID within the next lines is the buyer's.
fn names_customer(l: &DocLine) -> bool {
    CUSTOMER_MARKERS
        .iter()
        .any(|m| find_label(&l.lower, m).is_some())
}

fn vendor(lines: &[DocLine], pages: &[PageText]) -> Option<(String, f64)> {
    let first: Vec<&DocLine> = lines.iter().filter(|l| l.page == 1).collect();
    let receipt = is_receipt(pages);
    let height = pages.first().map(|p| p.height).unwrap_or(842.0);
    let in_customer_block = |i: usize| {
        first[i.saturating_sub(4)..=i]
            .iter()
            .any(|l| names_customer(l))
    };
    // A till receipt starts with the shop's name in capitals (what is written above it
    // by hand is not).
    let shop = receipt
        .then(|| first.iter().take(8).position(|l| shop_like(l)))
        .flatten();
    for (li, l) in first.iter().enumerate() {
        let words: Vec<String> = if receipt {
            receipt_words(&l.text)
        } else {
            l.text.split_whitespace().map(str::to_string).collect()
        };
        if let Some(i) = words.iter().position(|w| {
            let w = w.to_lowercase();
            let w = w.trim_end_matches([',', '·']);
            // "SB": Sdn Bhd as Malaysian till receipts shorten it.
            LEGAL_FORMS.contains(&w) || (receipt && w == "sb")
        }) {
            if in_customer_block(li) || (receipt && li >= 10) {
                continue;
            }
            // "Sdn Bhd", "Pte Ltd": a legal form of two words.
            let form = match words[..i].last().map(|w| w.to_lowercase()) {
                Some(w) if matches!(w.as_str(), "sdn" | "sdn." | "son" | "pte" | "pte.") => i - 1,
                _ => i,
            };
            // "Amazon Web Services, Inc.": the comma before the legal form belongs to it.
            let start = words[..form.saturating_sub(1)]
                .iter()
                .rposition(|w| w.ends_with(',') || w == "·" || w == "|" || w == "-")
                .map_or(0, |j| j + 1);
            let mut name_words: Vec<&str> = words[start..=i].iter().map(String::as_str).collect();
            if form + 1 == i && name_words.len() >= 2 && name_words[name_words.len() - 2] == "SON" {
                // The OCR's usual misreading of "SDN".
                let n = name_words.len();
                name_words[n - 2] = "SDN";
            }
            let name = name_words.join(" ");
            // "Name: Lieferant GmbH" → "Lieferant GmbH".
            let name = name.rsplit_once(": ").map_or(name.as_str(), |(_, n)| n);
            // (A legal form alone, "SDN BHD" with the name before it unread, names no one.)
            if name.len() > 3 && !name.contains('@') && form > start {
                // A letterhead is at the top; a legal name in the footer may be anyone's.
                let mut trust = if l.top < height / 3.0 { 0.7 } else { 0.5 };
                // A shop's name printed above its owner's legal one ("SANYU STATIONERY
                // SHOP" … "Owned by SANYU SUPPLY SDN BHD"): either may be the one wanted.
                if shop.is_some_and(|s| s < li) {
                    trust = f64::min(trust, 0.5);
                }
                return Some((name.trim_end_matches(',').to_string(), trust));
            }
        }
    }
    if let Some(i) = shop {
        return Some((first[i].text.clone(), 0.45));
    }
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
        .filter(|l| !TITLE_WORDS.iter().any(|n| l.lower.contains(n)))
        .max_by(|a, b| a.height.total_cmp(&b.height).then(b.top.total_cmp(&a.top)))
        .map(|l| (l.text.clone(), 0.45))
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

    #[test]
    fn a_locale_decides_an_ambiguous_date_that_is_otherwise_flagged() {
        let pages = [PageText::from_plain_text(
            1,
            "Invoice date: 03/04/2025\nTotal 12.50",
        )];
        let open = extract(&pages);
        assert_eq!(open.invoice.invoice_date, None);
        assert!(open.warnings.iter().any(|w| w.contains("day first")));
        let us = extract_with(&pages, "en-US".parse().ok());
        assert_eq!(us.invoice.invoice_date, NaiveDate::from_ymd_opt(2025, 3, 4));
        let gb = extract_with(&pages, "en-GB".parse().ok());
        assert_eq!(gb.invoice.invoice_date, NaiveDate::from_ymd_opt(2025, 4, 3));
        assert!(
            gb.evidence[&InvoiceField::InvoiceDate] >= 0.8,
            "a person said so"
        );
    }

    #[test]
    fn vat_id_iban_bic_order_and_customer() {
        let text = "Lieferant GmbH\nBill to: Kunden AG\nUw BTW nummer: NL001234567B01\n\
                    Bestellnummer: PO-4711\nRechnung 1\nTotal 12,00\nDank u\n\
                    USt-IdNr.: DE 123 456 789\n\
                    IBAN DE89 3704 0044 0532 0130 00   BIC COBADEFFXXX";
        let ex = extract(&[PageText::from_plain_text(1, text)]);
        let inv = &ex.invoice;
        assert_eq!(
            inv.vendor_vat_id.as_deref(),
            Some("DE123456789"),
            "not the customer's"
        );
        assert_eq!(inv.iban.as_deref(), Some("DE89370400440532013000"));
        assert_eq!(inv.bic.as_deref(), Some("COBADEFFXXX"));
        assert_eq!(inv.order_number.as_deref(), Some("PO-4711"));
        assert_eq!(inv.customer_name.as_deref(), Some("Kunden AG"));
        let bad = extract(&[PageText::from_plain_text(
            1,
            "IBAN DE89 3704 0044 0532 0130 01",
        )]);
        assert_eq!(bad.invoice.iban, None, "check digits that fail are no IBAN");
    }

    #[test]
    fn a_label_split_by_kerning_is_joined() {
        let w = |t: &str, x0: f64, x1: f64| (x0, x1, t.to_string());
        let joined = join_kerned(
            vec![
                w("F", 10.0, 16.0),
                w("actuurnummer", 19.0, 80.0),
                w("A", 90.0, 96.0),
                w("b", 120.0, 126.0),
            ],
            10.0,
        );
        let texts: Vec<&str> = joined.iter().map(|w| w.2.as_str()).collect();
        assert_eq!(
            texts,
            ["Factuurnummer", "A", "b"],
            "a far-off word stays apart"
        );
    }

    /// Till receipts as Tesseract reads them (SROIE's kind): narrow pages, misread words.
    pub(super) fn receipt(text: &str) -> Extraction {
        let pages = [PageText::from_plain_text(1, text)];
        assert!(pages[0].is_receipt());
        extract(&pages)
    }

    #[test]
    fn an_amount_split_after_its_point_is_joined_on_a_receipt() {
        let ex = receipt(
            "Total  (Excluding GST):              59. 31\n\
             Total  (Inclusive of GST):           62. 80\n\
             Item(s): 3. 12 pcs",
        );
        assert_eq!(ex.invoice.total, Some(Decimal::new(6280, 2)));
    }

    #[test]
    fn a_currency_written_onto_the_amount_is_read() {
        let ex = receipt("Total sales (Incl. GST 6%)   RM367.10");
        assert_eq!(ex.invoice.total, Some(Decimal::new(36710, 2)));
    }

    #[test]
    fn a_receipt_without_a_total_line_gives_its_subtotal_flagged() {
        let ex = receipt(
            "SUBTOTAL :          43.90\n\
             Total (Excluding GST) 41.42\n\
             CASH               100.00\n\
             CASH CHANGE         56.10",
        );
        assert_eq!(ex.invoice.total, Some(Decimal::new(4390, 2)));
        assert!(
            ex.evidence[&InvoiceField::Total] < 0.6,
            "flagged for review"
        );
    }

    #[test]
    fn a_receipts_legal_form_misread_by_the_ocr_is_put_right() {
        let cases = [
            (
                "99 SPEED MART 5/B (519537-X)\nLOT P.T. 2811, JALAN ANGSA",
                "99 SPEED MART S/B",
            ),
            (
                "Segi Cash & Carry Sdn.Ehd\n(3LTOAL-W)",
                "Segi Cash & Carry Sdn.Bhd",
            ),
            (
                "Guardian health And Beauty Sin Bad\nLot B-005-006",
                "Guardian health And Beauty Sdn Bhd",
            ),
            (
                "MYNEWS RETAIL SB(306295-X) FKA BISON STORES",
                "MYNEWS RETAIL SB",
            ),
            (
                "WESTERN EASTERN STATIONERY SON. BHD\nCO REG NO : 210038-K",
                "WESTERN EASTERN STATIONERY SDN. BHD",
            ),
            (
                "FOUR QUARTERS SUN BHD\nNo. 12, Jalan SS 2/61",
                "FOUR QUARTERS SDN BHD",
            ),
            (
                "BEMED (SP) SON. BUD.\nN049, Jalan Dinar",
                "BEMED (SP) SDN. BHD.",
            ),
        ];
        for (text, name) in cases {
            let ex = receipt(&format!("{text}\nTOTAL 9.90"));
            assert_eq!(ex.invoice.vendor_name.as_deref(), Some(name), "{text}");
        }
    }

    #[test]
    fn a_shop_named_above_its_owners_legal_name_is_flagged() {
        let ex = receipt(
            "SANYU STATIONERY SHOP\n\
             NO. 31G, JALAN SETIA INDAH\n\
             GST ID No: 001531760640\n\
             Owned By.\n\
             SANYU SUPPLY SDN BHD (1135772-K)\n\
             TOTAL 9.90",
        );
        assert_eq!(
            ex.invoice.vendor_name.as_deref(),
            Some("SANYU SUPPLY SDN BHD")
        );
        assert!(ex.evidence[&InvoiceField::VendorName] < 0.6);
        // The legal name at the head of the receipt is the shop's own.
        let ex = receipt(
            "MR. D.I.Y. (M) SDN BHD\n\
             Co-REG:860671-D\n\
             TOTAL 9.90",
        );
        assert_eq!(
            ex.invoice.vendor_name.as_deref(),
            Some("MR. D.I.Y. (M) SDN BHD")
        );
        assert!(ex.evidence[&InvoiceField::VendorName] >= 0.6);
    }

    #[test]
    fn a_receipts_tax_number_is_not_its_shop() {
        let ex = receipt(
            "Guardian health And Beauty\n\
             GST Reg HOO0HIB74B16\n\
             TQ FOR SHOPPING WITH myNEWS.com\n\
             TOTAL 9.90",
        );
        assert_eq!(
            ex.invoice.vendor_name.as_deref(),
            Some("Guardian health And Beauty")
        );
    }
}
