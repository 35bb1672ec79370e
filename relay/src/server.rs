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

use crate::config::{PublicConfig, ServeConfig};

/// Shared state of the server.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The configuration the server started with.
    pub config: Arc<ServeConfig>,
}

/// Builds the whole app: API routes plus the static web app with an SPA fallback.
pub fn app(state: AppState) -> Router {
    let dist = state.config.dist.clone();
    let static_files = ServeDir::new(&dist)
        .append_index_html_on_directories(true)
        .fallback(ServeFile::new(dist.join("index.html")));
    Router::new()
        .nest("/api", api(state))
        .fallback_service(static_files)
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(TraceLayer::new_for_http())
}

fn api(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/config", get(config))
        .fallback(not_found)
        .with_state(state)
}

async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

async fn config(State(state): State<AppState>) -> Json<PublicConfig> {
    Json(state.config.public())
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
    let state = AppState {
        config: Arc::new(config),
    };
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
