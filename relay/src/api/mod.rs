//! The `/api` routes; `extract` is what their handlers take from requests.

pub mod extract;
pub mod jobs;
pub mod openapi;
pub mod regions;
pub mod service;
pub mod shares;
pub mod structure;
pub mod tasks;

use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, header};
use axum::routing::{any, get};
use axum::{Json, Router};
use utoipa::OpenApi;
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouter};
use utoipa_axum::routes;

use crate::error::AppError;
use crate::state::AppState;

/// Largest `/api/regions` body: 8 MB crops in base64, a few per request.
const REGIONS_BODY: usize = 48 << 20;
/// Largest `/api/structure` body: 200,000 characters of text as JSON.
const STRUCTURE_BODY: usize = 2 << 20;

/// The `/api` router: every endpoint and `/api/openapi.json`, the document made from
/// them; CORS for the configured origins; JSON 404s for any other `/api` path.
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
    let c = &state.config;
    // Bodies are cut off past each route's limit while they stream in.
    let upload = (c.max_files as usize)
        .saturating_mul(c.max_size_mb as usize)
        .saturating_mul(1024 * 1024)
        .saturating_add(1024 * 1024);
    let share = (c.share_max_mb as usize).saturating_mul(1024 * 1024);
    // Every endpoint is registered with its `#[utoipa::path]` annotation, so the OpenAPI
    // document is made from the routes themselves.
    // The endpoints that cost (OCR, an LLM, storage) are rate-limited per client and
    // per session.
    let rated = |r| rate_limited(r, &state.rates);
    let (router, document) = OpenApiRouter::with_openapi(openapi::ApiDoc::openapi())
        .routes(routes!(service::healthz))
        .routes(routes!(service::config))
        .routes(rated(limited(routes!(jobs::create), upload)))
        .routes(routes!(jobs::get))
        .routes(routes!(jobs::events))
        .routes(routes!(jobs::retry))
        .routes(routes!(regions::crop))
        .routes(routes!(jobs::list))
        .routes(routes!(jobs::export_csv))
        .routes(routes!(jobs::delete_session))
        .routes(routes!(tasks::process))
        .routes(rated(limited(routes!(regions::create), REGIONS_BODY)))
        .routes(rated(limited(routes!(structure::create), STRUCTURE_BODY)))
        .routes(rated(limited(routes!(shares::create), share)))
        .routes(routes!(shares::get, shares::delete))
        .split_for_parts();
    let document = Arc::new(document);
    router
        .route(
            "/api/openapi.json",
            get(move || {
                let d = document.clone();
                async move { Json((*d).clone()) }
            }),
        )
        .route("/api", any(not_found))
        .route("/api/{*rest}", any(not_found))
        .layer(cors)
        .with_state(state)
}

/// A route whose request body may be at most `bytes` long.
fn limited(
    (schemas, paths, method): UtoipaMethodRouter<AppState>,
    bytes: usize,
) -> UtoipaMethodRouter<AppState> {
    (schemas, paths, method.layer(DefaultBodyLimit::max(bytes)))
}

/// A route behind the rate limiters (the same ones on every costly route).
fn rate_limited(
    (schemas, paths, mut method): UtoipaMethodRouter<AppState>,
    rates: &crate::limits::RateLimits,
) -> UtoipaMethodRouter<AppState> {
    for layer in rates.layers() {
        method = method.layer(layer);
    }
    (schemas, paths, method)
}

async fn not_found() -> AppError {
    AppError::NotFound("no such API endpoint".into())
}
