//! The app's components, one module per screen area.

pub mod files;
pub mod invoice;
pub mod page;
pub mod regions;
pub mod share;
pub mod templates;
pub mod viewer;

use leptos::prelude::*;

use crate::state::{AppState, use_app};

/// The whole app: header, file list, viewer and region panel.
#[component]
pub fn App() -> impl IntoView {
    provide_context(AppState::new());
    let app = use_app();
    leptos::task::spawn_local(async move {
        app.providers.set(Some(crate::relay::providers().await));
    });
    leptos::task::spawn_local(async move {
        crate::share::open_from_location(app).await;
    });
    let has_files =
        move || app.files.with(|f| !f.is_empty()) || app.pending.with(|p| !p.is_empty());
    view! {
        <div class="app" on:dragover=files::on_dragover on:drop=move |ev| files::on_drop(app, ev)>
            <header class="topbar">
                <div class="brand">
                    <span class="logo" aria-hidden="true">"▦"</span>
                    <span class="name">"Zonal"</span>
                    <span class="tagline">"Invoice data, straight from the PDF"</span>
                </div>
                <div class="actions">
                    <share::ShareButton/>
                    <ExportCsv/>
                    <files::OpenButton/>
                </div>
            </header>
            <Notice/>
            <share::ReceivedBanner/>
            <Show when=has_files fallback=|| view! { <files::EmptyState/> }>
                <main class="workspace">
                    <files::FileList/>
                    <viewer::Viewer/>
                    <div class="side">
                        <regions::RegionPanel/>
                        <invoice::InvoicePanel/>
                        <templates::TemplatesPanel/>
                    </div>
                </main>
            </Show>
        </div>
    }
}

/// A message for the person (a refused file, a share that cannot be opened), dismissible.
#[component]
fn Notice() -> impl IntoView {
    let app = use_app();
    move || {
        app.notice.get().map(|n| {
            view! {
                <div class="notice" role="alert" data-testid="notice">
                    <span>{n}</span>
                    <button class="icon" aria-label="Dismiss" on:click=move |_| app.notice.set(None)>"×"</button>
                </div>
            }
        })
    }
}

/// Downloads the combined CSV of every open file.
#[component]
fn ExportCsv() -> impl IntoView {
    let app = use_app();
    let ready = move || {
        app.files.with(|fs| {
            fs.iter()
                .any(|f| matches!(f.status, crate::state::FileStatus::Ready(_)))
        })
    };
    let export = move |_| {
        let csv = crate::extraction::combined_csv(app);
        if let Err(e) = crate::glue::download("zonal-invoices.csv", "text/csv;charset=utf-8", &csv)
        {
            app.notice.set(Some(e));
        }
    };
    view! {
        <button class="button" data-testid="export-csv" on:click=export disabled=move || !ready()>
            "Export CSV"
        </button>
    }
}
