//! The server's shared state: the configuration, the job store, blobs, queue, the
//! providers built at start-up, and the background work (workers, the sweeper).

use std::sync::Arc;

use crate::blobs::{BlobStore, GcsBlobs, LocalBlobs};
use crate::config::{BlobsKind, QueueKind, ServeConfig, StoreKind};
use crate::error::AppError;
use crate::google::TokenSource;
use crate::jobs::firestore::FirestoreStore;
use crate::jobs::worker::{Worker, WorkerSettings};
use crate::jobs::{JobStore, StoreError, sqlite::SqliteStore};
use crate::metrics::Metrics;
use crate::oidc::Verifier;
use crate::queue::{CloudTasks, Queue};
use crate::sessions;

/// Shared state of the server.
#[derive(Clone)]
pub struct AppState {
    /// The configuration the server started with.
    pub config: Arc<ServeConfig>,
    /// Durable job state.
    pub store: Arc<dyn JobStore>,
    /// Uploaded PDFs.
    pub blobs: Arc<dyn BlobStore>,
    /// Wakes idle workers when jobs arrive.
    pub wake: Arc<tokio::sync::Notify>,
    /// Where new jobs are announced.
    pub queue: Queue,
    /// Checks Cloud Tasks deliveries, when `/api/tasks/process` is on.
    pub verifier: Option<Verifier>,
    /// This process's counters.
    pub metrics: Arc<Metrics>,
    /// OCR for region crops (Vision or Tesseract), if any.
    pub ocr: Option<crate::providers::ocr::OcrEngine>,
    /// The structuring chain before the offline parser (Gemini, OpenAI-compatible).
    pub llm: Vec<crate::providers::llm::Structurer>,
    /// Request rates per client and per session on the costly endpoints.
    pub rates: crate::limits::RateLimits,
    /// Daily quotas of paid calls and share storage.
    pub quotas: crate::limits::Quotas,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("config", &self.config)
            .finish()
    }
}

impl AppState {
    /// The embedded defaults under `config.data_dir`: `jobs.sqlite` and `blobs/`.
    pub fn open(config: ServeConfig) -> Result<Self, StoreError> {
        std::fs::create_dir_all(&config.data_dir).map_err(|e| {
            StoreError::Backend(format!("cannot create {}: {e}", config.data_dir.display()))
        })?;
        let store = SqliteStore::open(&config.data_dir.join("jobs.sqlite"))?;
        Ok(Self::with_store(config, Arc::new(store)))
    }

    /// The configured store: SQLite ([`Self::open`]) or Firestore; blobs under
    /// `data_dir/blobs` either way.
    pub async fn connect(config: ServeConfig) -> Result<Self, StoreError> {
        if config.store == StoreKind::Sqlite {
            return Self::open(config);
        }
        // The TTL policy is a safety net behind the sweeper: twice the session TTL, at
        // least a day more.
        let ttl = chrono::Duration::hours(config.session_ttl_hours.min(24 * 365) as i64);
        let store =
            FirestoreStore::connect(&config.firestore_project, &config.firestore_collection)
                .await?
                .with_retention((ttl * 2).max(ttl + chrono::Duration::hours(24)));
        Ok(Self::with_store(config, Arc::new(store)))
    }

    /// State around a given store.
    pub fn with_store(config: ServeConfig, store: Arc<dyn JobStore>) -> Self {
        let http = reqwest::Client::new();
        let tokens = TokenSource::new(config.token_url(), http.clone());
        let blobs: Arc<dyn BlobStore> = if config.blobs == BlobsKind::Gcs {
            Arc::new(GcsBlobs {
                api: config.gcs_api.clone(),
                bucket: config.gcs_bucket.clone().unwrap_or_default(),
                tokens: tokens.clone(),
                http: http.clone(),
            })
        } else {
            Arc::new(LocalBlobs::new(&config.data_dir.join("blobs")))
        };
        let wake = Arc::new(tokio::sync::Notify::new());
        let queue = if config.queue == QueueKind::CloudTasks {
            Queue::CloudTasks(Arc::new(CloudTasks {
                api: config.tasks_api.clone(),
                queue: config.tasks_queue.clone().unwrap_or_default(),
                target_url: config.tasks_target_url.clone().unwrap_or_default(),
                service_account: config.tasks_service_account.clone().unwrap_or_default(),
                audience: config.audience().unwrap_or_default(),
                tokens,
                http,
            }))
        } else {
            Queue::InProcess(wake.clone())
        };
        let verifier = config
            .audience()
            .map(|aud| Verifier::new(&config.oidc_jwks_url, &aud));
        let ocr = config.ocr();
        let llm = config.structurers();
        let rates = crate::limits::RateLimits::new(&config);
        let quotas = crate::limits::Quotas::new(&config, store.clone());
        Self {
            config: Arc::new(config),
            store,
            blobs,
            wake,
            queue,
            verifier,
            metrics: Arc::new(Metrics::default()),
            ocr,
            llm,
            rates,
            quotas,
        }
    }

    /// Worker behaviour from the configuration.
    pub fn worker_settings(&self) -> WorkerSettings {
        let c = &self.config;
        WorkerSettings {
            stale_lock: std::time::Duration::from_secs(c.stale_lock_secs),
            max_attempts: c.max_attempts.max(1),
            backoff: std::time::Duration::from_millis(c.retry_backoff_ms),
            ocr_batch_pages: c.ocr_batch_pages.max(1) as usize,
            ..WorkerSettings::default()
        }
    }

    /// A worker with a process-unique id.
    pub fn worker(&self, n: u32) -> Worker {
        let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "relay".into());
        Worker {
            id: format!("{host}:{}:{n}", std::process::id()),
            store: self.store.clone(),
            blobs: self.blobs.clone(),
            settings: self.worker_settings(),
            metrics: self.metrics.clone(),
            llm: self.llm.clone(),
            ocr: self.ocr.clone(),
            quotas: self.quotas.clone(),
            queue: self.queue.clone(),
            pdf_ocr: self.pdf_ocr(),
        }
    }

    /// Vision's files API for whole PDFs: with Vision as the OCR and a bucket for blobs.
    fn pdf_ocr(&self) -> Option<crate::jobs::worker::PdfOcr> {
        let c = &self.config;
        match (&self.ocr, c.blobs, &c.gcs_bucket) {
            (Some(crate::providers::ocr::OcrEngine::Vision(v)), BlobsKind::Gcs, Some(b)) => {
                Some(crate::jobs::worker::PdfOcr {
                    vision: v.clone(),
                    bucket: b.clone(),
                    poll_limit: std::time::Duration::from_secs(c.vision_poll_secs),
                })
            }
            _ => None,
        }
    }

    /// Starts the in-process workers and the session sweeper.
    pub fn spawn_background(&self) {
        for n in 0..self.config.workers {
            tokio::spawn(self.worker(n).run(self.wake.clone()));
        }
        let state = self.clone();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(std::time::Duration::from_secs(60)).await;
                state.rates.forget_idle();
                if let Err(e) = state.sweep().await {
                    tracing::warn!(error = %e, "session sweep failed");
                }
            }
        });
    }

    /// Deletes sessions past their time to live, and shares past their expiry.
    pub async fn sweep(&self) -> Result<usize, AppError> {
        let ttl = chrono::Duration::hours(self.config.session_ttl_hours.min(24 * 365) as i64);
        sessions::sweep(&*self.store, &*self.blobs, ttl).await
    }

    /// Deletes a session's jobs, PDFs and OCR crops now; how many jobs.
    pub async fn delete_session(&self, sid: &str) -> Result<usize, AppError> {
        sessions::delete(&*self.store, &*self.blobs, sid).await
    }
}
