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
            Some((key, job)) => timed(&key, job),
            None => break,
        }
    }
    RUNNING.with(|r| r.set(false));
}

/// Runs a job between two User Timing marks, so its duration shows up as a
/// `zonal:render <key>` measure in the browser's performance timeline (read by the
/// render benchmark and visible in DevTools).
fn timed(key: &str, job: Job) {
    let perf = web_sys::window().and_then(|w| w.performance());
    let (start, end, name) = (
        format!("zonal:start {key}"),
        format!("zonal:end {key}"),
        format!("zonal:render {key}"),
    );
    if let Some(p) = &perf {
        let _ = p.mark(&start);
    }
    job();
    if let Some(p) = &perf {
        let _ = p.mark(&end);
        let _ = p.measure_with_start_mark_and_end_mark(&name, &start, &end);
        p.clear_marks_with_mark_name(&start);
        p.clear_marks_with_mark_name(&end);
    }
}
