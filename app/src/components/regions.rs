//! The side panel: every region of the active file with its text, label and delete.

use leptos::prelude::*;
use wasm_core::invoice::InvoiceField;
use wasm_core::template::ItemColumn;

use crate::i18n::{self, t, ta};
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
        <aside class="regions" aria-label=t("regions") data-testid="region-panel">
            <h2>{t("regions")}</h2>
            <Show when=move || !regions().is_empty()
                fallback=|| view! { <p class="hint">{t("regions-hint")}</p> }>
                <ol class="region-list">
                    <For each=regions key=|r| (r.id, r.text.clone(), r.label.clone(), r.field, r.needs_ocr, r.page, r.ocr_busy, r.ocr.is_some(), r.items.clone()) let:r>
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
    let field = region.field;
    let is_items = region.items.is_some();
    let on_field = move |ev: web_sys::Event| {
        let chosen = event_target_value(&ev);
        let v = InvoiceField::header(&chosen);
        // Over the item table: each column gets a first guess of what it holds.
        let items = (chosen == LINE_ITEMS).then(|| {
            app.regions
                .with_untracked(|rs| rs.iter().find(|r| r.id == id).and_then(|r| r.table.clone()))
                .map(|rows| ItemColumn::guess(&rows))
                .unwrap_or_default()
        });
        app.edit_regions(|rs| {
            if let Some(r) = rs.iter_mut().find(|r| r.id == id) {
                r.field = v;
                r.items = items;
            }
        });
        if let Some(doc) = app.active.get_untracked() {
            crate::extraction::run(app, doc);
        }
    };
    let on_label = move |ev: web_sys::Event| {
        let v = event_target_value(&ev);
        app.edit_regions(|rs| {
            if let Some(r) = rs.iter_mut().find(|r| r.id == id) {
                r.label = v;
            }
        });
    };
    let delete = move |_| {
        app.edit_regions(|rs| rs.retain(|r| r.id != id));
        if app.selected.get_untracked() == Some(id) {
            app.selected.set(None);
        }
    };
    let table = table_view(&region);
    let on_scan = crate::store::get(region.doc).is_some_and(|d| d.is_scan(region.page));
    let body = if region.reading && region.text.is_empty() {
        view! { <p class="region-empty" data-testid="region-text" aria-busy="true">{t("region-reading")}</p> }
            .into_any()
    } else if !region.text.is_empty() {
        view! { <pre class="region-text" data-testid="region-text">{region.text.clone()}</pre> }
            .into_any()
    } else if region.needs_ocr {
        view! {
            <p class="region-empty" data-testid="region-text">{t("region-scan")}</p>
        }
        .into_any()
    } else {
        view! { <p class="region-empty" data-testid="region-text">{t("region-empty")}</p> }
            .into_any()
    };
    // On a scan, the relay's OCR (Vision or Tesseract) is a second reading on request.
    let server = on_scan.then(|| view! { <OcrButton id=id busy=region.ocr_busy/> });
    view! {
        <li class="region-item" class:selected=move || app.selected.get() == Some(id)
            data-testid="region-item" data-region-id=id
            on:click=move |_| { app.selected.set(Some(id)); app.scroll_to.set(Some(page)); }>
            <div class="region-head">
                <input class="region-label-input" aria-label=t("region-label") prop:value=label on:change=on_label
                    on:click=|ev| ev.stop_propagation()/>
                <span class="muted">{format!("p. {page}")}</span>
                <button class="icon" aria-label=t("delete-region") title=t("delete-region") on:click=delete>
                    <svg viewBox="0 0 24 24" width="16" height="16" aria-hidden="true" fill="none" stroke="currentColor" stroke-width="2">
                        <path d="M4 7h16M10 11v6M14 11v6M6 7l1 13h10l1-13M9 7V4h6v3"/>
                    </svg>
                </button>
            </div>
            <select class="region-field" aria-label=t("invoice-field") data-testid="region-field"
                on:change=on_field on:click=|ev| ev.stop_propagation()>
                <option value="" selected=field.is_none() && !is_items>{t("not-a-field")}</option>
                {InvoiceField::HEADER.into_iter().map(|f| {
                    let sel = field == Some(f);
                    view! { <option value=f.name() selected=sel>{i18n::field(f)}</option> }
                }).collect_view()}
                <option value=LINE_ITEMS selected=is_items>{t("line-items-table")}</option>
            </select>
            {body}
            {server}
            {ocr_view(&region)}
            {table}
        </li>
    }
}

/// The field-select value that maps a region to the line items.
const LINE_ITEMS: &str = "lineItems";

/// The table inside a region (rows × cells), folded, when it holds one; mapped to the
/// line items, with what each column holds (a choice per column) and open.
fn table_view(region: &Region) -> Option<impl IntoView + use<>> {
    let rows = region.table.clone()?;
    let (r, c) = (rows.len(), rows.first().map_or(0, Vec::len));
    let mapping = region.items.clone().map(|cols| {
        let id = region.id;
        let app = use_app();
        (0..c)
            .map(|i| {
                let current = cols.get(i).copied().unwrap_or_default();
                let on_change = move |ev: web_sys::Event| {
                    let Some(kind) = ItemColumn::from_name(&event_target_value(&ev)) else {
                        return;
                    };
                    app.edit_regions(|rs| {
                        if let Some(items) = rs.iter_mut().find(|r| r.id == id).and_then(|r| r.items.as_mut()) {
                            items.resize(c.max(items.len()), ItemColumn::Ignore);
                            items[i] = kind;
                        }
                    });
                    if let Some(doc) = app.active.get_untracked() {
                        crate::extraction::run(app, doc);
                    }
                };
                view! {
                    <th>
                        <select aria-label=ta("column-holds", &[("n", i18n::n(i + 1))]) data-testid="item-column"
                            on:change=on_change on:click=|ev| ev.stop_propagation()>
                            {ItemColumn::ALL.into_iter().map(|k| view! {
                                <option value=k.name() selected=k == current>{i18n::item_column(k)}</option>
                            }).collect_view()}
                        </select>
                    </th>
                }
            })
            .collect_view()
    });
    let open = mapping.is_some();
    Some(view! {
        <details class="region-table" data-testid="region-table" open=open on:click=|ev| ev.stop_propagation()>
            <summary>{ta("table-size", &[("rows", i18n::n(r)), ("cols", i18n::n(c))])}</summary>
            <div class="table-scroll">
                <table>
                    {mapping.map(|m| view! { <thead><tr>{m}</tr></thead> })}
                    {rows.into_iter().map(|row| view! {
                        <tr>{row.into_iter().map(|cell| view! { <td>{cell}</td> }).collect_view()}</tr>
                    }).collect_view()}
                </table>
            </div>
        </details>
    })
}

/// What OCR read for a region: the crop it read, the engine and confidence, or why not.
fn ocr_view(region: &Region) -> Option<AnyView> {
    match region.ocr.clone()? {
        Ok((reading, crop)) => Some(
            view! {
                <figure class="region-ocr" data-testid="region-ocr">
                    <img class="region-crop" src=crop alt=t("crop-read")/>
                    <figcaption class="muted">
                        {ta("read-by-ocr-engine", &[("engine", i18n::s(reading.engine.clone())), ("pct", i18n::s(format!("{:.0}", reading.confidence * 100.0)))])}
                    </figcaption>
                </figure>
            }
            .into_any(),
        ),
        Err(e) => Some(view! { <p class="field-error" role="alert">{e}</p> }.into_any()),
    }
}

/// "Read on the server": sends the region's crop to the relay's OCR, or says why it
/// cannot.
#[component]
fn OcrButton(id: u32, busy: bool) -> impl IntoView {
    let app = use_app();
    let unavailable = move || match app.providers.get() {
        None => Some(t("checking-relay")),
        Some(Err(e)) => Some(ta("ocr-needs-relay", &[("why", i18n::s(e))])),
        Some(Ok(p)) if p.ocr.is_empty() => Some(t("relay-no-ocr")),
        Some(Ok(_)) => None,
    };
    let run = move |ev: web_sys::MouseEvent| {
        ev.stop_propagation();
        leptos::task::spawn_local(ocr_region(app, id));
    };
    view! {
        <button class="button small" data-testid="ocr" on:click=run
            disabled=move || busy || unavailable().is_some()
            title=move || unavailable().unwrap_or_else(|| t("read-on-server-title"))>
            {if busy { t("reading-on-server") } else { t("read-on-server") }}
        </button>
        {move || unavailable().map(|why| view! { <p class="hint" data-testid="ocr-unavailable">{why}</p> })}
    }
}

/// Renders the region at 300 DPI, crops it, and has the relay read it.
async fn ocr_region(app: crate::state::AppState, id: u32) {
    let Some(r) = app
        .regions
        .with_untracked(|rs| rs.iter().find(|r| r.id == id).cloned())
    else {
        return;
    };
    let set = move |f: &dyn Fn(&mut Region)| {
        app.regions.update(|rs| {
            if let Some(r) = rs.iter_mut().find(|r| r.id == id) {
                f(r);
            }
        })
    };
    set(&|r| r.ocr_busy = true);
    crate::glue::yield_now().await;
    let filename = app.files.with_untracked(|fs| {
        fs.iter()
            .find(|f| f.id == r.doc)
            .map(|f| f.name.clone())
            .unwrap_or_default()
    });
    const OCR_DPI: f64 = 300.0;
    let crop = ::engine::protocol::Request::RegionPng {
        doc: r.doc,
        page: r.page,
        rect: r.rect,
        dpi: OCR_DPI,
    };
    let png = match crate::engine::call(crop, None).await {
        Ok((_, Some(crate::engine::Carried::Bytes(png)))) => Ok(png),
        Ok(_) => Err("the engine sent no image".to_string()),
        Err(e) => Err(e.to_string()),
    };
    let outcome = match png {
        Ok(png) => {
            use base64::Engine;
            let url = format!(
                "data:image/png;base64,{}",
                base64::engine::general_purpose::STANDARD.encode(&png)
            );
            crate::relay::ocr_crop(&png, r.page, &filename)
                .await
                .map(|reading| (reading, url))
        }
        Err(e) => Err(e),
    };
    set(&|r| {
        r.ocr_busy = false;
        if let Ok((reading, _)) = &outcome {
            r.text = reading.text.clone();
        }
        r.ocr = Some(outcome.clone());
    });
    // A region mapped to a field gives the invoice what the server read.
    if r.field.is_some() && outcome.is_ok() {
        crate::extraction::run(app, r.doc);
    }
}
