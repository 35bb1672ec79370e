//! The app's components, one module per screen area.

pub mod batch;
pub mod files;
pub mod invoice;
pub mod page;
pub mod regions;
pub mod share;
pub mod templates;
pub mod viewer;

use leptos::prelude::*;

use crate::i18n::{self, t, ta};
use crate::state::{AppState, use_app};
use wasm_core::invoice::csv::Columns;

/// The whole app: header, file list, viewer and region panel.
#[component]
pub fn App() -> impl IntoView {
    provide_context(AppState::new());
    let app = use_app();
    crate::opening::watch_engine(app);
    crate::glue::watch_device_pixel_ratio(move |r| app.pixel_ratio.set(r));
    leptos::task::spawn_local(async move {
        app.providers.set(Some(crate::relay::providers().await));
    });
    leptos::task::spawn_local(async move {
        crate::opening::open_from_location(app).await;
    });
    let help = RwSignal::new(false);
    crate::shortcuts::install(app, help);
    crate::i18n::warm_formatters();
    let has_files =
        move || app.files.with(|f| !f.is_empty()) || app.pending.with(|p| !p.is_empty());
    // The whole UI is drawn again when the language changes (state lives in signals).
    move || {
        let _ = app.lang.get();
        view! {
        <div class="app" on:dragover=crate::opening::on_dragover on:drop=move |ev| crate::opening::on_drop(app, ev)>
            <header class="topbar">
                <div class="brand">
                    <span class="logo" aria-hidden="true">"▦"</span>
                    <span class="name">"Zonal"</span>
                    <span class="tagline">{t("tagline")}</span>
                </div>
                <div class="actions">
                    <ThemeToggle/>
                    <LanguageSwitch/>
                    <button class="icon" aria-label=t("shortcuts") title=t("shortcuts-title")
                        data-testid="shortcuts-open" on:click=move |_| help.set(true)>"⌨"</button>
                    <Show when=has_files>
                        <BatchToggle/>
                    </Show>
                    <share::ShareButton/>
                    <Show when=has_files>
                        <ClearSession/>
                    </Show>
                    <ExportCsv/>
                    <files::OpenButton/>
                </div>
            </header>
            <Show when=move || help.get()>
                <ShortcutsHelp close=move || help.set(false)/>
            </Show>
            <OpeningProgress/>
            <Notice/>
            <share::ReceivedBanner/>
            <Show when=has_files fallback=|| view! { <files::EmptyState/> }>
                <main class="workspace">
                    <files::FileList/>
                    <Show when=move || app.batch_open.get() fallback=|| view! { <viewer::Viewer/> }>
                        <batch::BatchView/>
                    </Show>
                    // (The side panels one task after the rest: the first file's pick
                    // does not build the whole workspace in one go.)
                    <div class="side">
                        <Later after=1>
                            <regions::RegionPanel/>
                            <invoice::InvoicePanel/>
                            <templates::TemplatesPanel/>
                        </Later>
                    </div>
                </main>
            </Show>
        </div>
        }
    }
}

/// Shows the batch table, or the page again; says how many files have values to check.
#[component]
fn BatchToggle() -> impl IntoView {
    let app = use_app();
    let to_check = move || {
        app.files.with(|fs| {
            app.extracted.with(|all| {
                all.iter()
                    .filter(|e| !e.needs_review().is_empty())
                    .filter(|e| fs.iter().any(|f| f.id == e.doc && !f.reviewed))
                    .count()
            })
        })
    };
    view! {
        <button class="button" data-testid="batch-toggle" aria-pressed=move || app.batch_open.get().to_string()
            on:click=move |_| app.batch_open.update(|b| *b = !*b)>
            {move || match to_check() {
                0 => t("batch"),
                n => ta("batch-to-check", &[("n", i18n::n(n))]),
            }}
        </button>
    }
}

/// "Clear session": after the person confirms, closes every file and forgets the saved
/// session (templates stay).
#[component]
fn ClearSession() -> impl IntoView {
    let app = use_app();
    let clear = move |_| {
        if crate::glue::confirm(&t("clear-session-confirm")) {
            leptos::task::spawn_local(crate::persist::clear_session(app));
        }
    };
    view! {
        <button class="button" data-testid="clear-session" on:click=clear
            title=t("clear-session-title")>{t("clear-session")}</button>
    }
}

/// English or Dutch: the UI is drawn again in the chosen language.
#[component]
fn LanguageSwitch() -> impl IntoView {
    let app = use_app();
    let change = move |ev: web_sys::Event| {
        let v = event_target_value(&ev);
        if let Some(lang) = i18n::Lang::ALL.into_iter().find(|l| l.tag() == v) {
            i18n::choose(lang);
            app.lang.set(lang);
        }
    };
    let now = i18n::current();
    view! {
        <select class="lang" aria-label=t("language") data-testid="language" on:change=change>
            {i18n::Lang::ALL.into_iter().map(|l| view! {
                <option value=l.tag() selected=l == now>{l.name()}</option>
            }).collect_view()}
        </select>
    }
}

/// Cycles the colour theme: system → light → dark, remembered in this browser.
#[component]
fn ThemeToggle() -> impl IntoView {
    let theme = RwSignal::new(crate::persist::load_theme());
    Effect::new(move |_| crate::glue::set_theme(&theme.get()));
    let next = move |_| {
        let t = match theme.get_untracked().as_str() {
            "system" => "light",
            "light" => "dark",
            _ => "system",
        };
        crate::persist::save_theme(t);
        theme.set(t.to_string());
    };
    let label = move || match theme.get().as_str() {
        "light" => t("theme-light"),
        "dark" => t("theme-dark"),
        _ => t("theme-auto"),
    };
    view! {
        <button class="button" data-testid="theme" on:click=next
            title=t("theme-title")>{label}</button>
    }
}

/// The list of keyboard shortcuts.
#[component]
fn ShortcutsHelp(close: impl Fn() + Copy + 'static) -> impl IntoView {
    view! {
        <div class="dialog-backdrop" on:click=move |_| close()>
            <div class="dialog" role="dialog" aria-modal="true" aria-labelledby="keys-title"
                data-testid="shortcuts" on:click=|ev| ev.stop_propagation()>
                <h2 id="keys-title">{t("shortcuts")}</h2>
                <table class="shortcuts">
                    <tbody>
                        {crate::shortcuts::SHORTCUTS.iter().map(|(k, what)| view! {
                            <tr><th scope="row"><kbd>{*k}</kbd></th><td>{t(what)}</td></tr>
                        }).collect_view()}
                    </tbody>
                </table>
                <div class="dialog-actions">
                    <button class="button" on:click=move |_| close() autofocus>{t("close")}</button>
                </div>
            </div>
        </div>
    }
}

/// A progress bar while files are being opened.
#[component]
fn OpeningProgress() -> impl IntoView {
    let app = use_app();
    let counts = move || {
        app.files.with(|fs| {
            let loading = fs
                .iter()
                .filter(|f| matches!(f.status, crate::state::FileStatus::Loading))
                .count();
            (fs.len() - loading, fs.len(), loading)
        })
    };
    move || {
        let (done, total, loading) = counts();
        (loading > 0).then(|| {
            view! {
                <div class="progress" role="status" data-testid="opening-progress">
                    <progress max=total value=done aria-label=t("opening-files")></progress>
                    <span class="muted">{ta("opening-n-of", &[("done", i18n::n(done + 1)), ("total", i18n::s(crate::format::count(total, "file")))])}</span>
                </div>
            }
        })
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
                    <button class="icon" aria-label=t("dismiss") on:click=move |_| app.notice.set(None)>"×"</button>
                </div>
            }
        })
    }
}

/// Downloads the combined CSV of every open file: the 15 columns, or extended.
#[component]
fn ExportCsv() -> impl IntoView {
    let app = use_app();
    let ready = move || {
        app.files.with(|fs| {
            fs.iter()
                .any(|f| matches!(f.status, crate::state::FileStatus::Ready(_)))
        })
    };
    let export = move |columns: Columns| {
        leptos::task::spawn_local(async move {
            let (csv, left_out) = crate::extraction::combined_csv(app, columns).await;
            download_csv(app, &csv, &left_out);
        });
    };
    view! {
        <button class="button" data-testid="export-csv" on:click=move |_| export(Columns::Standard) disabled=move || !ready()>
            {t("export-csv")}
        </button>
        <button class="button" data-testid="export-csv-extended"
            title=t("export-extended-title")
            on:click=move |_| export(Columns::Extended) disabled=move || !ready()>
            {t("export-csv-extended")}
        </button>
    }
}

/// Downloads a combined CSV, and says which files it leaves out.
fn download_csv(app: AppState, csv: &str, left_out: &[crate::extraction::LeftOut]) {
    if let Err(e) = crate::glue::download("zonal-invoices.csv", "text/csv;charset=utf-8", csv) {
        app.notice.set(Some(e));
    } else if !left_out.is_empty() {
        let list: Vec<String> = left_out
            .iter()
            .map(|l| format!("{} ({})", l.name, l.why))
            .collect();
        app.notice.set(Some(ta(
            "csv-left-out",
            &[
                (
                    "files",
                    i18n::s(crate::format::count(left_out.len(), "file")),
                ),
                ("list", i18n::s(list.join("; "))),
            ],
        )));
    }
}

/// Its children, put on screen `after` tasks later than the view around them: a large
/// view is built in parts, so that no part holds the page up for long.
#[component]
pub fn Later(after: usize, children: ChildrenFn) -> impl IntoView {
    let ready = RwSignal::new(false);
    leptos::task::spawn_local(async move {
        for _ in 0..after {
            crate::glue::yield_now().await;
        }
        ready.try_set(true);
    });
    move || ready.get().then(|| children())
}
