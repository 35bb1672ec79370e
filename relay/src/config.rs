//! Relay settings, from command-line flags or environment variables.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, ValueEnum};

use crate::google::TokenSource;
use crate::providers::ocr::{OcrEngine, Tesseract, Vision, VisionAuth};
pub use crate::secret::Secret;

/// Where the job store is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StoreKind {
    /// A SQLite file under `--data-dir` (the embedded default).
    Sqlite,
    /// Google Cloud Firestore (or its emulator, `FIRESTORE_EMULATOR_HOST`).
    Firestore,
}

/// How queued jobs reach a worker.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum QueueKind {
    /// Workers in this process, woken when a job arrives.
    #[value(name = "inprocess")]
    InProcess,
    /// A Cloud Tasks queue delivering to `POST /api/tasks/process`.
    #[value(name = "cloudtasks")]
    CloudTasks,
}

/// Where uploaded PDFs wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BlobsKind {
    /// A directory under `--data-dir`.
    Local,
    /// A Cloud Storage bucket (`--gcs-bucket`).
    Gcs,
}

/// The metadata server's token endpoint (Cloud Run, GCE).
pub const METADATA_TOKEN_URL: &str =
    "http://metadata.google.internal/computeMetadata/v1/instance/service-accounts/default/token";

/// Settings of `zonal serve`.
#[derive(Debug, Clone, Args)]
pub struct ServeConfig {
    /// Address to listen on.
    #[arg(long, env = "ZONAL_ADDR", default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
    /// Port to listen on (overrides the port of --addr).
    #[arg(long, env = "ZONAL_PORT")]
    pub port: Option<u16>,
    /// Directory of the built web app (Trunk's dist/).
    #[arg(long, env = "ZONAL_DIST", default_value = "dist")]
    pub dist: PathBuf,
    /// Largest upload accepted, in megabytes.
    #[arg(long, env = "ZONAL_MAX_SIZE_MB", default_value_t = 10)]
    pub max_size_mb: u32,
    /// Most files per upload.
    #[arg(long, env = "ZONAL_MAX_FILES", default_value_t = 10)]
    pub max_files: u32,
    /// Most pages per PDF processed on the server.
    #[arg(long, env = "ZONAL_MAX_PAGES", default_value_t = 20)]
    pub max_pages: u32,
    /// Job store: `sqlite` (a file under --data-dir) or `firestore`.
    #[arg(long, env = "ZONAL_STORE", value_enum, default_value_t = StoreKind::Sqlite)]
    pub store: StoreKind,
    /// Google Cloud project of the Firestore database.
    #[arg(long, env = "GOOGLE_CLOUD_PROJECT", default_value = "zonal-local")]
    pub firestore_project: String,
    /// Firestore collection holding the jobs.
    #[arg(long, env = "ZONAL_FIRESTORE_COLLECTION", default_value = "jobs")]
    pub firestore_collection: String,
    /// How queued jobs reach a worker: `inprocess` or `cloudtasks`.
    #[arg(long, env = "ZONAL_QUEUE", value_enum, default_value_t = QueueKind::InProcess)]
    pub queue: QueueKind,
    /// Cloud Tasks API base URL.
    #[arg(
        long,
        env = "ZONAL_TASKS_API",
        default_value = "https://cloudtasks.googleapis.com"
    )]
    pub tasks_api: String,
    /// Cloud Tasks queue, `projects/P/locations/L/queues/Q`.
    #[arg(long, env = "ZONAL_TASKS_QUEUE")]
    pub tasks_queue: Option<String>,
    /// Public URL of this relay's `POST /api/tasks/process`.
    #[arg(long, env = "ZONAL_TASKS_TARGET_URL")]
    pub tasks_target_url: Option<String>,
    /// Service account whose OIDC token Cloud Tasks sends.
    #[arg(long, env = "ZONAL_TASKS_SERVICE_ACCOUNT")]
    pub tasks_service_account: Option<String>,
    /// Access-token endpoint for Google APIs (default: the metadata server's); `none`:
    /// send requests without a token (emulators).
    #[arg(long, env = "ZONAL_TASKS_TOKEN_URL")]
    pub tasks_token_url: Option<String>,
    /// Audience `POST /api/tasks/process` requires in the OIDC token; the endpoint is off
    /// when unset (in-process queue) and defaults to the target URL with Cloud Tasks.
    #[arg(long, env = "ZONAL_OIDC_AUDIENCE")]
    pub oidc_audience: Option<String>,
    /// Where the OIDC signing keys are published.
    #[arg(
        long,
        env = "ZONAL_OIDC_JWKS_URL",
        default_value = "https://www.googleapis.com/oauth2/v3/certs"
    )]
    pub oidc_jwks_url: String,
    /// Where uploaded PDFs wait: `local` (under --data-dir) or `gcs`.
    #[arg(long, env = "ZONAL_BLOBS", value_enum, default_value_t = BlobsKind::Local)]
    pub blobs: BlobsKind,
    /// Cloud Storage bucket for `--blobs gcs`.
    #[arg(long, env = "ZONAL_GCS_BUCKET")]
    pub gcs_bucket: Option<String>,
    /// Cloud Storage JSON API base URL.
    #[arg(
        long,
        env = "ZONAL_GCS_API",
        default_value = "https://storage.googleapis.com"
    )]
    pub gcs_api: String,
    /// Google Cloud Vision API key: OCR by Vision instead of the local Tesseract.
    #[arg(long, env = "GOOGLE_VISION_API_KEY", hide_env_values = true)]
    pub vision_api_key: Option<Secret>,
    /// OCR by Vision with the service account's access token (from the token endpoint,
    /// `--tasks-token-url`) instead of an API key.
    #[arg(long, env = "ZONAL_VISION_SERVICE_ACCOUNT")]
    pub vision_service_account: bool,
    /// Vision API base URL.
    #[arg(
        long,
        env = "ZONAL_VISION_BASE_URL",
        default_value = "https://vision.googleapis.com"
    )]
    pub vision_base_url: String,
    /// Gemini API key: enables Gemini as the first structuring provider.
    #[arg(long, env = "GEMINI_API_KEY", hide_env_values = true)]
    pub gemini_api_key: Option<Secret>,
    /// Gemini model.
    #[arg(long, env = "ZONAL_GEMINI_MODEL", default_value = "gemini-2.5-flash")]
    pub gemini_model: String,
    /// Gemini API base URL.
    #[arg(
        long,
        env = "ZONAL_GEMINI_BASE_URL",
        default_value = "https://generativelanguage.googleapis.com"
    )]
    pub gemini_base_url: String,
    /// OpenAI-compatible chat-completions base URL for structuring (e.g.
    /// `https://openrouter.ai/api/v1`); the offline rule parser when unset.
    #[arg(long, env = "ZONAL_LLM_BASE_URL")]
    pub llm_base_url: Option<String>,
    /// Model name for the structuring endpoint.
    #[arg(
        long,
        env = "ZONAL_LLM_MODEL",
        default_value = "google/gemini-2.5-flash"
    )]
    pub llm_model: String,
    /// API key of the structuring endpoint (never leaves the relay, never logged).
    #[arg(long, env = "ZONAL_LLM_API_KEY", hide_env_values = true)]
    pub llm_api_key: Option<Secret>,
    /// Log one JSON object per line (for log collectors) instead of text.
    #[arg(long, env = "ZONAL_LOG_JSON")]
    pub log_json: bool,
    /// Where the embedded job store (SQLite) and the uploaded PDFs live.
    #[arg(long, env = "ZONAL_DATA_DIR", default_value = "data")]
    pub data_dir: PathBuf,
    /// In-process workers (0: this process only serves the API).
    #[arg(long, env = "ZONAL_WORKERS", default_value_t = 2)]
    pub workers: u32,
    /// A job lock older than this (seconds) may be taken over by another worker.
    #[arg(long, env = "ZONAL_STALE_LOCK_SECS", default_value_t = 600)]
    pub stale_lock_secs: u64,
    /// Attempts before a job fails for good.
    #[arg(long, env = "ZONAL_MAX_ATTEMPTS", default_value_t = 4)]
    pub max_attempts: u32,
    /// Wait before the first retry (milliseconds); doubles each attempt, at most 5 min.
    #[arg(long, env = "ZONAL_RETRY_BACKOFF_MS", default_value_t = 30_000)]
    pub retry_backoff_ms: u64,
    /// Scanned pages a worker reads by OCR per claim (or Cloud Task) before queueing the
    /// job again for the rest: a crash loses at most one batch.
    #[arg(long, env = "ZONAL_OCR_BATCH_PAGES", default_value_t = 10)]
    pub ocr_batch_pages: u32,
    /// Longest one attempt polls a Vision files operation (seconds); the next attempt
    /// resumes it. Keep it under the request timeout (Cloud Run: 900 s).
    #[arg(long, env = "ZONAL_VISION_POLL_SECS", default_value_t = 600)]
    pub vision_poll_secs: u64,
    /// Sessions with no new job for this long (hours) are deleted.
    #[arg(long, env = "ZONAL_SESSION_TTL_HOURS", default_value_t = 24)]
    pub session_ttl_hours: u64,
    /// Longest a shared session may live (hours); 30 days by default.
    #[arg(long, env = "ZONAL_SHARE_MAX_HOURS", default_value_t = 720)]
    pub share_max_hours: u32,
    /// Largest sealed shared session (megabytes), PDFs included.
    #[arg(long, env = "ZONAL_SHARE_MAX_MB", default_value_t = 50)]
    pub share_max_mb: u32,
    /// Requests per minute each client address, and each session, may make to the
    /// endpoints that cost (`POST` of jobs, regions, structure, shares); 0: no limit.
    /// Counted per instance.
    #[arg(long, env = "ZONAL_RATE_LIMIT_PER_MINUTE", default_value_t = 60)]
    pub rate_limit_per_minute: u32,
    /// Requests a client may send at once before the per-minute rate applies.
    #[arg(long, env = "ZONAL_RATE_LIMIT_BURST", default_value_t = 20)]
    pub rate_limit_burst: u32,
    /// Take the client's address from the last `X-Forwarded-For` entry (the one the
    /// proxy in front added: Cloud Run's) instead of the connection's.
    #[arg(long, env = "ZONAL_TRUST_FORWARDED_FOR")]
    pub trust_forwarded_for: bool,
    /// Pages and crops read by a paid OCR service (Vision) per UTC day, all clients
    /// together, counted in the job store across instances; 0: no quota.
    #[arg(long, env = "ZONAL_DAILY_OCR_QUOTA", default_value_t = 2000)]
    pub daily_ocr_quota: u64,
    /// Calls to the AI structuring providers per UTC day, all clients together; 0: no
    /// quota.
    #[arg(long, env = "ZONAL_DAILY_LLM_QUOTA", default_value_t = 2000)]
    pub daily_llm_quota: u64,
    /// Megabytes of shared sessions stored per UTC day, all clients together; 0: no
    /// quota.
    #[arg(long, env = "ZONAL_DAILY_SHARE_MB", default_value_t = 2048)]
    pub daily_share_mb: u64,
    /// Origins allowed to call the API from a browser (comma-separated); same-origin
    /// only when empty.
    #[arg(long, env = "ZONAL_CORS_ORIGINS", value_delimiter = ',')]
    pub cors_origins: Vec<String>,
}

impl ServeConfig {
    /// The socket address to bind.
    pub fn bind_addr(&self) -> SocketAddr {
        let mut a = self.addr;
        if let Some(p) = self.port {
            a.set_port(p);
        }
        a
    }

    /// Secrets mounted as files (Secret Manager volumes): for each key not given
    /// directly, `<VAR>_FILE` (`GEMINI_API_KEY_FILE`, `GOOGLE_VISION_API_KEY_FILE`,
    /// `ZONAL_LLM_API_KEY_FILE`) names a file holding it. `env` looks variables up.
    pub fn read_secret_files(
        &mut self,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<(), String> {
        let read = |var: &str| -> Result<Option<Secret>, String> {
            let Some(path) = env(&format!("{var}_FILE")).filter(|p| !p.is_empty()) else {
                return Ok(None);
            };
            let text = std::fs::read_to_string(&path)
                .map_err(|e| format!("cannot read {var}_FILE ({path}): {e}"))?;
            let v = text.trim();
            if v.is_empty() {
                return Err(format!("{var}_FILE ({path}) is empty"));
            }
            Ok(Some(Secret::new(v)))
        };
        if self.gemini_api_key.is_none() {
            self.gemini_api_key = read("GEMINI_API_KEY")?;
        }
        if self.vision_api_key.is_none() {
            self.vision_api_key = read("GOOGLE_VISION_API_KEY")?;
        }
        if self.llm_api_key.is_none() {
            self.llm_api_key = read("ZONAL_LLM_API_KEY")?;
        }
        Ok(())
    }

    /// Settings that only make sense together: the bucket for `--blobs gcs`, the queue
    /// and target for `--queue cloudtasks`.
    pub fn check(&self) -> Result<(), String> {
        if self.blobs == BlobsKind::Gcs && self.gcs_bucket.is_none() {
            return Err("--blobs gcs needs --gcs-bucket (ZONAL_GCS_BUCKET)".into());
        }
        if self.queue == QueueKind::CloudTasks
            && (self.tasks_queue.is_none() || self.tasks_target_url.is_none())
        {
            return Err(
                "--queue cloudtasks needs --tasks-queue and --tasks-target-url (ZONAL_TASKS_QUEUE, ZONAL_TASKS_TARGET_URL)"
                    .into(),
            );
        }
        Ok(())
    }

    /// The access-token endpoint for Google APIs, if tokens are to be sent.
    pub fn token_url(&self) -> Option<String> {
        match self.tasks_token_url.as_deref() {
            None => Some(METADATA_TOKEN_URL.to_string()),
            Some("" | "none") => None,
            Some(url) => Some(url.to_string()),
        }
    }

    /// The upload limits.
    pub fn limits(&self) -> wire::Limits {
        wire::Limits {
            max_files: self.max_files,
            max_size_mb: self.max_size_mb,
            max_pages: self.max_pages,
        }
    }

    /// The OCR engine: Vision when its key is set or its service account is chosen,
    /// else Tesseract when installed.
    pub fn ocr(&self) -> Option<OcrEngine> {
        let http = reqwest::Client::new();
        let auth = match &self.vision_api_key {
            Some(k) => VisionAuth::ApiKey(k.clone()),
            None if self.vision_service_account => {
                VisionAuth::ServiceAccount(TokenSource::new(self.token_url(), http.clone()))
            }
            None => return Tesseract::find().map(OcrEngine::Tesseract),
        };
        Some(OcrEngine::Vision(Vision {
            base_url: self.vision_base_url.clone(),
            auth,
            http,
        }))
    }

    /// The structuring chain before the offline parser: Gemini when its key is set, then
    /// the OpenAI-compatible endpoint when its URL is set.
    pub fn structurers(&self) -> Vec<crate::providers::llm::Structurer> {
        use crate::providers::llm::Structurer;
        let http = reqwest::Client::new();
        let mut chain = Vec::new();
        if let Some(k) = &self.gemini_api_key {
            chain.push(Structurer::Gemini {
                base_url: self.gemini_base_url.clone(),
                model: self.gemini_model.clone(),
                api_key: k.clone(),
                http: http.clone(),
            });
        }
        if let Some(base_url) = &self.llm_base_url {
            chain.push(Structurer::OpenAi {
                base_url: base_url.clone(),
                model: self.llm_model.clone(),
                api_key: self.llm_api_key.clone(),
                http,
            });
        }
        chain
    }

    /// The audience `/api/tasks/process` checks, if the endpoint is on.
    pub fn audience(&self) -> Option<String> {
        match (&self.oidc_audience, self.queue) {
            (Some(a), _) => Some(a.clone()),
            (None, QueueKind::CloudTasks) => self.tasks_target_url.clone(),
            (None, QueueKind::InProcess) => None,
        }
    }

    /// What `GET /api/config` reports: limits and the providers the server built from
    /// this configuration (`ocr`, `llm`), never secrets.
    pub fn public(
        &self,
        ocr: Option<&OcrEngine>,
        llm: &[crate::providers::llm::Structurer],
    ) -> wire::ConfigAnswer {
        wire::ConfigAnswer {
            version: env!("CARGO_PKG_VERSION").to_string(),
            limits: self.limits(),
            providers: wire::Providers {
                ocr: ocr.iter().map(|o| o.name().to_string()).collect(),
                llm: llm
                    .iter()
                    .map(crate::providers::llm::Structurer::name)
                    .chain(["rules"])
                    .map(str::to_string)
                    .collect(),
            },
        }
    }
}

impl Default for ServeConfig {
    /// The flags' defaults, as `zonal serve` with no flags and no environment has them
    /// (one place: the `#[arg]` attributes above).
    fn default() -> Self {
        use clap::{CommandFactory, FromArgMatches, Parser};
        #[derive(Parser)]
        struct Serve {
            #[command(flatten)]
            config: ServeConfig,
        }
        let mut cmd = Serve::command();
        let ids: Vec<clap::Id> = cmd.get_arguments().map(|a| a.get_id().clone()).collect();
        for id in ids {
            cmd = cmd.mut_arg(id, |a| a.env(None));
        }
        cmd.try_get_matches_from(["zonal"])
            .ok()
            .and_then(|m| ServeConfig::from_arg_matches(&m).ok())
            .expect("every flag of zonal serve has a default or is optional")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_flags_defaults_and_settings_that_belong_together_are_checked() {
        let c = ServeConfig::default();
        assert_eq!(
            (c.store, c.queue, c.blobs),
            (StoreKind::Sqlite, QueueKind::InProcess, BlobsKind::Local)
        );
        assert_eq!(c.bind_addr().to_string(), "127.0.0.1:8080");
        assert_eq!(c.token_url().as_deref(), Some(METADATA_TOKEN_URL));
        assert_eq!(c.llm_base_url, None);
        assert!(c.check().is_ok());
        let gcs = ServeConfig {
            blobs: BlobsKind::Gcs,
            ..ServeConfig::default()
        };
        assert!(gcs.check().is_err_and(|e| e.contains("--gcs-bucket")));
        let tasks = ServeConfig {
            queue: QueueKind::CloudTasks,
            tasks_queue: Some("projects/p/locations/l/queues/q".into()),
            ..ServeConfig::default()
        };
        assert!(
            tasks
                .check()
                .is_err_and(|e| e.contains("--tasks-target-url"))
        );
    }

    #[test]
    fn secrets_come_from_files_and_never_show() {
        let dir = std::env::temp_dir().join(format!("zonal-secret-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("tmp");
        let file = dir.join("gemini");
        std::fs::write(&file, "gm-secret-value\n").expect("write");
        let mut c = ServeConfig::default();
        let path = file.display().to_string();
        c.read_secret_files(|k| (k == "GEMINI_API_KEY_FILE").then(|| path.clone()))
            .expect("reads");
        assert_eq!(
            c.gemini_api_key.as_ref().map(Secret::expose),
            Some("gm-secret-value")
        );
        assert!(!format!("{c:?}").contains("gm-secret-value"));
        let mut c = ServeConfig::default();
        let e = c
            .read_secret_files(|k| {
                (k == "ZONAL_LLM_API_KEY_FILE").then(|| "/nonexistent/key".into())
            })
            .expect_err("missing file");
        assert!(e.contains("ZONAL_LLM_API_KEY_FILE"), "{e}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
