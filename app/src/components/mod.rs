//! The app's components, one module per screen area.

pub mod files;
pub mod page;
pub mod regions;
pub mod viewer;

use leptos::prelude::*;

use crate::state::{AppState, use_app};

/// The whole app: header, file list, viewer and region panel.
#[component]
pub fn App() -> impl IntoView {
    provide_context(AppState::new());
    let app = use_app();
    let has_files = move || app.files.with(|f| !f.is_empty());
    view! {
        <div class="app" on:dragover=files::on_dragover on:drop=move |ev| files::on_drop(app, ev)>
            <header class="topbar">
                <div class="brand">
                    <span class="logo" aria-hidden="true">"▦"</span>
                    <span class="name">"Zonal"</span>
                    <span class="tagline">"Invoice data, straight from the PDF"</span>
                </div>
                <files::OpenButton/>
            </header>
            <Show when=has_files fallback=|| view! { <files::EmptyState/> }>
                <main class="workspace">
                    <files::FileList/>
                    <viewer::Viewer/>
                    <regions::RegionPanel/>
                </main>
            </Show>
        </div>
    }
}
