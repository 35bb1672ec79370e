//! Dates as printed on invoices (Dutch, English, German, French), to ISO 8601.
//!
//! Numeric dates whose day and month could be swapped (`03/04/2025`) are decided by the
//! locale's [`DateOrder`]; without one they come back [`ParsedDate::Ambiguous`], never
//! guessed. ISO dates (`2025-03-12`) are always year-month-day.

use chrono::NaiveDate;

/// Order of day and month in numeric dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DateOrder {
    /// Unknown: ambiguous dates are flagged.
    #[default]
    Unknown,
    /// Day first (most of Europe).
    Dmy,
    /// Month first (US).
    Mdy,
}

/// The outcome of reading a date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParsedDate {
    /// One reading only.
    Exact(NaiveDate),
    /// Day and month could be swapped and nothing says which: both readings.
    Ambiguous {
        /// Day-first reading.
        dmy: NaiveDate,
        /// Month-first reading.
        mdy: NaiveDate,
    },
}

impl ParsedDate {
    /// The date if it is not ambiguous.
    pub fn exact(self) -> Option<NaiveDate> {
        match self {
            Self::Exact(d) => Some(d),
            Self::Ambiguous { .. } => None,
        }
    }
}

const MONTHS: &[(&str, u32)] = &[
    // Dutch
    ("januari", 1),
    ("februari", 2),
    ("maart", 3),
    ("april", 4),
    ("mei", 5),
    ("juni", 6),
    ("juli", 7),
    ("augustus", 8),
    ("september", 9),
    ("oktober", 10),
    ("november", 11),
    ("december", 12),
    ("mrt", 3),
    ("okt", 10),
    // English
    ("january", 1),
    ("february", 2),
    ("march", 3),
    ("may", 5),
    ("june", 6),
    ("july", 7),
    ("august", 8),
    ("october", 10),
    // German
    ("januar", 1),
    ("jänner", 1),
    ("jän", 1),
    ("februar", 2),
    ("märz", 3),
    ("maerz", 3),
    ("mär", 3),
    ("mai", 5),
    ("oktober", 10),
    ("dezember", 12),
    ("dez", 12),
    // French
    ("janvier", 1),
    ("février", 2),
    ("fevrier", 2),
    ("févr", 2),
    ("fevr", 2),
    ("mars", 3),
    ("avril", 4),
    ("avr", 4),
    ("juin", 6),
    ("juillet", 7),
    ("juil", 7),
    ("août", 8),
    ("aout", 8),
    ("septembre", 9),
    ("octobre", 10),
    ("novembre", 11),
    ("décembre", 12),
    ("decembre", 12),
    ("déc", 12),
    // Common abbreviations
    ("jan", 1),
    ("feb", 2),
    ("mar", 3),
    ("apr", 4),
    ("jun", 6),
    ("jul", 7),
    ("aug", 8),
    ("sept", 9),
    ("sep", 9),
    ("oct", 10),
    ("nov", 11),
    ("dec", 12),
];

fn month_of(word: &str) -> Option<u32> {
    let w = word.trim_end_matches('.').to_lowercase();
    MONTHS.iter().find(|(name, _)| *name == w).map(|(_, m)| *m)
}

fn year_of(n: u32, digits: usize) -> i32 {
    match digits {
        2 if n < 70 => 2000 + n as i32,
        2 => 1900 + n as i32,
        _ => n as i32,
    }
}

#[derive(Debug)]
enum Tok {
    Num(u32, usize),
    Month(u32),
}

fn word_tok(w: &str) -> Option<Tok> {
    let w = w.trim_matches(|c: char| matches!(c, ',' | ':' | ';' | '(' | ')'));
    let digits = w
        .trim_end_matches('.')
        .trim_end_matches(|c: char| c.is_alphabetic()); // 1er, 1st, 12.
    if !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit()) {
        return digits.parse().ok().map(|n| Tok::Num(n, digits.len()));
    }
    month_of(w).map(Tok::Month)
}

/// Reads the first date in `s`. Numeric dates must be one word (`05.03.2018`,
/// `2025-03-12`); dates with a month name may span words (`12. März 2025`).
pub fn parse_date(s: &str, order: DateOrder) -> Option<ParsedDate> {
    // "August 3 , 2014" (a comma set apart by the PDF's spacing) reads as "August 3, 2014".
    let joined = s.replace(" ,", ",");
    let words: Vec<&str> = joined.split_whitespace().flat_map(unglue_month).collect();
    for (i, w) in words.iter().enumerate() {
        // One word: 05.03.2018, 3/12/25, 2025-03-12, 12-Mar-2025.
        let parts: Vec<&str> = w
            .trim_matches(|c: char| matches!(c, ',' | ':' | ';' | '(' | ')'))
            .trim_end_matches('.')
            .split(['.', '/', '-'])
            .collect();
        if parts.len() == 3 && parts.iter().all(|p| !p.is_empty()) {
            let toks: Option<Vec<Tok>> = parts.iter().map(|p| word_tok(p)).collect();
            if let Some(t) = toks
                && let Some(d) = from_three(&t[0], &t[1], &t[2], order)
            {
                return Some(d);
            }
        }
        // Three words: 12 maart 2025, March 12, 2025, 12. März 2025.
        if let Some(w3) = words.get(i..i + 3) {
            let toks: Option<Vec<Tok>> = w3.iter().map(|p| word_tok(p)).collect();
            if let Some(t) = toks
                && (matches!(t[0], Tok::Month(_)) || matches!(t[1], Tok::Month(_)))
                && let Some(d) = from_three(&t[0], &t[1], &t[2], order)
            {
                return Some(d);
            }
        }
    }
    None
}

/// "Mar2018", "21Mar2018" (a space a scan dropped) as their words; any other word, or
/// one whose letters are not a month's name ("1st", "RE2017"), as it is.
fn unglue_month(w: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut start = 0;
    let mut prev: Option<bool> = None;
    for (i, c) in w.char_indices() {
        let kind = if c.is_alphabetic() {
            Some(true)
        } else if c.is_ascii_digit() {
            Some(false)
        } else {
            None
        };
        if let (Some(k), Some(p)) = (kind, prev)
            && k != p
        {
            parts.push(&w[start..i]);
            start = i;
        }
        prev = kind;
    }
    parts.push(&w[start..]);
    let months_only = parts
        .iter()
        .filter(|p| p.chars().any(char::is_alphabetic))
        .all(|p| month_of(p.trim_matches(|c: char| !c.is_alphabetic())).is_some());
    if parts.len() > 1 && months_only {
        parts
    } else {
        vec![w]
    }
}

/// A numeric date whose separators a scan garbled or dropped ("24 11-17", "30- 04-18",
/// "25. 03-18", "03/06/2017?"): three runs of digits — day or month, day or month, a
/// year of 2 or 4 digits — apart by at most three of ` .-/`, at least one a date
/// separator, and not part of a time ("18:47"). The first such date in `s`.
pub fn parse_garbled_date(s: &str, order: DateOrder) -> Option<ParsedDate> {
    let mut runs: Vec<(usize, usize)> = Vec::new();
    for (i, c) in s.char_indices() {
        if !c.is_ascii_digit() {
            continue;
        }
        match runs.last_mut() {
            Some(r) if r.1 == i => r.1 = i + 1,
            _ => runs.push((i, i + 1)),
        }
    }
    let gap_ok = |g: &str| {
        !g.is_empty() && g.len() <= 3 && g.chars().all(|c| matches!(c, ' ' | '.' | '-' | '/'))
    };
    runs.windows(3).find_map(|w| {
        let [a, b, c] = [w[0], w[1], w[2]];
        let (g1, g2) = (&s[a.1..b.0], &s[b.1..c.0]);
        let in_time = s[..a.0].ends_with(':') || s[c.1..].starts_with(':');
        if in_time || !gap_ok(g1) || !gap_ok(g2) || (g1.trim().is_empty() && g2.trim().is_empty()) {
            return None;
        }
        let tok = |r: (usize, usize)| -> Option<Tok> {
            Some(Tok::Num(s[r.0..r.1].parse().ok()?, r.1 - r.0))
        };
        from_three(&tok(a)?, &tok(b)?, &tok(c)?, order)
    })
}

fn from_three(a: &Tok, b: &Tok, c: &Tok, order: DateOrder) -> Option<ParsedDate> {
    let ymd = |y: i32, m: u32, d: u32| NaiveDate::from_ymd_opt(y, m, d);
    match (a, b, c) {
        // 2025-03-12
        (Tok::Num(y, 4), Tok::Num(m, _), Tok::Num(d, _)) => {
            ymd(*y as i32, *m, *d).map(ParsedDate::Exact)
        }
        // 12 maart 2025, 12. März 2025
        (Tok::Num(d, dl), Tok::Month(m), Tok::Num(y, yl)) if *dl <= 2 && (*yl == 4 || *yl == 2) => {
            ymd(year_of(*y, *yl), *m, *d).map(ParsedDate::Exact)
        }
        // March 12, 2025
        (Tok::Month(m), Tok::Num(d, dl), Tok::Num(y, yl)) if *dl <= 2 && (*yl == 4 || *yl == 2) => {
            ymd(year_of(*y, *yl), *m, *d).map(ParsedDate::Exact)
        }
        // 12-03-2025, 3/12/25, 1.2.24
        (Tok::Num(p, pl), Tok::Num(q, ql), Tok::Num(y, yl))
            if *pl <= 2 && *ql <= 2 && (*yl == 4 || *yl == 2) =>
        {
            let y = year_of(*y, *yl);
            let dmy = ymd(y, *q, *p);
            let mdy = ymd(y, *p, *q);
            match (dmy, mdy, order) {
                (Some(d), Some(m), _) if d == m => Some(ParsedDate::Exact(d)),
                (Some(d), _, DateOrder::Dmy) => Some(ParsedDate::Exact(d)),
                (_, Some(m), DateOrder::Mdy) => Some(ParsedDate::Exact(m)),
                (Some(d), Some(m), DateOrder::Unknown) => {
                    Some(ParsedDate::Ambiguous { dmy: d, mdy: m })
                }
                (Some(d), None, _) => Some(ParsedDate::Exact(d)),
                (None, Some(m), _) => Some(ParsedDate::Exact(m)),
                (None, None, _) => None,
            }
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iso(s: &str, o: DateOrder) -> String {
        match parse_date(s, o) {
            Some(ParsedDate::Exact(d)) => d.to_string(),
            Some(ParsedDate::Ambiguous { .. }) => "ambiguous".into(),
            None => String::new(),
        }
    }

    #[test]
    fn month_names_in_four_languages() {
        assert_eq!(iso("12 maart 2025", DateOrder::Unknown), "2025-03-12");
        assert_eq!(iso("March 12, 2025", DateOrder::Unknown), "2025-03-12");
        assert_eq!(iso("12. März 2025", DateOrder::Unknown), "2025-03-12");
        assert_eq!(iso("1er mars 2025", DateOrder::Unknown), "2025-03-01");
        assert_eq!(
            iso("Factuurdatum: 3 okt. 2024", DateOrder::Unknown),
            "2024-10-03"
        );
        assert_eq!(iso("12-Mar-2025", DateOrder::Unknown), "2025-03-12");
        assert_eq!(iso("15 août 2023", DateOrder::Unknown), "2023-08-15");
    }

    #[test]
    fn numeric_forms() {
        assert_eq!(iso("31-12-2017", DateOrder::Unknown), "2017-12-31");
        assert_eq!(iso("31/12/2017", DateOrder::Unknown), "2017-12-31");
        assert_eq!(iso("1.2.24", DateOrder::Dmy), "2024-02-01");
        assert_eq!(iso("12/31/2017", DateOrder::Unknown), "2017-12-31");
        assert_eq!(iso("2025-03-12", DateOrder::Unknown), "2025-03-12");
    }

    #[test]
    fn ambiguous_order_is_flagged_or_decided_by_locale_never_guessed() {
        assert_eq!(iso("03/04/2025", DateOrder::Unknown), "ambiguous");
        assert_eq!(iso("03/04/2025", DateOrder::Dmy), "2025-04-03");
        assert_eq!(iso("03/04/2025", DateOrder::Mdy), "2025-03-04");
        assert_eq!(
            iso("04/04/2025", DateOrder::Unknown),
            "2025-04-04",
            "same either way"
        );
    }

    #[test]
    fn iso_dates_are_never_swapped() {
        assert_eq!(iso("2025-03-04", DateOrder::Mdy), "2025-03-04");
        assert_eq!(iso("2025-03-04", DateOrder::Dmy), "2025-03-04");
        assert_eq!(iso("2025-13-04", DateOrder::Dmy), "");
    }

    #[test]
    fn a_month_glued_to_its_year_is_read() {
        assert_eq!(iso("21 Mar2018 17.59", DateOrder::Unknown), "2018-03-21");
        assert_eq!(iso("21Mar2018", DateOrder::Unknown), "2018-03-21");
        assert_eq!(iso("the 1st of RE2017", DateOrder::Unknown), "");
    }

    #[test]
    fn a_date_with_garbled_separators_is_read_apart_from_a_time() {
        let g = |s: &str| match parse_garbled_date(s, DateOrder::Dmy) {
            Some(ParsedDate::Exact(d)) => d.to_string(),
            _ => String::new(),
        };
        assert_eq!(g("24 11-17  13:11  SHO1"), "2017-11-24");
        assert_eq!(g("30- 04-18 18:17 SHO!"), "2018-04-30");
        assert_eq!(g("25. 03-18  18:47"), "2018-03-25");
        assert_eq!(g("03/06/2017? 5:02:54 PM"), "2017-06-03");
        // Not dates: a time, spaced numbers, a phone number.
        assert_eq!(g("12:13 14 15"), "");
        assert_eq!(g("1 2 3"), "");
        assert_eq!(g("Tel: 03- 55423228"), "");
    }

    #[test]
    fn version_numbers_and_loose_numbers_are_not_dates() {
        assert_eq!(iso("ZUGFeRD 2.2, (c) FeRD 2022", DateOrder::Dmy), "");
        assert_eq!(iso("Seite 1 von 2", DateOrder::Dmy), "");
        assert_eq!(
            iso("Nr. 471102 vom 05.03.2018", DateOrder::Dmy),
            "2018-03-05"
        );
    }
}
