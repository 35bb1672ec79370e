//! `POST /api/tasks/process`: the Cloud Tasks target. The OIDC token is verified first
//! (401 missing or invalid, 403 for another audience); then the job is claimed and
//! processed. Duplicate or late deliveries find the job done or held and are no-ops
//! (200). A failure that deserves another attempt answers 503, so Cloud Tasks retries
//! on its own schedule.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use wire::{TaskAnswer, TaskRequest};

use super::extract::Body;
use crate::error::AppError;
use crate::jobs::Status;
use crate::oidc::TokenError;
use crate::state::AppState;

/// Handles one delivery.
#[utoipa::path(post, path = "/api/tasks/process", tag = "tasks",
    request_body(content_type = "application/json", description = "{\"jobId\": …}"),
    responses((status = 200, description = "processed, or a no-op for a duplicate"),
        (status = 400, body = wire::ErrorBody), (status = 401, body = wire::ErrorBody),
        (status = 403, body = wire::ErrorBody), (status = 404, body = wire::ErrorBody),
        (status = 503, body = wire::ErrorBody, description = "failed this attempt; retry")))]
pub async fn process(
    State(state): State<AppState>,
    headers: HeaderMap,
    Body(body): Body,
) -> Result<(StatusCode, Json<TaskAnswer>), AppError> {
    let verifier = state
        .verifier
        .as_ref()
        .ok_or_else(|| AppError::NotFound("task delivery is not enabled on this relay".into()))?;
    let auth = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    verifier.verify(auth).await.map_err(|e| match e {
        TokenError::Missing | TokenError::Invalid(_) => AppError::Unauthorized(e.to_string()),
        TokenError::WrongAudience(_) => AppError::Forbidden(e.to_string()),
        TokenError::Keys(_) => AppError::Unavailable(e.to_string()),
    })?;
    let task: TaskRequest = serde_json::from_slice(&body).map_err(|e| {
        AppError::BadRequest(format!("the task body must be {{\"jobId\": …}}: {e}"))
    })?;
    let worker = state.worker(u32::MAX);
    let worked = worker.process_one(&task.job_id).await?;
    let job = state.store.get(&task.job_id).await?;
    let status = job.as_ref().map(|j| j.status);
    match (worked, status) {
        (_, None) => Err(AppError::NotFound(format!("no job {}", task.job_id))),
        (true, Some(Status::Queued)) => Err(AppError::Unavailable(format!(
            "job {} failed this attempt and will be retried: {}",
            task.job_id,
            job.and_then(|j| j.error).unwrap_or_default()
        ))),
        (worked, Some(s)) => Ok((
            StatusCode::OK,
            Json(TaskAnswer {
                job_id: task.job_id,
                status: s,
                processed: worked,
            }),
        )),
    }
}
