//! `POST /api/structure`: "Structure with AI" from the browser. The request carries text
//! the person chose to send (the texts of their regions, or the document's text); the
//! relay asks the structuring chain (Gemini → OpenAI-compatible) and, when every
//! provider fails or none is configured, the offline rule parser. The answer is the
//! provider's invoice as it came, unmerged, so the app can set it beside its own reading;
//! it is also recorded as a done job in the session.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use wasm_core::invoice::confidence::{Evidence, Source, score_with, sources_of};
use wasm_core::invoice::rules::Extraction;
use wasm_core::text::PageText;
use wire::{StructureAnswer, StructureRequest};

use super::extract::{JsonBody, SessionId};
use crate::error::AppError;
use crate::jobs::{Job, TextOutput};
use crate::providers::llm::structure_chain;
use crate::state::AppState;

/// Most text accepted (characters); the providers see at most the preprocessed cap.
const MAX_TEXT: usize = 200_000;

/// Structures text into an invoice with the configured AI providers.
#[utoipa::path(post, path = "/api/structure", tag = "jobs", params(SessionId),
    request_body(content = StructureRequest, content_type = "application/json"),
    responses((status = 201, body = StructureAnswer),
        (status = 400, body = wire::ErrorBody), (status = 413, body = wire::ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    session: SessionId,
    body: JsonBody<StructureRequest>,
) -> Result<(StatusCode, Json<StructureAnswer>), AppError> {
    let (b, size) = (body.value, body.size);
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

    if !state.llm.is_empty() {
        state.quotas.take(crate::limits::Paid::Llm, 1).await?;
    }
    let (got, errors) = structure_chain(&state.llm, &job.job_id, &b.text).await;
    for e in &errors {
        tracing::warn!(error = %e, "structuring provider failed");
    }
    let (invoice, provider, source, evidence) = match got {
        Some((inv, name)) => (inv, name, Source::Llm, Evidence::new()),
        None => {
            let r = rules(&page_texts);
            (r.invoice, "rules", Source::Rules, r.evidence)
        }
    };
    let sources = sources_of(&invoice, source);
    let confidence = score_with(&invoice, &sources, &evidence, 1.0, 1.0);

    let text = TextOutput {
        pages: page_texts.iter().map(|t| t.to_string()).collect(),
        needs_ocr: Vec::new(),
        quality: 1.0,
        offline: None,
        regions: Vec::new(),
    };
    job.finish_with(text, invoice, confidence.score);
    state.store.insert(&job).await?;
    Ok((
        StatusCode::CREATED,
        Json(StructureAnswer {
            job_id: job.job_id,
            provider: provider.to_string(),
            result_json: job.result_json,
            confidence,
            errors,
        }),
    ))
}

/// The offline rule parser over plain text, page by page.
fn rules(texts: &[&str]) -> Extraction {
    let pages: Vec<PageText> = texts
        .iter()
        .enumerate()
        .map(|(i, t)| PageText::from_plain_text(i + 1, t))
        .collect();
    wasm_core::invoice::rules::extract(&pages)
}
