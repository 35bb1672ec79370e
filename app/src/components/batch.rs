//! The batch: every open file in one table — status, the key values with their doubt
//! marked, line items, confidence, reviewed, duplicates. A value opens its file with the
//! value's place highlighted on the page and its field in focus for correcting.

use leptos::prelude::*;
use wasm_core::invoice::{FieldType, InvoiceField};

use crate::i18n::{self, t, ta};
use crate::state::{AppState, DOUBTFUL, Extracted, FileEntry, FileStatus, use_app};

/// The values the batch shows, in its column order.
const COLUMNS: [InvoiceField; 5] = [
    InvoiceField::VendorName,
    InvoiceField::InvoiceNumber,
    InvoiceField::InvoiceDate,
    InvoiceField::Total,
    InvoiceField::Currency,
];

/// The batch table, shown in place of the page viewer.
#[component]
pub fn BatchView() -> impl IntoView {
    let app = use_app();
    let rows = move || {
        let files = app.files.get();
        let extracted = app.extracted.get();
        files
            .iter()
            .map(|f| {
                let e = extracted.iter().find(|e| e.doc == f.id).cloned();
                let twin = e.as_ref().and_then(|e| duplicate_of(&files, &extracted, e));
                view! { <BatchRow file=f.clone() e=e twin=twin/> }
            })
            .collect_view()
    };
    let summary = move || {
        let (n, review, reviewed) = app.files.with(|fs| {
            app.extracted.with(|all| {
                let review = all
                    .iter()
                    .filter(|e| !e.needs_review().is_empty())
                    .filter(|e| !fs.iter().any(|f| f.id == e.doc && f.reviewed))
                    .count();
                (fs.len(), review, fs.iter().filter(|f| f.reviewed).count())
            })
        });
        ta(
            "batch-summary",
            &[
                ("files", i18n::s(crate::format::count(n, "file"))),
                ("review", i18n::n(review)),
                ("reviewed", i18n::n(reviewed)),
            ],
        )
    };
    view! {
        <section class="batch" aria-label=t("batch") data-testid="batch">
            <div class="panel-head">
                <h2>{t("batch")}</h2>
                <span class="muted" data-testid="batch-summary">{summary}</span>
                <button class="button small" data-testid="batch-close" on:click=move |_| app.batch_open.set(false)>
                    {t("back-to-page")}
                </button>
            </div>
            <p class="hint">{t("batch-hint")}</p>
            <ServerActions/>
            <div class="batch-scroll">
                <table class="batch-table">
                    <thead><tr>
                        <th scope="col"><span class="visually-hidden">{t("ticked")}</span></th>
                        <th scope="col">{t("col-file")}</th><th scope="col">{t("col-status")}</th>
                        {COLUMNS.iter().map(|f| view! { <th scope="col">{i18n::field(*f)}</th> }).collect_view()}
                        <th scope="col">{t("col-items")}</th><th scope="col">{t("col-confidence")}</th><th scope="col">{t("col-reviewed")}</th>
                        <th scope="col">{t("col-server")}</th>
                    </tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        </section>
    }
}

/// Another open file with the same vendor and invoice number: its name.
fn duplicate_of(files: &[FileEntry], all: &[Extracted], e: &Extracted) -> Option<String> {
    let key = |x: &Extracted| {
        Some((
            x.invoice.vendor_name.as_deref()?.to_lowercase(),
            x.invoice.invoice_number.clone()?,
        ))
    };
    let mine = key(e)?;
    let other = all
        .iter()
        .filter(|x| x.doc != e.doc)
        .find(|x| key(x).as_ref() == Some(&mine))?;
    files
        .iter()
        .find(|f| f.id == other.doc)
        .map(|f| f.display.clone())
}

#[component]
fn BatchRow(file: FileEntry, e: Option<Extracted>, twin: Option<String>) -> impl IntoView {
    let app = use_app();
    let id = file.id;
    let status = status_text(app, &file);
    let review = e.as_ref().map(Extracted::needs_review).unwrap_or_default();
    let cells = COLUMNS
        .iter()
        .map(|&f| match &e {
            Some(e) => {
                let value = e.invoice.get(f);
                let conf = e.result.confidence.fields.get(&f).copied();
                let doubtful = review.contains(&f);
                // Shown as the language writes numbers and dates.
                let shown = match (&value, f.value_type()) {
                    (None, _) => "—".to_string(),
                    (Some(v), FieldType::Amount) => i18n::amount(v),
                    (Some(v), FieldType::Date) => i18n::date(v),
                    (Some(v), _) => v.clone(),
                };
                let title = match (conf, e.corrected.contains(&f)) {
                    (_, true) => t("corrected-by-you"),
                    (Some(c), _) => ta("confidence-pct", &[("pct", i18n::s(i18n::percent(c)))]),
                    (None, _) => t("not-found"),
                };
                let open = move |_| {
                    app.show_value(id, f);
                    focus_field_soon(f);
                };
                view! {
                    <td>
                        <button class="cell" class:doubtful=doubtful data-testid="batch-cell"
                            data-field=f.name() data-doubtful=doubtful.to_string() title=title
                            tabindex=if doubtful { "0" } else { "-1" } on:click=open>
                            {shown}
                            {(doubtful && conf.is_some_and(|c| c < DOUBTFUL)).then(|| view! { <span class="doubt" aria-label="doubtful">" ?"</span> })}
                        </button>
                    </td>
                }
                .into_any()
            }
            None => view! { <td class="muted">"—"</td> }.into_any(),
        })
        .collect_view();
    let items = e.as_ref().map_or(0, |e| e.invoice.line_items.len());
    let confidence = e
        .as_ref()
        .map(|e| i18n::percent(e.result.confidence.score))
        .unwrap_or_default();
    let reviewed = file.reviewed;
    let toggle = move |_| set_reviewed(app, id, !reviewed);
    let ticked = move || app.ticked.with(|t| t.contains(&id));
    let tick = move |_| {
        app.ticked.update(|t| {
            if let Some(i) = t.iter().position(|x| *x == id) {
                t.remove(i);
            } else {
                t.push(id);
            }
        })
    };
    let ready = matches!(file.status, FileStatus::Ready(_));
    view! {
        <tr class:reviewed=reviewed data-testid="batch-row" data-file=file.display.clone()>
            <td><input type="checkbox" data-testid="batch-tick" aria-label=ta("tick-named", &[("name", i18n::s(file.display.clone()))])
                prop:checked=ticked on:change=tick disabled=!ready/></td>
            <th scope="row">
                <button class="cell file-cell" tabindex="-1" on:click=move |_| { app.active.set(Some(id)); app.batch_open.set(false); }>
                    {file.display.clone()}
                </button>
                {twin.map(|name| view! { <span class="badge low" data-testid="duplicate">{ta("duplicate-of", &[("name", i18n::s(name))])}</span> })}
            </th>
            <td data-testid="batch-status">{status}</td>
            {cells}
            <td>{items}</td>
            <td>{confidence}</td>
            <td><input type="checkbox" aria-label=ta("reviewed-named", &[("name", i18n::s(file.display.clone()))]) prop:checked=reviewed
                data-testid="batch-reviewed" on:change=toggle/></td>
            <td><JobCell doc=id/></td>
        </tr>
    }
}

/// "Process on the server" for the ticked files and "Delete from the server", or why
/// they are unavailable (no relay).
#[component]
fn ServerActions() -> impl IntoView {
    let app = use_app();
    let unavailable = move || match app.providers.get() {
        None => Some(t("checking-relay")),
        Some(Err(e)) => Some(ta("server-needs-relay", &[("why", i18n::s(e))])),
        Some(Ok(_)) => None,
    };
    let n = move || app.ticked.with(Vec::len);
    let process = move |_| {
        let docs = app.ticked.get_untracked();
        app.ticked.set(Vec::new());
        leptos::task::spawn_local(crate::server::process(app, docs));
    };
    let delete = move |_| {
        if crate::glue::confirm(&t("server-delete-confirm")) {
            leptos::task::spawn_local(crate::server::delete(app));
        }
    };
    view! {
        <div class="server-actions">
            <button class="button small" data-testid="process-server" on:click=process
                disabled=move || unavailable().is_some() || n() == 0
                title=t("process-title")>
                {move || match n() {
                    0 => t("process-none"),
                    n => ta("process-n", &[("files", i18n::s(crate::format::count(n, "file")))]),
                }}
            </button>
            <button class="button small danger" data-testid="server-delete" on:click=delete
                disabled=move || unavailable().is_some() || app.jobs.with(Vec::is_empty)>
                {t("server-delete")}
            </button>
            {move || unavailable().map(|why| view! { <span class="hint" data-testid="server-unavailable">{why}</span> })}
        </div>
    }
}

/// A file's server job: its progress, or why it failed with a Retry.
#[component]
fn JobCell(doc: u32) -> impl IntoView {
    let app = use_app();
    let job = move || {
        app.jobs
            .with(|all| all.iter().find(|j| j.doc == doc).cloned())
    };
    move || {
        job().map(|j| {
            let failed = j.status == wire::JobStatus::Failed;
            let retry = move |_| leptos::task::spawn_local(crate::server::retry(app, doc));
            view! {
                <div class="job" data-testid="server-job" data-status=j.status.as_str() data-events=j.events>
                    {(!failed).then(|| view! { <progress max="100" value=j.percent></progress> })}
                    <span class:error=failed>{format!("{} % · {}", j.percent, j.message)}</span>
                    {failed.then(|| view! { <button class="button small" data-testid="job-retry" on:click=retry>{t("retry")}</button> })}
                </div>
            }
        })
    }
}

/// A file's state in a few words.
fn status_text(app: AppState, f: &FileEntry) -> String {
    match &f.status {
        FileStatus::Loading => t("opening"),
        FileStatus::NeedsPassword { .. } => t("locked"),
        FileStatus::Failed(e) => e.clone(),
        FileStatus::Ready(pages) => match crate::ocr::summary(app, f.id) {
            Some(s) => capitalised(&s),
            None => ta(
                "text-pages",
                &[("pages", i18n::s(crate::format::count(pages.len(), "page")))],
            ),
        },
    }
}

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// Marks a file reviewed (or not).
pub fn set_reviewed(app: AppState, id: u32, reviewed: bool) {
    app.files.update(|fs| {
        if let Some(f) = fs.iter_mut().find(|f| f.id == id) {
            f.reviewed = reviewed;
        }
    });
}

/// Tasks waited at most for a field's input to appear.
const FOCUS_TRIES: usize = 10;

/// Puts the keyboard focus on a field's input once the invoice panel shows it.
pub fn focus_field_soon(f: InvoiceField) {
    // (A panel being shown builds its fields a task or two later: see `InvoiceView`.)
    leptos::task::spawn_local(async move {
        for _ in 0..FOCUS_TRIES {
            crate::glue::yield_now().await;
            if crate::glue::focus_id(&format!("f-{f}")) {
                return;
            }
        }
    });
}

/// The next file after `doc` (in list order, wrapping) that is not reviewed and has
/// values to check.
pub fn next_to_review(app: AppState, doc: u32) -> Option<(u32, InvoiceField)> {
    let order: Vec<(u32, bool)> = app
        .files
        .with_untracked(|fs| fs.iter().map(|f| (f.id, f.reviewed)).collect());
    let start = order.iter().position(|(id, _)| *id == doc).unwrap_or(0);
    app.extracted.with_untracked(|all| {
        order
            .iter()
            .cycle()
            .skip(start + 1)
            .take(order.len().saturating_sub(1))
            .filter(|(_, reviewed)| !reviewed)
            .find_map(|(id, _)| {
                let e = all.iter().find(|e| e.doc == *id)?;
                e.needs_review().first().map(|f| (*id, *f))
            })
    })
}
