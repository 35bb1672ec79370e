//! Money amounts as printed on invoices, to exact decimals.
//!
//! Handles `1.234,56`, `1,234.56`, `1 234,56`, `1'234.56`, `€ 35`, `35,-`, `EUR 35`,
//! and negatives written `-12,50`, `12,50-` or `(12.50)`. A lone separator followed by
//! exactly three digits is a thousands separator (`1,234` = 1234, as in US and European
//! use alike) unless the integer part is `0` (`0,075` = 0.075) or the locale says the
//! separator is decimal.

use rust_decimal::Decimal;
use std::str::FromStr;

/// Which character a document uses as its decimal separator, when known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DecimalSeparator {
    /// Decide from the text itself.
    #[default]
    Auto,
    /// `1.234,56`
    Comma,
    /// `1,234.56`
    Point,
}

/// An amount with the currency printed beside it, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Amount {
    /// The exact value.
    pub value: Decimal,
    /// ISO 4217 code, from a symbol or code next to the number.
    pub currency: Option<&'static str>,
}

const SYMBOLS: &[(&str, &str)] = &[
    ("€", "EUR"),
    ("£", "GBP"),
    ("US$", "USD"),
    ("$", "USD"),
    ("¥", "JPY"),
    ("₹", "INR"),
    ("Rs.", "INR"),
    ("Rs", "INR"),
    ("CHF", "CHF"),
    ("Fr.", "CHF"),
    ("zł", "PLN"),
    ("kr", "SEK"),
];
const CODES: &[&str] = &[
    "EUR", "USD", "GBP", "CHF", "JPY", "INR", "CAD", "AUD", "NZD", "SEK", "NOK", "DKK", "PLN",
    "CZK", "HUF", "CNY", "HKD", "SGD", "ZAR", "BRL", "MXN", "TRY", "RON", "BGN", "MYR",
];

/// Finds a currency named in `s` by ISO code or symbol.
pub fn find_currency(s: &str) -> Option<&'static str> {
    let upper = s.to_uppercase();
    for code in CODES {
        let bytes = upper.as_bytes();
        let mut from = 0;
        while let Some(i) = upper[from..].find(code) {
            let (a, b) = (from + i, from + i + code.len());
            let left_ok = a == 0 || !bytes[a - 1].is_ascii_alphabetic();
            let right_ok = b >= bytes.len() || !bytes[b].is_ascii_alphabetic();
            if left_ok && right_ok {
                return Some(code);
            }
            from = b;
        }
    }
    SYMBOLS
        .iter()
        .find(|(sym, _)| s.contains(sym))
        .map(|(_, code)| *code)
        .or_else(|| {
            // "RM 9.90", "RM9.90": the ringgit, only as a word of its own ("FORM" is not).
            s.split_whitespace()
                .any(|w| {
                    w.strip_prefix("RM").is_some_and(|t| {
                        t.is_empty() || t.starts_with(|c: char| c.is_ascii_digit())
                    })
                })
                .then_some("MYR")
        })
}

/// Parses an amount; `None` when `s` holds no number.
pub fn parse_amount(s: &str, sep: DecimalSeparator) -> Option<Amount> {
    let currency = find_currency(s);
    let t = s.trim();
    let negative = t.starts_with('-')
        || t.starts_with('−')
        || (t.starts_with('(') && t.ends_with(')'))
        || t.trim_end_matches(|c: char| c.is_alphabetic() || c.is_whitespace())
            .ends_with('-')
            && !t.ends_with(",-")
            && !t.ends_with(".-");
    // Keep digits and separators of the first number run.
    let start = t.find(|c: char| c.is_ascii_digit())?;
    let mut num = String::new();
    for c in t[start..].chars() {
        match c {
            '0'..='9' | '.' | ',' | '\'' | '’' | ' ' | '\u{a0}' | '\u{202f}' => num.push(c),
            _ => break,
        }
    }
    let num = num.trim_end_matches(|c: char| !c.is_ascii_digit());
    let value = normalise_digits(num, sep)?;
    let value = Decimal::from_str(&value).ok()?;
    Some(Amount {
        value: if negative { -value } else { value },
        currency,
    })
}

/// Turns `1.234,56` etc. into `1234.56`.
fn normalise_digits(num: &str, sep: DecimalSeparator) -> Option<String> {
    let groups: String = num
        .chars()
        .filter(|c| !matches!(c, ' ' | '\u{a0}' | '\u{202f}' | '\'' | '’'))
        .collect();
    let last_dot = groups.rfind('.');
    let last_comma = groups.rfind(',');
    let decimal_at = match (last_dot, last_comma, sep) {
        (_, _, DecimalSeparator::Comma) => last_comma,
        (_, _, DecimalSeparator::Point) => last_dot,
        (Some(d), Some(c), _) => Some(d.max(c)),
        (Some(i), None, _) | (None, Some(i), _) => {
            let sepc = groups.as_bytes()[i];
            let count = groups.bytes().filter(|b| *b == sepc).count();
            let frac = &groups[i + 1..];
            let int = &groups[..i];
            // 1.234.567 (repeated) and 1,234 / 1.234 (three digits after a non-zero
            // integer part) are thousands separators; anything else is decimal.
            let thousands = count > 1 || (frac.len() == 3 && int != "0" && !int.is_empty());
            (!thousands).then_some(i)
        }
        (None, None, _) => None,
    };
    let mut out = String::with_capacity(groups.len());
    for (i, c) in groups.char_indices() {
        if c.is_ascii_digit() {
            out.push(c);
        } else if Some(i) == decimal_at {
            out.push('.');
        }
    }
    (!out.is_empty() && out != ".").then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> String {
        parse_amount(s, DecimalSeparator::Auto)
            .map(|a| a.value.normalize().to_string())
            .unwrap_or_default()
    }

    #[test]
    fn european_and_us_forms() {
        assert_eq!(v("1.234,56"), "1234.56");
        assert_eq!(v("1,234.56"), "1234.56");
        assert_eq!(v("1 234,56"), "1234.56");
        assert_eq!(v("1\u{a0}234,56"), "1234.56");
        assert_eq!(v("1'234.56"), "1234.56");
        assert_eq!(v("12.345.678,90"), "12345678.9");
        assert_eq!(v("12,345,678.90"), "12345678.9");
    }

    #[test]
    fn currency_beside_the_number() {
        let a = parse_amount("€ 35", DecimalSeparator::Auto).expect("amount");
        assert_eq!(
            (a.value.normalize().to_string(), a.currency),
            ("35".into(), Some("EUR"))
        );
        assert_eq!(v("35,-"), "35");
        let a = parse_amount("EUR 35", DecimalSeparator::Auto).expect("amount");
        assert_eq!(a.currency, Some("EUR"));
        assert_eq!(
            parse_amount("Rs 1939", DecimalSeparator::Auto).and_then(|a| a.currency),
            Some("INR")
        );
        assert_eq!(find_currency("TOTAL RM 9.90"), Some("MYR"));
        assert_eq!(find_currency("RM9.90"), Some("MYR"));
        assert_eq!(find_currency("FORM 12"), None);
        assert_eq!(
            find_currency("Total DEUR"),
            None,
            "a code inside a word is not a currency"
        );
    }

    #[test]
    fn negatives_and_credit_notes() {
        assert_eq!(v("-12,50"), "-12.5");
        assert_eq!(v("12,50-"), "-12.5");
        assert_eq!(v("(12.50)"), "-12.5");
        assert_eq!(v("− 7,00 €"), "-7");
    }

    #[test]
    fn known_traps_from_other_tools() {
        assert_eq!(v("0,075"), "0.075", "0,075 is not 75");
        assert_eq!(v("€35"), "35", "€35 is not 3500");
        assert_eq!(v("1,234"), "1234", "US thousands separators survive");
        assert_eq!(v("$1,234,567"), "1234567");
        assert_eq!(
            parse_amount("1,234", DecimalSeparator::Comma).map(|a| a.value.to_string()),
            Some("1.234".into())
        );
        assert_eq!(v("no number"), "");
    }
}
