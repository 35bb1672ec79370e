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
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::SessionId;
use crate::error::AppError;
use crate::server::AppState;

/// Default time to live.
pub const DEFAULT_TTL_HOURS: u32 = 24 * 7;

/// What the relay knows about a share besides its sealed bytes.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Meta {
    created_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
    /// SHA-256 of the delete token, hex.
    token_sha256: String,
    size: usize,
}

fn data_key(id: &str) -> String {
    format!("shares/{id}.bin")
}

fn meta_key(id: &str) -> String {
    format!("shares/{id}.json")
}

fn digest(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

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
    responses((status = 201, description = "{id, deleteToken, expiresAt}"),
        (status = 400, body = crate::api::jobs::ErrorBody), (status = 413, body = crate::api::jobs::ErrorBody),
        (status = 422, body = crate::api::jobs::ErrorBody, description = "not a sealed session")))]
pub async fn create(
    State(state): State<AppState>,
    _session: SessionId,
    q: Result<Query<TtlQuery>, axum::extract::rejection::QueryRejection>,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<(StatusCode, Json<Value>), AppError> {
    let body = super::body(body)?;
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
    let id = uuid::Uuid::new_v4().simple().to_string();
    let token = format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    );
    let now = Utc::now();
    let meta = Meta {
        created_at: now,
        expires_at: now + chrono::Duration::hours(i64::from(hours)),
        token_sha256: digest(&token),
        size: body.len(),
    };
    let meta_json = serde_json::to_vec(&meta).map_err(|e| AppError::Internal(e.to_string()))?;
    // Metadata first: the sweeper finds shares by it, so bytes are never left unswept.
    state.blobs.put(&meta_key(&id), &meta_json).await?;
    state.blobs.put(&data_key(&id), &body).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "id": id, "deleteToken": token, "expiresAt": meta.expires_at })),
    ))
}

/// The share's metadata, or 404 when it is missing or expired (an expired one is
/// deleted on the way).
async fn live_meta(state: &AppState, id: &str) -> Result<Meta, AppError> {
    let missing =
        || AppError::NotFound("no such share (it may have expired or been deleted)".into());
    if !wasm_core::share::is_share_id(id) {
        return Err(missing());
    }
    let raw = state.blobs.get(&meta_key(id)).await?.ok_or_else(missing)?;
    let meta: Meta = serde_json::from_slice(&raw).map_err(|e| AppError::Internal(e.to_string()))?;
    if meta.expires_at <= Utc::now() {
        delete_share(state, id).await?;
        return Err(missing());
    }
    Ok(meta)
}

async fn delete_share(state: &AppState, id: &str) -> Result<(), AppError> {
    state.blobs.delete(&data_key(id)).await?;
    state.blobs.delete(&meta_key(id)).await?;
    Ok(())
}

/// The sealed session.
#[utoipa::path(get, path = "/api/shares/{id}", tag = "shares",
    params(("id" = String, Path, description = "share id")),
    responses((status = 200, content_type = "application/octet-stream", description = "the sealed session"),
        (status = 404, body = crate::api::jobs::ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<impl IntoResponse, AppError> {
    let meta = live_meta(&state, &id).await?;
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
        (status = 403, body = crate::api::jobs::ErrorBody), (status = 404, body = crate::api::jobs::ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<StatusCode, AppError> {
    let meta = live_meta(&state, &id).await?;
    let token = headers
        .get("x-share-token")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if digest(token) != meta.token_sha256 {
        return Err(AppError::Forbidden(
            "X-Share-Token is missing or is not this share's delete token".into(),
        ));
    }
    delete_share(&state, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Deletes shares past their expiry, and sealed bytes whose metadata is gone; how many
/// shares.
pub async fn sweep(state: &AppState) -> Result<usize, AppError> {
    let now = Utc::now();
    let mut n = 0;
    let keys = state.blobs.list("shares/").await?;
    for key in &keys {
        if let Some(id) = key
            .strip_prefix("shares/")
            .and_then(|k| k.strip_suffix(".bin"))
            && !keys.contains(&meta_key(id))
        {
            state.blobs.delete(key).await?;
        }
    }
    for key in keys {
        let Some(id) = key
            .strip_prefix("shares/")
            .and_then(|k| k.strip_suffix(".json"))
        else {
            continue;
        };
        let expired = match state.blobs.get(&key).await? {
            Some(raw) => serde_json::from_slice::<Meta>(&raw).map_or(true, |m| m.expires_at <= now),
            None => false,
        };
        if expired {
            delete_share(state, id).await?;
            n += 1;
        }
    }
    Ok(n)
}
