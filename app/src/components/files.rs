//! The file picker, the empty state, the file list (with thumbnails) and the password
//! form; what opening does is `crate::opening`.

use std::sync::Arc;

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::Later;
use crate::i18n::{self, t, ta};
use crate::opening::{finish_open, keep_unless_twin, open_bytes, open_file_list};
use crate::state::{AppState, FileEntry, FileStatus, use_app};
use crate::{glue, store};

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
fn FilePicker(label: String, class: &'static str) -> impl IntoView {
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
    view! { <FilePicker label=t("open-pdfs") class="button primary"/> }
}

/// What a person sees before opening anything.
#[component]
pub fn EmptyState() -> impl IntoView {
    view! {
        <section class="empty" data-testid="empty-state">
            <div class="drop-target">
                <div class="empty-icon" aria-hidden="true">"⬇"</div>
                <h1>{t("drop-here")}</h1>
                <p>{t("drop-then")}</p>
                <FilePicker label=t("choose-files") class="button primary large"/>
                <p class="fineprint">{t("privacy")}</p>
            </div>
        </section>
    }
}

/// The list of open files.
#[component]
pub fn FileList() -> impl IntoView {
    let app = use_app();
    view! {
        <aside class="files" aria-label=t("files")>
            <h2>{t("files")}</h2>
            <ul>
                <For each=move || app.files.get() key=|f| (f.id, status_key(&f.status)) let:file>
                    <FileItem file=file/>
                </For>
            </ul>
            <Show when=move || app.pending.with(|p| p.iter().any(|f| f.pdf_base64.is_none()))>
                <h2>{t("shared-not-included")}</h2>
                <ul>
                    {move || app.pending.get().into_iter().filter(|f| f.pdf_base64.is_none()).map(|f| view! {
                        <li class="file pending" data-testid="pending-file">
                            <div class="file-name" title=f.name.clone()>{f.name.clone()}</div>
                            <div class="file-detail muted">{ta("open-your-copy",
                                &[("regions", i18n::s(crate::format::count(f.regions.len(), "region")))])}</div>
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
        FileStatus::Loading => view! { <span class="muted">{t("opening")}</span> }.into_any(),
        FileStatus::Ready(p) => {
            let n = p.len();
            let first = p.first().copied();
            let scans = move || crate::ocr::summary(app, id);
            view! {
                {first.map(|info| view! { <Later after=1><Thumbnail doc=id info=info/></Later> })}
                <span class="muted">{crate::format::count(n, "page")}</span>
                {move || scans().map(|s| view! { <span class="muted scan-summary" data-testid="file-ocr">{format!(" · {s}")}</span> })}
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
            <div class="file-name" title=file.display.clone() data-testid="file-name">{file.display.clone()}</div>
            <div class="file-detail">{detail}</div>
            <button class="icon" title=t("close-file") aria-label=ta("close-named", &[("name", i18n::s(file.display.clone()))]) on:click=close>"×"</button>
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
        crate::render_queue::enqueue(key.clone(), move || async move {
            if store::get(doc).is_none() {
                return;
            }
            let img = crate::engine::render(doc, 1, scale).await;
            if let (Ok(img), Some(c)) = (img, canvas.try_get_untracked().flatten()) {
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
        let (bytes, password) = (bytes.clone(), password.get_untracked());
        leptos::task::spawn_local(async move {
            let status = open_bytes(id, bytes, None, Some(&password)).await;
            if keep_unless_twin(app, id) {
                finish_open(app, id, status).await;
            }
        });
    };
    view! {
        <form class="password" on:submit=submit on:click=|ev| ev.stop_propagation()>
            <span class=if wrong { "error" } else { "muted" }>
                {if wrong { t("wrong-password") } else { t("protected") }}
            </span>
            <input type="password" placeholder=t("password") aria-label=t("password")
                on:input=move |ev| password.set(event_target_value(&ev)) prop:value=password/>
            <button class="button" type="submit">{t("open")}</button>
        </form>
    }
}
