//! Shared sessions at rest: sealed bytes under `shares/<id>.bin` and their metadata
//! (expiry, the delete token's SHA-256) under `shares/<id>.json` in the blob store.
//! The HTTP side is `api::shares`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::blobs::BlobStore;
use crate::error::AppError;

/// What the relay knows about a share besides its sealed bytes.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Meta {
    /// When it was stored.
    pub created_at: DateTime<Utc>,
    /// When it goes.
    pub expires_at: DateTime<Utc>,
    /// SHA-256 of the delete token, hex.
    pub token_sha256: String,
    /// Sealed bytes.
    pub size: usize,
}

/// Where a share's sealed bytes are kept.
pub fn data_key(id: &str) -> String {
    format!("shares/{id}.bin")
}

fn meta_key(id: &str) -> String {
    format!("shares/{id}.json")
}

/// SHA-256 of a delete token, hex.
pub fn digest(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The share's metadata, or 404 when it is missing or expired (an expired one is
/// deleted on the way).
pub async fn live_meta(blobs: &dyn BlobStore, id: &str) -> Result<Meta, AppError> {
    let missing =
        || AppError::NotFound("no such share (it may have expired or been deleted)".into());
    if !wasm_core::share::is_share_id(id) {
        return Err(missing());
    }
    let raw = blobs.get(&meta_key(id)).await?.ok_or_else(missing)?;
    let meta: Meta = serde_json::from_slice(&raw).map_err(|e| AppError::Internal(e.to_string()))?;
    if meta.expires_at <= Utc::now() {
        delete(blobs, id).await?;
        return Err(missing());
    }
    Ok(meta)
}

/// Deletes a share's bytes and metadata.
pub async fn delete(blobs: &dyn BlobStore, id: &str) -> Result<(), AppError> {
    blobs.delete(&data_key(id)).await?;
    blobs.delete(&meta_key(id)).await?;
    Ok(())
}

/// Stores a sealed session for `hours`; its id and delete token.
pub async fn put(
    blobs: &dyn BlobStore,
    sealed: &[u8],
    hours: u32,
) -> Result<(String, String, Meta), AppError> {
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
        size: sealed.len(),
    };
    let meta_json = serde_json::to_vec(&meta).map_err(|e| AppError::Internal(e.to_string()))?;
    // Metadata first: the sweeper finds shares by it, so bytes are never left unswept.
    blobs.put(&meta_key(&id), &meta_json).await?;
    blobs.put(&data_key(&id), sealed).await?;
    Ok((id, token, meta))
}

/// Deletes shares past their expiry, and sealed bytes whose metadata is gone; how many
/// shares.
pub async fn sweep(blobs: &dyn BlobStore) -> Result<usize, AppError> {
    let now = Utc::now();
    let mut n = 0;
    let keys = blobs.list("shares/").await?;
    for key in &keys {
        if let Some(id) = key
            .strip_prefix("shares/")
            .and_then(|k| k.strip_suffix(".bin"))
            && !keys.contains(&meta_key(id))
        {
            blobs.delete(key).await?;
        }
    }
    for key in keys {
        let Some(id) = key
            .strip_prefix("shares/")
            .and_then(|k| k.strip_suffix(".json"))
        else {
            continue;
        };
        let expired = match blobs.get(&key).await? {
            Some(raw) => serde_json::from_slice::<Meta>(&raw).map_or(true, |m| m.expires_at <= now),
            None => false,
        };
        if expired {
            delete(blobs, id).await?;
            n += 1;
        }
    }
    Ok(n)
}
