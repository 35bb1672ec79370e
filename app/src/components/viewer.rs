//! The viewer: toolbar (pages, zoom) and the scrolling column of pages.

use leptos::prelude::*;
use wasm_core::PageInfo;
use wasm_core::geometry::{CSS_PX_PER_INCH, POINTS_PER_INCH};

use super::page::PageView;
use crate::glue;
use crate::i18n::{self, t, ta};
use crate::state::{ZOOM_MAX, ZOOM_MIN, ZOOM_STEPS, Zoom, use_app};
/// Horizontal padding around pages in the scroll area, in CSS pixels.
const PAGE_GUTTER: f64 = 48.0;
/// Vertical space between pages, in CSS pixels (`.pages { gap }` in style.css).
const PAGE_GAP: f64 = 20.0;
/// Pages put on screen at once when a document is shown; the others follow this many
/// per animation frame, so a long document does not hold the page up while it is laid out.
const PAGES_PER_SLICE: usize = 3;

/// Toolbar and pages of the active file.
#[component]
pub fn Viewer() -> impl IntoView {
    let app = use_app();
    let scroller: NodeRef<leptos::html::Div> = NodeRef::new();
    let width = RwSignal::new(800.0_f64);

    // Track the viewer width for fit-width zoom: told by the browser after its layout
    // (a window or panel resized), never read in the middle of a task.
    Effect::new(move |_| {
        let Some(el) = scroller.get() else { return };
        let guard = glue::observe_size(&el, move |el| {
            width.set(f64::from(el.client_width()));
        });
        let held = send_wrapper::SendWrapper::new(guard);
        on_cleanup(move || drop(held));
    });

    // Resolve the zoom factor from the setting, the widest page and the viewer width.
    Effect::new(move |_| {
        let factor = match app.zoom.get() {
            Zoom::Factor(f) => f,
            Zoom::FitWidth => {
                let widest = app
                    .active_pages()
                    .and_then(|(_, p)| p.iter().map(|p| p.width).reduce(f64::max))
                    .unwrap_or(612.0);
                let css = widest * CSS_PX_PER_INCH / POINTS_PER_INCH;
                ((width.get() - PAGE_GUTTER) / css).clamp(ZOOM_MIN, ZOOM_MAX)
            }
        };
        app.zoom_factor.set(factor);
    });

    // Reset to page 1 when another file is shown (scrolled at the next frame, when the
    // browser lays the page out anyway: setting it now would lay it out an extra time).
    Effect::new(move |_| {
        app.active.track();
        app.current_page.set(1);
        leptos::task::spawn_local(async move {
            glue::next_frame().await;
            // (Unless the app navigated to a page of it meanwhile.)
            if app.current_page.try_get_untracked() == Some(1)
                && let Some(el) = scroller.try_get_untracked().flatten()
            {
                el.set_scroll_top(0);
            }
        });
    });

    // (Another file's change, a reviewed mark say, leaves the pages as they are.)
    let pages = Memo::new(move |_| app.active_pages());
    view! {
        <section class="viewer" aria-label="Document">
            <Toolbar/>
            <div class="pages" node_ref=scroller data-testid="pages">
                {move || match pages.get() {
                    Some((doc, pages)) => view! { <PageColumn doc=doc pages=pages/> }.into_any(),
                    None => view! { <ViewerMessage/> }.into_any(),
                }}
            </div>
        </section>
    }
}

/// A document's pages, put on screen [`PAGES_PER_SLICE`] at a time (at once up to a page
/// the app navigates to), and the height of those still to come kept free below them, so
/// the scroll bar is right from the start.
#[component]
fn PageColumn(doc: u32, pages: Vec<PageInfo>) -> impl IntoView {
    let app = use_app();
    let n = pages.len();
    // Page 1 with the document, the rest a slice per frame after it.
    let mounted = RwSignal::new(1.min(n));
    leptos::task::spawn_local(async move {
        loop {
            // One slice per frame: the page is painted between them.
            glue::next_frame().await;
            // (None once the document is no longer shown.)
            match mounted.try_update(|m| {
                *m = (*m + PAGES_PER_SLICE).min(n);
                glue::mark(&format!("zonal:pages {}", *m));
                *m
            }) {
                Some(m) if m < n => {}
                _ => break,
            }
        }
    });
    Effect::new(move |_| {
        if let Some(p) = app.scroll_to.get()
            && p > mounted.get_untracked()
        {
            mounted.set(p.min(n));
        }
    });
    let pages = StoredValue::new(pages);
    let shown = move || pages.with_value(|p| p[..mounted.get().min(p.len())].to_vec());
    // The pages to come, with the gaps between them (the spacer's own gap is one).
    let rest = move || {
        let k = app.zoom_factor.get() * CSS_PX_PER_INCH / POINTS_PER_INCH;
        pages.with_value(|p| {
            let rest = &p[mounted.get().min(p.len())..];
            let heights: f64 = rest.iter().map(|p| p.height * k).sum();
            (!rest.is_empty()).then(|| heights + PAGE_GAP * (rest.len() - 1) as f64)
        })
    };
    view! {
        <For each=shown key=|p| p.page let:info>
            <PageView doc=doc info=info/>
        </For>
        <Show when=move || rest().is_some()>
            <div class="pages-to-come" aria-hidden="true"
                style:height=move || format!("{:.2}px", rest().unwrap_or_default())></div>
        </Show>
    }
}

#[component]
fn ViewerMessage() -> impl IntoView {
    let app = use_app();
    let msg = move || {
        let id = app.active.get();
        app.files.with(
            |fs| match fs.iter().find(|f| Some(f.id) == id).map(|f| &f.status) {
                Some(crate::state::FileStatus::Loading) => t("opening-document"),
                Some(crate::state::FileStatus::Failed(_)) => t("cannot-open"),
                Some(crate::state::FileStatus::NeedsPassword { .. }) => t("enter-password"),
                _ => t("choose-left"),
            },
        )
    };
    view! { <div class="viewer-message">{msg}</div> }
}

#[component]
fn Toolbar() -> impl IntoView {
    let app = use_app();
    let page_count = move || app.active_pages().map(|(_, p)| p.len()).unwrap_or(0);
    let go = move |delta: isize| app.go_page(delta);
    let step_zoom = move |up: bool| app.step_zoom(up);
    let zoom_value = move || match app.zoom.get() {
        Zoom::FitWidth => "fit".to_string(),
        Zoom::Factor(f) => format!("{}", (f * 100.0).round() as i64),
    };
    let on_zoom_change = move |ev: web_sys::Event| {
        let v = event_target_value(&ev);
        app.zoom.set(match v.parse::<f64>() {
            Ok(p) => Zoom::Factor((p / 100.0).clamp(ZOOM_MIN, ZOOM_MAX)),
            Err(_) => Zoom::FitWidth,
        });
    };
    view! {
        <div class="toolbar" role="toolbar" aria-label="Page and zoom">
            <button class="icon" aria-label=t("previous-page") title=t("previous-page") on:click=move |_| go(-1)
                disabled=move || page_count() == 0>"‹"</button>
            <span class="page-indicator" data-testid="page-indicator">
                {move || match page_count() {
                    0 => t("no-pages"),
                    n => ta("page-of", &[("page", i18n::n(app.current_page.get().min(n))), ("pages", i18n::n(n))]),
                }}
            </span>
            <button class="icon" aria-label=t("next-page") title=t("next-page") on:click=move |_| go(1)
                disabled=move || page_count() == 0>"›"</button>
            <span class="spacer"></span>
            <button class="icon" aria-label=t("zoom-out") title=t("zoom-out") on:click=move |_| step_zoom(false)>"−"</button>
            <select aria-label=t("zoom") data-testid="zoom" prop:value=zoom_value on:change=on_zoom_change>
                <option value="fit">{t("fit-width")}</option>
                {ZOOM_STEPS.iter().map(|z| {
                    let p = (z * 100.0).round() as i64;
                    view! { <option value=p.to_string()>{format!("{p}%")}</option> }
                }).collect_view()}
            </select>
            <button class="icon" aria-label=t("zoom-in") title=t("zoom-in") on:click=move |_| step_zoom(true)>"+"</button>
            <span class="zoom-readout muted">{move || format!("{}%", (app.zoom_factor.get() * 100.0).round())}</span>
            <span class="divider" aria-hidden="true"></span>
            <button class="icon" aria-label=t("undo") title=format!("{} (Ctrl+Z)", t("undo")) data-testid="undo"
                disabled=move || !app.history.with(|h| h.can_undo()) on:click=move |_| { app.undo(); }>"↶"</button>
            <button class="icon" aria-label=t("redo") title=format!("{} (Ctrl+Shift+Z)", t("redo")) data-testid="redo"
                disabled=move || !app.history.with(|h| h.can_redo()) on:click=move |_| { app.redo(); }>"↷"</button>
        </div>
    }
}
