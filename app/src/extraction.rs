//! Reading invoices in the app: the wasm-core pipeline over an open file with the
//! person's mapped regions and saved templates; corrections; building a template from
//! what the person drew; the combined CSV of every open file.

use std::collections::BTreeMap;

use ::engine::protocol::{Reply, Request};
use leptos::prelude::*;
use wasm_core::invoice::InvoiceField;
use wasm_core::invoice::confidence::{Source, score_with};
use wasm_core::invoice::csv::{Columns, CsvInvoice, to_csv_with};
use wasm_core::invoice::locate::Place;
use wasm_core::invoice::pipeline::InvoiceResult;
use wasm_core::template::{FieldRule, ItemsRegion, Match, PageSize, Region as TRegion, Template};

use crate::state::{AiStatus, AppState, Extracted, FileStatus, Region};
use crate::store;

/// The regions of `doc` mapped to a field, as a template without keywords.
fn drawn_template(regions: &[Region], doc: u32) -> Option<Template> {
    let fields: Vec<FieldRule> = regions
        .iter()
        .filter(|r| r.doc == doc)
        .filter_map(|r| {
            let field = r.field?;
            Some(FieldRule {
                label: field.name().to_string(),
                region: Some(TRegion::on_page(r.page, &r.rect)),
                kind: field.value_type(),
                ..FieldRule::default()
            })
        })
        .collect();
    let items = regions.iter().filter(|r| r.doc == doc).find_map(|r| {
        Some(ItemsRegion {
            region: TRegion::on_page(r.page, &r.rect),
            columns: r.items.clone()?,
        })
    });
    (!fields.is_empty() || items.is_some()).then(|| Template {
        vendor: "regions drawn on this document".into(),
        fields,
        items,
        ..Template::default()
    })
}

/// Reads (or re-reads) the invoice of an open file, in the background (see [`read`]).
pub fn run(app: AppState, doc: u32) {
    leptos::task::spawn_local(read(app, doc));
}

/// Reads (or re-reads) the invoice of an open file: the engine runs the pipeline with
/// the mapped regions and saved templates. Corrections the person made stay. While it
/// reads, the file is in `app.extracting` (the invoice panel shows it busy).
pub async fn read(app: AppState, doc: u32) {
    app.extracting.update(|d| d.push(doc));
    read_now(app, doc).await;
    app.extracting.try_update(|d| {
        if let Some(i) = d.iter().position(|x| *x == doc) {
            d.remove(i);
        }
    });
}

async fn read_now(app: AppState, doc: u32) {
    if store::get(doc).is_none() {
        return;
    }
    let drawn = app.regions.with_untracked(|rs| drawn_template(rs, doc));
    let templates = app.templates.get_untracked();
    let request = Request::Extract {
        doc,
        templates,
        drawn: drawn.map(Box::new),
    };
    let Ok((
        Reply::Invoice {
            result,
            places: located,
            ..
        },
        _,
    )) = crate::engine::call(request, None).await
    else {
        return;
    };
    crate::glue::mark(&format!("zonal:invoice {doc}"));
    let mut result = *result;
    let located: BTreeMap<InvoiceField, Place> = located.into_iter().collect();
    app.regions
        .with_untracked(|rs| apply_server_readings(&mut result, rs, doc));
    app.extracted.update(|all| {
        let old = all.iter().position(|e| e.doc == doc).map(|i| all.remove(i));
        let mut e = Extracted {
            doc,
            invoice: result.invoice.clone(),
            result,
            corrected: Vec::new(),
            ai: None,
            places: BTreeMap::new(),
        };
        if let Some(old) = old {
            e.ai = old.ai;
            for f in old.corrected {
                e.invoice.copy_from(&old.invoice, f);
                e.corrected.push(f);
            }
        }
        e.places = app.regions.with_untracked(|rs| places(rs, doc, located));
        all.push(e);
    });
}

/// Where each value is on `doc`'s pages: the region mapped to its field, else where the
/// value is printed (`located`, as the engine found it).
fn places(
    regions: &[Region],
    doc: u32,
    mut out: BTreeMap<InvoiceField, Place>,
) -> BTreeMap<InvoiceField, Place> {
    for r in regions.iter().filter(|r| r.doc == doc) {
        if let Some(f) = r.field {
            out.insert(
                f,
                Place {
                    page: r.page,
                    rect: r.rect,
                },
            );
        }
    }
    out
}

/// The fields of regions read on the server (the relay's OCR): their values, from the
/// region, in the reading; the confidence is scored again, no surer than that OCR.
fn apply_server_readings(result: &mut InvoiceResult, regions: &[Region], doc: u32) {
    let mut quality = result.confidence.ocr_quality;
    let mut applied = false;
    for r in regions.iter().filter(|r| r.doc == doc) {
        let (Some(field), Some(Ok((reading, _)))) = (r.field, &r.ocr) else {
            continue;
        };
        let Ok(value) = field.parse_value(reading.text.trim()) else {
            continue;
        };
        if value.is_some() && result.invoice.set(field, value.as_ref()) {
            result.sources.insert(field, Source::Region);
            quality = quality.min(reading.confidence);
            applied = true;
        }
    }
    if applied {
        let invoice = result.invoice.clone();
        rescore(result, &invoice, quality);
    }
}

/// Scores `invoice` again (its values or sources changed), with the reading's evidence
/// and `ocr_quality`.
fn rescore(result: &mut InvoiceResult, invoice: &wasm_core::invoice::Invoice, ocr_quality: f64) {
    let c = &result.confidence;
    let schema_valid = if c.llm_validity > 0.0 { 1.0 } else { 0.0 };
    result.confidence = score_with(
        invoice,
        &result.sources,
        &c.evidence,
        ocr_quality,
        schema_valid,
    );
}

/// The text "Structure with AI" sends for `doc`: the texts of the regions the person
/// drew (each after its field's or label's name), or, with none, the document's text
/// page by page. Also a short description of what is sent and the page count.
pub async fn ai_text(app: AppState, doc: u32) -> Option<(String, String, usize)> {
    let loaded = store::get(doc)?;
    let pages = loaded.pages.len();
    let regions: Vec<String> = app.regions.with_untracked(|rs| {
        rs.iter()
            .filter(|r| r.doc == doc && !r.text.trim().is_empty())
            .map(|r| {
                let name = match r.field {
                    Some(f) => f.title().to_string(),
                    None => r.label.clone(),
                };
                format!("{name}: {}", r.text.trim())
            })
            .collect()
    });
    if !regions.is_empty() {
        let what = format!(
            "the text of {}",
            crate::format::count(regions.len(), "region")
        );
        return Some((regions.join("\n"), what, pages));
    }
    let text = match crate::engine::call(Request::LayoutTexts { doc }, None).await {
        Ok((Reply::LayoutTexts { pages }, _)) => pages.join("\n\u{c}"),
        _ => return None,
    };
    (!text.trim().is_empty()).then(|| {
        (
            text,
            format!("the text of {}", crate::format::count(pages, "page")),
            pages,
        )
    })
}

/// "Structure with AI": sends [`ai_text`] to the relay and keeps the answer beside the
/// rule-based reading.
pub async fn structure_with_ai(app: AppState, doc: u32) {
    let set = move |status: AiStatus| {
        app.extracted.update(|all| {
            if let Some(e) = all.iter_mut().find(|e| e.doc == doc) {
                e.ai = Some(status);
            }
        })
    };
    let Some((text, what, pages)) = ai_text(app, doc).await else {
        set(AiStatus::Failed(
            "this document has no text to send: draw regions and read them by OCR first".into(),
        ));
        return;
    };
    let filename = app.files.with_untracked(|fs| {
        fs.iter()
            .find(|f| f.id == doc)
            .map(|f| f.name.clone())
            .unwrap_or_default()
    });
    set(AiStatus::Asking(what));
    match crate::relay::structure(&text, &filename, pages).await {
        Ok(r) => set(AiStatus::Done(r)),
        Err(e) => set(AiStatus::Failed(e)),
    }
}

/// On opening a file: read it, and show the matched template's regions on the page.
pub async fn on_open(app: AppState, doc: u32) {
    read(app, doc).await;
    let matched = app.extracted.with_untracked(|all| {
        all.iter()
            .find(|e| e.doc == doc)
            .and_then(|e| e.result.template.as_ref().map(|m| m.vendor.clone()))
    });
    let Some(vendor) = matched else {
        return;
    };
    let Some(t) = app
        .templates
        .with_untracked(|ts| ts.iter().find(|t| t.vendor == vendor).cloned())
    else {
        return;
    };
    let Some(loaded) = store::get(doc) else {
        return;
    };
    // Drawn in the template's page size: scaled to this page's.
    let show = |page: usize, r: &TRegion, label: String, field, items| {
        let Some(info) = loaded.pages.get(page.saturating_sub(1)) else {
            return;
        };
        let rect = t.region_rect(r, info.width, info.height);
        let id = app.next_id();
        app.regions.update(|rs| {
            rs.push(Region {
                id,
                doc,
                page,
                rect,
                label,
                field,
                text: String::new(),
                needs_ocr: false,
                ocr: None,
                ocr_busy: false,
                items,
                table: None,
                reading: false,
            })
        });
        app.reread_regions(|r| r.id == id);
    };
    if let Some(items) = &t.items {
        let columns = Some(items.columns.clone());
        show(
            items.region.page,
            &items.region,
            "Line items".into(),
            None,
            columns,
        );
    }
    for f in &t.fields {
        let Some(r) = f.region else { continue };
        let label = f
            .field()
            .map_or_else(|| f.label.clone(), |x| x.title().to_string());
        show(r.page, &r, label, f.field(), None);
    }
}

/// After a file's scanned pages were read by OCR: its invoice read again (corrections
/// stay), and a template matched on the new text shows its regions, unless the person
/// has drawn some.
pub async fn after_ocr(app: AppState, doc: u32) {
    if app
        .regions
        .with_untracked(|rs| rs.iter().any(|r| r.doc == doc))
    {
        read(app, doc).await;
    } else {
        on_open(app, doc).await;
    }
}

/// Applies a person's correction; the error says what is wrong with the value.
pub fn correct(app: AppState, doc: u32, f: InvoiceField, value: &str) -> Result<(), String> {
    let mut inv = app
        .extracted
        .with_untracked(|all| all.iter().find(|e| e.doc == doc).map(|e| e.invoice.clone()))
        .ok_or("read the invoice first")?;
    let v = f.parse_value(value).map_err(|e| e.to_string())?;
    if !inv.set(f, v.as_ref()) {
        return Err(format!("{} cannot be corrected here", f.title()));
    }
    let located = inv.clone();
    app.extracted.update(|all| {
        if let Some(e) = all.iter_mut().find(|e| e.doc == doc) {
            e.invoice = inv;
            if !e.corrected.contains(&f) {
                e.corrected.push(f);
            }
            // A value the person typed is certain; the cross-checks are redone.
            e.result.sources.insert(f, Source::Person);
            let quality = e.result.confidence.ocr_quality;
            rescore(&mut e.result, &e.invoice, quality);
        }
    });
    // Where the corrected value is printed, for review.
    leptos::task::spawn_local(async move {
        let request = Request::Locate {
            doc,
            invoice: Box::new(located),
            field: f,
        };
        let Ok((Reply::Place { place }, _)) = crate::engine::call(request, None).await else {
            return;
        };
        app.extracted.update(|all| {
            if let Some(e) = all.iter_mut().find(|e| e.doc == doc) {
                match place {
                    Some(p) => e.places.insert(f, p),
                    None => e.places.remove(&f),
                };
            }
        });
    });
    Ok(())
}

/// A server job's invoice for `doc` (the relay's OCR and AI over the whole PDF): its
/// values take the place of the browser's reading, except what the person corrected,
/// and are scored again as an AI's reading.
pub fn adopt_server(app: AppState, doc: u32, invoice: wasm_core::invoice::Invoice) {
    app.extracted.update(|all| {
        if let Some(e) = all.iter_mut().find(|e| e.doc == doc) {
            let fields = InvoiceField::HEADER
                .into_iter()
                .chain(InvoiceField::EXTENDED)
                .chain([InvoiceField::LineItems]);
            for f in fields {
                if !e.corrected.contains(&f) && invoice.has(f) {
                    e.invoice.copy_from(&invoice, f);
                    e.result.sources.insert(f, Source::Llm);
                }
            }
            let quality = e.result.confidence.ocr_quality;
            rescore(&mut e.result, &e.invoice, quality);
        }
    });
}

/// The person's line items for `doc` (added, edited or deleted rows): they are what is
/// exported, and the cross-checks are redone.
pub fn edit_items(app: AppState, doc: u32, items: Vec<wasm_core::invoice::LineItem>) {
    app.extracted.update(|all| {
        if let Some(e) = all.iter_mut().find(|e| e.doc == doc) {
            e.invoice.line_items = items;
            if !e.corrected.contains(&InvoiceField::LineItems) {
                e.corrected.push(InvoiceField::LineItems);
            }
            e.result
                .sources
                .insert(InvoiceField::LineItems, Source::Person);
            let quality = e.result.confidence.ocr_quality;
            rescore(&mut e.result, &e.invoice, quality);
        }
    });
}

/// A template from the regions the person mapped on `doc`, identified by the vendor's
/// name (which must appear on the first page) or else the first page's first line.
pub async fn template_from(app: AppState, doc: u32, vendor: &str) -> Result<Template, String> {
    let vendor = vendor.trim();
    if vendor.is_empty() {
        return Err("give the template a vendor name".into());
    }
    let drawn = app
        .regions
        .with_untracked(|rs| drawn_template(rs, doc))
        .ok_or("map at least one region to an invoice field or the line items first")?;
    let loaded = store::get(doc).ok_or("the file is not open")?;
    let (text, lines) = match crate::engine::call(Request::FirstPage { doc }, None).await {
        Ok((Reply::FirstPage { text, lines }, _)) => (text, lines),
        Ok(_) => return Err("the file has no pages".into()),
        Err(e) => return Err(e.to_string()),
    };
    let keyword = if text.to_lowercase().contains(&vendor.to_lowercase()) {
        regex_escape(vendor)
    } else {
        let line = lines
            .into_iter()
            .find(|t| t.trim().chars().count() >= 4)
            .ok_or("the first page has no text to recognise this vendor by")?;
        regex_escape(line.trim())
    };
    let size = loaded.pages.first().map(|p| PageSize {
        width: p.width,
        height: p.height,
    });
    Ok(Template {
        vendor: vendor.to_string(),
        matcher: Match {
            keywords: vec![format!("(?i){keyword}")],
            exclude_keywords: Vec::new(),
        },
        page_size: size,
        fields: drawn.fields,
        items: drawn.items,
        ..Template::default()
    })
}

fn regex_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if "\\.+*?()|[]{}^$#&-~".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A file the export left out, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct LeftOut {
    /// The file's name as listed.
    pub name: String,
    /// Why, in plain words.
    pub why: String,
}

/// How long the export waits for files still opening: 50 ms steps (30 s).
const OPENING_WAIT_STEPS: u32 = 600;

/// The combined CSV of every open file with `columns` (reading any not read yet, named
/// as the file list shows them), and the files it leaves out with why.
pub async fn combined_csv(app: AppState, columns: Columns) -> (String, Vec<LeftOut>) {
    // Files still opening are waited for (a while): they are in the export they were
    // dropped for.
    for _ in 0..OPENING_WAIT_STEPS {
        let opening = app
            .files
            .with_untracked(|fs| fs.iter().any(|f| matches!(f.status, FileStatus::Loading)));
        if !opening {
            break;
        }
        gloo_timers::future::TimeoutFuture::new(50).await;
    }
    let mut ready: Vec<(u32, String)> = Vec::new();
    let mut left_out = Vec::new();
    app.files.with_untracked(|fs| {
        for f in fs {
            let why = match &f.status {
                FileStatus::Ready(_) => {
                    ready.push((f.id, f.display.clone()));
                    continue;
                }
                FileStatus::Loading => "still opening".to_string(),
                FileStatus::NeedsPassword { .. } => "locked: it needs its password".to_string(),
                FileStatus::Failed(e) => e.clone(),
            };
            left_out.push(LeftOut {
                name: f.display.clone(),
                why,
            });
        }
    });
    for (id, _) in &ready {
        if !app
            .extracted
            .with_untracked(|all| all.iter().any(|e| e.doc == *id))
        {
            read(app, *id).await;
        }
    }
    let csv = app.extracted.with_untracked(|all| {
        let rows: Vec<CsvInvoice<'_>> = ready
            .iter()
            .filter_map(|(id, name)| {
                let e = all.iter().find(|e| e.doc == *id)?;
                Some(CsvInvoice {
                    invoice: &e.invoice,
                    confidence: e.result.confidence.score,
                    filename: name,
                })
            })
            .collect();
        to_csv_with(&rows, columns)
    });
    (csv, left_out)
}
