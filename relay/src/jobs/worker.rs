//! In-process workers: claim a job from the store with a lease, run its stages, each
//! skipped when its persisted marker says it is done, and record the outcome.
//!
//! Stages: `extracting` (the PDF's text per page, pages without text marked for OCR, and
//! the offline pipeline's reading — marker `ocr`), `llm` (structuring — marker
//! `resultJson`), `done` (the PDF blob deleted). A failure goes back to `queued` with
//! exponential backoff until the last attempt, then to `failed` with the error, the
//! lock cleared and the blob deleted.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use tokio::sync::Notify;
use tracing::Instrument;
use wasm_core::invoice::confidence::{Source, score, sources_of};
use wasm_core::invoice::pipeline::{InvoiceResult, fill_fields};
use wasm_core::invoice::{Invoice, InvoiceField};

use super::{Job, JobStore, PageRead, PageState, Status, StoreError, TextOutput};
use crate::blobs::BlobStore;
use crate::providers::ocr::BlockingOcr;
use wasm_core::ocr::ScannedPage;

/// How workers behave.
#[derive(Debug, Clone)]
pub struct WorkerSettings {
    /// A lock older than this may be taken over.
    pub stale_lock: Duration,
    /// Attempts before a job fails for good.
    pub max_attempts: u32,
    /// Backoff after the first failed attempt; doubles each time, capped at 5 minutes.
    pub backoff: Duration,
    /// How often an idle worker looks for work (besides being woken on new jobs).
    pub poll: Duration,
    /// Scanned pages read by OCR per claim; the job is then queued again for the rest,
    /// so a crash loses at most one batch.
    pub ocr_batch_pages: usize,
}

impl Default for WorkerSettings {
    fn default() -> Self {
        Self {
            stale_lock: Duration::from_secs(600),
            max_attempts: 4,
            backoff: Duration::from_secs(30),
            poll: Duration::from_millis(500),
            ocr_batch_pages: 10,
        }
    }
}

/// What processing one job needs.
#[derive(Clone)]
pub struct Worker {
    /// This worker's id (`host:pid:n`).
    pub id: String,
    /// Job state.
    pub store: Arc<dyn JobStore>,
    /// Uploaded PDFs.
    pub blobs: Arc<dyn BlobStore>,
    /// Behaviour.
    pub settings: WorkerSettings,
    /// Counters for `/metrics`.
    pub metrics: Arc<crate::metrics::Metrics>,
    /// The structuring chain (Gemini, OpenAI-compatible); the offline reading after it.
    pub llm: Vec<crate::providers::llm::Structurer>,
    /// OCR of pages without a text layer (Vision or Tesseract), if any.
    pub ocr: Option<crate::providers::ocr::OcrEngine>,
    /// Daily quotas of the paid calls.
    pub quotas: crate::limits::Quotas,
    /// Where a job is announced again after a batch of its pages.
    pub queue: crate::queue::Queue,
    /// Vision's files API for whole PDFs, when Vision and a bucket are configured.
    pub pdf_ocr: Option<PdfOcr>,
}

/// Whole-PDF OCR by Vision's asynchronous files API on the PDF in Cloud Storage (one
/// operation per document, its output shards in the bucket).
#[derive(Debug, Clone)]
pub struct PdfOcr {
    /// Vision.
    pub vision: crate::providers::ocr::Vision,
    /// The bucket the PDFs are uploaded to and the readings are written to.
    pub bucket: String,
    /// Longest time one attempt polls the operation (within the request's timeout).
    pub poll_limit: Duration,
}

/// How a claim of a job ended.
enum Outcome {
    /// Every stage done.
    Done,
    /// A batch of pages read; the job is queued again for the rest.
    Yielded,
}

/// Why a job's stages stopped early.
enum Stop {
    /// The store refused a write (lease lost, backend down): leave the job as it is.
    Store(StoreError),
    /// A stage failed; the job as it stood.
    Stage(Box<Job>, StageError),
}

impl From<StoreError> for Stop {
    fn from(e: StoreError) -> Self {
        Self::Store(e)
    }
}

/// A stage failure: `retry` says whether another attempt may succeed.
#[derive(Debug)]
pub struct StageError {
    /// What failed, for the job's `error`.
    pub message: String,
    /// Whether another attempt may succeed.
    pub retry: bool,
}

impl From<crate::blobs::BlobError> for StageError {
    fn from(e: crate::blobs::BlobError) -> Self {
        Self {
            message: e.to_string(),
            retry: true,
        }
    }
}

/// Reads a PDF's text (pages without a text layer through `ocr`, the relay's Vision or
/// Tesseract, when there is one) and the offline pipeline's invoice. Blocking: run it
/// off the runtime. A damaged PDF is a permanent failure; an OCR service that is down
/// for now, a transient one.
pub fn read_pdf(
    bytes: Vec<u8>,
    ocr: Option<&dyn crate::providers::ocr::PageReader>,
) -> Result<TextOutput, StageError> {
    let doc = open_pdf(bytes)?;
    let read = crate::native::read_pages(&doc, ocr).map_err(engine_failure)?;
    Ok(text_output(&doc, &read))
}

/// A stored PDF opened; a damaged one is a permanent failure.
fn open_pdf(bytes: Vec<u8>) -> Result<wasm_core::Document, StageError> {
    wasm_core::Document::open(bytes, None).map_err(|e| StageError {
        message: e.to_string(),
        retry: false,
    })
}

/// An engine failure as a stage's: an OCR service down for now may be retried.
fn engine_failure(e: crate::native::EngineError) -> StageError {
    StageError {
        retry: matches!(&e, crate::native::EngineError::Ocr(p) if p.is_transient()),
        message: e.to_string(),
    }
}

/// The scanned pages of a PDF (no text layer), 1-based: the pages to read by OCR.
pub fn scanned_pages(bytes: Vec<u8>) -> Result<Vec<usize>, StageError> {
    let doc = open_pdf(bytes)?;
    Ok(doc
        .page_texts()
        .iter()
        .filter(|p| p.needs_ocr())
        .map(|p| p.page)
        .collect())
}

/// The text stage's output from a document's pages: their text, the pages still
/// without text, and the offline pipeline's reading.
fn text_output(doc: &wasm_core::Document, read: &crate::native::Pages) -> TextOutput {
    let quality = read.quality();
    let result = wasm_core::invoice::pipeline::read(&read.pages, &doc.attachments(), &[], quality);
    TextOutput {
        pages: read.pages.iter().map(|p| p.text()).collect(),
        needs_ocr: read
            .pages
            .iter()
            .filter(|p| p.needs_ocr())
            .map(|p| p.page)
            .collect(),
        quality,
        offline: Some(Box::new(result)),
        regions: Vec::new(),
    }
}

impl Worker {
    /// Claims and processes jobs until the task is dropped.
    pub async fn run(self, wake: Arc<Notify>) {
        let stale = chrono::Duration::from_std(self.settings.stale_lock)
            .unwrap_or(chrono::Duration::minutes(10));
        loop {
            match self.store.claim(&self.id, None, stale).await {
                Ok(Some(job)) => self.process(job).await,
                Ok(None) => {
                    tokio::select! {
                        _ = wake.notified() => {}
                        _ = tokio::time::sleep(self.settings.poll) => {}
                    }
                }
                Err(e) => {
                    tracing::warn!(worker = %self.id, error = %e, "cannot claim");
                    tokio::time::sleep(self.settings.poll).await;
                }
            }
        }
    }

    /// Claims one specific job (a Cloud Tasks delivery) and processes it; false when it
    /// could not be claimed (done, or held by someone else): a no-op.
    pub async fn process_one(&self, job_id: &str) -> Result<bool, StoreError> {
        let stale = chrono::Duration::from_std(self.settings.stale_lock)
            .unwrap_or(chrono::Duration::minutes(10));
        match self.store.claim(&self.id, Some(job_id), stale).await? {
            Some(job) => {
                self.process(job).await;
                Ok(true)
            }
            None => Ok(false),
        }
    }

    /// Runs a claimed job's remaining stages and records the outcome.
    pub async fn process(&self, job: Job) {
        self.metrics.attempt();
        let span = tracing::info_span!("job", job_id = %job.job_id, session_id = %job.session_id, attempt = job.attempt);
        async move {
            match self.stages(job).await {
                Ok(Outcome::Done) => {
                    self.metrics.done();
                    tracing::info!("done");
                }
                Ok(Outcome::Yielded) => tracing::info!("a batch of pages read; queued for the rest"),
                Err(Stop::Store(e)) => {
                    tracing::warn!(error = %e, "stopped; the job is claimable again once its lock is stale");
                }
                Err(Stop::Stage(mut job, e)) => {
                    if let Err(se) = self.record_failure(&mut job, e).await {
                        tracing::warn!(error = %se, "cannot record the failure");
                    }
                }
            }
        }
        .instrument(span)
        .await
    }

    /// The stages, each skipped when its marker is stored.
    async fn stages(&self, mut job: Job) -> Result<Outcome, Stop> {
        // Text: skipped when its output is stored. Scanned pages are read by OCR in
        // batches, each page's state saved; the job yields after each batch.
        if job.text.is_none() {
            job.advance(Status::Extracting);
            self.save(&job, false).await?;
            let pdf = match self.pdf(&job).await {
                Ok(p) => p,
                Err(e) => return Err(Stop::Stage(Box::new(job), e)),
            };
            if job.ocr_pages.is_none() {
                let planned = match &self.ocr {
                    Some(_) => {
                        let bytes = pdf.clone();
                        blocking(move || scanned_pages(bytes)).await
                    }
                    None => Ok(Vec::new()),
                };
                let pages = match planned {
                    Ok(p) => p,
                    Err(e) => return Err(Stop::Stage(Box::new(job), e)),
                };
                job.ocr_pages = Some(
                    pages
                        .into_iter()
                        .map(|page| PageRead {
                            page,
                            state: PageState::Pending,
                            error: None,
                        })
                        .collect(),
                );
                self.save(&job, false).await?;
            }
            let unread = job.page_progress().is_some_and(|(read, all, _)| read < all);
            if let Some(files) = self.pdf_ocr.clone().filter(|_| unread) {
                job = self.read_by_vision_files(job, &pdf, &files).await?;
            }
            loop {
                job = self.read_batch(job, &pdf).await?;
                if job.page_progress().is_none_or(|(read, all, _)| read == all) {
                    break;
                }
                // More pages: queue the job again (a Cloud Task, or the in-process
                // workers' next claim). If it cannot be announced, go on in this claim.
                job.advance(Status::Queued);
                self.save(&job, true).await?;
                match self.queue.enqueue(&job).await {
                    Ok(()) => return Ok(Outcome::Yielded),
                    Err(e) => {
                        tracing::warn!(error = %e, "cannot queue the next batch; reading on");
                        let stale = chrono::Duration::from_std(self.settings.stale_lock)
                            .unwrap_or(chrono::Duration::minutes(10));
                        match self.store.claim(&self.id, Some(&job.job_id), stale).await? {
                            Some(j) => job = j,
                            None => return Ok(Outcome::Yielded),
                        }
                    }
                }
            }
            let text = match self.read_text(&job, pdf).await {
                Ok(t) => t,
                Err(e) => return Err(Stop::Stage(Box::new(job), e)),
            };
            job.text = Some(text);
            self.save(&job, false).await?;
            for k in job.page_keys() {
                if let Err(e) = self.blobs.delete(&k).await {
                    tracing::warn!(error = %e, "cannot delete a page reading; it goes with the session");
                }
            }
        }
        // Structuring: skipped when the result is stored.
        if job.result_json.is_none() {
            job.advance(Status::Llm);
            self.save(&job, false).await?;
            let started = std::time::Instant::now();
            let (result, score) = self.structure(&job).await;
            self.metrics.stage("llm", started.elapsed());
            job.result_json = result;
            job.confidence_score = score;
            self.save(&job, false).await?;
        }
        // Done: the PDF is not kept.
        if let Err(e) = self.blobs.delete(&job.blob_key()).await {
            tracing::warn!(error = %e, "cannot delete the PDF; it stays until the session is deleted");
        } else {
            job.has_blob = false;
        }
        job.advance(Status::Done);
        job.error = None;
        self.save(&job, true).await?;
        Ok(Outcome::Done)
    }

    /// Reads the scanned pages by one Vision files operation: started once (its name
    /// saved before polling), polled with backoff, each output shard's pages stored as
    /// they appear (the progress), the outputs deleted at the end. A page Vision gives
    /// nothing for is failed; an operation still running past the poll limit is left to
    /// the next attempt, which resumes it.
    async fn read_by_vision_files(
        &self,
        mut job: Job,
        pdf: &[u8],
        f: &PdfOcr,
    ) -> Result<Job, Stop> {
        let prefix = format!("vision/{}/", job.job_id);
        let name = match job.vision_operation_name.clone() {
            Some(n) => n,
            None => {
                let pages = job.ocr_pages.as_ref().map_or(0, Vec::len) as u64;
                if let Err(e) = self.quotas.take(crate::limits::Paid::Ocr, pages).await {
                    return Err(stage_failed(job, e.to_string(), false));
                }
                let started = f
                    .vision
                    .annotate_pdf(
                        &format!("gs://{}/{}", f.bucket, job.blob_key()),
                        &format!("gs://{}/{prefix}", f.bucket),
                        self.settings.ocr_batch_pages,
                    )
                    .await;
                match started {
                    Ok(n) => {
                        job.vision_operation_name = Some(n.clone());
                        self.save(&job, false).await?;
                        n
                    }
                    Err(e) => {
                        let retry = e.is_transient();
                        return Err(stage_failed(job, e.to_string(), retry));
                    }
                }
            }
        };
        let bytes = pdf.to_vec();
        let sizes = match blocking(move || page_sizes(bytes)).await {
            Ok(s) => s,
            Err(e) => return Err(Stop::Stage(Box::new(job), e)),
        };
        let deadline = std::time::Instant::now() + f.poll_limit;
        let mut wait = Duration::from_millis(500);
        let mut shards = std::collections::BTreeSet::new();
        loop {
            let op = match f.vision.operation(&name).await {
                Ok(op) => Some(op),
                Err(e) if e.is_transient() => None,
                Err(e) => return Err(stage_failed(job, e.to_string(), false)),
            };
            // The shards written so far: their pages are read.
            let listed = match self.blobs.list(&prefix).await {
                Ok(l) => l,
                Err(e) => return Err(Stop::Stage(Box::new(job), e.into())),
            };
            let mut changed = false;
            for key in listed {
                if !shards.insert(key.clone()) {
                    continue;
                }
                let shard = match self.blobs.get(&key).await {
                    Ok(Some(b)) => {
                        serde_json::from_slice::<serde_json::Value>(&b).unwrap_or_default()
                    }
                    Ok(None) => continue,
                    Err(e) => return Err(Stop::Stage(Box::new(job), e.into())),
                };
                let size_of = |p: usize| sizes.get(p.wrapping_sub(1)).copied();
                for scanned in crate::providers::ocr::parse_vision_shard(&shard, size_of) {
                    if let Err(e) = self.keep_reading(&job, &scanned).await {
                        return Err(Stop::Stage(Box::new(job), e));
                    }
                    set_page(&mut job, scanned.page, PageState::Done, None);
                    changed = true;
                }
            }
            if changed {
                self.save(&job, false).await?;
            }
            if let Some(op) = op.filter(|o| o.done) {
                if let Some(err) = op.error {
                    // A failed operation is not resumed: the next attempt starts anew.
                    job.vision_operation_name = None;
                    return Err(stage_failed(job, format!("vision: {err}"), true));
                }
                break;
            }
            if std::time::Instant::now() + wait > deadline {
                return Err(stage_failed(
                    job,
                    "Vision is still reading the PDF; the next attempt goes on polling".into(),
                    true,
                ));
            }
            tokio::time::sleep(wait).await;
            wait = (wait * 2).min(Duration::from_secs(10));
        }
        let unread: Vec<usize> = job
            .ocr_pages
            .iter()
            .flatten()
            .filter(|p| p.state != PageState::Done)
            .map(|p| p.page)
            .collect();
        for page in unread {
            let why = "Vision returned no reading of this page".to_string();
            set_page(&mut job, page, PageState::Failed, Some(why));
        }
        // The outputs are not kept (one already gone is fine).
        for key in &shards {
            if let Err(e) = self.blobs.delete(key).await {
                tracing::warn!(error = %e, "cannot delete a Vision output; the bucket's lifecycle rule will");
            }
        }
        self.save(&job, false).await?;
        Ok(job)
    }

    /// Stores a page's reading under [`Job::page_key`] until every page is read.
    async fn keep_reading(&self, job: &Job, scanned: &ScannedPage) -> Result<(), StageError> {
        let json = serde_json::to_vec(scanned).map_err(|e| StageError {
            message: format!("page {}: {e}", scanned.page),
            retry: false,
        })?;
        Ok(self.blobs.put(&job.page_key(scanned.page), &json).await?)
    }

    /// Reads up to a batch of the job's scanned pages not read yet (a page left
    /// `processing` by a crash is read again), saving each page's state as it goes.
    async fn read_batch(&self, mut job: Job, pdf: &[u8]) -> Result<Job, Stop> {
        let Some(engine) = self.ocr.clone() else {
            return Ok(job);
        };
        let todo: Vec<usize> = job
            .ocr_pages
            .iter()
            .flatten()
            .filter(|p| matches!(p.state, PageState::Pending | PageState::Processing))
            .map(|p| p.page)
            .take(self.settings.ocr_batch_pages.max(1))
            .collect();
        for page in todo {
            set_page(&mut job, page, PageState::Processing, None);
            self.save(&job, false).await?;
            let reader = BlockingOcr {
                engine: engine.clone(),
                handle: tokio::runtime::Handle::current(),
                quotas: Some(self.quotas.clone()),
            };
            let bytes = pdf.to_vec();
            let started = std::time::Instant::now();
            let read = blocking(move || {
                let doc = open_pdf(bytes)?;
                crate::native::read_scanned_page(&doc, page, &reader).map_err(engine_failure)
            })
            .await;
            self.metrics.stage("ocr_page", started.elapsed());
            match read {
                Ok(scanned) => {
                    if let Err(e) = self.keep_reading(&job, &scanned).await {
                        return Err(Stop::Stage(Box::new(job), e));
                    }
                    set_page(&mut job, page, PageState::Done, None);
                }
                // The service is down for now: the page stays to be read next attempt.
                Err(e) if e.retry => return Err(Stop::Stage(Box::new(job), e)),
                Err(e) => set_page(&mut job, page, PageState::Failed, Some(e.message)),
            }
            self.save(&job, false).await?;
        }
        Ok(job)
    }

    /// Saves a job this worker holds; `release` clears the lock in the same write.
    async fn save(&self, job: &Job, release: bool) -> Result<(), StoreError> {
        self.store.save_held(job, &self.id, release).await
    }

    /// The stored PDF, or a permanent failure when it is gone.
    async fn pdf(&self, job: &Job) -> Result<Vec<u8>, StageError> {
        self.blobs.get(&job.blob_key()).await?.ok_or(StageError {
            message: "the PDF is no longer stored; upload it again".into(),
            retry: false,
        })
    }

    /// The text stage's output once every scanned page is read: native text, the stored
    /// page readings, and the offline pipeline's reading.
    async fn read_text(&self, job: &Job, pdf: Vec<u8>) -> Result<TextOutput, StageError> {
        let mut readings = Vec::new();
        for p in job.ocr_pages.iter().flatten() {
            if p.state != PageState::Done {
                continue;
            }
            let Some(bytes) = self.blobs.get(&job.page_key(p.page)).await? else {
                // Lost (never expected): the page is read again on the next attempt.
                return Err(StageError {
                    message: format!("the reading of page {} is missing", p.page),
                    retry: true,
                });
            };
            let scanned: ScannedPage = serde_json::from_slice(&bytes).map_err(|e| StageError {
                message: format!("page {}: {e}", p.page),
                retry: false,
            })?;
            readings.push(scanned);
        }
        let started = std::time::Instant::now();
        let out = blocking(move || {
            let doc = open_pdf(pdf)?;
            Ok(text_output(
                &doc,
                &crate::native::pages_with(&doc, &readings),
            ))
        })
        .await;
        self.metrics.stage("extracting", started.elapsed());
        out
    }

    /// The structuring stage: the chain of AI providers, then the offline reading.
    async fn structure(&self, job: &Job) -> (Option<Invoice>, Option<f64>) {
        let offline = job.text.as_ref().and_then(|o| o.offline.as_deref());
        if self.llm.is_empty() {
            return structure(offline);
        }
        match self.quotas.take(crate::limits::Paid::Llm, 1).await {
            Ok(()) => {}
            Err(e @ crate::limits::QuotaError::UsedUp { .. }) => {
                tracing::warn!(error = %e, "structured by the offline reading");
                return structure(offline);
            }
            // The counter could not be kept (store contention): the job is not made
            // worse for it; the call is made and the miss logged.
            Err(e) => tracing::warn!(error = %e, "quota not counted"),
        }
        let text = job
            .text
            .as_ref()
            .map(|o| o.pages.join("\n\u{c}"))
            .unwrap_or_default();
        let (got, errors) =
            crate::providers::llm::structure_chain(&self.llm, &job.job_id, &text).await;
        for e in &errors {
            tracing::warn!(error = %e, "structuring provider failed");
        }
        match got {
            Some((inv, _)) => llm_result(inv, offline),
            None => structure(offline),
        }
    }

    async fn record_failure(&self, job: &mut Job, e: StageError) -> Result<(), StoreError> {
        let last = !e.retry || job.attempt >= self.settings.max_attempts;
        self.metrics.failure(!last);
        tracing::warn!(error = %e.message, last, "attempt failed");
        job.error = Some(e.message);
        if last {
            let _ = self.blobs.delete(&job.blob_key()).await;
            job.has_blob = false;
            job.advance(Status::Failed);
        } else {
            let factor = 2u32.saturating_pow(job.attempt.saturating_sub(1));
            let wait = (self.settings.backoff * factor).min(Duration::from_secs(300));
            job.not_before = chrono::Duration::from_std(wait)
                .ok()
                .map(|w| Utc::now() + w);
            job.advance(Status::Queued);
        }
        self.store.save_held(job, &self.id, true).await
    }
}

/// A stage failure with the job as it stood.
fn stage_failed(job: Job, message: String, retry: bool) -> Stop {
    Stop::Stage(Box::new(job), StageError { message, retry })
}

/// Each page's size in points.
fn page_sizes(bytes: Vec<u8>) -> Result<Vec<(f64, f64)>, StageError> {
    let doc = open_pdf(bytes)?;
    Ok(doc
        .page_texts()
        .iter()
        .map(|p| (p.width, p.height))
        .collect())
}

/// Sets page `page`'s state (and error) in the job's page list.
fn set_page(job: &mut Job, page: usize, state: PageState, error: Option<String>) {
    if let Some(p) = job.ocr_pages.iter_mut().flatten().find(|p| p.page == page) {
        p.state = state;
        p.error = error;
    }
    job.updated_at = Utc::now();
}

/// Runs blocking engine work off the runtime; a panic in it is a permanent failure.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, StageError> + Send + 'static,
) -> Result<T, StageError> {
    tokio::task::spawn_blocking(f).await.unwrap_or_else(|_| {
        Err(StageError {
            message: "internal error while reading the PDF".into(),
            retry: false,
        })
    })
}

/// The provider's invoice, with the header fields it left empty taken from the offline
/// reading, and its confidence (the formula in docs/CONTRACTS.md, LLM fields as such).
fn llm_result(inv: Invoice, offline: Option<&InvoiceResult>) -> (Option<Invoice>, Option<f64>) {
    let mut sources = sources_of(&inv, Source::Llm);
    let mut merged = inv;
    if let Some(off) = offline {
        fill_fields(
            &mut merged,
            &off.invoice,
            InvoiceField::HEADER,
            Source::Rules,
            &mut sources,
        );
    }
    let c = score(&merged, &sources, 1.0, 1.0);
    (Some(merged), Some(c.score))
}

/// The structuring stage with the offline provider: the pipeline's reading as the
/// result, and its confidence.
fn structure(offline: Option<&InvoiceResult>) -> (Option<Invoice>, Option<f64>) {
    match offline {
        Some(r) => (Some(r.invoice.clone()), Some(r.confidence.score)),
        None => (None, None),
    }
}
