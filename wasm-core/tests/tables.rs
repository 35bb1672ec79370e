//! Tables in a region against the ground truth that came with the corpus: the ICDAR 2013
//! table competition's cells (`*-str.xml`, tables located by `gt:icdar2013_table`
//! regions) and tabula-java's expected CSVs for a page area.
//!
//! Agreement is cell-text F1: the non-empty cells of both tables as multisets of text
//! (whitespace collapsed), so a table that splits or merges a column loses exactly the
//! cells it gets wrong. The floors are the figures measured when they were set.

mod common;

use std::collections::HashMap;

use serde_json::Value;
use wasm_core::geometry::Rect;

/// ICDAR 2013 cell-text F1 measured on the dev set (percent).
const ICDAR_FLOOR: f64 = 77.5;
/// tabula cell-text F1 measured on the dev set (percent).
const TABULA_FLOOR: f64 = 86.0;

fn norm(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// (matched, ours, theirs) over non-empty cells.
fn agreement(ours: &[Vec<String>], theirs: &[String]) -> (usize, usize, usize) {
    let mut bag: HashMap<String, usize> = HashMap::new();
    for c in theirs.iter().map(|c| norm(c)).filter(|c| !c.is_empty()) {
        *bag.entry(c).or_default() += 1;
    }
    let total_theirs = bag.values().sum();
    let mut matched = 0;
    let mut total_ours = 0;
    for c in ours
        .iter()
        .flatten()
        .map(|c| norm(c))
        .filter(|c| !c.is_empty())
    {
        total_ours += 1;
        if let Some(n) = bag.get_mut(&c).filter(|n| **n > 0) {
            *n -= 1;
            matched += 1;
        }
    }
    (matched, total_ours, total_theirs)
}

fn f1((m, o, t): (usize, usize, usize)) -> f64 {
    if o + t == 0 {
        return 0.0;
    }
    200.0 * m as f64 / (o + t) as f64
}

/// A JSON array of four numbers.
fn four(v: &Value) -> Option<[f64; 4]> {
    let b: Vec<f64> = v.as_array()?.iter().filter_map(Value::as_f64).collect();
    b.try_into().ok()
}

fn table_rows(file: &std::path::Path, page: usize, rect: &Rect) -> Vec<Vec<String>> {
    let Ok(doc) = wasm_core::Document::open(std::fs::read(file).unwrap_or_default(), None) else {
        return Vec::new();
    };
    doc.page_text(page)
        .ok()
        .and_then(|t| t.region_table(rect))
        .map(|t| t.rows)
        .unwrap_or_default()
}

fn icdar() -> ((usize, usize, usize), String) {
    let dir = common::corpus_dir().join("icdar2013");
    let names = common::files_in("icdar2013");
    let mut sum = (0, 0, 0);
    let mut report = String::new();
    for pdf in names
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "pdf"))
    {
        let stem = pdf.file_stem().and_then(|s| s.to_str()).unwrap_or_default();
        let xml = std::fs::read_to_string(dir.join(format!("{stem}-str.xml"))).unwrap_or_default();
        let regions: Value = serde_json::from_str(
            &std::fs::read_to_string(dir.join(format!("{stem}.pdf.regions.json")))
                .unwrap_or_default(),
        )
        .unwrap_or(Value::Null);
        let Ok(gt) = roxmltree::Document::parse(&xml) else {
            continue;
        };
        for p in regions["pages"].as_array().into_iter().flatten() {
            let page = p["page_number"].as_u64().unwrap_or(1) as usize;
            for r in p["regions"].as_array().into_iter().flatten() {
                if r["kind"] != "gt:icdar2013_table" {
                    continue;
                }
                // ids look like p2-icdar-t3-r1: table 3, region 1.
                let id = r["id"].as_str().unwrap_or_default();
                let (Some(t), Some(reg)) = (
                    id.split("-t").nth(1).and_then(|s| s.split('-').next()),
                    id.rsplit("-r").next(),
                ) else {
                    continue;
                };
                let Some([x0, top, x1, bottom]) = four(&r["bbox"]) else {
                    continue;
                };
                let rect = Rect {
                    x0,
                    top,
                    x1,
                    bottom,
                };
                let cells: Vec<String> = gt
                    .descendants()
                    .filter(|n| n.has_tag_name("table") && n.attribute("id") == Some(t))
                    .flat_map(|tb| {
                        tb.children()
                            .filter(|n| n.has_tag_name("region") && n.attribute("id") == Some(reg))
                    })
                    .flat_map(|rg| rg.children().filter(|n| n.has_tag_name("cell")))
                    .map(|c| {
                        c.children()
                            .find(|n| n.has_tag_name("content"))
                            .and_then(|n| n.text())
                            .unwrap_or_default()
                            .to_string()
                    })
                    .collect();
                let a = agreement(&table_rows(pdf, page, &rect), &cells);
                report.push_str(&format!("icdar {stem} {id}: F1 {:.1} {a:?}\n", f1(a)));
                sum = (sum.0 + a.0, sum.1 + a.1, sum.2 + a.2);
            }
        }
    }
    (sum, report)
}

fn tabula() -> ((usize, usize, usize), String) {
    let names = common::files_in("tabula");
    let mut sum = (0, 0, 0);
    let mut report = String::new();
    for spec in names
        .iter()
        .filter(|p| p.to_string_lossy().ends_with(".tabula.json"))
    {
        let v: Value = serde_json::from_str(&std::fs::read_to_string(spec).unwrap_or_default())
            .unwrap_or(Value::Null);
        let stem = spec
            .to_string_lossy()
            .trim_end_matches(".tabula.json")
            .to_string();
        let pdf = std::path::PathBuf::from(format!("{stem}.pdf"));
        let csv_text = std::fs::read_to_string(format!("{stem}.tabula.csv")).unwrap_or_default();
        let cells: Vec<String> = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(csv_text.as_bytes())
            .records()
            .filter_map(Result::ok)
            .flat_map(|r| r.iter().map(str::to_string).collect::<Vec<_>>())
            .collect();
        let page = v["page"].as_u64().unwrap_or(1) as usize;
        for a in v["areas"].as_array().into_iter().flatten() {
            // tabula areas are [top, left, bottom, right].
            let Some([top, x0, bottom, x1]) = four(a) else {
                continue;
            };
            let rect = Rect {
                x0,
                top,
                x1,
                bottom,
            };
            let agr = agreement(&table_rows(&pdf, page, &rect), &cells);
            let name = pdf
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default()
                .to_string();
            report.push_str(&format!(
                "tabula {name} ({}): F1 {:.1} {agr:?}\n",
                v["method"],
                f1(agr)
            ));
            sum = (sum.0 + agr.0, sum.1 + agr.1, sum.2 + agr.2);
        }
    }
    (sum, report)
}

#[test]
fn table_cell_agreement_with_icdar_2013_and_tabula() {
    let (i, ri) = icdar();
    let (t, rt) = tabula();
    println!(
        "{ri}{rt}icdar2013 cell F1 = {:.1}  tabula cell F1 = {:.1}",
        f1(i),
        f1(t)
    );
    assert!(i.2 > 300 && t.2 > 300, "ground truth missing:\n{ri}{rt}");
    assert!(
        f1(i) >= ICDAR_FLOOR,
        "ICDAR 2013 cell F1 {:.1} < {ICDAR_FLOOR}\n{ri}",
        f1(i)
    );
    assert!(
        f1(t) >= TABULA_FLOOR,
        "tabula cell F1 {:.1} < {TABULA_FLOOR}\n{rt}",
        f1(t)
    );
}

/// A page with an item table laid out in columns, as OCR or a PDF gives its words.
fn item_table_page() -> wasm_core::PageText {
    let rows: [&[(&str, f64)]; 5] = [
        &[
            ("Omschrijving", 50.0),
            ("Aantal", 300.0),
            ("Prijs", 380.0),
            ("Bedrag", 470.0),
        ],
        &[
            ("Stoel", 50.0),
            ("eiken", 85.0),
            ("2", 300.0),
            ("45,00", 380.0),
            ("90,00", 470.0),
        ],
        &[("met", 50.0), ("armleuning", 75.0)],
        &[
            ("Tafel", 50.0),
            ("1", 300.0),
            ("310,50", 380.0),
            ("310,50", 470.0),
        ],
        &[
            ("Lamp", 50.0),
            ("3", 300.0),
            ("12,95", 380.0),
            ("38,85", 470.0),
        ],
    ];
    let words: Vec<(String, Rect)> = rows
        .iter()
        .enumerate()
        .flat_map(|(i, row)| {
            let top = 200.0 + 16.0 * i as f64;
            row.iter().map(move |(t, x)| {
                let rect = Rect {
                    x0: *x,
                    top,
                    x1: x + 6.0 * t.chars().count() as f64,
                    bottom: top + 10.0,
                };
                (t.to_string(), rect)
            })
        })
        .collect();
    wasm_core::PageText::from_ocr_words(1, 595.0, 842.0, &words)
}

#[test]
fn a_region_over_an_item_table_becomes_line_items_by_its_columns() {
    use wasm_core::template::{ItemColumn, ItemsRegion, Region, Template};
    let page = item_table_page();
    let area = Rect {
        x0: 40.0,
        top: 190.0,
        x1: 540.0,
        bottom: 290.0,
    };
    let table = page.region_table(&area).expect("a table");
    let columns = ItemColumn::guess(&table.rows);
    assert_eq!(
        columns,
        [
            ItemColumn::Description,
            ItemColumn::Quantity,
            ItemColumn::UnitPrice,
            ItemColumn::LineTotal
        ],
        "{:?}",
        table.rows
    );
    let t = Template {
        vendor: "Meubelhuis".into(),
        items: Some(ItemsRegion {
            region: Region::on_page(1, &area),
            columns,
        }),
        ..Template::default()
    };
    let items = t.apply(std::slice::from_ref(&page)).invoice.line_items;
    let got: Vec<(String, String, String)> = items
        .iter()
        .map(|i| {
            (
                i.description.clone().unwrap_or_default(),
                i.quantity.map(|d| d.to_string()).unwrap_or_default(),
                i.line_total.map(|d| d.to_string()).unwrap_or_default(),
            )
        })
        .collect();
    let want = |d: &str, q: &str, t: &str| (d.to_string(), q.to_string(), t.to_string());
    assert_eq!(
        got,
        [
            want("Stoel eiken met armleuning", "2", "90.00"),
            want("Tafel", "1", "310.50"),
            want("Lamp", "3", "38.85"),
        ]
    );
}
