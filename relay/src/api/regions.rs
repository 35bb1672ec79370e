//! `POST /api/regions`: a job from the browser. The PDF stays on the device; the request
//! carries the regions the person drew, with their native text and the invoice field each
//! fills. Fields are typed and checked by wasm-core (the same parsing as templates) and
//! the job is recorded, done, in the session. Regions without text need OCR, which this
//! relay offers only when an OCR provider is configured.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};
use wasm_core::invoice::HEADER_FIELDS;
use wasm_core::invoice::confidence::{Source, score};
use wasm_core::template::{FieldRule, FieldRules, FieldType, Template};

use super::SessionId;
use crate::error::AppError;
use crate::jobs::{Job, OcrOutput, Status};
use crate::server::AppState;

/// Most regions per request.
const MAX_REGIONS: usize = 500;
/// Most text per region (characters).
const MAX_TEXT: usize = 20_000;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Body {
    filename: String,
    #[serde(default)]
    page_count: Option<usize>,
    regions: Vec<RegionIn>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RegionIn {
    page: usize,
    #[serde(default)]
    field: Option<String>,
    #[serde(default)]
    text: Option<String>,
}

fn kind(field: &str) -> FieldType {
    match field {
        "subtotal" | "tax" | "total" => FieldType::Amount,
        "invoiceDate" | "dueDate" => FieldType::Date,
        _ => FieldType::Text,
    }
}

/// Creates a done job from regions with native text.
#[utoipa::path(post, path = "/api/regions", tag = "jobs", params(SessionId),
    request_body(content_type = "application/json", description = "{filename, pageCount?, regions: [{page, field?, text}]}"),
    responses((status = 201, description = "the done job with resultJson and confidence"),
        (status = 400, body = crate::api::jobs::ErrorBody), (status = 413, body = crate::api::jobs::ErrorBody),
        (status = 422, body = crate::api::jobs::ErrorBody, description = "a region needs OCR")))]
pub async fn create(
    State(state): State<AppState>,
    session: SessionId,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), AppError> {
    let b: Body = serde_json::from_slice(&body).map_err(|e| {
        AppError::BadRequest(format!(
            "the body must be JSON {{filename, regions: [{{page, field, text}}]}}: {e}"
        ))
    })?;
    if b.filename.trim().is_empty() {
        return Err(AppError::BadRequest("filename is empty".into()));
    }
    if b.regions.is_empty() || b.regions.len() > MAX_REGIONS {
        return Err(AppError::BadRequest(format!(
            "send 1–{MAX_REGIONS} regions"
        )));
    }
    let mut fields = Vec::new();
    for (i, r) in b.regions.iter().enumerate() {
        let text = r.text.as_deref().unwrap_or("");
        if r.page == 0 {
            return Err(AppError::BadRequest(format!(
                "region {i}: pages count from 1"
            )));
        }
        if text.trim().is_empty() {
            return Err(AppError::Unprocessable(format!(
                "region {i} has no text; OCR is not enabled on this relay"
            )));
        }
        if text.chars().count() > MAX_TEXT {
            return Err(AppError::TooLarge(format!(
                "region {i} has more than {MAX_TEXT} characters"
            )));
        }
        if let Some(f) = &r.field {
            let Some(name) = HEADER_FIELDS.iter().find(|h| h.eq_ignore_ascii_case(f)) else {
                return Err(AppError::BadRequest(format!(
                    "region {i}: unknown field {f:?} (one of {})",
                    HEADER_FIELDS.join(", ")
                )));
            };
            fields.push(FieldRule {
                label: name.to_string(),
                kind: kind(name),
                rules: FieldRules {
                    value: Some(text.to_string()),
                    ..FieldRules::default()
                },
                ..FieldRule::default()
            });
        }
    }
    let has_vendor = fields.iter().any(|f| f.label == "vendorName");
    let template = Template {
        vendor: "regions".into(),
        fields,
        ..Template::default()
    };
    let mut applied = template.apply(&[]);
    if !has_vendor {
        applied.invoice.vendor_name = None;
        applied.filled.retain(|f| *f != "vendorName");
    }
    let sources = applied
        .filled
        .iter()
        .map(|f| (*f, Source::Region))
        .collect();
    let confidence = score(&applied.invoice, &sources, 1.0, 1.0);

    let pages = b
        .page_count
        .unwrap_or_else(|| b.regions.iter().map(|r| r.page).max().unwrap_or(1));
    let mut job = Job::new(&session.0, b.filename.trim(), body.len() as u64, pages);
    job.has_blob = false;
    job.ocr = Some(OcrOutput {
        pages: b
            .regions
            .iter()
            .map(|r| r.text.clone().unwrap_or_default())
            .collect(),
        needs_ocr: Vec::new(),
        quality: 1.0,
        offline: None,
    });
    job.result_json = serde_json::to_value(&applied.invoice).ok();
    job.confidence_score = Some(confidence.score);
    for s in [
        Status::Processing,
        Status::Extracting,
        Status::Llm,
        Status::Done,
    ] {
        job.advance(s);
    }
    state.store.insert(&job).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "jobId": job.job_id,
            "status": job.status,
            "resultJson": job.result_json,
            "confidenceScore": job.confidence_score,
            "confidence": confidence,
            "warnings": applied.warnings,
        })),
    ))
}
