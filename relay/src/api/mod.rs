//! The `/api` routes; `extract` is what their handlers take from requests.

pub mod extract;
pub mod jobs;
pub mod openapi;
pub mod regions;
pub mod service;
pub mod shares;
pub mod structure;
pub mod tasks;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, header};
use axum::routing::{get, post};

use crate::error::AppError;
use crate::state::AppState;

/// Largest `/api/regions` body: 8 MB crops in base64, a few per request.
const REGIONS_BODY: usize = 48 << 20;
/// Largest `/api/structure` body: 200,000 characters of text as JSON.
const STRUCTURE_BODY: usize = 2 << 20;

/// The job routes. Bodies are cut off past the upload limit while they stream in.
fn job_routes(state: &AppState) -> Router<AppState> {
    let c = &state.config;
    let body_limit = (c.max_files as usize)
        .saturating_mul(c.max_size_mb as usize)
        .saturating_mul(1024 * 1024)
        .saturating_add(1024 * 1024);
    Router::new()
        .route(
            "/jobs",
            post(jobs::create).layer(DefaultBodyLimit::max(body_limit)),
        )
        .route("/jobs/{id}", get(jobs::get))
        .route("/jobs/{id}/events", get(jobs::events))
        .route("/jobs/{id}/retry", post(jobs::retry))
        .route("/jobs/{id}/regions/{file}", get(regions::crop))
        .route("/sessions/{id}/jobs", get(jobs::list))
        .route("/sessions/{id}/export.csv", get(jobs::export_csv))
        .route(
            "/sessions/{id}",
            axum::routing::delete(jobs::delete_session),
        )
        .route("/tasks/process", post(tasks::process))
        .route(
            "/regions",
            post(regions::create).layer(DefaultBodyLimit::max(REGIONS_BODY)),
        )
        .route(
            "/structure",
            post(structure::create).layer(DefaultBodyLimit::max(STRUCTURE_BODY)),
        )
        .route(
            "/shares",
            post(shares::create).layer(DefaultBodyLimit::max(
                (c.share_max_mb as usize).saturating_mul(1024 * 1024),
            )),
        )
        .route("/shares/{id}", get(shares::get).delete(shares::delete))
        .route("/openapi.json", get(openapi::document))
}

/// The `/api` router: every endpoint, CORS for the configured origins, and JSON 404s.
pub fn routes(state: AppState) -> Router {
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
        .route("/healthz", get(service::healthz))
        .route("/config", get(service::config))
        .merge(job_routes(&state))
        .fallback(not_found)
        .layer(cors)
        .with_state(state)
}

async fn not_found() -> AppError {
    AppError::NotFound("no such API endpoint".into())
}
