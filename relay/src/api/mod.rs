//! The `/api` routes and what they share: the session header.

pub mod jobs;
pub mod openapi;
pub mod regions;
pub mod shares;
pub mod structure;
pub mod tasks;

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, FromRequestParts};
use axum::http::request::Parts;
use axum::routing::{get, post};

use crate::error::AppError;
use crate::server::AppState;

/// The browser session a request belongs to: the `X-Session-Id` header, a UUID.
#[derive(Debug, Clone, PartialEq, Eq, utoipa::IntoParams)]
#[into_params(parameter_in = Header, names("X-Session-Id"))]
pub struct SessionId(
    /// The session's UUID, made by the browser.
    pub String,
);

impl SessionId {
    /// 403 unless `sid` is this session.
    pub fn owns(&self, sid: &str) -> Result<(), AppError> {
        if self.0 == sid.to_ascii_lowercase() {
            Ok(())
        } else {
            Err(AppError::Forbidden(
                "that session is not the one in X-Session-Id".into(),
            ))
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for SessionId {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let v = parts.headers.get("x-session-id").ok_or_else(|| {
            AppError::Session("X-Session-Id header missing: send the session's UUID".into())
        })?;
        let s = v
            .to_str()
            .ok()
            .and_then(|s| uuid::Uuid::parse_str(s.trim()).ok())
            .ok_or_else(|| AppError::Session("X-Session-Id must be a UUID".into()))?;
        Ok(Self(s.hyphenated().to_string()))
    }
}

/// A request body, or the reason it could not be read as a JSON error (413 past the
/// route's limit, 400 otherwise) instead of axum's plain-text rejection.
pub fn body(b: Result<Bytes, BytesRejection>) -> Result<Bytes, AppError> {
    b.map_err(|e| {
        if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
            AppError::TooLarge(format!("the request body is too large: {}", e.body_text()))
        } else {
            AppError::BadRequest(format!(
                "the request body cannot be read: {}",
                e.body_text()
            ))
        }
    })
}

/// A JSON request body of type `T`; a bad one is a 400 naming the `shape` expected.
pub fn json_body<T: serde::de::DeserializeOwned>(
    b: Result<Bytes, BytesRejection>,
    shape: &str,
) -> Result<(T, usize), AppError> {
    let bytes = body(b)?;
    let v = serde_json::from_slice(&bytes)
        .map_err(|e| AppError::BadRequest(format!("the body must be JSON {shape}: {e}")))?;
    Ok((v, bytes.len()))
}

/// Largest `/api/regions` body: 8 MB crops in base64, a few per request.
const REGIONS_BODY: usize = 48 << 20;
/// Largest `/api/structure` body: 200,000 characters of text as JSON.
const STRUCTURE_BODY: usize = 2 << 20;

/// The job routes. Bodies are cut off past the upload limit while they stream in.
pub fn job_routes(state: &AppState) -> Router<AppState> {
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
