//! Sessions end: deleting a session's jobs with their PDFs, crops and page readings, now or when they
//! have been idle past their time to live, and sweeping expired shares.

use crate::blobs::BlobStore;
use crate::error::AppError;
use crate::jobs::{Job, JobStore};
use crate::shares;

/// Deletes a session's PDFs and OCR crops, then its jobs (so a failed blob delete leaves
/// the records that name what is left, for the next attempt).
pub async fn delete(
    store: &dyn JobStore,
    blobs: &dyn BlobStore,
    sid: &str,
) -> Result<usize, AppError> {
    for j in store.list_session(sid).await? {
        delete_files(blobs, &j).await?;
    }
    let jobs = store.delete_session(sid).await?;
    // Jobs that arrived meanwhile.
    for j in &jobs {
        delete_files(blobs, j).await?;
    }
    Ok(jobs.len())
}

/// A job's PDF and OCR crops.
async fn delete_files(blobs: &dyn BlobStore, job: &Job) -> Result<(), AppError> {
    blobs.delete(&job.blob_key()).await?;
    for k in job.crop_keys().into_iter().chain(job.page_keys()) {
        blobs.delete(&k).await?;
    }
    Ok(())
}

/// Deletes sessions past their time to live, and shares past their expiry.
pub async fn sweep(
    store: &dyn JobStore,
    blobs: &dyn BlobStore,
    ttl: chrono::Duration,
) -> Result<usize, AppError> {
    // One failing half does not keep the other from running.
    let shares = shares::sweep(blobs).await;
    let sessions = sweep_sessions(store, blobs, ttl).await;
    match (shares, sessions) {
        (Ok(a), Ok(b)) => Ok(a + b),
        (Err(e), Ok(_)) | (Ok(_), Err(e)) => Err(e),
        (Err(a), Err(b)) => {
            tracing::warn!(error = %a, "share sweep failed");
            Err(b)
        }
    }
}

async fn sweep_sessions(
    store: &dyn JobStore,
    blobs: &dyn BlobStore,
    ttl: chrono::Duration,
) -> Result<usize, AppError> {
    let mut n = 0;
    for sid in store.expired_sessions(chrono::Utc::now() - ttl).await? {
        n += delete(store, blobs, &sid).await?;
    }
    Ok(n)
}
