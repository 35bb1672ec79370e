//! Sharing a session as a link or a saved copy (opening one is `crate::opening`).
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

use crate::state::AppState;
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
                sha256: Some(loaded.sha256.clone()),
                regions: regions
                    .iter()
                    .filter(|r| r.doc == f.id)
                    .map(|r| SharedRegion {
                        page: r.page,
                        rect: r.rect,
                        label: r.label.clone(),
                        field: r.field,
                        text: r.text.clone(),
                        items: r.items.clone(),
                    })
                    .collect(),
                invoice: e.map(|e| e.invoice.clone()),
                corrected: e.map(|e| e.corrected.clone()).unwrap_or_default(),
                reviewed: f.reviewed,
                pdf_base64: None,
            };
            Some(if with_pdfs {
                file.with_pdf(&loaded.bytes)
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
