//! Scanned receipts read at first sight: no template, no text layer, Debian's Tesseract
//! and the rules, as `zonal extract` gives them. Every tenth of the corpus's 100 SROIE
//! receipts (company, date, total, as the competition's key files give them), scored the
//! way `fields_accuracy.py` scores them; the floor guards what was measured, and a wrong
//! value must always be flagged for review.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::NaiveDate;
use serde_json::Value;

/// Fields right on these 10 receipts (30 values): 22 on 2026-12-07, less one.
const RIGHT_FLOOR: usize = 21;
/// Below this confidence the app asks for review (SPEC). A wrong value at or above it is
/// exported unflagged, the worst failure the product can have: on all 100 dev receipts,
/// none is.
const REVIEW_BELOW: f64 = 0.6;

/// Every tenth receipt of the set, in file order: a spread, not a choice.
fn receipts() -> Vec<PathBuf> {
    let dir = support::corpus("sroie");
    let mut pdfs: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("corpus sroie/")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "pdf"))
        .collect();
    pdfs.sort();
    pdfs.into_iter().step_by(10).collect()
}

/// A SROIE date as printed (25/12/2018, 25-04-18, 16 JUN 2018, 2018-03-23, 25032018), day
/// first, as ISO.
fn day_first(printed: &str) -> Option<String> {
    const MONTHS: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let parts: Vec<&str> = printed
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|p| !p.is_empty())
        .collect();
    let num = |s: &str| s.parse::<u32>().ok();
    let month = |s: &str| {
        let s = s.to_ascii_lowercase();
        MONTHS
            .iter()
            .position(|m| s.starts_with(m))
            .map(|i| i as u32 + 1)
    };
    let (y, m, d) = match parts.as_slice() {
        [one] if one.len() == 8 => (num(&one[4..])?, num(&one[2..4])?, num(&one[..2])?),
        [y, m, d] if y.len() == 4 => (num(y)?, num(m)?, num(d)?),
        [d, m, y] => (num(y)?, num(m).or_else(|| month(m))?, num(d)?),
        _ => return None,
    };
    let y = if y < 100 { y + 2000 } else { y };
    NaiveDate::from_ymd_opt(y as i32, m, d).map(|d| d.to_string())
}

fn squash(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

fn cents(s: &str) -> Option<i64> {
    let s: String = s
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    let (whole, frac) = s.split_once('.').unwrap_or((&s, ""));
    let frac = format!("{frac:0<2}");
    Some(whole.parse::<i64>().ok()? * 100 + frac.get(..2)?.parse::<i64>().ok()?)
}

/// Is `got` the expected value of `field`, as the scoring script decides?
fn same(field: &str, expected: &str, got: &str) -> bool {
    match field {
        "vendorName" => {
            let (a, b) = (squash(expected), squash(got));
            !a.is_empty() && !b.is_empty() && (a.contains(&b) || b.contains(&a))
        }
        "invoiceDate" => day_first(expected).is_some_and(|d| got.starts_with(&d)),
        _ => cents(expected).is_some() && cents(expected) == cents(got),
    }
}

/// One value read: the receipt, the field, what was expected, what came, its confidence.
struct Read {
    file: String,
    field: &'static str,
    expected: String,
    got: String,
    confidence: f64,
}

impl Read {
    fn right(&self) -> bool {
        same(self.field, &self.expected, &self.got)
    }
}

fn read(pdf: &Path) -> Vec<Read> {
    let out = Command::new(env!("CARGO_BIN_EXE_zonal"))
        .arg("extract")
        .arg(pdf)
        .output()
        .expect("zonal runs");
    // Exit code 2 is "read, with warnings"; anything else is a failure of the product.
    assert!(
        matches!(out.status.code(), Some(0 | 2)),
        "{}: {}",
        pdf.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    let truth: Value = serde_json::from_slice(
        &std::fs::read(pdf.with_extension("expected.json")).expect("key file"),
    )
    .expect("key json");
    let file = pdf
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    [
        ("vendorName", "company"),
        ("invoiceDate", "date"),
        ("total", "total"),
    ]
    .into_iter()
    .filter_map(|(field, key)| {
        let expected = truth[key].as_str()?.to_owned();
        if field == "invoiceDate" && day_first(&expected).is_none() {
            return None; // a key the scoring script cannot read either: not a value
        }
        Some(Read {
            file: file.clone(),
            field,
            expected,
            got: v["invoice"][field].as_str().unwrap_or_default().to_owned(),
            confidence: v["confidence"]["fields"][field].as_f64().unwrap_or(0.0),
        })
    })
    .collect()
}

#[test]
fn sroie_dates_are_read_day_first_as_the_scoring_script_reads_them() {
    assert_eq!(day_first("25/12/2018").as_deref(), Some("2018-12-25"));
    assert_eq!(day_first("25-04-18").as_deref(), Some("2018-04-25"));
    assert_eq!(day_first("16 JUN 2018").as_deref(), Some("2018-06-16"));
    assert_eq!(day_first("2018-03-23").as_deref(), Some("2018-03-23"));
    assert_eq!(day_first("25032018").as_deref(), Some("2018-03-25"));
    assert_eq!(day_first("31/02/2018"), None);
    assert!(same("total", "9.00", "9"));
    assert!(!same("total", "9.00", "90.00"));
    assert!(same(
        "vendorName",
        "BOOK TA .K (TAMAN DAYA) SDN BHD",
        "BOOK TAK (TAMAN DAYA) SDN BHD"
    ));
}

#[test]
fn scanned_receipts_are_read_without_a_template_and_their_misreads_are_flagged() {
    relay::providers::ocr::Tesseract::find()
        .expect("tesseract is installed (scripts/setup.sh installs tesseract-ocr)");
    let pdfs = receipts();
    assert_eq!(pdfs.len(), 10, "the corpus has 100 receipts");
    // Two at a time: the machine has two cores, and the relay runs Tesseract on one thread.
    let (even, odd): (Vec<_>, Vec<_>) = pdfs.iter().enumerate().partition(|(i, _)| i % 2 == 0);
    let reads: Vec<Read> = std::thread::scope(|s| {
        let halves = [even, odd].map(|half| {
            s.spawn(move || {
                half.into_iter()
                    .flat_map(|(_, p)| read(p))
                    .collect::<Vec<_>>()
            })
        });
        halves
            .into_iter()
            .flat_map(|h| h.join().expect("reader thread"))
            .collect()
    });
    let report: String = reads
        .iter()
        .map(|r| {
            format!(
                "{} {} {} {:.2} expected {:?} got {:?}\n",
                if r.right() { "ok " } else { "BAD" },
                r.file,
                r.field,
                r.confidence,
                r.expected,
                r.got
            )
        })
        .collect();
    println!("{report}");
    let right = reads.iter().filter(|r| r.right()).count();
    assert!(
        right >= RIGHT_FLOOR,
        "{right} of {} right, floor {RIGHT_FLOOR}\n{report}",
        reads.len()
    );
    let unflagged_and_wrong = reads
        .iter()
        .filter(|r| !r.right() && !r.got.is_empty() && r.confidence >= REVIEW_BELOW)
        .count();
    assert_eq!(
        unflagged_and_wrong, 0,
        "wrong values at confidence >= {REVIEW_BELOW}, not flagged for review\n{report}"
    );
}
