//! Sharing a session as a link, and opening one.
//!
//! With a relay, the session (optionally with its PDFs) is sealed by wasm-core under a
//! fresh random key (AES-256-GCM) and stored by the relay; the link is
//! `…#share=<id>.<key>` — the key never leaves the fragment, so the relay sees only
//! ciphertext. Without a relay, a small session (regions, labels, templates, results; no
//! PDFs) travels in the link itself: `…#s=<deflated base64url>`. A receiver's "Keep a
//! copy" saves the templates in this browser and downloads the session as a `.zonal` file
//! that the Open button reads back.

use leptos::prelude::*;
use wasm_core::share::{self, SharedFile, SharedRegion, SharedSession};

use crate::format::count;
use crate::state::{AppState, Region};
use crate::{glue, relay, store};

/// The extension of a session saved as a file.
pub const COPY_EXTENSION: &str = ".zonal";

/// A link that was made, and how to take it back.
#[derive(Debug, Clone, PartialEq)]
pub struct Link {
    /// The URL to send.
    pub url: String,
    /// The relay's share id and delete token (none for a link carrying the session).
    pub relay: Option<(String, String)>,
    /// When the relay deletes it (RFC 3339), if stored there.
    pub expires_at: Option<String>,
}

/// The session as it stands: every open file with its regions and invoice, and the
/// templates; the PDFs too when `with_pdfs`.
pub fn snapshot(app: AppState, with_pdfs: bool) -> SharedSession {
    let files = app.files.get_untracked();
    let regions = app.regions.get_untracked();
    let extracted = app.extracted.get_untracked();
    let mut out: Vec<SharedFile> = files
        .iter()
        .filter_map(|f| {
            let loaded = store::get(f.id)?;
            let e = extracted.iter().find(|e| e.doc == f.id);
            let file = SharedFile {
                name: f.name.clone(),
                size: f.size as u64,
                pages: loaded.pages.len(),
                regions: regions
                    .iter()
                    .filter(|r| r.doc == f.id)
                    .map(|r| SharedRegion {
                        page: r.page,
                        rect: r.rect,
                        label: r.label.clone(),
                        field: r.field.clone(),
                        text: r.text.clone(),
                    })
                    .collect(),
                invoice: e.map(|e| e.invoice.clone()),
                corrected: e
                    .map(|e| e.corrected.iter().map(|c| c.to_string()).collect())
                    .unwrap_or_default(),
                pdf_base64: None,
            };
            Some(if with_pdfs {
                file.with_pdf(loaded.doc.bytes())
            } else {
                file
            })
        })
        .collect();
    // Files of an opened share whose PDF is still missing travel on as they came.
    out.extend(app.pending.get_untracked());
    SharedSession {
        version: share::VERSION,
        files: out,
        templates: app.templates.get_untracked(),
    }
}

/// Seals the session and stores it on the relay; the link with the key in its fragment.
pub async fn create_relay_link(
    app: AppState,
    with_pdfs: bool,
    ttl_hours: u32,
) -> Result<Link, String> {
    let session = snapshot(app, with_pdfs);
    let key: [u8; 32] = glue::random_bytes(32)?
        .try_into()
        .map_err(|_| "no key".to_string())?;
    let nonce: [u8; share::NONCE_LEN] = glue::random_bytes(share::NONCE_LEN)?
        .try_into()
        .map_err(|_| "no nonce".to_string())?;
    let sealed = share::seal(&session.to_json(), &key, &nonce);
    let stored = relay::create_share(&sealed, ttl_hours).await?;
    Ok(Link {
        url: format!(
            "{}#share={}.{}",
            glue::page_url(),
            stored.id,
            share::key_to_text(&key)
        ),
        relay: Some((stored.id, stored.delete_token)),
        expires_at: Some(stored.expires_at),
    })
}

/// A link carrying the session itself (no PDFs): for use without a relay.
pub fn create_fragment_link(app: AppState) -> Link {
    Link {
        url: format!(
            "{}#s={}",
            glue::page_url(),
            share::to_fragment(&snapshot(app, false))
        ),
        relay: None,
        expires_at: None,
    }
}

/// On start: opens the session a link's fragment points at, if any, and clears the
/// fragment so a reload does not open it twice.
pub async fn open_from_location(app: AppState) {
    let hash = glue::location_hash();
    let result = if let Some(rest) = hash.strip_prefix("share=") {
        open_relay_share(rest).await
    } else if let Some(data) = hash.strip_prefix("s=") {
        share::from_fragment(data).map_err(|e| e.to_string())
    } else {
        return;
    };
    glue::clear_hash();
    match result {
        Ok(session) => restore(app, session),
        Err(e) => app
            .notice
            .set(Some(format!("The shared session cannot be opened: {e}"))),
    }
}

async fn open_relay_share(rest: &str) -> Result<SharedSession, String> {
    let (id, key) = rest
        .split_once('.')
        .ok_or("the link is incomplete (no key)")?;
    let key = share::key_from_text(key).map_err(|e| e.to_string())?;
    let sealed = relay::get_share(id).await?;
    let plain = share::open(&sealed, &key).map_err(|e| e.to_string())?;
    SharedSession::from_json(&plain).map_err(|e| e.to_string())
}

/// Opens a session saved with "Keep a copy".
pub fn open_copy(app: AppState, bytes: &[u8]) {
    match SharedSession::from_json(bytes) {
        Ok(s) => restore(app, s),
        Err(e) => app
            .notice
            .set(Some(format!("This .zonal file cannot be opened: {e}"))),
    }
}

/// Puts a shared session on screen: its templates join this visit's, files with their
/// PDF open (regions and corrections restored once they are read), files without wait
/// in the file list for the person to open them.
pub fn restore(app: AppState, session: SharedSession) {
    let regions: usize = session.files.iter().map(|f| f.regions.len()).sum();
    let described = [
        count(session.files.len(), "file"),
        count(regions, "region"),
        count(session.templates.len(), "template"),
    ]
    .join(", ");
    // The receiver's own templates win: a shared one is added only for a new vendor.
    app.templates.update(|ts| {
        for t in session.templates {
            if !ts.iter().any(|x| x.vendor == t.vendor) {
                ts.push(t);
            }
        }
    });
    for f in session.files {
        match f.pdf() {
            Ok(Some(pdf)) => {
                let name = f.name.clone();
                app.pending.update(|p| p.push(f));
                crate::components::files::open_named_bytes(app, name, pdf);
            }
            Ok(None) => app.pending.update(|p| p.push(f)),
            Err(e) => app.notice.set(Some(e.to_string())),
        }
    }
    app.received.set(Some(described));
}

/// The shared file waiting for list entry `id` (same name), taken out of the waiting list.
pub fn take_pending(app: AppState, id: u32) -> Option<SharedFile> {
    let name = app
        .files
        .with_untracked(|fs| fs.iter().find(|f| f.id == id).map(|f| f.name.clone()))?;
    let mut found = None;
    app.pending.update(|p| {
        if let Some(i) = p.iter().position(|f| f.name == name) {
            found = Some(p.remove(i));
        }
    });
    found
}

/// Draws a shared file's regions on document `doc`.
pub fn restore_regions(app: AppState, doc: u32, f: &SharedFile) {
    let pages = store::get(doc).map_or(0, |d| d.pages.len());
    let restored: Vec<Region> = f
        .regions
        .iter()
        .filter(|r| r.page >= 1 && r.page <= pages)
        .map(|r| {
            let (native, needs_ocr) = crate::state::region_text(doc, r.page, &r.rect);
            Region {
                id: app.next_id(),
                doc,
                page: r.page,
                rect: r.rect,
                label: r.label.clone(),
                field: r.field.clone(),
                text: if native.trim().is_empty() {
                    r.text.clone()
                } else {
                    native
                },
                needs_ocr,
                ocr: None,
                ocr_busy: false,
            }
        })
        .collect();
    app.regions.update(|rs| rs.extend(restored));
}

/// Applies the shared file's corrections to the invoice just read from `doc`.
pub fn restore_corrections(app: AppState, doc: u32, f: &SharedFile) {
    let Some(inv) = &f.invoice else { return };
    for name in &f.corrected {
        let Some(field) = wasm_core::invoice::HEADER_FIELDS
            .iter()
            .copied()
            .find(|h| *h == name.as_str())
        else {
            continue;
        };
        let value = inv.field(field).unwrap_or_default();
        if let Err(e) = crate::extraction::correct(app, doc, field, &value) {
            app.notice.set(Some(e));
        }
    }
}

/// "Keep a copy": this browser keeps the templates, and the session (with its PDFs) is
/// downloaded as a `.zonal` file.
pub fn keep_copy(app: AppState) -> Result<String, String> {
    let saved = crate::persist::save_templates(&app.templates.get_untracked());
    let session = snapshot(app, true);
    glue::download_bytes(
        &format!("zonal-session{COPY_EXTENSION}"),
        "application/json",
        &session.to_json(),
    )?;
    Ok(if saved {
        "Templates saved in this browser; the session was downloaded (open it with Open PDFs)."
            .into()
    } else {
        "The session was downloaded; this browser refused to keep the templates.".into()
    })
}
