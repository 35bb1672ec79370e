//! `POST /api/structure`: "Structure with AI" from the browser. The request carries text
//! the person chose to send (the texts of their regions, or the document's text); the
//! relay asks the structuring chain (Gemini → OpenAI-compatible) and, when every
//! provider fails or none is configured, the offline rule parser. The answer is the
//! provider's invoice as it came, unmerged, so the app can set it beside its own reading;
//! it is also recorded as a done job in the session.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};
use wasm_core::invoice::Invoice;
use wasm_core::invoice::confidence::{Source, score, sources_of};
use wasm_core::text::PageText;

use super::SessionId;
use crate::error::AppError;
use crate::jobs::{Job, OcrOutput};
use crate::providers::llm::structure_chain;
use crate::server::AppState;

/// Most text accepted (characters); the providers see at most the preprocessed cap.
const MAX_TEXT: usize = 200_000;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Body {
    filename: String,
    /// The text to structure; pages separated by form feeds.
    text: String,
    #[serde(default)]
    page_count: Option<usize>,
}

/// Structures text into an invoice with the configured AI providers.
#[utoipa::path(post, path = "/api/structure", tag = "jobs", params(SessionId),
    request_body(content_type = "application/json", description = "{filename, text, pageCount?}"),
    responses((status = 201, description = "{jobId, provider, resultJson, confidence, errors}"),
        (status = 400, body = crate::api::jobs::ErrorBody), (status = 413, body = crate::api::jobs::ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    session: SessionId,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<(StatusCode, Json<Value>), AppError> {
    let (b, size): (Body, usize) = super::json_body(body, "{filename, text, pageCount?}")?;
    if b.filename.trim().is_empty() {
        return Err(AppError::BadRequest("filename is empty".into()));
    }
    if b.text.trim().is_empty() {
        return Err(AppError::BadRequest(
            "text is empty: there is nothing to structure".into(),
        ));
    }
    if b.text.chars().count() > MAX_TEXT {
        return Err(AppError::TooLarge(format!(
            "text is longer than {MAX_TEXT} characters"
        )));
    }
    let page_texts: Vec<&str> = b.text.split('\u{c}').collect();
    let pages = b.page_count.unwrap_or(page_texts.len());
    let id = state.store.new_job_id();
    let mut job = Job::new(id, &session.0, b.filename.trim(), size as u64, pages).without_pdf();

    let (got, errors) = structure_chain(&state.llm, &job.job_id, &b.text).await;
    for e in &errors {
        tracing::warn!(error = %e, "structuring provider failed");
    }
    let (invoice, provider, source) = match got {
        Some((inv, name)) => (inv, name, Source::Llm),
        None => (rules(&page_texts), "rules", Source::Rules),
    };
    let sources = sources_of(&invoice, source);
    let confidence = score(&invoice, &sources, 1.0, 1.0);

    let ocr = OcrOutput {
        pages: page_texts.iter().map(|t| t.to_string()).collect(),
        needs_ocr: Vec::new(),
        quality: 1.0,
        offline: None,
    };
    let result = serde_json::to_value(&invoice).unwrap_or(Value::Null);
    job.finish_with(ocr, result, confidence.score);
    state.store.insert(&job).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "jobId": job.job_id,
            "provider": provider,
            "resultJson": job.result_json,
            "confidence": confidence,
            "errors": errors,
        })),
    ))
}

/// The offline rule parser over plain text, page by page.
fn rules(texts: &[&str]) -> Invoice {
    let pages: Vec<PageText> = texts
        .iter()
        .enumerate()
        .map(|(i, t)| PageText::from_plain_text(i + 1, t))
        .collect();
    wasm_core::invoice::rules::extract(&pages).invoice
}
