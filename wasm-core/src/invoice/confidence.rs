//! Confidence: the formula in docs/CONTRACTS.md, per field and overall.
//!
//! `score = 0.4·ocrQuality + 0.3·llmValidity + 0.2·consistency + 0.1·coverage`, where
//! native PDF text counts as OCR quality 1.0; `llmValidity` is 1.0 when the structured
//! result passed the schema (always for the offline parsers, whose output is typed);
//! `consistency` is the share of applicable cross-checks that pass (subtotal + tax =
//! total, the sum of line totals, quantity × unit price, due date ≥ invoice date), 0.5
//! when nothing can be cross-checked; `coverage` is the share of the eight header fields
//! found. A field's own confidence is how its value was found (see [`Source`]) times the
//! OCR quality, halved when a cross-check it takes part in fails.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::{Invoice, InvoiceField};

/// Where each field's value came from.
pub type Sources = BTreeMap<InvoiceField, Source>;

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
    let totals: Vec<Decimal> = inv.line_items.iter().filter_map(|l| l.line_total).collect();
    if !totals.is_empty() && totals.len() == inv.line_items.len() {
        let sum: Decimal = totals.iter().sum();
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
        .filter(|&f| inv.has(f))
        .map(|f| (f, source))
        .collect()
}

/// Scores an invoice whose fields came from `sources`.
pub fn score(inv: &Invoice, sources: &Sources, ocr_quality: f64, llm_validity: f64) -> Confidence {
    let checks = checks(inv, sources);
    let consistency = if checks.is_empty() {
        0.5
    } else {
        checks.iter().filter(|c| c.passed).count() as f64 / checks.len() as f64
    };
    let found: Vec<InvoiceField> = InvoiceField::HEADER
        .into_iter()
        .filter(|&f| inv.has(f))
        .collect();
    let coverage = found.len() as f64 / InvoiceField::HEADER.len() as f64;
    let fields = found
        .iter()
        .map(|&f| {
            let trust = sources.get(&f).map_or(Source::Rules.trust(), |s| s.trust());
            let ocr = if sources.get(&f) == Some(&Source::EInvoice) {
                1.0
            } else {
                ocr_quality
            };
            let failed = checks.iter().any(|c| !c.passed && c.fields.contains(&f));
            let v = trust * ocr * if failed { 0.5 } else { 1.0 };
            (f, (v * 1000.0).round() / 1000.0)
        })
        .collect();
    let score = 0.4 * ocr_quality + 0.3 * llm_validity + 0.2 * consistency + 0.1 * coverage;
    Confidence {
        score: (score * 1000.0).round() / 1000.0,
        ocr_quality,
        llm_validity,
        consistency,
        coverage,
        fields,
        checks,
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
            vendor_name: Some("V".into()),
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
}
