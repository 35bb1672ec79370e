//! Line items without a template: the item table found by its header row.
//!
//! A header is a line (with the lines just above or below it, for headers printed on two
//! or three lines) that names a description column and a price or amount column in
//! Dutch, English, German or French. Its words, grouped by the gaps between them, are the
//! columns. Below it, each word goes to the column it overlaps most. A row is anchored by
//! a line total in the amount column; the line nearest above or at it with a quantity or
//! a unit price (or a description) opens it, and the description lines that follow stay
//! with it. A tall row whose numbers stand beside the middle of its text takes its first
//! description line above. A column of codes ("Code article") is not the description; an
//! allowance reckoned on a base ("5% sur 100,00") is not an item. The table ends at a
//! totals line (subtotal, VAT, "Summe"…), at another heading, or at the end of the page;
//! a header repeated on a later page continues it.

use rust_decimal::Decimal;

use super::LineItem;
use super::amount::{DecimalSeparator, parse_amount};
use crate::text::{Line, PageText, Word};

/// What a header column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Description,
    Quantity,
    UnitPrice,
    Total,
    /// A column the table has but an item does not need (position, article number, VAT
    /// rate, unit).
    Other,
}

/// Header words, lower case, by kind. German compounds match by their ending
/// ("Artikelbeschreibung", "Nettobetrag"), so the endings are listed. A description
/// column is named by its text ([`NAMES`]) or by what it sells ([`GOODS`]).
const NAMES: &[&str] = &[
    "beschreibung",
    "bezeichnung",
    "description",
    "omschrijving",
    "désignation",
    "designation",
    "libellé",
    "leistung",
    "dienstleistung",
    "details",
];
const GOODS: &[&str] = &[
    "produkt", "product", "artikel", "item", "items", "article", "service", "services",
];
const QUANTITY: &[&str] = &[
    "menge",
    "anzahl",
    "qty",
    "qty.",
    "quantity",
    "qté",
    "quantité",
    "aantal",
    "hours",
    "stunden",
    "units",
];
const UNIT_PRICE: &[&str] = &[
    "preis",
    "preis/",
    "price",
    "prix",
    "p.u.",
    "pu",
    "prijs",
    "rate",
    "tarif",
    "stuksprijs",
];
const TOTAL: &[&str] = &[
    "betrag",
    "gesamtpreis",
    "gesamt",
    "nettowert",
    "amount",
    "total",
    "montant",
    "bedrag",
    "totaal",
    "summe",
    "entgelt",
];

/// Words that open a totals line or a section after the table: the table ends there.
const STOPS: &[&str] = &[
    "summe",
    "positionssumme",
    "rechnungssumme",
    "zwischensumme",
    "gesamtsumme",
    "nettobetrag",
    "gesamtbetrag",
    "subtotal",
    "sub-total",
    "subtotaal",
    "total",
    "totaal",
    "net",
    "netto",
    "umsatzsteuer",
    "umsatzsteueraufschlüsselung",
    "vat",
    "btw",
    "tva",
    "tax",
    "mwst",
    "belegsummen",
    "rechnungsrabatt",
    "warenwert",
    "zahlungsbedingungen",
    "zahlbar",
    "payment",
    "détail",
    "übertrag",
    "carried",
    "zuzüglich",
];

/// Words of a discount line that lowers the item above it.
const DISCOUNTS: &[&str] = &[
    "rabatt", "abzgl", "discount", "remise", "korting", "nachlass",
];

/// Header words naming a column of codes: an item's number, not its description.
const CODES: &[&str] = &[
    "code",
    "nr",
    "nr.",
    "no",
    "no.",
    "nummer",
    "number",
    "réf",
    "réf.",
    "ref",
    "ref.",
    "référence",
    "reference",
    "sku",
    "ean",
    "gtin",
    "artikelnummer",
    "artikelnr",
    "art.-nr.",
    "artnr",
    "artikelcode",
];

/// Lines carried over between pages, never items.
const CARRIED: &[&str] = &["übertrag", "carried", "transport", "report", "a reporter"];

fn word_key(w: &str) -> String {
    w.trim_matches(|c: char| matches!(c, ':' | ',' | '(' | ')' | '[' | ']' | '*'))
        .to_lowercase()
}

fn kind_of(word: &str) -> Option<Kind> {
    let w = word_key(word);
    if w.is_empty() {
        return None;
    }
    let ends = |list: &[&str]| {
        list.iter()
            .any(|k| w == *k || (k.len() >= 5 && w.ends_with(k)))
    };
    // "Einzelpreis" before "preis"-less totals; "Gesamtpreis" is a total.
    if w.ends_with("gesamtpreis") || w == "gesamtbetrag" {
        return Some(Kind::Total);
    }
    if ends(NAMES) || ends(GOODS) {
        Some(Kind::Description)
    } else if ends(QUANTITY) {
        Some(Kind::Quantity)
    } else if ends(UNIT_PRICE) {
        Some(Kind::UnitPrice)
    } else if ends(TOTAL) {
        Some(Kind::Total)
    } else {
        None
    }
}

/// One column of the header: its horizontal extent and what it holds.
#[derive(Debug, Clone, Copy)]
struct Column {
    x0: f64,
    x1: f64,
    kind: Kind,
}

/// The header's columns from the words of its lines: words closer than a gap of about
/// one character are one column; columns on stacked header lines that overlap merge.
fn header_columns(band: &[&Line]) -> Vec<Column> {
    let mut cells: Vec<(f64, f64, Vec<&Word>)> = Vec::new();
    for l in band {
        let gap = l.bbox.height().max(4.0) * 0.8;
        let mut run: Vec<&Word> = Vec::new();
        for w in &l.words {
            if let Some(last) = run.last()
                && w.bbox.x0 - last.bbox.x1 > gap
            {
                push_cell(&mut cells, std::mem::take(&mut run));
            }
            run.push(w);
        }
        push_cell(&mut cells, run);
    }
    cells.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut columns: Vec<Column> = cells
        .into_iter()
        .map(|(x0, x1, words)| {
            let kinds: Vec<Kind> = words.iter().filter_map(|w| kind_of(&w.text)).collect();
            // "Preis/ Einheit", "Unit price": the strongest kind named; a price next
            // to "total" ("Total price") is a total.
            let total_named = words.iter().any(|w| word_key(&w.text) == "total");
            // "Code article", "Art.-Nr.", "Item number": a column of codes, unless it also
            // names the description ("Art.-Nr. Bezeichnung" printed as one cell).
            let named = |list: &[&str]| {
                words
                    .iter()
                    .any(|w| list.contains(&word_key(&w.text).as_str()))
            };
            let codes = named(CODES) && !named(NAMES);
            let kind = if codes {
                Kind::Other
            } else if kinds.contains(&Kind::Total)
                && (!kinds.contains(&Kind::UnitPrice) || total_named)
            {
                Kind::Total
            } else {
                kinds.first().copied().unwrap_or(Kind::Other)
            };
            Column { x0, x1, kind }
        })
        .collect();
    // Only the rightmost total column holds the line total ("Betrag" before "Gesamt").
    if let Some(last) = columns.iter().rposition(|c| c.kind == Kind::Total) {
        for c in &mut columns[..last] {
            if c.kind == Kind::Total {
                c.kind = Kind::Other;
            }
        }
    }
    columns
}

fn push_cell<'a>(cells: &mut Vec<(f64, f64, Vec<&'a Word>)>, run: Vec<&'a Word>) {
    let (Some(first), Some(last)) = (run.first(), run.last()) else {
        return;
    };
    let (x0, x1) = (first.bbox.x0, last.bbox.x1);
    match cells.iter_mut().find(|c| x0 < c.1 && x1 > c.0) {
        Some(c) => {
            c.0 = c.0.min(x0);
            c.1 = c.1.max(x1);
            c.2.extend(run);
        }
        None => cells.push((x0, x1, run)),
    }
}

fn is_number(w: &str) -> bool {
    let digits = w.chars().filter(char::is_ascii_digit).count();
    digits > 0 && w.chars().filter(|c| c.is_alphabetic()).count() <= 3 && digits * 2 >= w.len() / 2
}

/// Whether line `i`, with the header lines stacked on it, names the columns of an item
/// table: a description and a price or amount column.
fn is_header(lines: &[Line], i: usize) -> bool {
    let l = &lines[i];
    let numbers = l.words.iter().filter(|w| is_number(&w.text)).count();
    if numbers > 1 || l.words.len() > 16 || !l.words.iter().any(|w| kind_of(&w.text).is_some()) {
        return false;
    }
    let kinds: Vec<Kind> = header_band(lines, i)
        .into_iter()
        .flat_map(|j| lines[j].words.iter().filter_map(|w| kind_of(&w.text)))
        .collect();
    kinds.contains(&Kind::Description)
        && (kinds.contains(&Kind::Total) || kinds.contains(&Kind::UnitPrice))
        && kinds.len() >= 2
}

/// Whether a line opens with a totals label. A word in parentheses ("(Net): 60,00" in a
/// price column) qualifies a value; it is not a label.
fn starts_with_stop(l: &Line) -> bool {
    l.words.iter().take(3).any(|w| {
        let k = word_key(&w.text);
        !w.text.starts_with('(') && STOPS.contains(&k.as_str())
    })
}

/// A body line's words, by column index.
fn cells<'a>(l: &'a Line, columns: &[Column]) -> Vec<Vec<&'a Word>> {
    let mut out = vec![Vec::new(); columns.len()];
    for w in &l.words {
        let overlap = |c: &Column| (w.bbox.x1.min(c.x1) - w.bbox.x0.max(c.x0)).max(0.0);
        let distance = |c: &Column| {
            if overlap(c) > 0.0 {
                0.0
            } else {
                (c.x0 - w.bbox.x1).max(w.bbox.x0 - c.x1)
            }
        };
        let best = (0..columns.len()).max_by(|&a, &b| {
            let (ca, cb) = (&columns[a], &columns[b]);
            overlap(ca)
                .total_cmp(&overlap(cb))
                .then(distance(cb).total_cmp(&distance(ca)))
        });
        if let Some(i) = best {
            out[i].push(w);
        }
    }
    out
}

fn cell_text(words: &[&Word]) -> String {
    words
        .iter()
        .map(|w| w.text.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The amount a cell holds: its last number that is not a rate.
fn cell_amount(words: &[&Word], sep: DecimalSeparator) -> Option<Decimal> {
    words
        .iter()
        .rev()
        .filter(|w| is_number(&w.text) && !w.text.contains('%'))
        .find_map(|w| parse_amount(&w.text, sep).map(|a| a.value))
}

/// A line total: an amount printed with cents ("198,00", "-2.90", "1.234,56 €"), so
/// counts and codes in the column are not taken for money.
fn cell_money(words: &[&Word], sep: DecimalSeparator) -> Option<Decimal> {
    let w = words
        .iter()
        .rev()
        .find(|w| is_number(&w.text) && !w.text.contains('%'))?;
    // "23.12." is a date, not money.
    if w.text.ends_with('.') {
        return None;
    }
    let digits: String = w
        .text
        .trim_end_matches(|c: char| !c.is_ascii_digit())
        .chars()
        .rev()
        .take(3)
        .collect();
    let cents = digits.len() == 3
        && digits.chars().take(2).all(|c| c.is_ascii_digit())
        && matches!(digits.chars().nth(2), Some(',' | '.'));
    cents
        .then(|| parse_amount(&w.text, sep).map(|a| a.value))
        .flatten()
}

/// The first number of a quantity cell ("20 Stk", "3 m²").
fn cell_quantity(words: &[&Word], sep: DecimalSeparator) -> Option<Decimal> {
    words
        .iter()
        .find(|w| is_number(&w.text))
        .and_then(|w| parse_amount(&w.text, sep).map(|a| a.value))
}

/// One body line read into the columns.
struct Row {
    description: String,
    quantity: Option<Decimal>,
    unit_price: Option<Decimal>,
    total: Option<Decimal>,
    /// The description column's text looks like a note ("Verpackung: Karton").
    note: bool,
}

fn read_row(l: &Line, columns: &[Column], sep: DecimalSeparator) -> Row {
    let cells = cells(l, columns);
    let mut row = Row {
        description: String::new(),
        quantity: None,
        unit_price: None,
        total: None,
        note: false,
    };
    let mut desc = Vec::new();
    for (c, words) in columns.iter().zip(&cells) {
        match c.kind {
            Kind::Description => desc.extend(words.iter().copied()),
            Kind::Quantity => row.quantity = row.quantity.or(cell_quantity(words, sep)),
            Kind::UnitPrice => row.unit_price = row.unit_price.or(cell_amount(words, sep)),
            Kind::Total => row.total = cell_money(words, sep),
            Kind::Other => {}
        }
    }
    row.description = cell_text(&desc);
    row.note = row.description.contains(':') || row.description.starts_with('(');
    row
}

/// Reads the item tables of a document.
pub fn extract(pages: &[PageText], sep: DecimalSeparator) -> Vec<LineItem> {
    let mut items = Vec::new();
    for p in pages {
        let lines = &p.lines;
        let mut i = 0;
        while i < lines.len() {
            if !is_header(lines, i) {
                i += 1;
                continue;
            }
            let band = header_band(lines, i);
            let columns = header_columns(&band.iter().map(|&j| &lines[j]).collect::<Vec<_>>());
            let body_start = band.iter().max().map_or(i + 1, |j| j + 1);
            let end = (body_start..lines.len())
                .find(|&j| starts_with_stop(&lines[j]) || is_header(lines, j))
                .unwrap_or(lines.len());
            items.extend(read_body(&lines[body_start..end], &columns, sep));
            i = end.max(i + 1);
        }
    }
    items
}

/// The header line `i` with the lines stacked just above and below it that are header
/// text too (no numbers, close by).
fn header_band(lines: &[Line], i: usize) -> Vec<usize> {
    let h = lines[i].bbox.height().max(4.0);
    let headerish = |l: &Line| l.words.iter().all(|w| !is_number(&w.text)) && l.words.len() <= 12;
    let mut band = vec![i];
    let mut j = i;
    while j > 0 && band.len() < 4 {
        let (a, b) = (&lines[j - 1], &lines[j]);
        if b.bbox.top - a.bbox.bottom > h * 0.8 || !headerish(a) {
            break;
        }
        j -= 1;
        band.push(j);
    }
    let mut j = i;
    while j + 1 < lines.len() && band.len() < 8 {
        let (a, b) = (&lines[j], &lines[j + 1]);
        if b.bbox.top - a.bbox.bottom > h * 0.8 || !headerish(b) {
            break;
        }
        j += 1;
        band.push(j);
    }
    band
}

/// The items of one table body.
fn read_body(lines: &[Line], columns: &[Column], sep: DecimalSeparator) -> Vec<LineItem> {
    if !columns.iter().any(|c| c.kind == Kind::Total) {
        return Vec::new();
    }
    let rows: Vec<Row> = lines.iter().map(|l| read_row(l, columns, sep)).collect();
    let opens = |r: &Row| r.quantity.is_some() || r.unit_price.is_some();
    let mut items = Vec::new();
    let mut used = vec![false; rows.len()];
    // The first line after the previous item's row.
    let mut after = 0;
    for (a, r) in rows.iter().enumerate() {
        let Some(total) = r.total else { continue };
        if CARRIED
            .iter()
            .any(|c| lines[a].text().to_lowercase().starts_with(c))
            || is_allowance(&lines[a])
        {
            continue;
        }
        // "abzgl. 16,7% Rabatt -2,00" under an item: its discount.
        let text = lines[a].text().to_lowercase();
        if !opens(r)
            && total.is_sign_negative()
            && DISCOUNTS.iter().any(|d| text.contains(d))
            && let Some(prev) = items.last_mut()
        {
            let prev: &mut LineItem = prev;
            prev.line_total = prev.line_total.map(|t| t + total);
            used[a] = true;
            continue;
        }
        // The row opens at the anchor when it has a quantity or price or a description;
        // else at the nearest line above (at most two) that has one.
        let start = if opens(r) || !r.description.is_empty() {
            a
        } else {
            (a.saturating_sub(2)..a)
                .rev()
                .find(|&j| !used[j] && rows[j].total.is_none() && opens(&rows[j]))
                .unwrap_or(a)
        };
        let mut description: Vec<&str> = Vec::new();
        let mut quantity = None;
        let mut unit_price = None;
        for j in start..=a {
            used[j] = true;
            quantity = quantity.or(rows[j].quantity);
            unit_price = unit_price.or(rows[j].unit_price);
            if !rows[j].description.is_empty() && (j == a || !rows[j].note) {
                description.push(&rows[j].description);
            }
        }
        // A tall row prints its numbers beside the middle of its text: a row with a
        // quantity or price but no description of its own takes its first description
        // line since the previous row (a few lines up at most).
        if description.is_empty()
            && opens(r)
            && let Some(j) = (after.max(start.saturating_sub(6))..start).find(|&j| {
                let r = &rows[j];
                !used[j]
                    && r.total.is_none()
                    && !r.note
                    && !r.description.is_empty()
                    && !is_id(&r.description)
            })
        {
            used[j] = true;
            description.push(&rows[j].description);
        }
        after = a + 1;
        // Wrapped descriptions below the anchor, up to the next row.
        for (j, r) in rows.iter().enumerate().take(a + 4).skip(a + 1) {
            // A quantity-looking number inside a wrapped description ("Karton 3 x 20")
            // does not open a row; a price or a total does.
            if r.total.is_some() || r.unit_price.is_some() || r.note || r.description.is_empty() {
                break;
            }
            used[j] = true;
            after = j + 1;
            if is_id(&r.description) {
                continue;
            }
            description.push(&r.description);
        }
        let description = description.join(" ");
        if description.is_empty() && quantity.is_none() && unit_price.is_none() {
            continue;
        }
        items.push(LineItem {
            description: (!description.is_empty()).then_some(description),
            quantity,
            unit_price,
            line_total: Some(total),
        });
    }
    items
}

/// "4012345001235", "(GTIN)", "LOT6254784": a code under the description, not part of it.
fn is_id(s: &str) -> bool {
    s.split_whitespace().all(|w| {
        w.chars().all(|c| c.is_ascii_digit())
            || w.starts_with('(')
            || (w.chars().any(|c| c.is_ascii_digit()) && !w.chars().any(char::is_lowercase))
    })
}

/// "Remise commerciale 5,00% sur 100,00 EUR -5,00": an allowance or charge reckoned on a
/// base (the items above), not an item.
fn is_allowance(l: &Line) -> bool {
    l.words.windows(3).any(|w| {
        w[0].text.ends_with('%')
            && ["sur", "of", "on", "auf", "von", "van", "op"]
                .contains(&w[1].text.to_lowercase().as_str())
            && is_number(&w[2].text)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(lines: &[&str]) -> PageText {
        PageText::from_plain_text(1, &lines.join("\n"))
    }

    #[test]
    fn header_kinds_match_compounds() {
        assert_eq!(kind_of("Artikelbeschreibung"), Some(Kind::Description));
        assert_eq!(kind_of("Nettobetrag"), Some(Kind::Total));
        assert_eq!(kind_of("Einzelpreis"), Some(Kind::UnitPrice));
        assert_eq!(kind_of("Gesamtpreis"), Some(Kind::Total));
        assert_eq!(kind_of("Qté"), Some(Kind::Quantity));
        assert_eq!(kind_of("Lieferant"), None);
    }

    #[test]
    fn a_simple_table_gives_its_rows() {
        let p = page(&[
            "Invoice 12",
            "Description         Qty    Unit price     Amount",
            "Widget A            2      10.00          20.00",
            "Widget B, blue      1      5.50           5.50",
            "  second line",
            "Subtotal                                  25.50",
        ]);
        let items = extract(&[p], DecimalSeparator::Auto);
        assert_eq!(items.len(), 2, "{items:?}");
        assert_eq!(items[0].description.as_deref(), Some("Widget A"));
        assert_eq!(items[0].quantity, Some(Decimal::new(2, 0)));
        assert_eq!(items[0].unit_price, Some(Decimal::new(1000, 2)));
        assert_eq!(items[0].line_total, Some(Decimal::new(2000, 2)));
        assert_eq!(items[1].line_total, Some(Decimal::new(550, 2)));
    }

    #[test]
    fn no_header_no_items() {
        let p = page(&["Widget A 2 10.00 20.00", "Total 20.00"]);
        assert!(extract(&[p], DecimalSeparator::Auto).is_empty());
    }

    /// akretion's layout (French, EN 16931): a code column beside the description, tall
    /// rows whose numbers stand beside the middle of their text, "(Net): 60,00" in the
    /// price column, and allowances reckoned on the items' base under the table.
    #[test]
    fn tall_rows_take_their_text_from_above_and_allowances_are_not_items() {
        let p = page(&[
            "Ligne  Code article    Désignation               P.U. HT    Qté     Total HT",
            "",
            "                       PRESTATION SUPPORT",
            "       SKU: 1254       Période: janvier",
            "1      ART1254                                   60,00      1,00    60,00",
            "                                                 (Net): 60,00",
            "                       FOURNITURES PAPIER",
            "2      ART9874                                   10,00      3,00    30,00",
            "                       Remise 5,00% sur 90,00 EUR                   -4,50",
            "Total HT                                                            85,50",
        ]);
        let items = extract(&[p], DecimalSeparator::Comma);
        let got: Vec<_> = items
            .iter()
            .map(|i| (i.description.as_deref(), i.line_total))
            .collect();
        assert_eq!(
            got,
            [
                (Some("PRESTATION SUPPORT"), Some(Decimal::new(6000, 2))),
                (Some("FOURNITURES PAPIER"), Some(Decimal::new(3000, 2))),
            ]
        );
    }
}
