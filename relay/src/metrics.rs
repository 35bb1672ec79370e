//! `GET /metrics` in Prometheus' text format: jobs by status (from the store, so every
//! instance reports the same totals), and this process's attempts, failures and stage
//! durations.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use crate::jobs::StatusCounts;

/// This process's job counters.
#[derive(Debug, Default)]
pub struct Metrics {
    attempts: AtomicU64,
    failures: AtomicU64,
    retries: AtomicU64,
    done: AtomicU64,
    /// Stage → (count, total seconds).
    stages: Mutex<BTreeMap<&'static str, (u64, f64)>>,
}

impl Metrics {
    /// A job was claimed.
    pub fn attempt(&self) {
        self.attempts.fetch_add(1, Ordering::Relaxed);
    }

    /// An attempt failed; `retry` when the job goes back to the queue.
    pub fn failure(&self, retry: bool) {
        self.failures.fetch_add(1, Ordering::Relaxed);
        if retry {
            self.retries.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// A job finished.
    pub fn done(&self) {
        self.done.fetch_add(1, Ordering::Relaxed);
    }

    /// A stage ran for `d`.
    pub fn stage(&self, name: &'static str, d: Duration) {
        if let Ok(mut s) = self.stages.lock() {
            let e = s.entry(name).or_insert((0, 0.0));
            e.0 += 1;
            e.1 += d.as_secs_f64();
        }
    }

    /// The exposition, with the store's counts by status.
    pub fn render(&self, counts: &StatusCounts) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "# HELP zonal_jobs Jobs in the store by status.");
        let _ = writeln!(out, "# TYPE zonal_jobs gauge");
        for (status, n) in counts {
            let _ = writeln!(out, "zonal_jobs{{status=\"{}\"}} {n}", status.as_str());
        }
        for (name, help, v) in [
            (
                "zonal_job_attempts_total",
                "Jobs claimed by this process.",
                &self.attempts,
            ),
            (
                "zonal_job_failures_total",
                "Attempts that failed.",
                &self.failures,
            ),
            (
                "zonal_job_retries_total",
                "Failed attempts put back in the queue.",
                &self.retries,
            ),
            (
                "zonal_jobs_done_total",
                "Jobs this process finished.",
                &self.done,
            ),
        ] {
            let _ = writeln!(out, "# HELP {name} {help}");
            let _ = writeln!(out, "# TYPE {name} counter");
            let _ = writeln!(out, "{name} {}", v.load(Ordering::Relaxed));
        }
        let _ = writeln!(
            out,
            "# HELP zonal_stage_duration_seconds Time spent in each stage."
        );
        let _ = writeln!(out, "# TYPE zonal_stage_duration_seconds summary");
        if let Ok(s) = self.stages.lock() {
            for (stage, (n, sum)) in s.iter() {
                let _ = writeln!(
                    out,
                    "zonal_stage_duration_seconds_sum{{stage=\"{stage}\"}} {sum:.6}"
                );
                let _ = writeln!(
                    out,
                    "zonal_stage_duration_seconds_count{{stage=\"{stage}\"}} {n}"
                );
            }
        }
        out
    }
}
