//! What survives a reload: the person's templates (JSON) and colour theme, kept in
//! `localStorage`, and the session — open files with their PDFs, regions, corrections
//! and reviewed marks — kept in IndexedDB (a `SharedSession` without its PDFs, and each
//! PDF as a binary record by its SHA-256, written once).

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};

use leptos::prelude::*;
use wasm_core::share::SharedSession;
use wasm_core::template::Template;

use crate::state::AppState;

const TEMPLATES_KEY: &str = "zonal.templates.v1";

fn storage() -> Option<web_sys::Storage> {
    crate::glue::local_storage()
}

/// The saved templates; none when storage is unavailable or holds something unreadable.
pub fn load_templates() -> Vec<Template> {
    storage()
        .and_then(|s| s.get_item(TEMPLATES_KEY).ok().flatten())
        .and_then(|json| serde_json::from_str(&json).ok())
        .unwrap_or_default()
}

/// Saves the templates; false when the browser refuses (private mode, quota).
pub fn save_templates(templates: &[Template]) -> bool {
    let Ok(json) = serde_json::to_string(templates) else {
        return false;
    };
    storage().is_some_and(|s| s.set_item(TEMPLATES_KEY, &json).is_ok())
}

const THEME_KEY: &str = "zonal.theme";

/// The chosen theme: `light`, `dark`, or `system` (the default).
pub fn load_theme() -> String {
    storage()
        .and_then(|s| s.get_item(THEME_KEY).ok().flatten())
        .filter(|t| matches!(t.as_str(), "light" | "dark"))
        .unwrap_or_else(|| "system".into())
}

/// Remembers the theme (best effort).
pub fn save_theme(theme: &str) {
    if let Some(s) = storage() {
        let _ = s.set_item(THEME_KEY, theme);
    }
}

thread_local! {
    /// The PDFs (by SHA-256) known to be stored already.
    static STORED: RefCell<HashSet<String>> = RefCell::new(HashSet::new());
}

/// The session saved before the reload, if any, with its PDFs by SHA-256.
pub async fn load_session() -> Result<Option<(SharedSession, HashMap<String, Vec<u8>>)>, String> {
    let Some((json, pdfs)) = crate::glue::session_load().await? else {
        return Ok(None);
    };
    let session = SharedSession::from_json(json.as_bytes()).map_err(|e| e.to_string())?;
    STORED.with(|s| s.borrow_mut().extend(pdfs.iter().map(|(k, _)| k.clone())));
    Ok(Some((session, pdfs.into_iter().collect())))
}

/// Quiet time after a change before the session is saved, in milliseconds.
const SAVE_AFTER_MS: u32 = 500;

/// Keeps the session saved: after every change to the files, regions or readings, once
/// nothing changed for [`SAVE_AFTER_MS`]. A PDF is written the first time only.
pub fn keep_session(app: AppState) {
    let generation = StoredValue::new(0_u64);
    Effect::new(move |_| {
        app.files.track();
        app.regions.track();
        app.extracted.track();
        app.pending.track();
        let mine = generation.get_value() + 1;
        generation.set_value(mine);
        leptos::task::spawn_local(async move {
            gloo_timers::future::TimeoutFuture::new(SAVE_AFTER_MS).await;
            if generation.get_value() != mine {
                return; // a later change saves
            }
            if let Err(e) = crate::glue::timed("zonal:save", save_session(app)).await {
                app.notice.set(Some(format!(
                    "This session cannot be kept for a reload: {e}"
                )));
            }
        });
    });
}

/// Writes the session as it stands, and the PDFs not stored yet.
async fn save_session(app: AppState) -> Result<(), String> {
    let session = crate::share::snapshot(app, false);
    let json = String::from_utf8_lossy(&session.to_json()).into_owned();
    let keep: Vec<String> = session
        .files
        .iter()
        .filter_map(|f| f.sha256.clone())
        .collect();
    let docs: Vec<(String, web_sys::Blob)> = app.files.with_untracked(|fs| {
        fs.iter()
            .filter_map(|f| {
                let d = crate::store::get(f.id)?;
                let new = !STORED.with(|s| s.borrow().contains(&d.sha256));
                new.then(|| (d.sha256.clone(), d.file.clone()))
            })
            .collect()
    });
    let add: Vec<(&str, &web_sys::Blob)> = docs.iter().map(|(k, b)| (k.as_str(), b)).collect();
    crate::glue::session_save(json, &add, &keep).await?;
    STORED.with(|s| {
        let mut s = s.borrow_mut();
        s.retain(|k| keep.contains(k));
        s.extend(docs.into_iter().map(|(k, _)| k));
    });
    Ok(())
}

/// "Clear session": closes every file and forgets the saved session (templates stay).
pub async fn clear_session(app: AppState) {
    for id in app
        .files
        .with_untracked(|fs| fs.iter().map(|f| f.id).collect::<Vec<_>>())
    {
        crate::store::remove(id);
    }
    app.files.set(Vec::new());
    app.regions.set(Vec::new());
    app.extracted.set(Vec::new());
    app.scans.set(Vec::new());
    app.pending.set(Vec::new());
    app.active.set(None);
    app.selected.set(None);
    app.received.set(None);
    STORED.with(|s| s.borrow_mut().clear());
    if let Err(e) = crate::glue::session_clear().await {
        app.notice
            .set(Some(format!("The saved session could not be cleared: {e}")));
    }
}
