//! The side panel: every region of the active file with its text, label and delete.

use leptos::prelude::*;

use crate::state::{Region, use_app};

/// Regions of the active file.
#[component]
pub fn RegionPanel() -> impl IntoView {
    let app = use_app();
    let regions = move || {
        let active = app.active.get();
        app.regions.with(|rs| {
            rs.iter()
                .filter(|r| Some(r.doc) == active)
                .cloned()
                .collect::<Vec<_>>()
        })
    };
    view! {
        <aside class="regions" aria-label="Regions" data-testid="region-panel">
            <h2>"Regions"</h2>
            <Show when=move || !regions().is_empty()
                fallback=|| view! { <p class="hint">"Drag a rectangle over the page to read the text inside it."</p> }>
                <ol class="region-list">
                    <For each=regions key=|r| (r.id, r.text.clone(), r.needs_ocr, r.page) let:r>
                        <RegionItem region=r/>
                    </For>
                </ol>
            </Show>
        </aside>
    }
}

#[component]
fn RegionItem(region: Region) -> impl IntoView {
    let app = use_app();
    let id = region.id;
    let page = region.page;
    let label = region.label.clone();
    let field = region.field.clone();
    let on_field = move |ev: web_sys::Event| {
        let v = event_target_value(&ev);
        app.regions.update(|rs| {
            if let Some(r) = rs.iter_mut().find(|r| r.id == id) {
                r.field = v;
            }
        });
    };
    let on_label = move |ev: web_sys::Event| {
        let v = event_target_value(&ev);
        app.regions.update(|rs| {
            if let Some(r) = rs.iter_mut().find(|r| r.id == id) {
                r.label = v;
            }
        });
    };
    let delete = move |_| {
        app.regions.update(|rs| rs.retain(|r| r.id != id));
        if app.selected.get_untracked() == Some(id) {
            app.selected.set(None);
        }
    };
    let table = crate::store::get(region.doc)
        .and_then(|d| d.page_text(page))
        .and_then(|t| t.region_table(&region.rect))
        .map(|t| {
            let (r, c) = (t.rows.len(), t.rows.first().map_or(0, Vec::len));
            view! {
                <details class="region-table" data-testid="region-table">
                    <summary>{format!("Table: {r} rows × {c} columns")}</summary>
                    <table>
                        {t.rows.into_iter().map(|row| view! {
                            <tr>{row.into_iter().map(|cell| view! { <td>{cell}</td> }).collect_view()}</tr>
                        }).collect_view()}
                    </table>
                </details>
            }
        });
    let body = if !region.text.is_empty() {
        view! { <pre class="region-text" data-testid="region-text">{region.text.clone()}</pre> }
            .into_any()
    } else if region.needs_ocr {
        view! { <p class="region-empty" data-testid="region-text">"No text layer on this page: it looks like a scan. OCR through the relay will read it (coming soon)."</p> }.into_any()
    } else {
        view! { <p class="region-empty" data-testid="region-text">"No text inside this rectangle."</p> }.into_any()
    };
    view! {
        <li class="region-item" class:selected=move || app.selected.get() == Some(id)
            data-testid="region-item" data-region-id=id
            on:click=move |_| { app.selected.set(Some(id)); app.scroll_to.set(Some(page)); }>
            <div class="region-head">
                <input class="region-label-input" aria-label="Region label" prop:value=label on:change=on_label
                    on:click=|ev| ev.stop_propagation()/>
                <span class="muted">{format!("p. {page}")}</span>
                <button class="icon" aria-label="Delete region" title="Delete region" on:click=delete>
                    <svg viewBox="0 0 24 24" width="16" height="16" aria-hidden="true" fill="none" stroke="currentColor" stroke-width="2">
                        <path d="M4 7h16M10 11v6M14 11v6M6 7l1 13h10l1-13M9 7V4h6v3"/>
                    </svg>
                </button>
            </div>
            <select class="region-field" aria-label="Invoice field" data-testid="region-field"
                on:change=on_field on:click=|ev| ev.stop_propagation()>
                <option value="" selected=field.is_empty()>"Not an invoice field"</option>
                {crate::extraction::FIELD_CHOICES.iter().map(|(name, title)| {
                    let sel = field == *name;
                    view! { <option value=*name selected=sel>{*title}</option> }
                }).collect_view()}
            </select>
            {body}
            {table}
        </li>
    }
}
