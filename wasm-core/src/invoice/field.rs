//! The invoice's fields as one type: their JSON/CSV names, their titles for people, the
//! type of their values, and reading and writing them on an [`Invoice`].
//!
//! Every list of fields and every match on a field name goes through [`InvoiceField`],
//! so a field added or renamed here is added or renamed everywhere (templates, the
//! pipeline, confidence, CSV, the relay and the app).

use std::fmt;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::Invoice;
use super::amount::{DecimalSeparator, parse_amount};
use super::date::{DateOrder, ParsedDate, parse_date};

/// A field of an invoice: the eight header fields, and the item lines as one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum InvoiceField {
    /// `invoiceNumber`.
    InvoiceNumber,
    /// `invoiceDate`.
    InvoiceDate,
    /// `dueDate`.
    DueDate,
    /// `vendorName`: who issued the invoice.
    VendorName,
    /// `currency`: ISO 4217.
    Currency,
    /// `subtotal`: before tax.
    Subtotal,
    /// `tax`.
    Tax,
    /// `total`: to pay.
    Total,
    /// `lineItems`: the item table, as a whole.
    LineItems,
    /// `vendorVatId`: the issuer's VAT identification number (DE123456789).
    VendorVatId,
    /// `iban`: the account to pay into, checked by its mod-97 check digits.
    Iban,
    /// `bic`: the bank of that account (SWIFT code).
    Bic,
    /// `orderNumber`: the buyer's order (purchase order) the invoice refers to.
    OrderNumber,
    /// `customerName`: who the invoice is addressed to.
    CustomerName,
}

impl InvoiceField {
    /// The eight header fields, in the model's order.
    pub const HEADER: [Self; 8] = [
        Self::InvoiceNumber,
        Self::InvoiceDate,
        Self::DueDate,
        Self::VendorName,
        Self::Currency,
        Self::Subtotal,
        Self::Tax,
        Self::Total,
    ];

    /// The fields after the eight: who is who and how to pay. The CSV's extended
    /// columns; not counted in the confidence's coverage.
    pub const EXTENDED: [Self; 5] = [
        Self::VendorVatId,
        Self::Iban,
        Self::Bic,
        Self::OrderNumber,
        Self::CustomerName,
    ];

    /// The JSON (and CSV column) name: `invoiceNumber`, `total`, `lineItems`…
    pub const fn name(self) -> &'static str {
        match self {
            Self::InvoiceNumber => "invoiceNumber",
            Self::InvoiceDate => "invoiceDate",
            Self::DueDate => "dueDate",
            Self::VendorName => "vendorName",
            Self::Currency => "currency",
            Self::Subtotal => "subtotal",
            Self::Tax => "tax",
            Self::Total => "total",
            Self::LineItems => "lineItems",
            Self::VendorVatId => "vendorVatId",
            Self::Iban => "iban",
            Self::Bic => "bic",
            Self::OrderNumber => "orderNumber",
            Self::CustomerName => "customerName",
        }
    }

    /// The field's name for people ("Invoice number").
    pub const fn title(self) -> &'static str {
        match self {
            Self::InvoiceNumber => "Invoice number",
            Self::InvoiceDate => "Invoice date",
            Self::DueDate => "Due date",
            Self::VendorName => "Vendor",
            Self::Currency => "Currency",
            Self::Subtotal => "Subtotal",
            Self::Tax => "Tax",
            Self::Total => "Total",
            Self::LineItems => "Line items",
            Self::VendorVatId => "Vendor VAT ID",
            Self::Iban => "IBAN",
            Self::Bic => "BIC",
            Self::OrderNumber => "Order number",
            Self::CustomerName => "Customer",
        }
    }

    /// The header field a name gives (its JSON name, any case), one of the eight or the
    /// extended ones; `None` for other names (a template's own labels, `lineItems`).
    pub fn header(name: &str) -> Option<Self> {
        Self::HEADER
            .into_iter()
            .chain(Self::EXTENDED)
            .find(|f| f.name().eq_ignore_ascii_case(name))
    }

    /// The type of the field's value: amounts for `subtotal`, `tax`, `total`, dates for
    /// `invoiceDate`, `dueDate`, text for the others.
    pub const fn value_type(self) -> FieldType {
        match self {
            Self::Subtotal | Self::Tax | Self::Total => FieldType::Amount,
            Self::InvoiceDate | Self::DueDate => FieldType::Date,
            _ => FieldType::Text,
        }
    }

    /// Reads what a person typed as this field's value (amounts with either decimal
    /// separator, dates only when unambiguous); empty text is no value.
    pub fn parse_value(self, typed: &str) -> Result<Option<FieldValue>, ValueError> {
        let v = typed.trim();
        if v.is_empty() {
            return Ok(None);
        }
        match self.value_type() {
            FieldType::Amount | FieldType::Number => parse_amount(v, DecimalSeparator::Auto)
                .map(|a| Some(FieldValue::Number(a.value)))
                .ok_or_else(|| ValueError::NotAnAmount(v.to_string())),
            FieldType::Date => match parse_date(v, DateOrder::Unknown) {
                Some(ParsedDate::Exact(d)) => Ok(Some(FieldValue::Date(d))),
                Some(ParsedDate::Ambiguous { .. }) => Err(ValueError::AmbiguousDate(v.into())),
                None => Err(ValueError::NotADate(v.to_string())),
            },
            FieldType::Text if matches!(self, Self::Currency | Self::Bic) => {
                Ok(Some(FieldValue::Text(v.to_uppercase())))
            }
            FieldType::Text if matches!(self, Self::Iban | Self::VendorVatId) => Ok(Some(
                FieldValue::Text(v.split_whitespace().collect::<String>().to_uppercase()),
            )),
            FieldType::Text => Ok(Some(FieldValue::Text(v.to_string()))),
        }
    }
}

impl fmt::Display for InvoiceField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Why typed text is not a field's value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValueError {
    /// Not a money amount.
    #[error("“{0}” is not an amount")]
    NotAnAmount(String),
    /// A date that reads both day-first and month-first.
    #[error("“{0}” could be day-first or month-first; write it as YYYY-MM-DD")]
    AmbiguousDate(String),
    /// Not a date.
    #[error("“{0}” is not a date")]
    NotADate(String),
}

/// How a field's text becomes a value.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FieldType {
    /// Kept as text (whitespace collapsed).
    #[default]
    Text,
    /// A money amount.
    Amount,
    /// A date.
    Date,
    /// A plain number.
    Number,
}

/// A field's value once its type is applied.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum FieldValue {
    /// Text.
    Text(String),
    /// An amount or number.
    Number(Decimal),
    /// A date.
    Date(NaiveDate),
}

impl fmt::Display for FieldValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Text(s) => f.write_str(s),
            Self::Number(d) => write!(f, "{d}"),
            Self::Date(d) => write!(f, "{d}"),
        }
    }
}

impl Invoice {
    /// A header field's value as text (dates ISO, amounts as exact decimals); `None`
    /// when missing, and always for [`InvoiceField::LineItems`].
    pub fn get(&self, field: InvoiceField) -> Option<String> {
        match field {
            InvoiceField::InvoiceNumber => self.invoice_number.clone(),
            InvoiceField::InvoiceDate => self.invoice_date.map(|d| d.to_string()),
            InvoiceField::DueDate => self.due_date.map(|d| d.to_string()),
            InvoiceField::VendorName => self.vendor_name.clone(),
            InvoiceField::Currency => self.currency.clone(),
            InvoiceField::Subtotal => self.subtotal.map(|d| d.to_string()),
            InvoiceField::Tax => self.tax.map(|d| d.to_string()),
            InvoiceField::Total => self.total.map(|d| d.to_string()),
            InvoiceField::LineItems => None,
            InvoiceField::VendorVatId => self.vendor_vat_id.clone(),
            InvoiceField::Iban => self.iban.clone(),
            InvoiceField::Bic => self.bic.clone(),
            InvoiceField::OrderNumber => self.order_number.clone(),
            InvoiceField::CustomerName => self.customer_name.clone(),
        }
    }

    /// Whether the invoice has a value for `field` (for the line items: any item).
    pub fn has(&self, field: InvoiceField) -> bool {
        match field {
            InvoiceField::LineItems => !self.line_items.is_empty(),
            f => self.get(f).is_some(),
        }
    }

    /// Sets `field` to `from`'s value, absence included.
    pub fn copy_from(&mut self, from: &Invoice, field: InvoiceField) {
        match field {
            InvoiceField::InvoiceNumber => self.invoice_number = from.invoice_number.clone(),
            InvoiceField::InvoiceDate => self.invoice_date = from.invoice_date,
            InvoiceField::DueDate => self.due_date = from.due_date,
            InvoiceField::VendorName => self.vendor_name = from.vendor_name.clone(),
            InvoiceField::Currency => self.currency = from.currency.clone(),
            InvoiceField::Subtotal => self.subtotal = from.subtotal,
            InvoiceField::Tax => self.tax = from.tax,
            InvoiceField::Total => self.total = from.total,
            InvoiceField::LineItems => self.line_items = from.line_items.clone(),
            InvoiceField::VendorVatId => self.vendor_vat_id = from.vendor_vat_id.clone(),
            InvoiceField::Iban => self.iban = from.iban.clone(),
            InvoiceField::Bic => self.bic = from.bic.clone(),
            InvoiceField::OrderNumber => self.order_number = from.order_number.clone(),
            InvoiceField::CustomerName => self.customer_name = from.customer_name.clone(),
        }
    }

    /// Removes `field`'s value.
    pub fn clear(&mut self, field: InvoiceField) {
        self.copy_from(&Invoice::default(), field);
    }

    /// Sets `field` to a typed value (`None` clears it); false, and no change, when the
    /// value's type does not fit (a date for a total) or the field is the line items.
    pub fn set(&mut self, field: InvoiceField, value: Option<&FieldValue>) -> bool {
        let Some(v) = value else {
            if field == InvoiceField::LineItems {
                return false;
            }
            self.clear(field);
            return true;
        };
        match (field, v) {
            (InvoiceField::InvoiceNumber, v) => self.invoice_number = Some(v.to_string()),
            (InvoiceField::VendorName, v) => self.vendor_name = Some(v.to_string()),
            (InvoiceField::Currency, v) => self.currency = Some(v.to_string()),
            (InvoiceField::VendorVatId, v) => self.vendor_vat_id = Some(v.to_string()),
            (InvoiceField::Iban, v) => self.iban = Some(v.to_string()),
            (InvoiceField::Bic, v) => self.bic = Some(v.to_string()),
            (InvoiceField::OrderNumber, v) => self.order_number = Some(v.to_string()),
            (InvoiceField::CustomerName, v) => self.customer_name = Some(v.to_string()),
            (InvoiceField::InvoiceDate, FieldValue::Date(d)) => self.invoice_date = Some(*d),
            (InvoiceField::DueDate, FieldValue::Date(d)) => self.due_date = Some(*d),
            (InvoiceField::Subtotal, FieldValue::Number(d)) => self.subtotal = Some(*d),
            (InvoiceField::Tax, FieldValue::Number(d)) => self.tax = Some(*d),
            (InvoiceField::Total, FieldValue::Number(d)) => self.total = Some(*d),
            _ => return false,
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_the_serde_names() {
        for f in InvoiceField::HEADER
            .into_iter()
            .chain(InvoiceField::EXTENDED)
            .chain([InvoiceField::LineItems])
        {
            let json = serde_json::to_value(f).expect("json");
            assert_eq!(json, f.name());
            assert_eq!(serde_json::from_value::<InvoiceField>(json).ok(), Some(f));
        }
        assert_eq!(InvoiceField::header("TOTAL"), Some(InvoiceField::Total));
        assert_eq!(InvoiceField::header("lineItems"), None);
        assert_eq!(InvoiceField::header("vat_id"), None);
        assert_eq!(InvoiceField::header("iban"), Some(InvoiceField::Iban));
    }

    #[test]
    fn set_refuses_a_value_of_the_wrong_type() {
        let mut inv = Invoice::default();
        let date = FieldValue::Date(NaiveDate::from_ymd_opt(2025, 1, 2).expect("date"));
        assert!(!inv.set(InvoiceField::Total, Some(&date)));
        assert!(inv.set(InvoiceField::InvoiceDate, Some(&date)));
        assert_eq!(
            inv.get(InvoiceField::InvoiceDate).as_deref(),
            Some("2025-01-02")
        );
        assert!(inv.set(InvoiceField::InvoiceDate, None));
        assert!(!inv.has(InvoiceField::InvoiceDate));
    }

    #[test]
    fn typed_values_are_checked() {
        let f = InvoiceField::Total;
        assert_eq!(
            f.parse_value("1.234,50").expect("amount"),
            Some(FieldValue::Number(Decimal::new(123450, 2)))
        );
        assert!(matches!(
            f.parse_value("soon"),
            Err(ValueError::NotAnAmount(_))
        ));
        assert!(matches!(
            InvoiceField::InvoiceDate.parse_value("03/04/2025"),
            Err(ValueError::AmbiguousDate(_))
        ));
        assert_eq!(
            InvoiceField::Currency.parse_value(" ").expect("empty"),
            None
        );
    }
}
