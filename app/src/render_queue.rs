//! Page rendering, one page at a time, newest requests first.
//!
//! The engine worker renders a page in tens to hundreds of milliseconds. Asking it for
//! visible pages only, one at a time, keeps it free for the page the person looks at
//! now, and the text and region requests between two pages, on documents of any length.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;

use crate::glue;

type Job = Box<dyn FnOnce() -> Pin<Box<dyn Future<Output = ()>>>>;

thread_local! {
    static QUEUE: RefCell<Vec<(String, Job)>> = const { RefCell::new(Vec::new()) };
    static RUNNING: Cell<bool> = const { Cell::new(false) };
}

/// Queues `job` under `key`, replacing a queued job with the same key.
pub fn enqueue<F: Future<Output = ()> + 'static>(key: String, job: impl FnOnce() -> F + 'static) {
    QUEUE.with(|q| {
        let mut q = q.borrow_mut();
        q.retain(|(k, _)| *k != key);
        q.push((
            key,
            Box::new(move || Box::pin(job()) as Pin<Box<dyn Future<Output = ()>>>),
        ));
    });
    if !RUNNING.with(|r| r.replace(true)) {
        leptos::task::spawn_local(run());
    }
}

/// Drops a queued job (the page scrolled away before its turn).
pub fn cancel(key: &str) {
    QUEUE.with(|q| q.borrow_mut().retain(|(k, _)| k != key));
}

async fn run() {
    loop {
        glue::yield_now().await;
        let next = QUEUE.with(|q| q.borrow_mut().pop());
        match next {
            Some((key, job)) => glue::timed(&format!("zonal:render {key}"), job()).await,
            None => break,
        }
    }
    RUNNING.with(|r| r.set(false));
}
