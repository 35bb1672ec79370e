//! Confidence: the formula in docs/CONTRACTS.md, per field and overall.
//!
//! `score = 0.4·ocrQuality + 0.3·llmValidity + 0.2·consistency + 0.1·coverage`, where
//! native PDF text counts as OCR quality 1.0; `llmValidity` is the share of the fields
//! found that validate (a plausible date, a known currency, an invoice number that is an
//! identifier…), times 1.0 or 0.0 for whether a model's reply passed the schema;
//! `consistency` is the share of applicable cross-checks that pass (subtotal + tax =
//! total, the sum of line totals, quantity × unit price, due date ≥ invoice date), 0.5
//! when nothing can be cross-checked; `coverage` is the share of the eight header fields
//! found.
//!
//! A field's own confidence starts from how its value was found: its [`Source`], or for
//! the rule parser the [`Evidence`] it reports (a strong label or a loose one, beside or
//! below it, competing readings, a certain date order). It is scaled by the OCR
//! quality, raised when a cross-check it takes part in passes (amounts that add up are
//! rarely all wrong), and halved when a cross-check or a validation of it fails.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::{Invoice, InvoiceField, ids};

/// Where each field's value came from.
pub type Sources = BTreeMap<InvoiceField, Source>;

/// How far the rule parser trusts each field it found, from how it found it (0–1);
/// stands in for [`Source::trust`] for fields whose source is [`Source::Rules`].
pub type Evidence = BTreeMap<InvoiceField, f64>;

/// Where a field's value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Source {
    /// The e-invoice XML embedded in the PDF: exact.
    EInvoice,
    /// A person typed or corrected it.
    Person,
    /// A region the person drew and mapped to the field.
    Region,
    /// A vendor template's region or pattern.
    Template,
    /// The offline rule-based parser (a label next to a value).
    Rules,
    /// A language model's reply.
    Llm,
    /// Computed from other fields (subtotal = total − tax).
    Derived,
}

impl Source {
    /// How far a value from this source is trusted, before cross-checks.
    pub fn trust(self) -> f64 {
        match self {
            Self::EInvoice | Self::Person => 1.0,
            Self::Region | Self::Template => 0.95,
            Self::Llm => 0.85,
            Self::Rules => 0.8,
            Self::Derived => 0.6,
        }
    }
}

/// One cross-check between fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Check {
    /// What was checked, e.g. "subtotal + tax = total".
    pub name: String,
    /// Whether it holds.
    pub passed: bool,
    /// The fields involved.
    #[serde(skip)]
    pub fields: Vec<InvoiceField>,
}

/// Overall and per-field confidence, with the parts of the formula.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Confidence {
    /// The weighted score, 0–1.
    pub score: f64,
    /// 1.0 for native text, the OCR engine's mean word confidence otherwise.
    pub ocr_quality: f64,
    /// 1.0 when the structured result passed the schema.
    pub llm_validity: f64,
    /// Share of applicable cross-checks that pass.
    pub consistency: f64,
    /// Share of the eight header fields found.
    pub coverage: f64,
    /// Confidence of each field found.
    pub fields: BTreeMap<InvoiceField, f64>,
    /// The cross-checks made.
    pub checks: Vec<Check>,
    /// Each field found checked on its own (a plausible date, a known currency…).
    #[serde(default)]
    pub validations: Vec<Check>,
    /// The rule parser's evidence for the fields it found, kept so that a later
    /// rescoring (after a person's correction) starts from the same place.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub evidence: Evidence,
}

/// Amounts agree to the cent.
fn close(a: Decimal, b: Decimal) -> bool {
    (a - b).abs() <= Decimal::new(1, 2)
}

/// The cross-checks that apply to this invoice, leaving out those a derived field would
/// pass by construction.
pub fn checks(inv: &Invoice, sources: &Sources) -> Vec<Check> {
    let mut out = Vec::new();
    let derived = |f: InvoiceField| sources.get(&f) == Some(&Source::Derived);
    if let (Some(s), Some(t), Some(total)) = (inv.subtotal, inv.tax, inv.total)
        && !derived(InvoiceField::Subtotal)
    {
        out.push(Check {
            name: "subtotal + tax = total".into(),
            passed: close(s + t, total),
            fields: vec![
                InvoiceField::Subtotal,
                InvoiceField::Tax,
                InvoiceField::Total,
            ],
        });
    }
    if let Some(sum) = inv.line_totals_sum() {
        let against = match (inv.subtotal, inv.total) {
            (Some(s), _) if close(sum, s) => Some((true, InvoiceField::Subtotal)),
            (_, Some(t)) if close(sum, t) => Some((true, InvoiceField::Total)),
            (Some(_), _) => Some((false, InvoiceField::Subtotal)),
            (None, Some(_)) => Some((false, InvoiceField::Total)),
            (None, None) => None,
        };
        if let Some((passed, against)) = against {
            out.push(Check {
                name: format!("sum of line totals = {against}"),
                passed,
                fields: vec![against],
            });
        }
    }
    for (i, l) in inv.line_items.iter().enumerate() {
        if let (Some(q), Some(p), Some(t)) = (l.quantity, l.unit_price, l.line_total) {
            let product = (q * p).round_dp(2);
            out.push(Check {
                name: format!("line {}: quantity × unit price = line total", i + 1),
                passed: close(product, t),
                fields: vec![],
            });
        }
    }
    if let (Some(issued), Some(due)) = (inv.invoice_date, inv.due_date) {
        out.push(Check {
            name: "due date ≥ invoice date".into(),
            passed: due >= issued,
            fields: vec![InvoiceField::InvoiceDate, InvoiceField::DueDate],
        });
    }
    out
}

/// Every field `inv` has, attributed to `source` (an invoice read in one go: by an AI
/// provider, by the rules).
pub fn sources_of(inv: &Invoice, source: Source) -> Sources {
    InvoiceField::HEADER
        .into_iter()
        .chain(InvoiceField::EXTENDED)
        .filter(|&f| inv.has(f))
        .map(|f| (f, source))
        .collect()
}

/// Currencies a value may name (ISO 4217, the ones invoices here use).
const CURRENCIES: &[&str] = &[
    "EUR", "USD", "GBP", "CHF", "JPY", "INR", "CAD", "AUD", "NZD", "SEK", "NOK", "DKK", "PLN",
    "CZK", "HUF", "CNY", "HKD", "SGD", "ZAR", "BRL", "MXN", "TRY", "RON", "BGN", "MYR", "IDR",
    "THB", "PHP", "AED", "SAR", "KRW", "TWD", "ILS", "ISK",
];

/// Each header field found, checked on its own.
pub fn validations(inv: &Invoice) -> Vec<Check> {
    let mut out = Vec::new();
    let mut push = |name: &str, passed: bool, f: InvoiceField| {
        out.push(Check {
            name: name.into(),
            passed,
            fields: vec![f],
        })
    };
    if let Some(n) = &inv.invoice_number {
        let ok = (1..=40).contains(&n.chars().count())
            && n.chars().any(|c| c.is_ascii_digit())
            && !n.contains(char::is_whitespace);
        push(
            "invoice number is an identifier (digits, no spaces, at most 40 characters)",
            ok,
            InvoiceField::InvoiceNumber,
        );
    }
    for (f, d) in [
        (InvoiceField::InvoiceDate, inv.invoice_date),
        (InvoiceField::DueDate, inv.due_date),
    ] {
        if let Some(d) = d {
            use chrono::Datelike;
            push(
                &format!("{f} is between 1990 and 2099"),
                (1990..2100).contains(&d.year()),
                f,
            );
        }
    }
    if let Some(c) = &inv.currency {
        push(
            "currency is a known ISO 4217 code",
            CURRENCIES.contains(&c.as_str()),
            InvoiceField::Currency,
        );
    }
    if let Some(v) = &inv.vendor_name {
        let letters = v.chars().filter(|c| c.is_alphabetic()).count();
        push(
            "vendor name is a name (letters, no e-mail address or currency sign, at most 100 characters)",
            // A currency sign in a name is the OCR misreading letters ("MR. D.I.¥.").
            letters >= 2 && !v.contains(['@', '¥', '$', '£', '€', '¢']) && v.chars().count() <= 100,
            InvoiceField::VendorName,
        );
    }
    if let Some(v) = &inv.iban {
        push(
            "IBAN check digits hold (mod 97)",
            ids::is_iban(v),
            InvoiceField::Iban,
        );
    }
    if let Some(v) = &inv.bic {
        push(
            "BIC has the shape of one (ISO 9362)",
            ids::is_bic(v),
            InvoiceField::Bic,
        );
    }
    if let Some(v) = &inv.vendor_vat_id {
        push(
            "vendor VAT ID is a country prefix and digits",
            ids::is_vat_id(v),
            InvoiceField::VendorVatId,
        );
    }
    if let Some(t) = inv.total {
        push("total is not zero", !t.is_zero(), InvoiceField::Total);
    }
    if let (Some(tax), Some(net)) = (inv.tax, inv.subtotal)
        && !net.is_zero()
    {
        // No VAT rate anywhere is above 27 %.
        let rate = tax / net;
        push(
            "tax is at most 30 % of the subtotal",
            rate >= Decimal::ZERO && rate <= Decimal::new(30, 2),
            InvoiceField::Tax,
        );
    }
    out
}

/// Scores an invoice whose fields came from `sources`, each trusted as its source is.
pub fn score(inv: &Invoice, sources: &Sources, ocr_quality: f64, schema_valid: f64) -> Confidence {
    score_with(inv, sources, &Evidence::new(), ocr_quality, schema_valid)
}

/// Scores an invoice whose fields came from `sources`; fields from the rule parser start
/// from its `evidence`. `schema_valid` is 1.0 unless a model's reply failed the schema.
pub fn score_with(
    inv: &Invoice,
    sources: &Sources,
    evidence: &Evidence,
    ocr_quality: f64,
    schema_valid: f64,
) -> Confidence {
    let checks = checks(inv, sources);
    let validations = validations(inv);
    let consistency = if checks.is_empty() {
        0.5
    } else {
        checks.iter().filter(|c| c.passed).count() as f64 / checks.len() as f64
    };
    let found: Vec<InvoiceField> = InvoiceField::HEADER
        .into_iter()
        .chain(InvoiceField::EXTENDED)
        .filter(|&f| inv.has(f))
        .collect();
    let core = InvoiceField::HEADER.iter().filter(|f| inv.has(**f)).count();
    let coverage = core as f64 / InvoiceField::HEADER.len() as f64;
    let valid = if validations.is_empty() {
        1.0
    } else {
        validations.iter().filter(|c| c.passed).count() as f64 / validations.len() as f64
    };
    let llm_validity = schema_valid * valid;
    let round = |v: f64| (v * 1000.0).round() / 1000.0;
    let fields = found
        .iter()
        .map(|&f| {
            let source = sources.get(&f).copied().unwrap_or(Source::Rules);
            let trust = match (source, evidence.get(&f)) {
                (Source::Rules, Some(e)) => *e,
                _ => source.trust(),
            };
            let ocr = if source == Source::EInvoice {
                1.0
            } else {
                ocr_quality
            };
            let failed = checks
                .iter()
                .chain(&validations)
                .any(|c| !c.passed && c.fields.contains(&f));
            // Amounts that add up: subtotal + tax = total with none of the three
            // computed, or the line totals summing to this amount.
            let agrees = checks.iter().filter(|c| c.passed && c.fields.contains(&f));
            let amount = matches!(
                f,
                InvoiceField::Subtotal | InvoiceField::Tax | InvoiceField::Total
            );
            let raised = agrees
                .filter(|_| amount)
                .map(|c| if c.fields.len() == 3 { 0.95 } else { 0.9 })
                .fold(trust, f64::max);
            let v = if failed { trust * 0.5 } else { raised } * ocr;
            (f, round(v))
        })
        .collect();
    let score = 0.4 * ocr_quality + 0.3 * llm_validity + 0.2 * consistency + 0.1 * coverage;
    Confidence {
        score: round(score),
        ocr_quality,
        llm_validity: round(llm_validity),
        consistency,
        coverage,
        fields,
        checks,
        validations,
        evidence: evidence
            .iter()
            .filter(|(f, _)| sources.get(f) == Some(&Source::Rules))
            .map(|(f, v)| (*f, *v))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::invoice::LineItem;

    fn d(v: i64) -> Option<Decimal> {
        Some(Decimal::new(v, 2))
    }

    #[test]
    fn consistent_complete_native_invoice_scores_one() {
        let inv = Invoice {
            invoice_number: Some("1".into()),
            invoice_date: chrono::NaiveDate::from_ymd_opt(2025, 1, 1),
            due_date: chrono::NaiveDate::from_ymd_opt(2025, 1, 31),
            vendor_name: Some("Vendor BV".into()),
            currency: Some("EUR".into()),
            subtotal: d(10000),
            tax: d(2100),
            total: d(12100),
            line_items: vec![LineItem {
                description: Some("x".into()),
                quantity: Some(Decimal::new(4, 0)),
                unit_price: d(2500),
                line_total: d(10000),
            }],
            ..Invoice::default()
        };
        let src = InvoiceField::HEADER
            .into_iter()
            .map(|f| (f, Source::EInvoice))
            .collect();
        let c = score(&inv, &src, 1.0, 1.0);
        assert_eq!(c.score, 1.0);
        assert!(c.checks.iter().all(|c| c.passed) && c.checks.len() == 4);
        assert_eq!(c.fields[&InvoiceField::Total], 1.0);
    }

    #[test]
    fn a_failed_check_lowers_consistency_and_its_fields() {
        let inv = Invoice {
            subtotal: d(10000),
            tax: d(2100),
            total: d(99900),
            ..Invoice::default()
        };
        let c = score(&inv, &BTreeMap::new(), 1.0, 1.0);
        assert_eq!(c.consistency, 0.0);
        assert_eq!(c.coverage, 3.0 / 8.0);
        assert_eq!(
            c.fields[&InvoiceField::Total],
            0.4,
            "rules trust 0.8, halved"
        );
        assert!((c.score - (0.4 + 0.3 + 0.0 + 0.1 * 3.0 / 8.0)).abs() < 1e-3);
    }

    #[test]
    fn rules_fields_start_from_their_evidence_and_amounts_that_add_up_rise() {
        let inv = Invoice {
            invoice_number: Some("RE-1".into()),
            subtotal: d(10000),
            tax: d(2100),
            total: d(12100),
            ..Invoice::default()
        };
        let src = sources_of(&inv, Source::Rules);
        let ev: Evidence = [
            (InvoiceField::InvoiceNumber, 0.55),
            (InvoiceField::Subtotal, 0.55),
            (InvoiceField::Tax, 0.8),
            (InvoiceField::Total, 0.8),
        ]
        .into();
        let c = score_with(&inv, &src, &ev, 1.0, 1.0);
        assert_eq!(
            c.fields[&InvoiceField::InvoiceNumber],
            0.55,
            "a loose label"
        );
        assert_eq!(
            c.fields[&InvoiceField::Subtotal],
            0.95,
            "the amounts add up"
        );
        assert_eq!(c.evidence, ev, "kept for rescoring");
        // OCR'd text scales every field.
        let c = score_with(&inv, &src, &ev, 0.8, 1.0);
        assert_eq!(c.fields[&InvoiceField::Total], 0.76);
    }

    #[test]
    fn a_field_that_does_not_validate_is_named_and_lowers_validity() {
        let inv = Invoice {
            currency: Some("XYZ".into()),
            invoice_number: Some("INV-7".into()),
            ..Invoice::default()
        };
        let c = score(&inv, &sources_of(&inv, Source::Rules), 1.0, 1.0);
        let failed: Vec<&str> = c
            .validations
            .iter()
            .filter(|v| !v.passed)
            .map(|v| v.name.as_str())
            .collect();
        assert_eq!(failed, ["currency is a known ISO 4217 code"]);
        assert_eq!(c.llm_validity, 0.5);
        assert_eq!(c.fields[&InvoiceField::Currency], 0.4, "rules 0.8, halved");
    }

    #[test]
    fn a_vendor_name_with_a_currency_sign_in_it_is_doubted() {
        let inv = Invoice {
            vendor_name: Some("O.1.¥. (M) SDN BHD".into()),
            ..Invoice::default()
        };
        let ev: Evidence = [(InvoiceField::VendorName, 0.7)].into();
        let c = score_with(&inv, &sources_of(&inv, Source::Rules), &ev, 1.0, 1.0);
        assert_eq!(c.fields[&InvoiceField::VendorName], 0.35, "0.7, halved");
    }
}
