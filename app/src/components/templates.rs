//! The templates panel: the person's vendor templates, with import (Zonal JSON or
//! invoice2data YAML/JSON), export and delete.

use leptos::prelude::*;

use crate::i18n::{self, t, ta};
use ::engine::protocol::{Reply, Request};
use wasm_bindgen::JsCast;
use wasm_core::template::Template;

use crate::glue;
use crate::state::{AppState, use_app};

/// Saved templates.
#[component]
pub fn TemplatesPanel() -> impl IntoView {
    let app = use_app();
    let export = move |_| {
        let json = serde_json::to_string_pretty(&app.templates.get_untracked()).unwrap_or_default();
        if let Err(e) = glue::download("zonal-templates.json", "application/json", &json) {
            app.notice.set(Some(e));
        }
    };
    view! {
        <section class="templates" aria-label=t("templates") data-testid="templates-panel">
            <div class="panel-head">
                <h2>{t("templates")}</h2>
                <label class="button small">
                    {t("import")}
                    <input type="file" accept=".json,.yml,.yaml,application/json" multiple class="visually-hidden"
                        data-testid="template-import" on:change=move |ev| import(app, ev)/>
                </label>
                <button class="button small" data-testid="template-export" on:click=export
                    disabled=move || app.templates.with(Vec::is_empty)>{t("export")}</button>
            </div>
            <Show when=move || app.templates.with(|t| !t.is_empty())
                fallback=|| view! { <p class="hint">{t("no-templates")}</p> }>
                <ul class="template-list">
                    <For each=move || app.templates.get() key=|t| t.vendor.clone() let:t>
                        <TemplateItem vendor=t.vendor.clone() fields=t.fields.len()/>
                    </For>
                </ul>
            </Show>
        </section>
    }
}

#[component]
fn TemplateItem(vendor: String, fields: usize) -> impl IntoView {
    let app = use_app();
    let v = vendor.clone();
    let delete = move |_| {
        app.templates.update(|ts| ts.retain(|t| t.vendor != v));
        crate::persist::save_templates(&app.templates.get_untracked());
    };
    view! {
        <li class="template-item" data-testid="template-item">
            <span>{vendor.clone()}</span>
            <span class="muted">{ta("n-fields", &[("n", i18n::n(fields))])}</span>
            <button class="icon" aria-label=ta("delete-template", &[("vendor", i18n::s(vendor.clone()))]) on:click=delete>"×"</button>
        </li>
    }
}

/// The templates a picked file holds, read and checked by the engine.
async fn read_templates(f: &web_sys::File) -> Result<Vec<Template>, String> {
    let bytes = glue::read_file(f).await?;
    let text = String::from_utf8(bytes).map_err(|_| "not a text file".to_string())?;
    match crate::engine::call(Request::ReadTemplates { text }, None).await {
        Ok((Reply::Templates { templates }, _)) => Ok(templates),
        Ok(_) => Err("the engine sent no template".into()),
        Err(e) => Err(e.to_string()),
    }
}

fn import(app: AppState, ev: web_sys::Event) {
    let Some(input) = ev
        .target()
        .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
    else {
        return;
    };
    let Some(list) = input.files() else { return };
    let files: Vec<web_sys::File> = (0..list.length()).filter_map(|i| list.get(i)).collect();
    input.set_value("");
    leptos::task::spawn_local(async move {
        let mut errors = Vec::new();
        for f in files {
            let name = f.name();
            match read_templates(&f).await {
                Ok(read) => app.templates.update(|ts| {
                    for t in read {
                        ts.retain(|x| x.vendor != t.vendor);
                        ts.push(t);
                    }
                }),
                Err(e) => errors.push(format!("{name}: {e}")),
            }
        }
        if !crate::persist::save_templates(&app.templates.get_untracked()) {
            errors.push(
                "the browser refused to store the templates; they last for this visit only".into(),
            );
        }
        app.notice
            .set((!errors.is_empty()).then(|| errors.join("\n")));
        // Files already open may match a new template.
        let open: Vec<u32> = app
            .extracted
            .with_untracked(|all| all.iter().map(|e| e.doc).collect());
        for doc in open {
            crate::extraction::run(app, doc);
        }
    });
}
