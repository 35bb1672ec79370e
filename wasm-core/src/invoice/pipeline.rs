//! The offline pipeline for one document: the e-invoice XML it carries, else the best
//! matching vendor template, then the rule-based parser for whatever is still missing;
//! confidence last.

use std::collections::BTreeMap;

use serde::Serialize;

use super::confidence::{self, Confidence, HEADER_FIELDS, Source, has_field};
use super::{Invoice, einvoice, rules};
use crate::attachments::Attachment;
use crate::template::{Template, TemplateMatch, best_match};
use crate::text::PageText;

/// What the pipeline read from a document, and how sure it is.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InvoiceResult {
    /// The invoice.
    pub invoice: Invoice,
    /// Where each field came from, by JSON name.
    pub sources: BTreeMap<&'static str, Source>,
    /// Overall and per-field confidence.
    pub confidence: Confidence,
    /// The template applied, with why it matched.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub template: Option<TemplateMatch>,
    /// The e-invoice syntax read, when the PDF carries one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub einvoice: Option<einvoice::Syntax>,
    /// Template fields that are not invoice fields (VAT id, IBAN…).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub extras: BTreeMap<String, String>,
    /// What a person should check, in plain words.
    pub warnings: Vec<String>,
}

/// Copies the header fields `from` has and `into` lacks, recording their source.
fn fill(
    into: &mut Invoice,
    from: &Invoice,
    source: Source,
    sources: &mut BTreeMap<&'static str, Source>,
) {
    for f in HEADER_FIELDS {
        if !has_field(into, f) && has_field(from, f) {
            into.copy_field(from, f);
            sources.insert(f, source);
        }
    }
    if into.line_items.is_empty() && !from.line_items.is_empty() {
        into.line_items = from.line_items.clone();
        sources.insert("lineItems", source);
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
    read_with_match(pages, attachments, templates, matched, drawn, ocr_quality)
}

/// Like [`read_with_regions`], with the template match already decided (e.g. with OCR
/// text from the page image); `None` with templates given means none matched.
pub fn read_with_match(
    pages: &[PageText],
    attachments: &[Attachment],
    templates: &[Template],
    matched: Option<(&Template, TemplateMatch)>,
    drawn: Option<&Template>,
    ocr_quality: f64,
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
                for f in HEADER_FIELDS {
                    if !applied.filled.contains(&f) {
                        found.copy_field(&Invoice::default(), f);
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

    if HEADER_FIELDS.iter().any(|f| !has_field(&invoice, f)) || invoice.line_items.is_empty() {
        let r = rules::extract(pages);
        fill(&mut invoice, &r.invoice, Source::Rules, &mut sources);
        warnings.extend(r.warnings);
    }

    // Only a total and the tax printed: the net amount is their difference.
    if let (None, Some(total), Some(tax)) = (invoice.subtotal, invoice.total, invoice.tax) {
        invoice.subtotal = Some(total - tax);
        sources.insert("subtotal", Source::Derived);
        warnings.push(format!(
            "subtotal {} is computed as total − tax (not printed as such)",
            total - tax
        ));
    }

    let ocr = if pages.iter().all(PageText::needs_ocr) && xml.is_none() {
        warnings.push("the document has no text layer; it needs OCR".into());
        0.0
    } else {
        ocr_quality
    };
    let confidence = confidence::score(&invoice, &sources, ocr, 1.0);
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
    sources: &mut BTreeMap<&'static str, Source>,
    pages: &[PageText],
    drawn: Option<&Template>,
) {
    if let Some(t) = drawn {
        let applied = t.apply(pages);
        let mut found = applied.invoice.clone();
        for f in HEADER_FIELDS {
            if !applied.filled.contains(&f) || (f == "vendorName" && !t.has_field(f)) {
                found.copy_field(&Invoice::default(), f);
            }
        }
        fill(invoice, &found, Source::Region, sources);
    }
}
