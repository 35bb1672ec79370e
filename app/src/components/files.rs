//! Opening PDFs (picker, drag-and-drop, password) and the file list.

use std::sync::Arc;

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_core::{Document, OpenError};

use crate::glue;
use crate::state::{AppState, FileEntry, FileStatus, use_app};
use crate::store::{self, LoadedDoc};

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

fn open_file_list(app: AppState, list: web_sys::FileList) {
    let files: Vec<web_sys::File> = (0..list.length()).filter_map(|i| list.get(i)).collect();
    for file in files {
        let name = file.name();
        if name.ends_with(crate::share::COPY_EXTENSION) {
            leptos::task::spawn_local(async move {
                match glue::read_file(&file).await {
                    Ok(bytes) => crate::share::open_copy(app, &bytes),
                    Err(e) => app.notice.set(Some(e)),
                }
            });
            continue;
        }
        let id = add_entry(app, name, file.size() as usize);
        leptos::task::spawn_local(async move {
            match glue::read_file(&file).await {
                Ok(bytes) => open_in_list(app, id, bytes).await,
                Err(e) => set_status(app, id, FileStatus::Failed(e)),
            }
        });
    }
}

/// Adds a file to the list, loading; its id.
fn add_entry(app: AppState, name: String, size: usize) -> u32 {
    let id = app.next_id();
    app.files.update(|fs| {
        fs.push(FileEntry {
            id,
            name,
            size,
            status: FileStatus::Loading,
        })
    });
    if app.active.get_untracked().is_none() {
        app.active.set(Some(id));
    }
    id
}

/// Opens the bytes of list entry `id` (see [`finish_open`]).
async fn open_in_list(app: AppState, id: u32, bytes: Vec<u8>) {
    glue::yield_now().await;
    let status = open_bytes(id, Arc::new(bytes), None);
    finish_open(app, id, status).await;
}

/// Shows an opened file: page 1's text is read first, so the fonts and CMaps it needs
/// are fetched before it paints; then the regions a shared session holds for it are
/// restored, the invoice read, and the shared corrections applied.
async fn finish_open(app: AppState, id: u32, status: FileStatus) {
    let ready = matches!(status, FileStatus::Ready(_));
    if ready {
        if let Some(d) = store::get(id) {
            let _ = d.page_text(1);
        }
        // Page 1 paints once its fonts are here, or after 1.5 s without them (a slow
        // network): the page is painted again when they arrive.
        leptos::task::spawn_local(async move {
            crate::assets::refresh(app).await;
        });
        glue::yield_now().await;
        crate::assets::settle(1500).await;
    }
    set_status(app, id, status);
    if ready {
        let shared = crate::share::take_pending(app, id);
        if let Some(f) = &shared {
            crate::share::restore_regions(app, id, f);
        }
        // Let the first page paint, read the pages' text in slices (again if a later
        // page needed a font that had to be fetched), then read the invoice and apply a
        // template.
        glue::yield_now().await;
        store::warm_texts(id).await;
        if crate::assets::refresh(app).await {
            store::warm_texts(id).await;
        }
        crate::extraction::on_open(app, id);
        if let Some(f) = &shared {
            crate::share::restore_corrections(app, id, f);
        }
    }
}

/// Adds a file from bytes already in memory (a shared session's PDFs).
pub fn open_named_bytes(app: AppState, name: String, bytes: Vec<u8>) -> u32 {
    let id = add_entry(app, name, bytes.len());
    leptos::task::spawn_local(open_in_list(app, id, bytes));
    id
}

/// Parses a document and registers it; the status says what happened.
fn open_bytes(id: u32, bytes: Arc<Vec<u8>>, password: Option<&str>) -> FileStatus {
    match Document::open(bytes.as_ref().clone(), password) {
        Ok(doc) => {
            let loaded = LoadedDoc::new(doc);
            let pages = loaded.pages.clone();
            store::insert(id, loaded);
            FileStatus::Ready(pages)
        }
        Err(OpenError::NeedsPassword) => FileStatus::NeedsPassword {
            bytes,
            wrong: false,
        },
        Err(OpenError::WrongPassword) => FileStatus::NeedsPassword { bytes, wrong: true },
        Err(e) => FileStatus::Failed(capitalise(&e.to_string())),
    }
}

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

fn file_input_handler(app: AppState) -> impl Fn(web_sys::Event) + 'static {
    move |ev: web_sys::Event| {
        let Some(input) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        else {
            return;
        };
        if let Some(list) = input.files() {
            open_file_list(app, list);
        }
        input.set_value("");
    }
}

/// A button that opens the file picker for PDFs.
#[component]
fn FilePicker(label: &'static str, class: &'static str) -> impl IntoView {
    let app = use_app();
    view! {
        <label class=class>
            {label}
            <input type="file" accept="application/pdf,.pdf,.zonal" multiple class="visually-hidden"
                data-testid="file-input" on:change=file_input_handler(app)/>
        </label>
    }
}

/// "Open PDFs" button in the header.
#[component]
pub fn OpenButton() -> impl IntoView {
    view! { <FilePicker label="Open PDFs" class="button primary"/> }
}

/// What a person sees before opening anything.
#[component]
pub fn EmptyState() -> impl IntoView {
    view! {
        <section class="empty" data-testid="empty-state">
            <div class="drop-target">
                <div class="empty-icon" aria-hidden="true">"⬇"</div>
                <h1>"Drop PDF invoices here"</h1>
                <p>"Then drag a rectangle over any field to read the text inside it."</p>
                <FilePicker label="Choose files" class="button primary large"/>
                <p class="fineprint">"Your files stay on this device: they are read in the browser. Only OCR, AI structuring and share links send anything, and only when you ask (shares are encrypted first)."</p>
            </div>
        </section>
    }
}

/// The list of open files.
#[component]
pub fn FileList() -> impl IntoView {
    let app = use_app();
    view! {
        <aside class="files" aria-label="Files">
            <h2>"Files"</h2>
            <ul>
                <For each=move || app.files.get() key=|f| (f.id, status_key(&f.status)) let:file>
                    <FileItem file=file/>
                </For>
            </ul>
            <Show when=move || app.pending.with(|p| p.iter().any(|f| f.pdf_base64.is_none()))>
                <h2>"Shared, not included"</h2>
                <ul>
                    {move || app.pending.get().into_iter().filter(|f| f.pdf_base64.is_none()).map(|f| view! {
                        <li class="file pending" data-testid="pending-file">
                            <div class="file-name" title=f.name.clone()>{f.name.clone()}</div>
                            <div class="file-detail muted">{format!(
                                "Open your copy of this PDF to see its {}",
                                crate::format::count(f.regions.len(), "region"))}</div>
                        </li>
                    }).collect_view()}
                </ul>
            </Show>
        </aside>
    }
}

fn status_key(s: &FileStatus) -> u8 {
    match s {
        FileStatus::Loading => 0,
        FileStatus::Ready(_) => 1,
        FileStatus::NeedsPassword { wrong: false, .. } => 2,
        FileStatus::NeedsPassword { wrong: true, .. } => 3,
        FileStatus::Failed(_) => 4,
    }
}

#[component]
fn FileItem(file: FileEntry) -> impl IntoView {
    let app = use_app();
    let id = file.id;
    let is_active = move || app.active.get() == Some(id);
    let detail = match &file.status {
        FileStatus::Loading => view! { <span class="muted">"Opening…"</span> }.into_any(),
        FileStatus::Ready(p) => {
            let n = p.len();
            let first = p.first().copied();
            view! {
                {first.map(|info| view! { <Thumbnail doc=id info=info/> })}
                <span class="muted">{crate::format::count(n, "page")}</span>
            }
            .into_any()
        }
        FileStatus::Failed(msg) => {
            view! { <span class="error" role="alert" data-testid="file-error">{msg.clone()}</span> }
                .into_any()
        }
        FileStatus::NeedsPassword { bytes, wrong } => {
            view! { <PasswordForm id=id bytes=bytes.clone() wrong=*wrong/> }.into_any()
        }
    };
    let close = move |ev: web_sys::MouseEvent| {
        ev.stop_propagation();
        store::remove(id);
        app.files.update(|fs| fs.retain(|f| f.id != id));
        app.regions.update(|rs| rs.retain(|r| r.doc != id));
        app.extracted.update(|all| all.retain(|e| e.doc != id));
        if app.active.get_untracked() == Some(id) {
            app.active
                .set(app.files.with_untracked(|fs| fs.first().map(|f| f.id)));
        }
    };
    view! {
        <li class="file" class:active=is_active on:click=move |_| app.active.set(Some(id))>
            <div class="file-name" title=file.name.clone()>{file.name.clone()}</div>
            <div class="file-detail">{detail}</div>
            <button class="icon" title="Close file" aria-label=format!("Close {}", file.name) on:click=close>"×"</button>
        </li>
    }
}

/// Thumbnail width in CSS pixels.
const THUMB_WIDTH: f64 = 44.0;

/// Page 1 of a file, small, rendered through the same queue as the pages.
#[component]
fn Thumbnail(doc: u32, info: wasm_core::PageInfo) -> impl IntoView {
    let canvas: NodeRef<leptos::html::Canvas> = NodeRef::new();
    let key = format!("thumb:{doc}");
    let key2 = key.clone();
    let scale = THUMB_WIDTH * glue::device_pixel_ratio() / info.width.max(1.0);
    Effect::new(move |_| {
        if canvas.get().is_none() {
            return;
        }
        crate::render_queue::enqueue(key.clone(), move || {
            let (Some(d), Some(c)) = (store::get(doc), canvas.get_untracked()) else {
                return;
            };
            if let Ok(img) = d.doc.render(1, scale) {
                let _ = glue::paint(&c, &img);
            }
        });
    });
    on_cleanup(move || crate::render_queue::cancel(&key2));
    let height = THUMB_WIDTH * info.height / info.width.max(1.0);
    view! {
        <canvas node_ref=canvas class="thumb" aria-hidden="true" data-testid="thumbnail"
            style:width=format!("{THUMB_WIDTH}px") style:height=format!("{height:.1}px")></canvas>
    }
}

#[component]
fn PasswordForm(id: u32, bytes: Arc<Vec<u8>>, wrong: bool) -> impl IntoView {
    let app = use_app();
    let password = RwSignal::new(String::new());
    let submit = move |ev: web_sys::SubmitEvent| {
        ev.prevent_default();
        let status = open_bytes(id, bytes.clone(), Some(&password.get_untracked()));
        leptos::task::spawn_local(finish_open(app, id, status));
    };
    view! {
        <form class="password" on:submit=submit on:click=|ev| ev.stop_propagation()>
            <span class=if wrong { "error" } else { "muted" }>
                {if wrong { "Wrong password, try again" } else { "Protected by a password" }}
            </span>
            <input type="password" placeholder="Password" aria-label="Password"
                on:input=move |ev| password.set(event_target_value(&ev)) prop:value=password/>
            <button class="button" type="submit">"Open"</button>
        </form>
    }
}
