//! Fonts and CMaps fetched on first use (see `wasm_core::assets`): the app is built
//! without the rarely used standard fonts and the CJK CMaps, which `dist/assets/` holds
//! and the service worker keeps once fetched. A page that needed one is read again when
//! it arrives.

use std::cell::{Cell, RefCell};
use std::collections::BTreeSet;

use gloo_net::http::Request;
use leptos::prelude::*;

use crate::state::AppState;

thread_local! {
    static BUSY: Cell<bool> = const { Cell::new(false) };
    /// Assets that could not be fetched this session (offline, say): not asked again
    /// until the page is reloaded.
    static FAILED: RefCell<BTreeSet<String>> = const { RefCell::new(BTreeSet::new()) };
}

/// Clears [`BUSY`] however the fetch ends (also if its future is dropped).
struct BusyGuard;

impl Drop for BusyGuard {
    fn drop(&mut self) {
        BUSY.with(|b| b.set(false));
    }
}

/// Fetches the fonts and CMaps the pages read so far lacked. When any arrived, the
/// pages' text is read again, the regions' text with it, and `app.assets_epoch` moves on
/// so that pages paint again; returns whether that happened. Safe to call after every
/// render: it returns at once when nothing is missing. A call made while another is
/// fetching waits for it, then fetches what is still missing.
pub async fn refresh(app: AppState) -> bool {
    let before = app.assets_epoch.get_untracked();
    settle(u32::MAX).await;
    BUSY.with(|b| b.set(true));
    let _busy = BusyGuard;
    let mut provided = false;
    let mut failed = Vec::new();
    // A CMap can name the one it builds on: that is fetched in the same call.
    for _ in 0..4 {
        let missing: Vec<String> = crate::engine::take_missing()
            .into_iter()
            .filter(|p| !FAILED.with(|f| f.borrow().contains(p)))
            .collect();
        if missing.is_empty() {
            break;
        }
        let fetched = futures::future::join_all(missing.iter().map(|p| fetch(p))).await;
        for (path, result) in missing.into_iter().zip(fetched) {
            let provided_now = match result {
                Ok(b) => crate::engine::provide(&path, b)
                    .await
                    .map_err(|e| e.to_string()),
                Err(e) => Err(e),
            };
            match provided_now {
                Ok(()) => provided = true,
                Err(e) => {
                    web_sys::console::warn_1(&format!("{path}: {e}").into());
                    FAILED.with(|f| f.borrow_mut().insert(path.clone()));
                    failed.push(path);
                }
            }
        }
    }
    if !failed.is_empty() {
        app.notice.set(Some(format!(
            "Some text needs {} that could not be loaded (offline?): it may be missing \
             from the page and its regions until you reload.",
            describe(&failed)
        )));
    }
    if provided {
        // (The engine reads the pages' texts again: the regions' with them.)
        app.reread_regions(|_| true);
        app.assets_epoch.update(|e| *e += 1);
    }
    app.assets_epoch.get_untracked() != before
}

/// Waits for a fetch under way to end, at most `ms` milliseconds.
pub async fn settle(ms: u32) {
    let mut waited = 0_u32;
    while BUSY.with(Cell::get) && waited < ms {
        gloo_timers::future::TimeoutFuture::new(20).await;
        waited = waited.saturating_add(20);
    }
}

/// How long one asset may take to arrive.
const FETCH_TIMEOUT_MS: u32 = 15_000;

async fn fetch(path: &str) -> Result<Vec<u8>, String> {
    let get = Box::pin(async {
        let res = Request::get(&format!("assets/{path}"))
            .send()
            .await
            .map_err(|e| e.to_string())?;
        if !res.ok() {
            return Err(format!("HTTP {}", res.status()));
        }
        res.binary().await.map_err(|e| e.to_string())
    });
    let timeout = gloo_timers::future::TimeoutFuture::new(FETCH_TIMEOUT_MS);
    match futures::future::select(get, timeout).await {
        futures::future::Either::Left((got, _)) => got,
        futures::future::Either::Right(_) => Err("timed out".into()),
    }
}

/// "a font", "2 fonts and a CJK character map", … for the notice.
fn describe(paths: &[String]) -> String {
    let fonts = paths.iter().filter(|p| p.starts_with("fonts/")).count();
    let cmaps = paths.len() - fonts;
    let part = |n: usize, what: &str| match n {
        0 => None,
        1 => Some(format!("a {what}")),
        n => Some(crate::format::count(n, what)),
    };
    [part(fonts, "font"), part(cmaps, "CJK character map")]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" and ")
}
