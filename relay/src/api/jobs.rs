//! The job API: upload PDFs as jobs, follow them, retry, export, delete a session.

use std::convert::Infallible;
use std::time::Duration;

use axum::Json;
use axum::extract::{Multipart, State};
use axum::http::{StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::stream::{self, Stream};
use wasm_core::invoice::csv::{CsvInvoice, to_csv};
use wasm_core::{Document, OpenError};
use wire::{ErrorBody, JobList, JobView, Progress, QueuedJob, UploadAnswer};

use super::extract::{Form, Path, SessionId};
use crate::error::AppError;
use crate::jobs::{Job, PageState, Status};
use crate::state::AppState;

/// A job as the API shows it.
pub fn view(j: &Job) -> JobView {
    JobView {
        job_id: j.job_id.clone(),
        session_id: j.session_id.clone(),
        filename: j.filename.clone(),
        size_bytes: j.size_bytes,
        page_count: j.page_count,
        status: j.status,
        stages: j.stages.clone(),
        attempt: j.attempt,
        needs_ocr: j
            .text
            .as_ref()
            .map(|o| o.needs_ocr.clone())
            .unwrap_or_default(),
        result_json: j.result_json.clone(),
        confidence_score: j.confidence_score,
        error: j.error.clone(),
        progress: Some(progress(j)),
    }
}

/// A job of this session, or 404 (another session's job is not revealed).
/// The job `id` if it belongs to `session`; 404 otherwise (other sessions' jobs are not
/// acknowledged).
pub(crate) async fn session_job(
    state: &AppState,
    session: &SessionId,
    id: &str,
) -> Result<Job, AppError> {
    match state.store.get(id).await? {
        Some(j) if j.session_id == session.0 => Ok(j),
        _ => Err(AppError::NotFound(format!("no job {id} in this session"))),
    }
}

/// `POST /api/jobs`: 1–N PDFs as multipart `files[]`, validated before anything is
/// stored; 202 with the queued jobs.
#[utoipa::path(post, path = "/api/jobs", tag = "jobs", params(SessionId),
    request_body(content_type = "multipart/form-data", description = "files[]: 1–maxFiles PDFs"),
    responses(
        (status = 202, body = UploadAnswer, description = "queued"),
        (status = 400, body = ErrorBody, description = "no files, bad form or session"),
        (status = 413, body = ErrorBody, description = "too many files or too large"),
        (status = 415, body = ErrorBody, description = "not a PDF"),
        (status = 422, body = ErrorBody, description = "damaged, encrypted or too many pages"),
        (status = 503, body = ErrorBody, description = "queue unavailable"),
    ))]
pub async fn create(
    State(state): State<AppState>,
    session: SessionId,
    Form(form): Form,
) -> Result<(StatusCode, Json<UploadAnswer>), AppError> {
    let files = read_form(form, &state.config).await?;
    let cfg = &state.config;
    // Every file is checked before any job exists: a bad file loses nothing.
    let max_pages = cfg.max_pages as usize;
    let checked = tokio::task::spawn_blocking(move || {
        files
            .into_iter()
            .map(|(name, bytes)| check_pdf(&name, &bytes, max_pages).map(|n| (name, bytes, n)))
            .collect::<Result<Vec<_>, AppError>>()
    })
    .await
    .map_err(|_| AppError::Internal("the PDF check failed".into()))??;

    let mut jobs = Vec::new();
    let mut stored = Vec::new();
    for (name, bytes, pages) in checked {
        let job = Job::new(
            state.store.new_job_id(),
            &session.0,
            &name,
            bytes.len() as u64,
            pages,
        );
        state.blobs.put(&job.blob_key(), &bytes).await?;
        state.store.insert(&job).await?;
        jobs.push(QueuedJob {
            job_id: job.job_id.clone(),
            filename: job.filename.clone(),
            status: job.status,
        });
        stored.push(job);
    }
    for job in &stored {
        // The job is stored and queued either way; a queue outage is the relay's
        // problem, reported as such (workers on the store still find the job).
        state
            .queue
            .enqueue(job)
            .await
            .map_err(|e| AppError::Unavailable(e.to_string()))?;
    }
    Ok((
        StatusCode::ACCEPTED,
        Json(UploadAnswer {
            session_id: session.0,
            jobs,
            limits: cfg.limits(),
        }),
    ))
}

/// The form's PDFs as (name, bytes), checked against the upload limits as they stream.
async fn read_form(
    mut form: Multipart,
    cfg: &crate::config::ServeConfig,
) -> Result<Vec<(String, Vec<u8>)>, AppError> {
    let max_bytes = u64::from(cfg.max_size_mb) * 1024 * 1024;
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    while let Some(mut field) = form.next_field().await.map_err(form_error)? {
        if !matches!(field.name(), Some("files[]" | "files")) {
            return Err(AppError::BadRequest(format!(
                "unexpected form field {:?}: send the PDFs as files[]",
                field.name().unwrap_or("")
            )));
        }
        if files.len() >= cfg.max_files as usize {
            return Err(AppError::TooLarge(format!(
                "too many files: at most {} per upload",
                cfg.max_files
            )));
        }
        let name = field.file_name().unwrap_or("upload.pdf").to_string();
        let ctype = field.content_type().unwrap_or("").to_ascii_lowercase();
        if !matches!(ctype.as_str(), "application/pdf" | "application/x-pdf") {
            return Err(AppError::UnsupportedMedia(format!(
                "{name}: only PDF files are accepted (got {})",
                if ctype.is_empty() {
                    "no content type"
                } else {
                    &ctype
                }
            )));
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = field.chunk().await.map_err(form_error)? {
            if (bytes.len() + chunk.len()) as u64 > max_bytes {
                return Err(AppError::TooLarge(format!(
                    "{name} is larger than {} MB",
                    cfg.max_size_mb
                )));
            }
            bytes.extend_from_slice(&chunk);
        }
        files.push((name, bytes));
    }
    if files.is_empty() {
        return Err(AppError::BadRequest(format!(
            "no files: send 1–{} PDFs as files[]",
            cfg.max_files
        )));
    }
    Ok(files)
}

fn form_error(e: axum::extract::multipart::MultipartError) -> AppError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        AppError::TooLarge("the upload is larger than the relay accepts".into())
    } else {
        AppError::BadRequest(format!("not a valid multipart form: {}", e.body_text()))
    }
}

/// Opens a PDF to check it; its page count.
fn check_pdf(name: &str, bytes: &[u8], max_pages: usize) -> Result<usize, AppError> {
    let start = &bytes[..bytes.len().min(1024)];
    if !start.windows(5).any(|w| w == b"%PDF-") {
        return Err(AppError::UnsupportedMedia(format!("{name} is not a PDF")));
    }
    let doc = Document::open(bytes.to_vec(), None).map_err(|e| match e {
        OpenError::NeedsPassword | OpenError::WrongPassword => AppError::Unprocessable(format!(
            "{name} is protected by a password; open it in the browser instead (the relay never asks for passwords)"
        )),
        e => AppError::Unprocessable(format!("{name}: {e}")),
    })?;
    let n = doc.page_count();
    if n > max_pages {
        return Err(AppError::Unprocessable(format!(
            "{name} has {n} pages; the relay processes at most {max_pages}"
        )));
    }
    Ok(n)
}

/// `GET /api/jobs/{id}`.
#[utoipa::path(get, path = "/api/jobs/{id}", tag = "jobs", params(SessionId, ("id" = String, Path)),
    responses((status = 200, body = JobView), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    session: SessionId,
    Path(id): Path<String>,
) -> Result<Json<JobView>, AppError> {
    Ok(Json(view(&session_job(&state, &session, &id).await?)))
}

/// `GET /api/sessions/{id}/jobs`.
#[utoipa::path(get, path = "/api/sessions/{id}/jobs", tag = "sessions", params(SessionId, ("id" = String, Path)),
    responses((status = 200, body = JobList), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    session: SessionId,
    Path(sid): Path<String>,
) -> Result<Json<JobList>, AppError> {
    session.owns(&sid)?;
    let jobs = state.store.list_session(&sid).await?;
    Ok(Json(JobList {
        session_id: sid,
        jobs: jobs.iter().map(view).collect(),
    }))
}

/// `POST /api/jobs/{id}/retry`: a failed job back to the queue.
#[utoipa::path(post, path = "/api/jobs/{id}/retry", tag = "jobs", params(SessionId, ("id" = String, Path)),
    responses((status = 202, body = JobView), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "not failed, or re-upload required")))]
pub async fn retry(
    State(state): State<AppState>,
    session: SessionId,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<JobView>), AppError> {
    let mut job = session_job(&state, &session, &id).await?;
    if job.status != Status::Failed {
        return Err(AppError::Conflict(format!(
            "only failed jobs can be retried; this one is {}",
            job.status.as_str()
        )));
    }
    let stored = state.blobs.get(&job.blob_key()).await?.is_some();
    if !stored && job.text.is_none() {
        return Err(AppError::Conflict(
            "re-upload required: the PDF is no longer stored and no text was kept".into(),
        ));
    }
    job.has_blob = stored;
    job.advance(Status::Queued);
    job.attempt = 0;
    job.error = None;
    job.not_before = None;
    state.store.save_unheld(&job).await?;
    state
        .queue
        .enqueue(&job)
        .await
        .map_err(|e| AppError::Unavailable(e.to_string()))?;
    Ok((StatusCode::ACCEPTED, Json(view(&job))))
}

/// `GET /api/sessions/{id}/export.csv`: the done jobs as one CSV.
#[utoipa::path(get, path = "/api/sessions/{id}/export.csv", tag = "sessions", params(SessionId, ("id" = String, Path)),
    responses((status = 200, content_type = "text/csv", body = String, description = "the 15 columns of docs/CONTRACTS.md"),
        (status = 403, body = ErrorBody)))]
pub async fn export_csv(
    State(state): State<AppState>,
    session: SessionId,
    Path(sid): Path<String>,
) -> Result<Response, AppError> {
    session.owns(&sid)?;
    let jobs = state.store.list_session(&sid).await?;
    let empty = wasm_core::invoice::Invoice::default();
    let rows: Vec<CsvInvoice<'_>> = jobs
        .iter()
        .filter(|j| j.status == Status::Done)
        .map(|j| CsvInvoice {
            invoice: j.result_json.as_ref().unwrap_or(&empty),
            confidence: j.confidence_score.unwrap_or(0.0),
            filename: &j.filename,
        })
        .collect();
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"zonal-invoices.csv\"".to_string(),
            ),
        ],
        to_csv(&rows),
    )
        .into_response())
}

/// `DELETE /api/sessions/{id}`: the session's jobs and PDFs, now.
#[utoipa::path(delete, path = "/api/sessions/{id}", tag = "sessions", params(SessionId, ("id" = String, Path)),
    responses((status = 204, description = "deleted"), (status = 403, body = ErrorBody)))]
pub async fn delete_session(
    State(state): State<AppState>,
    session: SessionId,
    Path(sid): Path<String>,
) -> Result<StatusCode, AppError> {
    session.owns(&sid)?;
    state.delete_session(&sid).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/jobs/{id}/events`: Server-Sent Events, one `progress` event per change
/// (`{status, percent, pageCount, message}`), ending after `done` or `failed`.
#[utoipa::path(get, path = "/api/jobs/{id}/events", tag = "jobs", params(SessionId, ("id" = String, Path)),
    responses((status = 200, content_type = "text/event-stream", body = String), (status = 404, body = ErrorBody)))]
pub async fn events(
    State(state): State<AppState>,
    session: SessionId,
    Path(id): Path<String>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, AppError> {
    let first = session_job(&state, &session, &id).await?;
    let init = (state, id, None::<Progress>, Some(first), false);
    let s = stream::unfold(init, |(state, id, last, mut next, ended)| async move {
        if ended {
            return None;
        }
        loop {
            let job = match next.take() {
                Some(j) => j,
                None => {
                    tokio::time::sleep(Duration::from_millis(250)).await;
                    match state.store.get(&id).await {
                        Ok(Some(j)) => j,
                        _ => {
                            let ev = Event::default()
                                .event("gone")
                                .data(r#"{"message":"the job no longer exists"}"#);
                            return Some((Ok(ev), (state, id, last, None, true)));
                        }
                    }
                }
            };
            // One event per change of stage, attempt or page.
            let p = progress(&job);
            if last.as_ref() == Some(&p) {
                continue;
            }
            let ev = match Event::default().event("progress").json_data(&p) {
                Ok(ev) => ev,
                Err(_) => Event::default().event("progress"),
            };
            let ended = job.status.is_final();
            return Some((Ok(ev), (state, id, Some(p), None, ended)));
        }
    });
    Ok(Sse::new(s).keep_alive(KeepAlive::default()))
}

/// A job's `progress` event: per page while its scanned pages are read.
fn progress(job: &Job) -> Progress {
    let pages = job.page_progress();
    let (mut percent, mut current_page) = (job.status.percent(), None);
    let message = match (job.status, pages) {
        (Status::Extracting | Status::Queued | Status::Processing, Some((read, all, current)))
            if read < all =>
        {
            // Reading pages spans the text stage's share of the bar.
            let (from, to) = (Status::Extracting.percent(), Status::Llm.percent());
            percent = from + ((to - from) as usize * read / all) as u8;
            let page = current.unwrap_or_else(|| {
                job.ocr_pages
                    .iter()
                    .flatten()
                    .find(|p| !matches!(p.state, PageState::Done | PageState::Failed))
                    .map_or(read + 1, |p| p.page)
            });
            current_page = Some(page);
            format!("Reading page {page} of {}", job.page_count)
        }
        (Status::Extracting, _) => format!("reading the text of {} page(s)", job.page_count),
        (Status::Llm, _) => "structuring the invoice".to_string(),
        (Status::Done, _) => "done".to_string(),
        (Status::Failed, _) => job.error.clone().unwrap_or_else(|| "failed".into()),
        (s, _) => s.as_str().to_string(),
    };
    Progress {
        job_id: job.job_id.clone(),
        status: job.status,
        percent,
        page_count: job.page_count,
        current_page,
        attempt: job.attempt,
        message,
    }
}
