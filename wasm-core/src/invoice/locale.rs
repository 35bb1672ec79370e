//! A locale tag (`de-DE`, `en-US`, `nl`, `en-GB`) as the two things it decides when a
//! document does not: the order of day and month, and the decimal separator.

use std::str::FromStr;

use super::amount::DecimalSeparator;
use super::date::DateOrder;

/// What a locale decides for a document's numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Locale {
    /// Day/month order of numeric dates.
    pub date_order: DateOrder,
    /// Decimal separator of amounts.
    pub decimal: DecimalSeparator,
}

/// A locale tag that is not `language[-REGION]`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("locale {0:?} is not a language tag such as de-DE, en-US, nl or en-GB")]
pub struct LocaleError(pub String);

/// Regions that write numbers as `1,234.56` although their language often does not.
const POINT_REGIONS: &[&str] = &[
    "us", "gb", "ie", "au", "nz", "ca", "in", "my", "sg", "ch", "hk",
];
/// Languages that write `1.234,56` (and the day first).
const COMMA_LANGUAGES: &[&str] = &[
    "de", "nl", "fr", "es", "it", "pt", "da", "sv", "nb", "no", "fi", "pl", "cs", "tr", "ro",
];

impl FromStr for Locale {
    type Err = LocaleError;

    fn from_str(tag: &str) -> Result<Self, Self::Err> {
        let lower = tag.trim().to_ascii_lowercase().replace('_', "-");
        let mut parts = lower.split('-');
        let lang = parts.next().unwrap_or_default();
        let region = parts.next();
        let well_formed = (2..=3).contains(&lang.len())
            && lang.chars().all(|c| c.is_ascii_alphabetic())
            && region.is_none_or(|r| r.len() == 2 && r.chars().all(|c| c.is_ascii_alphabetic()))
            && parts.next().is_none();
        if !well_formed {
            return Err(LocaleError(tag.to_string()));
        }
        let date_order = match (lang, region) {
            (_, Some("us")) => DateOrder::Mdy,
            ("en", None) => DateOrder::Unknown,
            _ => DateOrder::Dmy,
        };
        let decimal = match region {
            Some(r) if POINT_REGIONS.contains(&r) => DecimalSeparator::Point,
            _ if COMMA_LANGUAGES.contains(&lang) => DecimalSeparator::Comma,
            _ if lang == "en" => DecimalSeparator::Point,
            _ => DecimalSeparator::Auto,
        };
        Ok(Self {
            date_order,
            decimal,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_decide_date_order_and_separator() {
        let l = |t: &str| t.parse::<Locale>().expect(t);
        assert_eq!(
            l("de-DE"),
            Locale {
                date_order: DateOrder::Dmy,
                decimal: DecimalSeparator::Comma
            }
        );
        assert_eq!(l("en-US").date_order, DateOrder::Mdy);
        assert_eq!(l("en_GB").date_order, DateOrder::Dmy);
        assert_eq!(
            l("en").date_order,
            DateOrder::Unknown,
            "English alone decides nothing"
        );
        assert_eq!(l("nl").decimal, DecimalSeparator::Comma);
        assert_eq!(l("en-MY").decimal, DecimalSeparator::Point);
        assert!("deutsch".parse::<Locale>().is_err());
        assert!("de-DE-x".parse::<Locale>().is_err());
    }
}
