//! The machine-readable invoice inside an e-invoice PDF: ZUGFeRD 1 (CrossIndustryDocument),
//! ZUGFeRD 2 / Factur-X / XRechnung CII (CrossIndustryInvoice), and UBL `Invoice` /
//! `CreditNote`. When a PDF carries one, its values are exact and need no reading of
//! the printed page.

use std::str::FromStr;

use chrono::NaiveDate;
use roxmltree::{Document as Xml, Node};
use rust_decimal::Decimal;

use super::{Invoice, LineItem};
use crate::attachments::Attachment;

/// The XML syntax an e-invoice was written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Syntax {
    /// UN/CEFACT Cross Industry Invoice (ZUGFeRD 2, Factur-X, XRechnung CII).
    CrossIndustryInvoice,
    /// ZUGFeRD 1.0.
    CrossIndustryDocument,
    /// OASIS UBL 2.
    Ubl,
}

/// Reads the first attachment that is an e-invoice.
pub fn from_attachments(files: &[Attachment]) -> Option<(Invoice, Syntax)> {
    files.iter().find_map(|f| parse(&f.data))
}

/// Parses e-invoice XML; `None` when it is not one of the known syntaxes.
pub fn parse(bytes: &[u8]) -> Option<(Invoice, Syntax)> {
    let text = std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)).ok()?;
    let xml = Xml::parse(text).ok()?;
    let root = xml.root_element();
    match root.tag_name().name() {
        "CrossIndustryInvoice" => Some((cii(root), Syntax::CrossIndustryInvoice)),
        "CrossIndustryDocument" => Some((cii(root), Syntax::CrossIndustryDocument)),
        "Invoice" | "CreditNote" => Some((ubl(root), Syntax::Ubl)),
        _ => None,
    }
}

fn child<'a, 'i>(n: Node<'a, 'i>, name: &str) -> Option<Node<'a, 'i>> {
    n.children().find(|c| c.tag_name().name() == name)
}

/// Follows a path of child names.
fn path<'a, 'i>(n: Node<'a, 'i>, names: &[&str]) -> Option<Node<'a, 'i>> {
    names.iter().try_fold(n, |n, name| child(n, name))
}

/// First descendant with this name.
fn find<'a, 'i>(n: Node<'a, 'i>, name: &str) -> Option<Node<'a, 'i>> {
    n.descendants().find(|c| c.tag_name().name() == name)
}

fn text(n: Option<Node<'_, '_>>) -> Option<String> {
    let t = n?.text()?.trim();
    (!t.is_empty()).then(|| t.to_string())
}

fn decimal(n: Option<Node<'_, '_>>) -> Option<Decimal> {
    Decimal::from_str(&text(n)?).ok()
}

/// `YYYYMMDD` (format 102) or ISO `YYYY-MM-DD`.
fn date(n: Option<Node<'_, '_>>) -> Option<NaiveDate> {
    let t = text(n)?;
    NaiveDate::parse_from_str(&t, "%Y%m%d")
        .or_else(|_| NaiveDate::parse_from_str(&t, "%Y-%m-%d"))
        .ok()
}

/// An amount element, preferring the one in the invoice currency when the XML repeats it
/// in another (CII gives `TaxTotalAmount` once per currency).
fn amount_in(parent: Node<'_, '_>, name: &str, currency: Option<&str>) -> Option<Decimal> {
    let all: Vec<Node<'_, '_>> = parent
        .children()
        .filter(|c| c.tag_name().name() == name)
        .collect();
    let pick = all
        .iter()
        .find(|n| currency.is_some() && n.attribute("currencyID") == currency)
        .or_else(|| all.first())?;
    decimal(Some(*pick))
}

fn cii(root: Node<'_, '_>) -> Invoice {
    let doc = child(root, "ExchangedDocument").or_else(|| child(root, "HeaderExchangedDocument"));
    let trade = child(root, "SupplyChainTradeTransaction")
        .or_else(|| child(root, "SpecifiedSupplyChainTradeTransaction"));
    let settlement = trade.and_then(|t| {
        child(t, "ApplicableHeaderTradeSettlement")
            .or_else(|| child(t, "ApplicableSupplyChainTradeSettlement"))
    });
    let agreement = trade.and_then(|t| {
        child(t, "ApplicableHeaderTradeAgreement")
            .or_else(|| child(t, "ApplicableSupplyChainTradeAgreement"))
    });
    let currency = text(settlement.and_then(|s| child(s, "InvoiceCurrencyCode")));
    let sum = settlement.and_then(|s| {
        child(s, "SpecifiedTradeSettlementHeaderMonetarySummation")
            .or_else(|| child(s, "SpecifiedTradeSettlementMonetarySummation"))
    });
    let cur = currency.as_deref();
    let line_items = trade
        .map(|t| {
            t.children()
                .filter(|c| c.tag_name().name() == "IncludedSupplyChainTradeLineItem")
                .map(|li| LineItem {
                    description: text(
                        find(li, "SpecifiedTradeProduct").and_then(|p| child(p, "Name")),
                    ),
                    quantity: decimal(find(li, "BilledQuantity")),
                    unit_price: decimal(
                        find(li, "NetPriceProductTradePrice")
                            .or_else(|| find(li, "GrossPriceProductTradePrice"))
                            .and_then(|p| child(p, "ChargeAmount")),
                    ),
                    line_total: decimal(find(li, "LineTotalAmount")),
                })
                .collect()
        })
        .unwrap_or_default();
    Invoice {
        invoice_number: text(doc.and_then(|d| child(d, "ID"))),
        invoice_date: date(doc.and_then(|d| path(d, &["IssueDateTime", "DateTimeString"]))),
        due_date: date(settlement.and_then(|s| {
            path(
                s,
                &[
                    "SpecifiedTradePaymentTerms",
                    "DueDateDateTime",
                    "DateTimeString",
                ],
            )
        })),
        vendor_name: text(agreement.and_then(|a| path(a, &["SellerTradeParty", "Name"]))),
        currency: currency.clone(),
        subtotal: sum.and_then(|s| amount_in(s, "TaxBasisTotalAmount", cur)),
        tax: sum.and_then(|s| amount_in(s, "TaxTotalAmount", cur)),
        total: sum.and_then(|s| amount_in(s, "GrandTotalAmount", cur)),
        line_items,
        vendor_vat_id: agreement
            .and_then(|a| child(a, "SellerTradeParty"))
            .and_then(|p| {
                p.children()
                    .filter(|c| c.tag_name().name() == "SpecifiedTaxRegistration")
                    .filter_map(|r| child(r, "ID"))
                    .find(|id| id.attribute("schemeID") == Some("VA"))
                    .and_then(|id| text(Some(id)))
            }),
        iban: text(settlement.and_then(|s| find(s, "IBANID"))),
        bic: text(settlement.and_then(|s| find(s, "BICID"))),
        order_number: text(agreement.and_then(|a| {
            child(a, "BuyerOrderReferencedDocument")
                .and_then(|d| child(d, "IssuerAssignedID").or_else(|| child(d, "ID")))
        })),
        customer_name: text(agreement.and_then(|a| path(a, &["BuyerTradeParty", "Name"]))),
    }
}

fn ubl(root: Node<'_, '_>) -> Invoice {
    let totals = child(root, "LegalMonetaryTotal");
    let currency = text(child(root, "DocumentCurrencyCode"));
    let cur = currency.as_deref();
    let supplier = path(root, &["AccountingSupplierParty", "Party"]);
    let customer = path(root, &["AccountingCustomerParty", "Party"]);
    let line_items = root
        .children()
        .filter(|c| matches!(c.tag_name().name(), "InvoiceLine" | "CreditNoteLine"))
        .map(|l| LineItem {
            description: text(path(l, &["Item", "Name"])),
            quantity: decimal(
                child(l, "InvoicedQuantity").or_else(|| child(l, "CreditedQuantity")),
            ),
            unit_price: decimal(path(l, &["Price", "PriceAmount"])),
            line_total: decimal(child(l, "LineExtensionAmount")),
        })
        .collect();
    Invoice {
        invoice_number: text(child(root, "ID")),
        invoice_date: date(child(root, "IssueDate")),
        due_date: date(child(root, "DueDate")),
        vendor_name: text(
            supplier
                .and_then(|p| path(p, &["PartyName", "Name"]))
                .or_else(|| {
                    supplier.and_then(|p| path(p, &["PartyLegalEntity", "RegistrationName"]))
                }),
        ),
        currency: currency.clone(),
        subtotal: totals.and_then(|t| amount_in(t, "TaxExclusiveAmount", cur)),
        tax: child(root, "TaxTotal").and_then(|t| amount_in(t, "TaxAmount", cur)),
        total: totals.and_then(|t| amount_in(t, "TaxInclusiveAmount", cur)),
        line_items,
        vendor_vat_id: text(supplier.and_then(|p| path(p, &["PartyTaxScheme", "CompanyID"]))),
        iban: text(path(root, &["PaymentMeans", "PayeeFinancialAccount", "ID"])),
        bic: text(path(
            root,
            &[
                "PaymentMeans",
                "PayeeFinancialAccount",
                "FinancialInstitutionBranch",
                "ID",
            ],
        )),
        order_number: text(path(root, &["OrderReference", "ID"])),
        customer_name: text(
            customer
                .and_then(|p| path(p, &["PartyName", "Name"]))
                .or_else(|| {
                    customer.and_then(|p| path(p, &["PartyLegalEntity", "RegistrationName"]))
                }),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cii_header_fields_and_lines() {
        let xml = br#"<?xml version="1.0"?>
<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100" xmlns:ram="urn:ram" xmlns:udt="urn:udt">
 <rsm:ExchangedDocument><ram:ID>F-7</ram:ID><ram:IssueDateTime><udt:DateTimeString format="102">20250312</udt:DateTimeString></ram:IssueDateTime></rsm:ExchangedDocument>
 <rsm:SupplyChainTradeTransaction>
  <ram:IncludedSupplyChainTradeLineItem><ram:SpecifiedTradeProduct><ram:Name>Widget</ram:Name></ram:SpecifiedTradeProduct>
   <ram:SpecifiedLineTradeDelivery><ram:BilledQuantity unitCode="C62">2</ram:BilledQuantity></ram:SpecifiedLineTradeDelivery>
   <ram:SpecifiedLineTradeSettlement><ram:SpecifiedTradeSettlementLineMonetarySummation><ram:LineTotalAmount>20.00</ram:LineTotalAmount></ram:SpecifiedTradeSettlementLineMonetarySummation></ram:SpecifiedLineTradeSettlement>
  </ram:IncludedSupplyChainTradeLineItem>
  <ram:ApplicableHeaderTradeAgreement><ram:SellerTradeParty><ram:Name>ACME</ram:Name></ram:SellerTradeParty></ram:ApplicableHeaderTradeAgreement>
  <ram:ApplicableHeaderTradeSettlement><ram:InvoiceCurrencyCode>EUR</ram:InvoiceCurrencyCode>
   <ram:SpecifiedTradeSettlementHeaderMonetarySummation><ram:TaxBasisTotalAmount>20.00</ram:TaxBasisTotalAmount>
    <ram:TaxTotalAmount currencyID="USD">5.00</ram:TaxTotalAmount><ram:TaxTotalAmount currencyID="EUR">4.20</ram:TaxTotalAmount>
    <ram:GrandTotalAmount>24.20</ram:GrandTotalAmount></ram:SpecifiedTradeSettlementHeaderMonetarySummation>
  </ram:ApplicableHeaderTradeSettlement>
 </rsm:SupplyChainTradeTransaction>
</rsm:CrossIndustryInvoice>"#;
        let (inv, syntax) = parse(xml).expect("CII");
        assert_eq!(syntax, Syntax::CrossIndustryInvoice);
        assert_eq!(inv.invoice_number.as_deref(), Some("F-7"));
        assert_eq!(inv.invoice_date, NaiveDate::from_ymd_opt(2025, 3, 12));
        assert_eq!(inv.vendor_name.as_deref(), Some("ACME"));
        assert_eq!(
            inv.tax,
            Some(Decimal::new(420, 2)),
            "tax in the invoice currency"
        );
        assert_eq!(inv.total, Some(Decimal::new(2420, 2)));
        assert_eq!(inv.line_items.len(), 1);
        assert_eq!(inv.line_items[0].quantity, Some(Decimal::new(2, 0)));
    }

    #[test]
    fn other_xml_is_not_an_invoice() {
        assert!(parse(b"<html/>").is_none());
        assert!(parse(b"\xff\xfe garbage").is_none());
        assert!(parse(b"").is_none());
    }
}
