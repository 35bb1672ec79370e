//! The HTTP server: the API under `/api` and the built web app at `/`.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

use crate::blobs::{BlobStore, GcsBlobs, LocalBlobs};
use crate::config::{PublicConfig, ServeConfig};
use crate::error::AppError;
use crate::google::TokenSource;
use crate::jobs::firestore::FirestoreStore;
use crate::jobs::worker::{Worker, WorkerSettings};
use crate::jobs::{JobStore, StoreError, sqlite::SqliteStore};
use crate::metrics::Metrics;
use crate::oidc::Verifier;
use crate::queue::{CloudTasks, Queue};

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
        if config.store != "firestore" {
            return Self::open(config);
        }
        let store =
            FirestoreStore::connect(&config.firestore_project, &config.firestore_collection)
                .await?;
        Ok(Self::with_store(config, Arc::new(store)))
    }

    /// State around a given store.
    pub fn with_store(config: ServeConfig, store: Arc<dyn JobStore>) -> Self {
        let http = reqwest::Client::new();
        let tokens = TokenSource::new(
            (!config.tasks_token_url.is_empty()).then(|| config.tasks_token_url.clone()),
            http.clone(),
        );
        let blobs: Arc<dyn BlobStore> = if config.blobs == "gcs" {
            Arc::new(GcsBlobs {
                api: config.gcs_api.clone(),
                bucket: config.gcs_bucket.clone(),
                tokens: tokens.clone(),
                http: http.clone(),
            })
        } else {
            Arc::new(LocalBlobs::new(&config.data_dir.join("blobs")))
        };
        let wake = Arc::new(tokio::sync::Notify::new());
        let queue = if config.queue == "cloudtasks" {
            Queue::CloudTasks(Arc::new(CloudTasks {
                api: config.tasks_api.clone(),
                queue: config.tasks_queue.clone(),
                target_url: config.tasks_target_url.clone(),
                service_account: config.tasks_service_account.clone(),
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
        }
    }

    /// Worker behaviour from the configuration.
    pub fn worker_settings(&self) -> WorkerSettings {
        let c = &self.config;
        WorkerSettings {
            stale_lock: std::time::Duration::from_secs(c.stale_lock_secs),
            max_attempts: c.max_attempts.max(1),
            backoff: std::time::Duration::from_millis(c.retry_backoff_ms),
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
                if let Err(e) = sweep(&state).await {
                    tracing::warn!(error = %e, "session sweep failed");
                }
            }
        });
    }
}

/// Deletes a session's PDFs and OCR crops, then its jobs (so a failed blob delete leaves
/// the records that name what is left, for the next attempt).
pub async fn delete_session(state: &AppState, sid: &str) -> Result<usize, AppError> {
    for j in state.store.list_session(sid).await? {
        state.blobs.delete(&j.blob_key()).await?;
        for k in j.crop_keys() {
            state.blobs.delete(&k).await?;
        }
    }
    let jobs = state.store.delete_session(sid).await?;
    // Jobs that arrived meanwhile.
    for j in &jobs {
        state.blobs.delete(&j.blob_key()).await?;
        for k in j.crop_keys() {
            state.blobs.delete(&k).await?;
        }
    }
    Ok(jobs.len())
}

/// Deletes sessions past their time to live, and shares past their expiry.
pub async fn sweep(state: &AppState) -> Result<usize, AppError> {
    // One failing half does not keep the other from running.
    let shares = crate::api::shares::sweep(state).await;
    let sessions = sweep_sessions(state).await;
    match (shares, sessions) {
        (Ok(a), Ok(b)) => Ok(a + b),
        (Err(e), Ok(_)) | (Ok(_), Err(e)) => Err(e),
        (Err(a), Err(b)) => {
            tracing::warn!(error = %a, "share sweep failed");
            Err(b)
        }
    }
}

async fn sweep_sessions(state: &AppState) -> Result<usize, AppError> {
    let ttl = chrono::Duration::hours(state.config.session_ttl_hours.min(24 * 365) as i64);
    let mut n = 0;
    for sid in state
        .store
        .expired_sessions(chrono::Utc::now() - ttl)
        .await?
    {
        n += delete_session(state, &sid).await?;
    }
    Ok(n)
}

/// Builds the whole app: API routes plus the static web app with an SPA fallback.
pub fn app(state: AppState) -> Router {
    let dist = state.config.dist.clone();
    let static_files = ServeDir::new(&dist)
        .append_index_html_on_directories(true)
        .fallback(ServeFile::new(dist.join("index.html")));
    Router::new()
        .route("/metrics", get(metrics).with_state(state.clone()))
        .nest("/api", api(state))
        // The fonts and CMaps the app fetches on use: a miss is a 404, not index.html.
        .nest_service("/assets", ServeDir::new(dist.join("assets")))
        .fallback_service(static_files)
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(TraceLayer::new_for_http())
}

fn api(state: AppState) -> Router {
    let cors = if state.config.cors_origins.is_empty() {
        tower_http::cors::CorsLayer::new()
    } else {
        let origins: Vec<HeaderValue> = state
            .config
            .cors_origins
            .iter()
            .filter_map(|o| HeaderValue::from_str(o.trim()).ok())
            .collect();
        tower_http::cors::CorsLayer::new()
            .allow_origin(origins)
            .allow_methods([
                axum::http::Method::GET,
                axum::http::Method::POST,
                axum::http::Method::DELETE,
            ])
            .allow_headers([
                header::CONTENT_TYPE,
                axum::http::HeaderName::from_static("x-session-id"),
                axum::http::HeaderName::from_static("x-share-token"),
            ])
    };
    Router::new()
        .route("/healthz", get(healthz))
        .route("/config", get(config))
        .merge(crate::api::job_routes(&state))
        .fallback(not_found)
        .layer(cors)
        .with_state(state)
}

/// `GET /api/healthz`: liveness.
#[utoipa::path(get, path = "/api/healthz", tag = "service", responses((status = 200, description = "{\"status\": \"ok\"}")))]
pub async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// `GET /api/config`: limits and enabled providers, never secrets.
#[utoipa::path(get, path = "/api/config", tag = "service", responses((status = 200, description = "limits and providers")))]
pub async fn config(State(state): State<AppState>) -> Json<PublicConfig> {
    // The providers built once at start-up, not rebuilt (HTTP clients, a PATH lookup)
    // for each page load.
    Json(state.config.public(state.ocr.as_ref(), &state.llm))
}

async fn metrics(
    State(state): State<AppState>,
) -> Result<impl axum::response::IntoResponse, AppError> {
    let counts = state.store.counts().await?;
    Ok((
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.metrics.render(&counts),
    ))
}

async fn not_found() -> (axum::http::StatusCode, Json<Value>) {
    (
        axum::http::StatusCode::NOT_FOUND,
        Json(json!({ "error": "no such API endpoint" })),
    )
}

/// Binds and serves until Ctrl-C or SIGTERM.
pub async fn serve(config: ServeConfig) -> std::io::Result<()> {
    let addr = config.bind_addr();
    if !config.dist.join("index.html").exists() {
        tracing::warn!(dist = %config.dist.display(), "web app not built; only the API is served");
    }
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let local = listener.local_addr()?;
    println!("Zonal is running at http://{local}/");
    let state = AppState::connect(config)
        .await
        .map_err(std::io::Error::other)?;
    state.spawn_background();
    axum::serve(listener, app(state))
        .with_graceful_shutdown(shutdown_signal())
        .await
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}
