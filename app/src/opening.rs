//! Putting documents on screen: PDFs picked or dropped (read, parsed, a password asked
//! for), and sessions that arrive whole — a shared link (`#share=…` from the relay,
//! `#s=…` in the fragment) or a `.zonal` copy — whose regions and corrections are
//! restored once their PDFs are read. The components only call in here.

use std::collections::HashMap;
use std::sync::Arc;

use ::engine::protocol::{OpenFailure, Reply, Request};
use leptos::prelude::*;
use wasm_core::share::{self, SharedFile, SharedSession};

use crate::format::count;
use crate::share::COPY_EXTENSION;
use crate::state::{AppState, FileEntry, FileStatus, Region};
use crate::store::{self, LoadedDoc};
use crate::{glue, relay};

/// Accepts files dragged over the window.
pub fn on_dragover(ev: web_sys::DragEvent) {
    ev.prevent_default();
}

/// Opens files dropped anywhere on the window.
pub fn on_drop(app: AppState, ev: web_sys::DragEvent) {
    ev.prevent_default();
    if let Some(list) = ev.data_transfer().and_then(|d| d.files()) {
        open_file_list(app, list);
    }
}

/// Opens picked or dropped files: PDFs into the file list, `.zonal` sessions restored.
pub fn open_file_list(app: AppState, list: web_sys::FileList) {
    let files: Vec<web_sys::File> = (0..list.length()).filter_map(|i| list.get(i)).collect();
    for file in files {
        let name = file.name();
        if name.ends_with(COPY_EXTENSION) {
            leptos::task::spawn_local(async move {
                match glue::read_file(&file).await {
                    Ok(bytes) => open_copy(app, &bytes),
                    Err(e) => app.notice.set(Some(e)),
                }
            });
            continue;
        }
        let id = add_entry(app, name, file.size() as usize);
        leptos::task::spawn_local(async move {
            match glue::read_with_blob(&file).await {
                Ok((bytes, blob)) => open_in_list(app, id, bytes, Some(blob)).await,
                Err(e) => set_status(app, id, FileStatus::Failed(e)),
            }
        });
    }
}

/// Adds a file to the list, loading; its id.
fn add_entry(app: AppState, name: String, size: usize) -> u32 {
    let id = app.next_id();
    app.files.update(|fs| {
        let display = numbered(&name, |n| fs.iter().any(|f| f.display == n));
        fs.push(FileEntry {
            id,
            name,
            display,
            size,
            status: FileStatus::Loading,
            reviewed: false,
        })
    });
    if app.active.get_untracked().is_none() {
        app.active.set(Some(id));
    }
    id
}

/// `name`, or when `taken` says it is, "stem (2).ext", "stem (3).ext", …
pub fn numbered(name: &str, taken: impl Fn(&str) -> bool) -> String {
    if !taken(name) {
        return name.to_string();
    }
    let (stem, ext) = match name.rfind('.') {
        Some(i) if i > 0 => name.split_at(i),
        _ => (name, ""),
    };
    (2..)
        .map(|k| format!("{stem} ({k}){ext}"))
        .find(|n| !taken(n))
        .unwrap_or_else(|| name.to_string())
}

/// Opens the bytes of list entry `id` (see [`finish_open`]), `file` the same bytes as a
/// `Blob` when there is one; the same bytes already open are not kept open twice: that
/// file is selected instead.
async fn open_in_list(app: AppState, id: u32, bytes: Vec<u8>, file: Option<web_sys::Blob>) {
    glue::yield_now().await;
    let status = open_bytes(id, Arc::new(bytes), file, None).await;
    if keep_unless_twin(app, id) {
        finish_open(app, id, status).await;
    }
}

/// Once the engine opened file list entry `id`: when the same bytes (the same SHA-256,
/// `LoadedDoc.sha256`) are open already, closes it again and selects that one: false
/// then. (An entry that did not open is kept, with its status.)
pub fn keep_unless_twin(app: AppState, id: u32) -> bool {
    let Some(d) = store::get(id).map(|doc| doc.sha256.clone()) else {
        return true;
    };
    let twin = app.files.with_untracked(|fs| {
        fs.iter()
            .find(|f| f.id != id && store::get(f.id).is_some_and(|o| o.sha256 == d))
            .map(|f| (f.id, f.display.clone()))
    });
    let Some((open, shown)) = twin else {
        return true;
    };
    store::remove(id);
    let name = app.files.with_untracked(|fs| {
        fs.iter()
            .find(|f| f.id == id)
            .map(|f| f.name.clone())
            .unwrap_or_default()
    });
    app.files.update(|fs| fs.retain(|f| f.id != id));
    app.active.set(Some(open));
    app.notice.set(Some(if name == shown {
        format!("{name} is already open: it is selected.")
    } else {
        format!("{name} is the same file as {shown}, already open: it is selected.")
    }));
    false
}

/// Shows an opened file: page 1's text is read first, so the fonts and CMaps it needs
/// are fetched before it paints; then the regions a shared session holds for it are
/// restored, the invoice read, and the shared corrections applied.
pub async fn finish_open(app: AppState, id: u32, status: FileStatus) {
    let ready = matches!(status, FileStatus::Ready(_));
    if ready {
        let page_one = Request::ReadTexts {
            doc: id,
            pages: vec![1],
        };
        let _ = crate::engine::call(page_one, None).await;
        // Page 1 paints once its fonts are here, or after 1.5 s without them (a slow
        // network): the page is painted again when they arrive.
        leptos::task::spawn_local(async move {
            crate::assets::refresh(app).await;
        });
        glue::yield_now().await;
        crate::assets::settle(1500).await;
    }
    glue::mark(&format!("zonal:shown {id}"));
    set_status(app, id, status);
    if ready {
        let shared = take_pending(app, id);
        if let Some(f) = &shared {
            restore_regions(app, id, f);
        }
        // Let the first page paint, read the pages' text in slices (again if a later
        // page needed a font that had to be fetched), then read the invoice and apply a
        // template.
        glue::yield_now().await;
        store::warm_texts(id).await;
        if crate::assets::refresh(app).await {
            store::warm_texts(id).await;
        }
        crate::extraction::on_open(app, id).await;
        if let Some(f) = &shared {
            restore_corrections(app, id, f);
            if f.reviewed {
                app.files.update(|fs| {
                    if let Some(e) = fs.iter_mut().find(|e| e.id == id) {
                        e.reviewed = true;
                    }
                });
            }
        }
        // Scanned pages are read in the browser, then the invoice again.
        crate::ocr::read_scans(app, id).await;
    }
}

/// Adds a file from bytes already in memory (a shared session's PDFs).
pub fn open_named_bytes(app: AppState, name: String, bytes: Vec<u8>) -> u32 {
    let id = add_entry(app, name, bytes.len());
    leptos::task::spawn_local(open_in_list(app, id, bytes, None));
    id
}

/// Has the engine parse a document (given as `file` when the caller has it as a `Blob`,
/// else made from `bytes`) and registers it; the status says what happened.
pub async fn open_bytes(
    id: u32,
    bytes: Arc<Vec<u8>>,
    file: Option<web_sys::Blob>,
    password: Option<&str>,
) -> FileStatus {
    let file = match file.map_or_else(|| glue::blob_of(&bytes), Ok) {
        Ok(f) => f,
        Err(e) => return FileStatus::Failed(capitalise(&e)),
    };
    let request = Request::Open {
        doc: id,
        password: password.map(str::to_string),
    };
    let payload = crate::engine::Payload::File(file.clone());
    match crate::engine::call_with(request, Some(payload)).await {
        Ok((Reply::Opened { pages, sha256 }, _)) => {
            store::insert(id, LoadedDoc::new(bytes, file, pages.clone(), sha256));
            FileStatus::Ready(pages)
        }
        Ok((Reply::OpenFailed { failure }, _)) => match failure {
            OpenFailure::NeedsPassword => FileStatus::NeedsPassword {
                bytes,
                wrong: false,
            },
            OpenFailure::WrongPassword => FileStatus::NeedsPassword { bytes, wrong: true },
            OpenFailure::Other { message } => FileStatus::Failed(capitalise(&message)),
        },
        Ok(_) => FileStatus::Failed("The PDF engine gave an unexpected answer.".into()),
        Err(crate::engine::EngineError::Crashed) => FileStatus::Failed(CRASHED.into()),
        Err(e) => FileStatus::Failed(capitalise(&e.to_string())),
    }
}

/// A file the engine failed on is marked failed, with a plain message; the others stay.
pub fn watch_engine(app: AppState) {
    crate::engine::on_crash(move |doc| {
        store::forget(doc);
        set_status(app, doc, FileStatus::Failed(CRASHED.into()));
        let name = app.files.with_untracked(|fs| {
            fs.iter()
                .find(|f| f.id == doc)
                .map(|f| f.name.clone())
                .unwrap_or_default()
        });
        app.notice.set(Some(format!(
            "The PDF engine failed on {name} and was restarted; your other files are as they were."
        )));
    });
}

/// What a file the engine failed on shows.
pub const CRASHED: &str = "The PDF engine failed on this file and was restarted. The other \
                           files are unaffected; this one cannot be shown.";

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

fn set_status(app: AppState, id: u32, status: FileStatus) {
    app.files.update(|fs| {
        if let Some(f) = fs.iter_mut().find(|f| f.id == id) {
            f.status = status;
        }
    });
}

/// On start: opens the session a link's fragment points at, if any (clearing the
/// fragment so a reload does not open it twice), else this browser's own session as it
/// was before the reload; then keeps the session saved.
pub async fn open_from_location(app: AppState) {
    if !open_link(app).await {
        match crate::persist::load_session().await {
            Ok(Some((session, pdfs))) => resume(app, session, pdfs),
            Ok(None) => {}
            Err(e) => app
                .notice
                .set(Some(format!("The last session could not be restored: {e}"))),
        }
    }
    crate::persist::keep_session(app);
}

/// Opens the session a link's fragment points at; false when it points at none.
async fn open_link(app: AppState) -> bool {
    let hash = glue::location_hash();
    let result = if let Some(rest) = hash.strip_prefix("share=") {
        open_relay_share(rest).await
    } else if let Some(data) = hash.strip_prefix("s=") {
        share::from_fragment(data).map_err(|e| e.to_string())
    } else {
        return false;
    };
    glue::clear_hash();
    match result {
        Ok(session) => restore(app, session),
        Err(e) => app
            .notice
            .set(Some(format!("The shared session cannot be opened: {e}"))),
    }
    true
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
    let described = open_session(app, session, HashMap::new());
    app.received.set(Some(described));
}

/// Puts this browser's own session back after a reload (as [`restore`], without the
/// banner of a received share), its PDFs stored beside it by SHA-256.
pub fn resume(app: AppState, session: SharedSession, pdfs: HashMap<String, Vec<u8>>) {
    open_session(app, session, pdfs);
}

/// Opens a session's files and templates, each file's PDF from `pdfs` (by SHA-256) or
/// from the session itself; what it held, in words.
fn open_session(
    app: AppState,
    session: SharedSession,
    mut pdfs: HashMap<String, Vec<u8>>,
) -> String {
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
        let stored = f
            .sha256
            .as_ref()
            .and_then(|k| pdfs.remove(k))
            .map(|b| Ok(Some(b)));
        match stored.unwrap_or_else(|| f.pdf()) {
            Ok(Some(pdf)) => {
                let name = f.name.clone();
                app.pending.update(|p| p.push(f));
                open_named_bytes(app, name, pdf);
            }
            Ok(None) => app.pending.update(|p| p.push(f)),
            Err(e) => app.notice.set(Some(e.to_string())),
        }
    }
    described
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
        .map(|r| Region {
            id: app.next_id(),
            doc,
            page: r.page,
            rect: r.rect,
            label: r.label.clone(),
            field: r.field,
            text: r.text.clone(),
            needs_ocr: false,
            ocr: None,
            ocr_busy: false,
            items: r.items.clone(),
            table: None,
            reading: true,
        })
        .collect();
    let ids: Vec<(u32, usize, wasm_core::geometry::Rect)> =
        restored.iter().map(|r| (r.id, r.page, r.rect)).collect();
    app.regions.update(|rs| rs.extend(restored));
    // The PDF's own text where it has some, else the text the link carried (what OCR
    // read on the other side).
    leptos::task::spawn_local(async move {
        for (id, page, rect) in ids {
            let read = crate::state::read_region(doc, page, rect).await;
            app.regions.update(|rs| {
                if let Some(r) = rs.iter_mut().find(|r| r.id == id && r.rect == rect) {
                    if !read.text.trim().is_empty() {
                        r.text = read.text;
                    }
                    r.needs_ocr = read.needs_ocr;
                    r.table = read.table;
                    r.reading = false;
                }
            });
        }
    });
}

/// Applies the shared file's corrections to the invoice just read from `doc`.
pub fn restore_corrections(app: AppState, doc: u32, f: &SharedFile) {
    let Some(inv) = &f.invoice else { return };
    for name in &f.corrected {
        if *name == wasm_core::invoice::InvoiceField::LineItems {
            crate::extraction::edit_items(app, doc, inv.line_items.clone());
            continue;
        }
        let value = inv.get(*name).unwrap_or_default();
        if let Err(e) = crate::extraction::correct(app, doc, *name, &value) {
            app.notice.set(Some(e));
        }
    }
}
