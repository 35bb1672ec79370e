//! Page rendering, one page per slice of the event loop, newest requests first.
//!
//! Rendering a page takes tens to hundreds of milliseconds of WebAssembly. Doing it for
//! visible pages only, one at a time with a yield to the browser in between, keeps
//! scrolling and dragging responsive on documents of any length.

use std::cell::{Cell, RefCell};

use crate::glue;

type Job = Box<dyn FnOnce()>;

thread_local! {
    static QUEUE: RefCell<Vec<(String, Job)>> = const { RefCell::new(Vec::new()) };
    static RUNNING: Cell<bool> = const { Cell::new(false) };
}

/// Queues `job` under `key`, replacing a queued job with the same key.
pub fn enqueue(key: String, job: impl FnOnce() + 'static) {
    QUEUE.with(|q| {
        let mut q = q.borrow_mut();
        q.retain(|(k, _)| *k != key);
        q.push((key, Box::new(job)));
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
            Some((key, job)) => glue::timed(&format!("zonal:render {key}"), job),
            None => break,
        }
    }
    RUNNING.with(|r| r.set(false));
}
