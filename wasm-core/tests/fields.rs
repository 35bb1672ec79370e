//! Field accuracy on the corpus invoices, scored as `../shared/tools/fields_accuracy.py`
//! scores `zonal extract`: invoice2data's `*.expected.json` and the ZUGFeRD summaries,
//! once with the offline pipeline alone ("rules") and once with the invoice2data
//! template that came with each invoice ("templates"). The floors are the figures
//! measured when they were set; a change that lowers either fails here.

mod common;

use std::path::Path;

use rust_decimal::Decimal;
use serde_json::Value;
use wasm_core::invoice::InvoiceField;
use wasm_core::invoice::pipeline::read;
use wasm_core::template::Template;

/// Rules-only accuracy measured on the dev set (percent of fields).
const RULES_FLOOR: f64 = 97.9;
/// Accuracy with the invoice2data templates (saeco needs OCR for its keywords).
const TEMPLATES_FLOOR: f64 = 97.2;

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
    let Ok(doc) = wasm_core::Document::open(std::fs::read(pdf).unwrap_or_default(), None) else {
        return 0;
    };
    let pages: Vec<_> = (1..=doc.page_count())
        .filter_map(|p| doc.page_text(p).ok())
        .collect();
    let inv = read(&pages, &doc.attachments(), templates, 1.0).invoice;
    truth
        .iter()
        .filter(|(f, kind, exp)| same(*kind, exp, InvoiceField::header(f).and_then(|f| inv.get(f))))
        .count()
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
