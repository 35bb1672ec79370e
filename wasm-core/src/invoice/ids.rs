//! Identifiers printed on invoices, found in text and checked: IBANs (ISO 13616 mod-97
//! check digits), BICs (ISO 9362 shape) and VAT identification numbers (EU shape).

/// Letters and digits of `s` upper-cased, spaces and dots dropped ("DE89 3704 0044…").
fn squash(s: &str) -> String {
    s.chars()
        .filter(|c| !matches!(c, ' ' | '.' | '\u{a0}'))
        .collect::<String>()
        .to_uppercase()
}

/// Whether `iban` (spaces allowed) is an IBAN whose check digits hold.
pub fn is_iban(iban: &str) -> bool {
    let s = squash(iban);
    let b = s.as_bytes();
    if !(15..=34).contains(&b.len())
        || !b[..2].iter().all(u8::is_ascii_uppercase)
        || !b[2..4].iter().all(u8::is_ascii_digit)
        || !b.iter().all(u8::is_ascii_alphanumeric)
    {
        return false;
    }
    // Move the first four to the end, letters as 10–35, remainder mod 97 must be 1.
    let mut rem: u32 = 0;
    for &c in b[4..].iter().chain(&b[..4]) {
        let v = if c.is_ascii_digit() {
            u32::from(c - b'0')
        } else {
            u32::from(c - b'A') + 10
        };
        rem = if v >= 10 {
            (rem * 100 + v) % 97
        } else {
            (rem * 10 + v) % 97
        };
    }
    rem == 1
}

/// The first IBAN in `text` whose check digits hold, without spaces. Groups of four may
/// be printed apart ("NL91 ABNA 0417 1643 00").
pub fn find_iban(text: &str) -> Option<String> {
    let words: Vec<&str> = text.split_whitespace().collect();
    for (i, w) in words.iter().enumerate() {
        let w = w.trim_start_matches(|c: char| !c.is_ascii_alphanumeric());
        let b = w.as_bytes();
        if b.len() < 4
            || !b[..2].iter().all(u8::is_ascii_uppercase)
            || !b[2..4].iter().all(u8::is_ascii_digit)
        {
            continue;
        }
        // The longest run of following words that makes a valid IBAN.
        let mut joined = String::new();
        let mut best = None;
        for part in std::iter::once(w)
            .chain(words[i + 1..].iter().copied())
            .take(9)
        {
            let part = part.trim_end_matches([',', ';', ')']);
            if !part.chars().all(|c| c.is_ascii_alphanumeric()) || part.is_empty() {
                break;
            }
            joined.push_str(part);
            if joined.len() > 34 {
                break;
            }
            if is_iban(&joined) {
                best = Some(joined.clone());
            }
        }
        if best.is_some() {
            return best;
        }
    }
    None
}

/// Whether `s` has the shape of a BIC: bank (4 letters), country (2 letters), place (2
/// letters or digits), optionally a branch (3).
pub fn is_bic(s: &str) -> bool {
    let b = s.as_bytes();
    (b.len() == 8 || b.len() == 11)
        && b[..6].iter().all(u8::is_ascii_uppercase)
        && b[6..]
            .iter()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
}

/// Whether `s` (spaces allowed) has the shape of a VAT identification number: a
/// two-letter country prefix and 8–12 digits or letters, digits among them
/// (DE123456789, NL123456789B01, FR32123456789).
pub fn is_vat_id(s: &str) -> bool {
    let t = squash(s);
    let b = t.as_bytes();
    (10..=14).contains(&b.len())
        && b[..2].iter().all(u8::is_ascii_uppercase)
        && b[2..].iter().all(u8::is_ascii_alphanumeric)
        && b[2..].iter().filter(|c| c.is_ascii_digit()).count() >= 7
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ibans_are_checked_by_their_digits() {
        assert!(is_iban("DE89 3704 0044 0532 0130 00"));
        assert!(is_iban("NL91ABNA0417164300"));
        assert!(!is_iban("DE89 3704 0044 0532 0130 01"), "one digit off");
        assert_eq!(
            find_iban("IBAN: NL91 ABNA 0417 1643 00 BIC: ABNANL2A").as_deref(),
            Some("NL91ABNA0417164300")
        );
        assert_eq!(find_iban("USt-IdNr. DE136695976"), None);
    }

    #[test]
    fn bics_and_vat_ids_by_shape() {
        assert!(is_bic("GENODEF1M04") && is_bic("ABNANL2A"));
        assert!(!is_bic("BIC_MONCOMPTE"));
        assert!(is_vat_id("DE123456789") && is_vat_id("FR 32 123 456 789"));
        assert!(!is_vat_id("DE12"));
    }
}
