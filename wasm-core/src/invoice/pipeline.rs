//! The offline pipeline for one document: the e-invoice XML it carries, else the best
//! matching vendor template, then the rule-based parser for whatever is still missing;
//! confidence last.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::confidence::{self, Confidence, Evidence, Source, Sources};
use super::locale::Locale;
use super::{Invoice, InvoiceField, einvoice, rules};
use crate::attachments::Attachment;
use crate::template::{Template, TemplateMatch, best_match};
use crate::text::PageText;

/// What the pipeline read from a document, and how sure it is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InvoiceResult {
    /// The invoice.
    pub invoice: Invoice,
    /// Where each field came from.
    pub sources: Sources,
    /// Overall and per-field confidence.
    pub confidence: Confidence,
    /// The template applied, with why it matched.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template: Option<TemplateMatch>,
    /// The e-invoice syntax read, when the PDF carries one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub einvoice: Option<einvoice::Syntax>,
    /// Template fields that are not invoice fields (VAT id, IBAN…).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub extras: BTreeMap<String, String>,
    /// What a person should check, in plain words.
    #[serde(default)]
    pub warnings: Vec<String>,
}

/// Copies the fields (header fields and the line items) `from` has and `into` lacks,
/// recording their source.
pub fn fill(into: &mut Invoice, from: &Invoice, source: Source, sources: &mut Sources) {
    let all = InvoiceField::HEADER
        .into_iter()
        .chain(InvoiceField::EXTENDED)
        .chain([InvoiceField::LineItems]);
    fill_fields(into, from, all, source, sources);
}

/// Like [`fill`], for the given fields only.
pub fn fill_fields(
    into: &mut Invoice,
    from: &Invoice,
    fields: impl IntoIterator<Item = InvoiceField>,
    source: Source,
    sources: &mut Sources,
) {
    for f in fields {
        if !into.has(f) && from.has(f) {
            into.copy_from(from, f);
            sources.insert(f, source);
        }
    }
}

/// Reads an invoice from a document's pages and attachments, trying `templates`.
///
/// `ocr_quality` is 1.0 for native text, else the OCR's mean word confidence.
pub fn read(
    pages: &[PageText],
    attachments: &[Attachment],
    templates: &[Template],
    ocr_quality: f64,
) -> InvoiceResult {
    read_with_regions(pages, attachments, templates, None, ocr_quality)
}

/// Like [`read`], with the regions a person drew and mapped to fields (as a template
/// without keywords) taking precedence over everything else.
pub fn read_with_regions(
    pages: &[PageText],
    attachments: &[Attachment],
    templates: &[Template],
    drawn: Option<&Template>,
    ocr_quality: f64,
) -> InvoiceResult {
    let matched = best_match(templates, pages);
    read_with_match(
        pages,
        attachments,
        templates,
        matched,
        drawn,
        ocr_quality,
        None,
    )
}

/// Like [`read_with_regions`], with the template match already decided (e.g. with OCR
/// text from the page image); `None` with templates given means none matched. A
/// `locale` decides what the rules cannot tell from the document (day/month order, the
/// decimal separator).
pub fn read_with_match(
    pages: &[PageText],
    attachments: &[Attachment],
    templates: &[Template],
    matched: Option<(&Template, TemplateMatch)>,
    drawn: Option<&Template>,
    ocr_quality: f64,
    locale: Option<Locale>,
) -> InvoiceResult {
    let mut invoice = Invoice::default();
    let mut sources = BTreeMap::new();
    let mut warnings = Vec::new();
    let mut extras = BTreeMap::new();
    fill_drawn(&mut invoice, &mut sources, pages, drawn);
    let xml = einvoice::from_attachments(attachments);
    if let Some((inv, _)) = &xml {
        fill(&mut invoice, inv, Source::EInvoice, &mut sources);
    }

    let mut template = None;
    if !templates.is_empty() {
        match matched {
            Some((t, m)) => {
                let applied = t.apply(pages);
                let mut found = applied.invoice.clone();
                // Only the fields the template itself read count as the template's.
                for f in InvoiceField::HEADER
                    .into_iter()
                    .chain(InvoiceField::EXTENDED)
                {
                    if !applied.filled.contains(&f) {
                        found.clear(f);
                    }
                }
                fill(&mut invoice, &found, Source::Template, &mut sources);
                extras = applied.extras;
                warnings.extend(applied.warnings);
                template = Some(m);
            }
            None => {
                let why = templates
                    .iter()
                    .map(|t| t.match_pages(pages).explanation)
                    .collect::<Vec<_>>()
                    .join("; ");
                warnings.push(format!("no template matched ({why})"));
            }
        }
    }

    let mut evidence = Evidence::new();
    let missing = InvoiceField::HEADER
        .into_iter()
        .chain(InvoiceField::EXTENDED)
        .any(|f| !invoice.has(f));
    if missing || invoice.line_items.is_empty() {
        let r = rules::extract_with(pages, locale);
        fill(&mut invoice, &r.invoice, Source::Rules, &mut sources);
        warnings.extend(r.warnings);
        evidence = r.evidence;
    }

    // Only a total and the tax printed: the net amount is their difference.
    if let (None, Some(total), Some(tax)) = (invoice.subtotal, invoice.total, invoice.tax) {
        invoice.subtotal = Some(total - tax);
        sources.insert(InvoiceField::Subtotal, Source::Derived);
        warnings.push(format!(
            "subtotal {} is computed as total − tax (not printed as such)",
            total - tax
        ));
    }

    // No tax printed, and the items add up to the total: nothing was added to the net.
    if let (None, Some(total), None) = (invoice.subtotal, invoice.total, invoice.tax)
        && invoice.line_totals_sum() == Some(total)
    {
        invoice.subtotal = Some(total);
        sources.insert(InvoiceField::Subtotal, Source::Derived);
        warnings.push(format!(
            "subtotal {total} is the total: no tax is printed and the line totals add up to it"
        ));
    }

    let ocr = if pages.iter().all(PageText::needs_ocr) && xml.is_none() {
        warnings.push("the document has no text layer; it needs OCR".into());
        0.0
    } else {
        ocr_quality
    };
    let confidence = confidence::score_with(&invoice, &sources, &evidence, ocr, 1.0);
    InvoiceResult {
        invoice,
        sources,
        confidence,
        template,
        einvoice: xml.map(|(_, s)| s),
        extras,
        warnings,
    }
}

/// The regions a person mapped: applied first, they win over every other source.
fn fill_drawn(
    invoice: &mut Invoice,
    sources: &mut Sources,
    pages: &[PageText],
    drawn: Option<&Template>,
) {
    if let Some(t) = drawn {
        let applied = t.apply(pages);
        let mut found = applied.invoice.clone();
        for f in InvoiceField::HEADER
            .into_iter()
            .chain(InvoiceField::EXTENDED)
        {
            if !applied.filled.contains(&f) || (f == InvoiceField::VendorName && !t.has_field(f)) {
                found.clear(f);
            }
        }
        fill(invoice, &found, Source::Region, sources);
    }
}
