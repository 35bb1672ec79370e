//! Shared sessions: `POST /api/shares`, `GET /api/shares/{id}`, `DELETE /api/shares/{id}`.
//!
//! The browser encrypts the session (wasm-core's `share::seal`, AES-256-GCM) under a key
//! that stays in the link's `#fragment`; the relay never sees the key, so it stores bytes
//! it cannot read. It refuses bodies that are not in the sealed format (magic, nonce,
//! tag) — it cannot tell ciphertext from other bytes that imitate the format, so size
//! limits, expiry and the session header are what bound abuse (rate limits belong at the
//! edge). Creating a share needs `X-Session-Id`; reading one needs only its id (128
//! random bits). Each share has an expiry (the sweeper deletes it then, and reads after
//! it find nothing) and a delete token, returned once to its creator and kept only as a
//! SHA-256 digest.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use serde::Deserialize;
use wire::ShareCreated;

use super::extract::{Body, Path, Query, SessionId};
use crate::error::AppError;
use crate::shares::{self as store, data_key, digest, live_meta};
use crate::state::AppState;

/// Default time to live.
pub const DEFAULT_TTL_HOURS: u32 = 24 * 7;

/// `?ttlHours=`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TtlQuery {
    /// Hours until the share is deleted (1 to the relay's maximum; 7 days by default).
    ttl_hours: Option<u32>,
}

/// Stores a sealed session.
#[utoipa::path(post, path = "/api/shares", tag = "shares",
    params(SessionId, ("ttlHours" = Option<u32>, Query, description = "hours until the share expires")),
    request_body(content_type = "application/octet-stream", description = "a session sealed by wasm-core's share::seal"),
    responses((status = 201, body = ShareCreated),
        (status = 400, body = wire::ErrorBody), (status = 413, body = wire::ErrorBody),
        (status = 422, body = wire::ErrorBody, description = "not a sealed session")))]
pub async fn create(
    State(state): State<AppState>,
    _session: SessionId,
    q: Result<Query<TtlQuery>, AppError>,
    Body(body): Body,
) -> Result<(StatusCode, Json<ShareCreated>), AppError> {
    let Query(q) = q.map_err(|e| {
        AppError::BadRequest(format!("ttlHours must be a whole number of hours: {e}"))
    })?;
    if !wasm_core::share::is_sealed(&body) {
        return Err(AppError::Unprocessable(
            "the body is not a sealed session: the relay stores only sessions encrypted in the browser".into(),
        ));
    }
    let max = state.config.share_max_hours.max(1);
    let hours = q.ttl_hours.unwrap_or(DEFAULT_TTL_HOURS.min(max));
    if hours == 0 || hours > max {
        return Err(AppError::BadRequest(format!("ttlHours must be 1–{max}")));
    }
    state
        .quotas
        .take(crate::limits::Paid::ShareBytes, body.len() as u64)
        .await?;
    let (id, token, meta) = store::put(&*state.blobs, &body, hours).await?;
    Ok((
        StatusCode::CREATED,
        Json(ShareCreated {
            id,
            delete_token: token,
            expires_at: meta.expires_at,
        }),
    ))
}

/// The sealed session.
#[utoipa::path(get, path = "/api/shares/{id}", tag = "shares",
    params(("id" = String, Path, description = "share id")),
    responses((status = 200, content_type = "application/octet-stream", description = "the sealed session"),
        (status = 404, body = wire::ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<impl IntoResponse, AppError> {
    let meta = live_meta(&*state.blobs, &id).await?;
    let bytes = state
        .blobs
        .get(&data_key(&id))
        .await?
        .ok_or_else(|| AppError::NotFound("no such share".into()))?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/octet-stream".to_string()),
            (header::CACHE_CONTROL, "no-store".to_string()),
            (
                header::HeaderName::from_static("x-share-expires-at"),
                meta.expires_at.to_rfc3339(),
            ),
        ],
        bytes,
    ))
}

/// Deletes a share; needs its delete token in `X-Share-Token`.
#[utoipa::path(delete, path = "/api/shares/{id}", tag = "shares",
    params(("id" = String, Path, description = "share id"),
        ("X-Share-Token" = String, Header, description = "the delete token returned on creation")),
    responses((status = 204, description = "deleted"),
        (status = 403, body = wire::ErrorBody), (status = 404, body = wire::ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<StatusCode, AppError> {
    let meta = live_meta(&*state.blobs, &id).await?;
    let token = headers
        .get("x-share-token")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if digest(token) != meta.token_sha256 {
        return Err(AppError::Forbidden(
            "X-Share-Token is missing or is not this share's delete token".into(),
        ));
    }
    store::delete(&*state.blobs, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
