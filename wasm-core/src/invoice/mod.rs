//! Invoices: the structured result and the normalisers that turn printed text into it.
//!
//! * [`InvoiceField`] — the fields by name, title and value type; get/set on [`Invoice`].
//! * [`amount`] — money to exact decimals (`rust_decimal`), with the printed currency.
//! * [`date`] — dates in nl/en/de/fr forms to ISO 8601, ambiguity flagged.
//! * [`ids`] — IBANs (mod-97 checked), BICs and VAT IDs, found in text.
//! * [`locale`] — a locale tag as a date order and a decimal separator.
//! * [`rules`] — the offline rule-based parser: labelled fields from lines of words.
//! * [`items`] — line items from an item table found by its header row.
//! * [`einvoice`] — the XML invoice inside ZUGFeRD / Factur-X / XRechnung PDFs.
//! * [`pipeline`] — one document end to end: e-invoice XML, template, rules.
//! * [`confidence`] — the confidence formula of docs/CONTRACTS.md, per field and overall.
//! * [`csv`] — the combined CSV export.

pub mod amount;
pub mod confidence;
pub mod csv;
pub mod date;
pub mod einvoice;
mod field;
pub mod ids;
pub mod items;
pub mod locale;
pub mod locate;
pub mod pipeline;
pub mod rules;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

pub use field::{FieldType, FieldValue, InvoiceField, ValueError};

/// One line of an invoice's item table.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LineItem {
    /// What was sold.
    pub description: Option<String>,
    /// How many.
    pub quantity: Option<Decimal>,
    /// Price of one.
    pub unit_price: Option<Decimal>,
    /// Quantity × unit price, as printed.
    pub line_total: Option<Decimal>,
}

/// The structured invoice (the relay's `resultJson`). Amounts are exact decimals,
/// serialised as strings; dates are ISO 8601.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Invoice {
    /// Invoice number.
    pub invoice_number: Option<String>,
    /// Date of issue.
    pub invoice_date: Option<chrono::NaiveDate>,
    /// Payment due date.
    pub due_date: Option<chrono::NaiveDate>,
    /// Who sent the invoice.
    pub vendor_name: Option<String>,
    /// ISO 4217 code.
    pub currency: Option<String>,
    /// Total before tax.
    pub subtotal: Option<Decimal>,
    /// Tax (VAT) amount.
    pub tax: Option<Decimal>,
    /// Total to pay.
    pub total: Option<Decimal>,
    /// Item lines.
    pub line_items: Vec<LineItem>,
    /// The issuer's VAT identification number, without spaces.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vendor_vat_id: Option<String>,
    /// The account to pay into, without spaces; only an IBAN whose check digits hold.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iban: Option<String>,
    /// The bank's BIC (SWIFT code).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bic: Option<String>,
    /// The buyer's order (purchase order) number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_number: Option<String>,
    /// Who the invoice is addressed to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_name: Option<String>,
}

impl Invoice {
    /// Σ line totals; `None` without line items or when one has no line total.
    pub fn line_totals_sum(&self) -> Option<Decimal> {
        if self.line_items.is_empty() {
            return None;
        }
        self.line_items.iter().map(|l| l.line_total).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_names_are_the_spec_names() {
        let inv = Invoice {
            invoice_number: Some("F-1".into()),
            invoice_date: chrono::NaiveDate::from_ymd_opt(2025, 3, 12),
            total: Some(Decimal::new(123456, 2)),
            line_items: vec![LineItem {
                quantity: Some(Decimal::ONE),
                ..Default::default()
            }],
            ..Default::default()
        };
        let v = serde_json::to_value(&inv).expect("json");
        for k in [
            "invoiceNumber",
            "invoiceDate",
            "dueDate",
            "vendorName",
            "currency",
            "subtotal",
            "tax",
            "total",
            "lineItems",
        ] {
            assert!(v.get(k).is_some(), "{k}");
        }
        assert_eq!(v["invoiceDate"], "2025-03-12");
        assert_eq!(v["total"], "1234.56", "exact decimal, not a float");
        for k in ["description", "quantity", "unitPrice", "lineTotal"] {
            assert!(v["lineItems"][0].get(k).is_some(), "{k}");
        }
        let back: Invoice = serde_json::from_value(v).expect("round trip");
        assert_eq!(back, inv);
    }
}
