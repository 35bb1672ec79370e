//! Field accuracy on the corpus invoices, scored as `../shared/tools/fields_accuracy.py`
//! scores `zonal extract`: invoice2data's `*.expected.json` and the ZUGFeRD summaries,
//! once with the offline pipeline alone ("rules") and once with the invoice2data
//! template that came with each invoice ("templates"); and the printed e-invoices of
//! `zugferd-visual/` (their XML removed) read without a template, line items scored
//! against the XML's, with the calibration of the confidences. The floors are the
//! figures measured when they were set; a change that lowers one fails here.

mod common;

use std::path::Path;

use rust_decimal::Decimal;
use serde_json::Value;
use wasm_core::invoice::pipeline::{InvoiceResult, read};
use wasm_core::invoice::{InvoiceField, LineItem};
use wasm_core::template::Template;

/// Rules-only accuracy measured on the dev set (percent of fields).
const RULES_FLOOR: f64 = 99.3;
/// Accuracy with the invoice2data templates (the rules fill what saeco's template,
/// whose keywords are in a picture, cannot).
const TEMPLATES_FLOOR: f64 = 100.0;
/// `zugferd-visual/` header fields without the XML (dev 90.2 %: one sample's page
/// prints another invoice than its XML, one prints gross amounts).
const VISUAL_FLOOR: f64 = 90.0;
/// `zugferd-visual/` line-item F1 (dev 89.4 %).
const VISUAL_LINES_F1_FLOOR: f64 = 88.0;

#[derive(Clone, Copy)]
enum Kind {
    Money,
    Date,
    Fuzzy,
    Exact,
}

fn truth(v: &Value) -> Vec<(&'static str, Kind, String)> {
    let v = v.as_array().and_then(|a| a.first()).unwrap_or(v);
    let s = |k: &str| match v.get(k) {
        Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    };
    let mut out = Vec::new();
    if v.get("issuer").is_some() || v.get("amount").is_some() {
        for (k, f, kind) in [
            ("invoice_number", "invoiceNumber", Kind::Exact),
            ("date", "invoiceDate", Kind::Date),
            ("date_due", "dueDate", Kind::Date),
            ("amount", "total", Kind::Money),
            ("amount_tax", "tax", Kind::Money),
            ("amount_untaxed", "subtotal", Kind::Money),
            ("currency", "currency", Kind::Exact),
            ("issuer", "vendorName", Kind::Fuzzy),
        ] {
            if let Some(x) = s(k) {
                out.push((f, kind, x));
            }
        }
    } else {
        if let Some(x) = s("invoice_number") {
            out.push(("invoiceNumber", Kind::Exact, x));
        }
        if let Some(d) = s("issue_date").filter(|d| d.len() == 8) {
            out.push((
                "invoiceDate",
                Kind::Date,
                format!("{}-{}-{}", &d[..4], &d[4..6], &d[6..]),
            ));
        }
        for (k, f, kind) in [
            ("seller_name", "vendorName", Kind::Fuzzy),
            ("currency", "currency", Kind::Exact),
            ("grand_total", "total", Kind::Money),
            ("tax_total", "tax", Kind::Money),
            ("tax_basis_total", "subtotal", Kind::Money),
        ] {
            if let Some(x) = s(k) {
                out.push((f, kind, x));
            }
        }
    }
    out
}

fn same(kind: Kind, expected: &str, got: Option<String>) -> bool {
    let Some(got) = got.filter(|g| !g.is_empty()) else {
        return false;
    };
    let cents = |s: &str| s.parse::<Decimal>().ok().map(|d| d.round_dp(2));
    let squash = |s: &str| {
        s.to_lowercase()
            .chars()
            .filter(|c| c.is_alphanumeric() || *c == '_')
            .collect::<String>()
    };
    match kind {
        Kind::Money => cents(expected).is_some() && cents(expected) == cents(&got),
        Kind::Date => got.get(..10) == Some(expected),
        Kind::Fuzzy => {
            let (a, b) = (squash(expected), squash(&got));
            !a.is_empty() && !b.is_empty() && (a.contains(&b) || b.contains(&a))
        }
        Kind::Exact => expected.trim() == got.trim(),
    }
}

fn score(pdf: &Path, templates: &[Template], truth: &[(&'static str, Kind, String)]) -> usize {
    read_and_score(pdf, templates, truth).0
}

/// Reads `pdf` and counts the true fields; with each value given, its confidence and
/// whether it is right.
fn read_and_score(
    pdf: &Path,
    templates: &[Template],
    truth: &[(&'static str, Kind, String)],
) -> (usize, Vec<(f64, bool)>, Option<InvoiceResult>) {
    let Ok(doc) = wasm_core::Document::open(std::fs::read(pdf).unwrap_or_default(), None) else {
        return (0, Vec::new(), None);
    };
    let pages: Vec<_> = (1..=doc.page_count())
        .filter_map(|p| doc.page_text(p).ok())
        .collect();
    let r = read(&pages, &doc.attachments(), templates, 1.0);
    let mut ok = 0;
    let mut calibration = Vec::new();
    for (f, kind, exp) in truth {
        let field = InvoiceField::header(f);
        let got = field.and_then(|f| r.invoice.get(f));
        let right = same(*kind, exp, got.clone());
        ok += usize::from(right);
        if let (Some(field), Some(_)) = (field, got)
            && let Some(c) = r.confidence.fields.get(&field)
        {
            calibration.push((*c, right));
        }
    }
    (ok, calibration, Some(r))
}

/// The line items of an e-invoice XML (CII, ZUGFeRD 1, UBL): description and line total.
fn true_lines(xml: &str) -> Vec<(String, Decimal)> {
    let Ok(doc) = roxmltree::Document::parse(xml) else {
        return Vec::new();
    };
    let first = |n: roxmltree::Node<'_, '_>, names: &[&str]| {
        names.iter().find_map(|name| {
            n.descendants()
                .find(|d| {
                    d.tag_name().name() == *name && d.text().is_some_and(|t| !t.trim().is_empty())
                })
                .and_then(|d| d.text())
                .map(|t| t.trim().to_string())
        })
    };
    doc.descendants()
        .filter(|n| {
            matches!(
                n.tag_name().name(),
                "IncludedSupplyChainTradeLineItem" | "InvoiceLine" | "CreditNoteLine"
            )
        })
        .filter_map(|n| {
            let total = first(n, &["LineTotalAmount", "LineExtensionAmount"])?;
            let total = total.parse::<Decimal>().ok()?.round_dp(2);
            Some((
                first(n, &["Name", "Description"]).unwrap_or_default(),
                total,
            ))
        })
        .collect()
}

/// True lines matched by a line found with the same total and half its words shared.
fn line_hits(truth: &[(String, Decimal)], got: &[LineItem]) -> usize {
    let words = |s: &str| -> std::collections::BTreeSet<String> {
        s.to_lowercase()
            .split(|c: char| !c.is_alphanumeric() && c != '_')
            .filter(|w| !w.is_empty())
            .map(str::to_string)
            .collect()
    };
    let mut used = vec![false; got.len()];
    let mut hits = 0;
    for (desc, total) in truth {
        let tw = words(desc);
        let found = got.iter().enumerate().position(|(i, l)| {
            let gw = words(l.description.as_deref().unwrap_or(""));
            !used[i]
                && l.line_total.map(|t| t.round_dp(2)) == Some(*total)
                && (tw.is_empty()
                    || (!gw.is_empty()
                        && 2 * tw.intersection(&gw).count() >= tw.len().min(gw.len())))
        });
        if let Some(i) = found {
            used[i] = true;
            hits += 1;
        }
    }
    hits
}

#[test]
fn printed_e_invoices_read_without_their_xml_nor_a_template() {
    let (mut fields, mut lines) = ([0usize; 2], [0usize; 3]); // [n, ok]; [true, got, hits]
    let mut calibration = Vec::new();
    let mut report = String::new();
    for exp in common::files_in("zugferd-visual") {
        let name = exp.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        let Some(stem) = name.strip_suffix(".expected.json") else {
            continue;
        };
        if stem.contains("_fail_") {
            continue; // the samples whose page is known to disagree with their XML
        }
        let v: Value = serde_json::from_str(&std::fs::read_to_string(&exp).unwrap_or_default())
            .unwrap_or(Value::Null);
        let t = truth(&v);
        let pdf = exp.with_file_name(format!("{stem}.pdf"));
        let (ok, cal, r) = read_and_score(&pdf, &[], &t);
        let r = r.unwrap_or_else(|| panic!("{stem}: does not open"));
        assert!(
            r.einvoice.is_none(),
            "{stem}: the XML is removed from these"
        );
        fields[0] += t.len();
        fields[1] += ok;
        calibration.extend(cal);
        let xml = std::fs::read_to_string(exp.with_file_name(format!("{stem}.embedded.xml")))
            .unwrap_or_default();
        let tl = true_lines(&xml);
        let hits = line_hits(&tl, &r.invoice.line_items);
        lines[0] += tl.len();
        lines[1] += r.invoice.line_items.len();
        lines[2] += hits;
        report.push_str(&format!(
            "{stem}: {ok}/{} lines {hits}/{} (got {})\n",
            t.len(),
            tl.len(),
            r.invoice.line_items.len()
        ));
    }
    let pct = 100.0 * fields[1] as f64 / fields[0].max(1) as f64;
    let (p, rc) = (
        lines[2] as f64 / lines[1].max(1) as f64,
        lines[2] as f64 / lines[0].max(1) as f64,
    );
    let f1 = if p + rc > 0.0 {
        200.0 * p * rc / (p + rc)
    } else {
        0.0
    };
    let high: Vec<bool> = calibration
        .iter()
        .filter(|(c, _)| *c >= 0.9)
        .map(|(_, r)| *r)
        .collect();
    let wrong: Vec<f64> = calibration
        .iter()
        .filter(|(_, r)| !r)
        .map(|(c, _)| *c)
        .collect();
    let precision = 100.0 * high.iter().filter(|r| **r).count() as f64 / high.len().max(1) as f64;
    let flagged =
        100.0 * wrong.iter().filter(|c| **c < 0.6).count() as f64 / wrong.len().max(1) as f64;
    println!(
        "{report}fields={pct:.1} ({} fields) lines_f1={f1:.1} ({} true lines) high={} at {precision:.1}% right, {} wrong at {flagged:.1}% below 0.6",
        fields[0],
        lines[0],
        high.len(),
        wrong.len()
    );
    assert!(
        fields[0] >= 100 && lines[0] >= 40,
        "the corpus set is missing: {report}"
    );
    assert!(
        pct >= VISUAL_FLOOR,
        "header fields {pct:.1} < {VISUAL_FLOOR}\n{report}"
    );
    assert!(
        f1 >= VISUAL_LINES_F1_FLOOR,
        "line-item F1 {f1:.1} < {VISUAL_LINES_F1_FLOOR}\n{report}"
    );
    // The values given at 0.9 and above are nearly all right (dev: the 3 wrong ones are
    // the sample whose page is another invoice than its XML, and they add up).
    assert!(
        high.len() >= 30 && precision >= 90.0,
        "{} values at >= 0.9, {precision:.1}% right",
        high.len()
    );
    assert!(
        flagged >= 50.0,
        "only {flagged:.1}% of the wrong values are below 0.6"
    );
}

#[test]
fn field_accuracy_with_rules_and_with_invoice2data_templates() {
    let (mut rules, mut tmpl) = ([0usize; 2], [0usize; 2]);
    let mut report = String::new();
    for sub in ["invoice2data", "zugferd"] {
        let files = common::files_in(sub);
        for exp in files {
            let name = exp.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            let Some(stem) = name.strip_suffix(".expected.json") else {
                continue;
            };
            if stem.contains("_fail_") {
                continue;
            }
            let pdf = exp.with_file_name(format!("{stem}.pdf"));
            let v: Value = serde_json::from_str(&std::fs::read_to_string(&exp).unwrap_or_default())
                .unwrap_or(Value::Null);
            let t = truth(&v);
            let ok = score(&pdf, &[], &t);
            rules[0] += t.len();
            rules[1] += ok;
            report.push_str(&format!("rules {stem}: {ok}/{}\n", t.len()));
            let tpath = exp.with_file_name(format!("{stem}.template.yml"));
            if let Ok(text) = std::fs::read_to_string(&tpath) {
                let template = Template::parse(&text).unwrap_or_else(|e| panic!("{stem}: {e}"));
                let ok = score(&pdf, &[template], &t);
                tmpl[0] += t.len();
                tmpl[1] += ok;
                report.push_str(&format!("templates {stem}: {ok}/{}\n", t.len()));
            }
        }
    }
    let pct = |[n, ok]: [usize; 2]| 100.0 * ok as f64 / n.max(1) as f64;
    println!(
        "{report}rules={:.1} ({} fields) templates={:.1} ({} fields)",
        pct(rules),
        rules[0],
        pct(tmpl),
        tmpl[0]
    );
    assert!(
        rules[0] >= 140 && tmpl[0] >= 30,
        "the corpus invoices are missing: {report}"
    );
    assert!(
        pct(rules) >= RULES_FLOOR,
        "rules accuracy {:.1} < {RULES_FLOOR}\n{report}",
        pct(rules)
    );
    assert!(
        pct(tmpl) >= TEMPLATES_FLOOR,
        "template accuracy {:.1} < {TEMPLATES_FLOOR}\n{report}",
        pct(tmpl)
    );
}
