//! The combined CSV export: the 15 columns of docs/CONTRACTS.md, one row per line item (an invoice
//! without items is one row), RFC 4180 quoting by the `csv` crate. The extended export
//! appends the fields after the eight ([`InvoiceField::EXTENDED`]: vendor VAT ID, IBAN,
//! BIC, order number, customer) as five more columns.
//!
//! Text cells that a spreadsheet would run as a formula (starting with `=`, `+`, `-`,
//! `@`, tab or carriage return) get a leading `'`. Amount cells are written by the
//! decimal type (`-12.50`) and stay numbers: a plain number is never a formula.

use rust_decimal::Decimal;

use super::{FieldType, Invoice, InvoiceField};

/// The invoice's header fields, in the export's column order.
const HEADER_COLUMNS: [InvoiceField; 8] = [
    InvoiceField::InvoiceNumber,
    InvoiceField::InvoiceDate,
    InvoiceField::VendorName,
    InvoiceField::Currency,
    InvoiceField::Subtotal,
    InvoiceField::Tax,
    InvoiceField::Total,
    InvoiceField::DueDate,
];

/// The header, in order.
pub const COLUMNS: [&str; 15] = [
    "invoiceNumber",
    "invoiceDate",
    "vendorName",
    "currency",
    "subtotal",
    "tax",
    "total",
    "dueDate",
    "lineItemIndex",
    "description",
    "quantity",
    "unitPrice",
    "lineTotal",
    "confidenceScore",
    "filename",
];

/// Which columns an export has.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Columns {
    /// The 15 columns of docs/CONTRACTS.md.
    #[default]
    Standard,
    /// The 15, then `vendorVatId`, `iban`, `bic`, `orderNumber`, `customerName`.
    Extended,
}

/// One document's row source.
#[derive(Debug, Clone, Copy)]
pub struct CsvInvoice<'a> {
    /// The invoice as exported (with the person's corrections).
    pub invoice: &'a Invoice,
    /// The overall confidence, 0–1.
    pub confidence: f64,
    /// The PDF's file name.
    pub filename: &'a str,
}

/// Makes a text cell safe to open in a spreadsheet.
pub fn neutralise(cell: &str) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}")
    } else {
        cell.to_string()
    }
}

fn money(d: Option<Decimal>) -> String {
    d.map(|d| d.to_string()).unwrap_or_default()
}

fn text(s: Option<&str>) -> String {
    s.map(neutralise).unwrap_or_default()
}

/// Writes the CSV for several invoices, header first, CRLF line ends: the 15 columns.
pub fn to_csv(docs: &[CsvInvoice<'_>]) -> String {
    to_csv_with(docs, Columns::Standard)
}

/// Writes the CSV with the given columns.
pub fn to_csv_with(docs: &[CsvInvoice<'_>], columns: Columns) -> String {
    let mut w = ::csv::WriterBuilder::new()
        .terminator(::csv::Terminator::CRLF)
        .from_writer(Vec::new());
    let extended: &[InvoiceField] = match columns {
        Columns::Standard => &[],
        Columns::Extended => &InvoiceField::EXTENDED,
    };
    // Writing to a Vec cannot fail; errors are ignored rather than unwrapped.
    let header: Vec<&str> = COLUMNS
        .into_iter()
        .chain(extended.iter().map(|f| f.name()))
        .collect();
    let _ = w.write_record(header);
    for d in docs {
        let inv = d.invoice;
        // Text cells neutralised; dates and amounts are written by their types.
        let head = HEADER_COLUMNS.map(|f| match f.value_type() {
            FieldType::Text => text(inv.get(f).as_deref()),
            _ => inv.get(f).unwrap_or_default(),
        });
        let tail: Vec<String> = [format!("{:.3}", d.confidence), text(Some(d.filename))]
            .into_iter()
            .chain(extended.iter().map(|f| text(inv.get(*f).as_deref())))
            .collect();
        if inv.line_items.is_empty() {
            let empty = [
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
            ];
            let _ = w.write_record(head.iter().chain(&empty).chain(&tail));
        }
        for (i, li) in inv.line_items.iter().enumerate() {
            let item = [
                (i + 1).to_string(),
                text(li.description.as_deref()),
                money(li.quantity),
                money(li.unit_price),
                money(li.line_total),
            ];
            let _ = w.write_record(head.iter().chain(&item).chain(&tail));
        }
    }
    let bytes = w.into_inner().unwrap_or_default();
    String::from_utf8(bytes).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::invoice::LineItem;

    #[test]
    fn header_columns_are_the_invoice_fields_names() {
        let names: Vec<&str> = HEADER_COLUMNS.iter().map(|f| f.name()).collect();
        assert_eq!(names, COLUMNS[..8]);
    }

    #[test]
    fn golden_two_items_and_an_empty_invoice() {
        let a = Invoice {
            invoice_number: Some("F-1".into()),
            invoice_date: chrono::NaiveDate::from_ymd_opt(2025, 3, 12),
            vendor_name: Some("ACME, Inc.".into()),
            currency: Some("EUR".into()),
            total: Some(Decimal::new(-1250, 2)),
            line_items: vec![
                LineItem {
                    description: Some("=HYPERLINK(\"x\")".into()),
                    quantity: Some(Decimal::new(2, 0)),
                    unit_price: Some(Decimal::new(500, 2)),
                    line_total: Some(Decimal::new(1000, 2)),
                },
                LineItem {
                    description: Some("two\nlines".into()),
                    ..LineItem::default()
                },
            ],
            ..Invoice::default()
        };
        let b = Invoice::default();
        let csv = to_csv(&[
            CsvInvoice {
                invoice: &a,
                confidence: 0.9,
                filename: "a.pdf",
            },
            CsvInvoice {
                invoice: &b,
                confidence: 0.0,
                filename: "@b.pdf",
            },
        ]);
        let expected = "invoiceNumber,invoiceDate,vendorName,currency,subtotal,tax,total,dueDate,lineItemIndex,description,quantity,unitPrice,lineTotal,confidenceScore,filename\r\n\
F-1,2025-03-12,\"ACME, Inc.\",EUR,,,-12.50,,1,\"'=HYPERLINK(\"\"x\"\")\",2,5.00,10.00,0.900,a.pdf\r\n\
F-1,2025-03-12,\"ACME, Inc.\",EUR,,,-12.50,,2,\"two\nlines\",,,,0.900,a.pdf\r\n\
,,,,,,,,,,,,,0.000,'@b.pdf\r\n";
        assert_eq!(csv, expected);
    }

    #[test]
    fn the_extended_export_appends_five_columns() {
        let inv = Invoice {
            invoice_number: Some("F-1".into()),
            iban: Some("NL91ABNA0417164300".into()),
            customer_name: Some("=Buyer BV".into()),
            ..Invoice::default()
        };
        let doc = CsvInvoice {
            invoice: &inv,
            confidence: 0.5,
            filename: "a.pdf",
        };
        let out = to_csv_with(&[doc], Columns::Extended);
        let mut lines = out.lines();
        let head = lines.next().unwrap_or_default();
        assert!(head.ends_with(",filename,vendorVatId,iban,bic,orderNumber,customerName"));
        assert_eq!(head.split(',').count(), 20);
        let row = lines.next().unwrap_or_default();
        assert!(
            row.ends_with(",a.pdf,,NL91ABNA0417164300,,,'=Buyer BV"),
            "{row}"
        );
        assert_eq!(
            to_csv(&[doc]).lines().next().map(|h| h.split(',').count()),
            Some(15)
        );
    }
}
