//! Durable jobs: the job document, its forward-only lifecycle, and the store behind a
//! trait so the embedded default (SQLite) and the cloud backend share one contract.
//!
//! A worker *claims* a job in one store transaction: it sets `processingLock
//! {lockedBy, lockedAt}`, bumps `attempt` and moves the job to `processing`. Nobody else
//! can claim it until the lock is released or grows older than the stale age. Every save
//! by the worker checks that it still holds the lock ([`StoreError::LostLock`]), so a
//! worker whose lease was taken over cannot overwrite the new owner's work.

pub mod firestore;
pub mod sqlite;
pub mod worker;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use wasm_core::invoice::Invoice;
use wasm_core::invoice::pipeline::InvoiceResult;
use wire::RegionReading;

/// Where a job stands (the API's type: the store keeps the same names).
pub use wire::JobStatus as Status;

/// Who holds a job and since when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Lock {
    /// The worker's id (`host:pid:n`).
    pub locked_by: String,
    /// When it claimed the job.
    pub locked_at: DateTime<Utc>,
}

/// The text stage's persisted output — the document's text (native, OCR, or the
/// regions the browser read) and what the offline pipeline made of it: its presence
/// means the stage is done.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TextOutput {
    /// Text of each page, in order (for a browser's job: of each region).
    pub pages: Vec<String>,
    /// 1-based pages without a text layer (OCR needed).
    pub needs_ocr: Vec<usize>,
    /// Mean word confidence, 1.0 for native text.
    pub quality: f64,
    /// The offline pipeline's reading of the document (e-invoice XML, rules), made while
    /// the PDF was at hand; the structuring stage starts from it. A reading stored in
    /// an older shape reads as none (the stage then falls back to the text).
    #[serde(default, deserialize_with = "reading_or_none")]
    pub offline: Option<Box<InvoiceResult>>,
    /// The regions a browser's job read, in its request's order (crops included).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub regions: Vec<RegionReading>,
}

/// An offline reading, or none when what is stored is not one.
fn reading_or_none<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<Box<InvoiceResult>>, D::Error> {
    let v = serde_json::Value::deserialize(d)?;
    Ok(serde_json::from_value(v).ok())
}

/// Where one scanned page of a server job stands in the text stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PageState {
    /// Not read yet.
    Pending,
    /// Being read (a crash leaves it so: the next attempt reads it again).
    Processing,
    /// Read: its words are stored under [`Job::page_key`].
    Done,
    /// Could not be read; `error` says why (the job goes on without its text).
    Failed,
}

/// One scanned page to read by OCR, and its state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PageRead {
    /// 1-based page number.
    pub page: usize,
    /// Where it stands.
    pub state: PageState,
    /// Why it failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The job document (docs/CONTRACTS.md).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Job {
    /// Unique id (UUID).
    pub job_id: String,
    /// The browser session that owns it.
    pub session_id: String,
    /// The uploaded file's name.
    pub filename: String,
    /// Its size.
    pub size_bytes: u64,
    /// Its page count.
    pub page_count: usize,
    /// Where it stands.
    pub status: Status,
    /// When each status was reached.
    pub stages: BTreeMap<Status, DateTime<Utc>>,
    /// Who is working on it.
    pub processing_lock: Option<Lock>,
    /// How many times it was claimed.
    pub attempt: u32,
    /// The scanned pages the text stage reads by OCR, in batches, and where each stands;
    /// none until the stage has looked at the PDF.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ocr_pages: Option<Vec<PageRead>>,
    /// The Vision `files:asyncBatchAnnotate` operation reading the PDF, saved before it
    /// is polled: a retried or repeated delivery polls it instead of starting another.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vision_operation_name: Option<String>,
    /// The text stage's output (marker `ocr`: the stage is done).
    #[serde(rename = "ocr")]
    pub text: Option<TextOutput>,
    /// The structured invoice (marker: structuring is done).
    pub result_json: Option<Invoice>,
    /// Overall confidence, 0–1.
    pub confidence_score: Option<f64>,
    /// Why it failed.
    pub error: Option<String>,
    /// Not to be claimed before this (retry backoff).
    pub not_before: Option<DateTime<Utc>>,
    /// Whether the PDF is still stored.
    pub has_blob: bool,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

impl Job {
    /// A new job `job_id` (from [`JobStore::new_job_id`]) for an uploaded PDF, queued.
    pub fn new(
        job_id: String,
        session_id: &str,
        filename: &str,
        size_bytes: u64,
        page_count: usize,
    ) -> Self {
        let now = Utc::now();
        let mut stages = BTreeMap::new();
        stages.insert(Status::Uploaded, now);
        stages.insert(Status::Queued, now);
        Self {
            job_id,
            session_id: session_id.to_string(),
            filename: filename.to_string(),
            size_bytes,
            page_count,
            status: Status::Queued,
            stages,
            processing_lock: None,
            attempt: 0,
            ocr_pages: None,
            vision_operation_name: None,
            text: None,
            result_json: None,
            confidence_score: None,
            error: None,
            not_before: None,
            has_blob: true,
            created_at: now,
            updated_at: now,
        }
    }

    /// The same job, for work the browser did or asked for (region text, AI
    /// structuring): no PDF is stored with it.
    pub fn without_pdf(self) -> Self {
        Self {
            has_blob: false,
            ..self
        }
    }

    /// Moves to `next` and stamps the stage; false (and no change) if not allowed.
    pub fn advance(&mut self, next: Status) -> bool {
        if !self.status.may_become(next) {
            return false;
        }
        let now = Utc::now();
        self.status = next;
        self.stages.insert(next, now);
        self.updated_at = now;
        true
    }

    /// Takes the job for `worker` (inside a store's claim transaction): lock, attempt,
    /// `processing` unless a later stage was already reached.
    pub fn claim_by(&mut self, worker: String, now: DateTime<Utc>) {
        self.attempt += 1;
        self.processing_lock = Some(Lock {
            locked_by: worker,
            locked_at: now,
        });
        self.not_before = None;
        if self.status < Status::Processing {
            self.advance(Status::Processing);
        }
        self.updated_at = now;
    }

    /// The blob key of its PDF.
    pub fn blob_key(&self) -> String {
        format!("uploads/{}/{}.pdf", self.session_id, self.job_id)
    }

    /// Records a job the browser already did (its text, its result): every stage
    /// passed at once, the job `done`.
    pub fn finish_with(&mut self, text: TextOutput, result: Invoice, score: f64) {
        self.text = Some(text);
        self.result_json = Some(result);
        self.confidence_score = Some(score);
        for s in [
            Status::Processing,
            Status::Extracting,
            Status::Llm,
            Status::Done,
        ] {
            self.advance(s);
        }
    }

    /// Where region `n`'s OCR crop (a PNG debug artifact) is kept.
    pub fn crop_key(&self, n: usize) -> String {
        format!(
            "artifacts/{}/{}/region-{n}.png",
            self.session_id, self.job_id
        )
    }

    /// The keys of every crop kept for this job (regions read by OCR).
    pub fn crop_keys(&self) -> Vec<String> {
        let Some(text) = &self.text else {
            return Vec::new();
        };
        text.regions
            .iter()
            .enumerate()
            .filter(|(_, r)| r.crop.is_some())
            .map(|(n, _)| self.crop_key(n))
            .collect()
    }

    /// Where page `page`'s OCR reading (a `ScannedPage`, JSON) waits for the rest of the
    /// document's pages.
    pub fn page_key(&self, page: usize) -> String {
        format!(
            "artifacts/{}/{}/page-{page}.json",
            self.session_id, self.job_id
        )
    }

    /// The keys of the page readings this job may have stored.
    pub fn page_keys(&self) -> Vec<String> {
        self.ocr_pages
            .iter()
            .flatten()
            .map(|p| self.page_key(p.page))
            .collect()
    }

    /// Scanned pages read so far, of all to read, and the page being read: the text
    /// stage's progress. None before the stage has planned its pages, or without any.
    pub fn page_progress(&self) -> Option<(usize, usize, Option<usize>)> {
        let pages = self.ocr_pages.as_ref().filter(|p| !p.is_empty())?;
        let finished = pages
            .iter()
            .filter(|p| matches!(p.state, PageState::Done | PageState::Failed))
            .count();
        let current = pages
            .iter()
            .find(|p| p.state == PageState::Processing)
            .map(|p| p.page);
        Some((finished, pages.len(), current))
    }
}

/// A store failure.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The worker no longer holds the job (its lease went stale and was taken over).
    #[error("job {0} is no longer held by this worker")]
    LostLock(String),
    /// The backend failed.
    #[error("job store: {0}")]
    Backend(String),
}

/// Job counts by status (for `/metrics`).
pub type StatusCounts = BTreeMap<Status, u64>;

/// Durable job state. One conformance suite runs against every implementation.
#[async_trait::async_trait]
pub trait JobStore: Send + Sync + 'static {
    /// An id for a new job: a random UUID (v4) by default, which spreads writes over
    /// Firestore's key range as it recommends.
    fn new_job_id(&self) -> String {
        uuid::Uuid::new_v4().to_string()
    }
    /// Stores a new job.
    async fn insert(&self, job: &Job) -> Result<(), StoreError>;
    /// A job by id.
    async fn get(&self, job_id: &str) -> Result<Option<Job>, StoreError>;
    /// A session's jobs, oldest first.
    async fn list_session(&self, session_id: &str) -> Result<Vec<Job>, StoreError>;
    /// Claims one job for `worker` in a transaction: `job_id` if given (an explicit
    /// delivery, which ignores the backoff: the deliverer schedules its own retries), else
    /// the oldest claimable one. Claimable: queued (or uploaded) and not before its
    /// backoff, or unfinished with a lock older than `stale`. Sets the lock, bumps `attempt`, moves
    /// to `processing`.
    async fn claim(
        &self,
        worker: &str,
        job_id: Option<&str>,
        stale: chrono::Duration,
    ) -> Result<Option<Job>, StoreError>;
    /// Saves a job the worker holds; [`StoreError::LostLock`] if it no longer does.
    /// With `release`, the lock is cleared in the same write.
    async fn save_held(&self, job: &Job, worker: &str, release: bool) -> Result<(), StoreError>;
    /// Saves a job no worker holds (retry, API changes); fails if someone holds it.
    async fn save_unheld(&self, job: &Job) -> Result<(), StoreError>;
    /// Deletes a session's jobs and returns them.
    async fn delete_session(&self, session_id: &str) -> Result<Vec<Job>, StoreError>;
    /// Sessions whose newest job is older than `before`.
    async fn expired_sessions(&self, before: DateTime<Utc>) -> Result<Vec<String>, StoreError>;
    /// Jobs by status.
    async fn counts(&self) -> Result<StatusCounts, StoreError>;
    /// Adds `amount` to the usage counter `key` (a daily quota's, such as
    /// `ocr:2026-12-03`) if the total stays within `limit`, in one transaction, so every
    /// instance on the store shares the count; whether it was added.
    async fn add_usage(&self, key: &str, amount: u64, limit: u64) -> Result<bool, StoreError>;
}
