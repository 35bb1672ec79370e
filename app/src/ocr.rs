//! Scanned pages read in the browser, so a scan never has to leave the device: each page
//! without a text layer is rendered at 300 dpi, straightened and encoded by wasm-core
//! (`wasm_core::ocr`, as on the relay), read by Tesseract in a Web Worker
//! (`glue::tesseract_tsv`), one page at a time across files, and its words become the
//! page's text, so regions, templates, rules, tables and Extract work on it as on a text
//! page, and its confidence feeds the fields'.

use std::rc::Rc;

use ::engine::protocol::{Reply, Request};
use leptos::prelude::*;

use crate::i18n::{self, t, ta};
use crate::state::{AppState, ScanPage, ScanRead};
use crate::{glue, store};

thread_local! {
    /// One page is read at a time (the engine is one worker; pages wait their turn).
    static TURN: Rc<futures::lock::Mutex<()>> = Rc::new(futures::lock::Mutex::new(()));
}

/// Reads the scanned pages of `doc` not read yet, then reads its invoice again.
pub async fn read_scans(app: AppState, doc: u32) {
    let Some(loaded) = store::get(doc) else {
        return;
    };
    let pages: Vec<usize> = (1..=loaded.pages.len())
        .filter(|&p| loaded.is_scan(p) && loaded.ocr_quality_of(p).is_none())
        .collect();
    drop(loaded);
    if pages.is_empty() {
        return;
    }
    for &page in &pages {
        set(app, doc, page, ScanRead::Queued);
    }
    let turn = TURN.with(Rc::clone);
    for page in pages {
        let _turn = turn.lock().await;
        if store::get(doc).is_none() {
            return; // closed while it waited
        }
        let state = match read_page(app, doc, page).await {
            Ok((quality, ms)) => ScanRead::Done { quality, ms },
            Err(e) => ScanRead::Failed(e),
        };
        set(app, doc, page, state);
        app.reread_regions(|r| r.doc == doc && r.page == page);
    }
    crate::extraction::after_ocr(app, doc).await;
}

/// Reads one page; its mean word confidence and the milliseconds it took.
async fn read_page(app: AppState, doc: u32, page: usize) -> Result<(f64, f64), String> {
    let reading = |step: &str, fraction: f64| ScanRead::Reading {
        step: step.to_string(),
        fraction,
    };
    set(app, doc, page, reading(&t("ocr-preparing"), 0.0));
    glue::yield_now().await;
    let start = glue::now_ms();
    let loaded = store::get(doc).ok_or("the file was closed")?;
    let (psm, png) = match crate::engine::call(Request::PrepareScan { doc, page }, None).await {
        Ok((Reply::Scan { psm }, Some(crate::engine::Carried::Bytes(png)))) => (psm, png),
        Ok(_) => return Err("the engine sent no image".into()),
        Err(e) => return Err(e.to_string()),
    };
    let tsv = glue::tesseract_tsv(&png, psm, move |status, fraction| {
        let step = if status.starts_with("recognizing") {
            t("ocr-reading")
        } else {
            t("ocr-loading")
        };
        set(app, doc, page, reading(&step, fraction));
    })
    .await?;
    let quality = match crate::engine::call(Request::SetOcr { doc, page, tsv }, None).await {
        Ok((Reply::OcrRead { quality }, _)) => quality,
        Ok(_) => return Err("the engine gave an unexpected answer".into()),
        Err(e) => return Err(e.to_string()),
    };
    loaded.set_ocr(page, quality);
    Ok((quality, glue::now_ms() - start))
}

fn set(app: AppState, doc: u32, page: usize, state: ScanRead) {
    app.scans.update(
        |all| match all.iter_mut().find(|s| s.doc == doc && s.page == page) {
            Some(s) => s.state = state,
            None => all.push(ScanPage { doc, page, state }),
        },
    );
}

/// A file's OCR in a few words, for the file list and the batch: "read by OCR (87 %)",
/// "reading by OCR, page 2 of 3", or why it failed. `None` for a file with no scans.
pub fn summary(app: AppState, doc: u32) -> Option<String> {
    app.scans.with(|all| {
        let pages: Vec<&ScanPage> = all.iter().filter(|s| s.doc == doc).collect();
        if pages.is_empty() {
            return None;
        }
        let n = pages.len();
        let done: Vec<f64> = pages
            .iter()
            .filter_map(|s| match s.state {
                ScanRead::Done { quality, .. } => Some(quality),
                _ => None,
            })
            .collect();
        if let Some(ScanRead::Failed(e)) = pages
            .iter()
            .map(|s| &s.state)
            .find(|s| matches!(s, ScanRead::Failed(_)))
        {
            return Some(ta("ocr-summary-failed", &[("why", i18n::s(e.clone()))]));
        }
        if done.len() == n {
            let mean = done.iter().sum::<f64>() / n as f64;
            return Some(ta(
                "ocr-summary-done",
                &[("pct", i18n::s(format!("{:.0}", mean * 100.0)))],
            ));
        }
        Some(ta(
            "ocr-summary-reading",
            &[("page", i18n::n(done.len() + 1)), ("pages", i18n::n(n))],
        ))
    })
}
