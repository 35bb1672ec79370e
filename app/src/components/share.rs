//! The Share button and dialog (a link through the relay, encrypted, or a link carrying
//! the session without one), and the banner a receiver sees with "Keep a copy".

use leptos::prelude::*;

use crate::i18n::{self, t, ta};

use crate::share::{self, Link};
use crate::state::use_app;

/// "Share" in the header; opens the dialog.
#[component]
pub fn ShareButton() -> impl IntoView {
    let app = use_app();
    let open = RwSignal::new(false);
    let has_work = move || app.files.with(|f| !f.is_empty()) || app.pending.with(|p| !p.is_empty());
    view! {
        <button class="button" data-testid="share-open" on:click=move |_| open.set(true)
            disabled=move || !has_work() aria-haspopup="dialog">{t("share")}</button>
        <Show when=move || open.get()>
            <ShareDialog close=move || open.set(false)/>
        </Show>
    }
}

fn select_all(ev: web_sys::FocusEvent) {
    event_target::<web_sys::HtmlInputElement>(&ev).select();
}

/// The share dialog: what the link will carry, "Create link", then the link itself.
#[component]
fn ShareDialog(close: impl Fn() + Copy + 'static) -> impl IntoView {
    let app = use_app();
    let with_pdfs = RwSignal::new(true);
    let ttl = RwSignal::new(168u32);
    let busy = RwSignal::new(false);
    let link = RwSignal::new(None::<Link>);
    let message = RwSignal::new(None::<String>);
    let relay_ok = move || matches!(app.providers.get(), Some(Ok(_)));
    let create = move |_| {
        message.set(None);
        if !relay_ok() {
            link.set(Some(share::create_fragment_link(app)));
            return;
        }
        busy.set(true);
        leptos::task::spawn_local(async move {
            match share::create_relay_link(app, with_pdfs.get_untracked(), ttl.get_untracked())
                .await
            {
                Ok(l) => link.set(Some(l)),
                Err(e) => message.set(Some(ta("link-failed", &[("why", i18n::s(e))]))),
            }
            busy.set(false);
        });
    };
    let on_key = move |ev: web_sys::KeyboardEvent| {
        if ev.key() == "Escape" {
            close();
        }
    };
    view! {
        <div class="dialog-backdrop" on:click=move |_| close()>
            <div class="dialog" role="dialog" aria-modal="true" aria-labelledby="share-title"
                data-testid="share-dialog" on:click=|ev| ev.stop_propagation() on:keydown=on_key>
                <h2 id="share-title">{t("share-title-h")}</h2>
                {move || if relay_ok() {
                    view! { <RelayShareOptions with_pdfs=with_pdfs ttl=ttl/> }.into_any()
                } else {
                    view! { <p class="hint" data-testid="share-offline">{t("share-offline")}</p> }.into_any()
                }}
                <div class="dialog-actions">
                    <button class="button primary" data-testid="share-create" on:click=create autofocus
                        disabled=move || busy.get()>{move || if busy.get() { t("encrypting") } else { t("create-link") }}</button>
                    <button class="button" on:click=move |_| close()>{t("close")}</button>
                </div>
                <ShareLink link=link message=message/>
                {move || message.get().map(|m| view! { <p class="hint" role="status" data-testid="share-message">{m}</p> })}
            </div>
        </div>
    }
}

/// With a relay: whether the PDFs go along, and when the share expires.
#[component]
fn RelayShareOptions(with_pdfs: RwSignal<bool>, ttl: RwSignal<u32>) -> impl IntoView {
    view! {
        <p class="hint">{t("share-encrypted-hint")}</p>
        <label class="check"><input type="checkbox" data-testid="share-pdfs"
            prop:checked=move || with_pdfs.get()
            on:change=move |ev| with_pdfs.set(event_target_checked(&ev))/>
            {t("include-pdfs")}</label>
        <label>{t("expires-after")}
            <select data-testid="share-ttl" on:change=move |ev| ttl.set(event_target_value(&ev).parse().unwrap_or(168))>
                <option value="24">{t("day-1")}</option>
                <option value="168" selected>{t("days-7")}</option>
                <option value="720">{t("days-30")}</option>
            </select>
        </label>
    }
}

/// The link once made: copy it, or (stored on the relay) delete the share.
#[component]
fn ShareLink(link: RwSignal<Option<Link>>, message: RwSignal<Option<String>>) -> impl IntoView {
    let copy = move |_| {
        let Some(l) = link.get_untracked() else {
            return;
        };
        leptos::task::spawn_local(async move {
            message.set(Some(match crate::glue::copy_text(&l.url).await {
                Ok(()) => t("link-copied"),
                Err(e) => ta("copy-by-hand", &[("why", i18n::s(e))]),
            }));
        });
    };
    let delete = move |_| {
        let Some((id, token)) = link.get_untracked().and_then(|l| l.relay) else {
            return;
        };
        leptos::task::spawn_local(async move {
            match crate::relay::delete_share(&id, &token).await {
                Ok(()) => {
                    link.set(None);
                    message.set(Some(t("share-deleted")));
                }
                Err(e) => message.set(Some(e)),
            }
        });
    };
    move || {
        link.get().map(|l| {
            let len = l.url.len();
            let expires = l.expires_at.clone();
            let stored = l.relay.is_some();
            view! {
                <div class="share-link">
                    <input readonly data-testid="share-link" aria-label=t("share-link") prop:value=l.url.clone()
                        on:focus=select_all/>
                    <button class="button small" data-testid="share-copy" on:click=copy>{t("copy")}</button>
                    {stored.then(|| view! { <button class="button small danger" data-testid="share-delete" on:click=delete>{t("delete-share")}</button> })}
                </div>
                <p class="hint">{match expires {
                    Some(when) => ta("stored-until", &[("when", i18n::s(when.get(..16).unwrap_or(&when).replace('T', " ")))]),
                    None => ta("link-holds", &[("len", i18n::n(len))]),
                }}</p>
            }
        })
    }
}

/// Shown after opening a shared session: what it held, and "Keep a copy".
#[component]
pub fn ReceivedBanner() -> impl IntoView {
    let app = use_app();
    let message = RwSignal::new(None::<String>);
    let keep = move |_| {
        message.set(Some(match share::keep_copy(app) {
            Ok(m) | Err(m) => m,
        }))
    };
    move || {
        app.received.get().map(|what| {
            view! {
                <div class="banner" role="status" data-testid="shared-banner">
                    <span>{ta("opened-shared", &[("what", i18n::s(what))])}</span>
                    <button class="button small" data-testid="keep-copy" on:click=keep>{t("keep-copy")}</button>
                    <button class="icon" aria-label=t("dismiss") on:click=move |_| app.received.set(None)>"×"</button>
                    {move || message.get().map(|m| view! { <span class="muted" data-testid="keep-message">{m}</span> })}
                </div>
            }
        })
    }
}
