//! `POST /api/regions`: a job from the browser. The PDF stays on the device; the request
//! carries the regions the person drew, with their native text and the invoice field each
//! fills. Fields are typed and checked by wasm-core (the same parsing as templates) and
//! the job is recorded, done, in the session. A region without text but with its crop
//! (`pngBase64`) is read by the relay's OCR (Vision or Tesseract); the OCR text and
//! confidence come back per region and are kept with the job.

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
use crate::jobs::{Job, OcrOutput};
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
    /// The region cropped from the page at 300 DPI, as PNG in base64, for OCR.
    #[serde(default)]
    png_base64: Option<String>,
}

/// Largest crop accepted (decoded bytes).
const MAX_CROP: usize = 8 << 20;

/// Creates a done job from regions with native text.
#[utoipa::path(post, path = "/api/regions", tag = "jobs", params(SessionId),
    request_body(content_type = "application/json", description = "{filename, pageCount?, regions: [{page, field?, text}]}"),
    responses((status = 201, description = "the done job with resultJson and confidence"),
        (status = 400, body = crate::api::jobs::ErrorBody), (status = 413, body = crate::api::jobs::ErrorBody),
        (status = 422, body = crate::api::jobs::ErrorBody, description = "a region needs OCR")))]
pub async fn create(
    State(state): State<AppState>,
    session: SessionId,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<(StatusCode, Json<Value>), AppError> {
    let (b, size): (Body, usize) =
        super::json_body(body, "{filename, regions: [{page, field, text}]}")?;
    if b.filename.trim().is_empty() {
        return Err(AppError::BadRequest("filename is empty".into()));
    }
    if b.regions.is_empty() || b.regions.len() > MAX_REGIONS {
        return Err(AppError::BadRequest(format!(
            "send 1–{MAX_REGIONS} regions"
        )));
    }
    let pages = b
        .page_count
        .unwrap_or_else(|| b.regions.iter().map(|r| r.page).max().unwrap_or(1));
    let id = state.store.new_job_id();
    let mut job = Job::new(id, &session.0, b.filename.trim(), size as u64, pages).without_pdf();
    let mut fields = Vec::new();
    let mut read = Vec::new();
    let mut crops = Vec::new();
    for (i, r) in b.regions.iter().enumerate() {
        if r.page == 0 {
            return Err(AppError::BadRequest(format!(
                "region {i}: pages count from 1"
            )));
        }
        let native = r.text.as_deref().unwrap_or("");
        let mut crop = None;
        let (text, source, confidence) = if !native.trim().is_empty() {
            (native.to_string(), "native", 1.0)
        } else if let Some(png) = &r.png_base64 {
            use base64::Engine;
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(png.trim())
                .map_err(|e| {
                    AppError::BadRequest(format!("region {i}: pngBase64 is not base64: {e}"))
                })?;
            if bytes.len() > MAX_CROP {
                return Err(AppError::TooLarge(format!(
                    "region {i}: the crop is larger than 8 MB"
                )));
            }
            if !bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
                return Err(AppError::UnsupportedMedia(format!(
                    "region {i}: the crop is not a PNG"
                )));
            }
            let engine = state.ocr.as_ref().ok_or_else(|| {
                AppError::Unprocessable(format!(
                    "region {i} has no text and OCR is not enabled on this relay"
                ))
            })?;
            let o = engine
                .read_png(bytes.clone(), crate::providers::ocr::Layout::Block)
                .await
                .map_err(AppError::Unavailable)?;
            crop = Some(format!("/api/jobs/{}/regions/{i}.png", job.job_id));
            crops.push((job.crop_key(i), bytes));
            (o.text, engine.name(), o.quality)
        } else {
            return Err(AppError::Unprocessable(format!(
                "region {i} has neither text nor a crop (pngBase64) to read"
            )));
        };
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
                kind: FieldType::of_invoice_field(name).unwrap_or(FieldType::Text),
                rules: FieldRules {
                    value: Some(text.clone()),
                    ..FieldRules::default()
                },
                ..FieldRule::default()
            });
        }
        read.push(json!({ "page": r.page, "field": r.field, "text": text, "source": source, "confidence": confidence, "crop": crop }));
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
    let quality = read
        .iter()
        .map(|r| r["confidence"].as_f64().unwrap_or(1.0))
        .sum::<f64>()
        / read.len().max(1) as f64;
    let confidence = score(&applied.invoice, &sources, quality, 1.0);

    // The crops are kept with the job as debug artifacts, until the session goes.
    for (key, png) in &crops {
        state
            .blobs
            .put(key, png)
            .await
            .map_err(|e| AppError::Internal(format!("cannot keep the crop: {e}")))?;
    }
    let ocr = OcrOutput {
        pages: read
            .iter()
            .map(|r| r["text"].as_str().unwrap_or("").to_string())
            .collect(),
        needs_ocr: Vec::new(),
        quality,
        offline: Some(json!({ "regions": read })),
    };
    let result = serde_json::to_value(&applied.invoice).unwrap_or(Value::Null);
    job.finish_with(ocr, result, confidence.score);
    state.store.insert(&job).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "jobId": job.job_id,
            "status": job.status,
            "resultJson": job.result_json,
            "confidenceScore": job.confidence_score,
            "confidence": confidence,
            "regions": read,
            "warnings": applied.warnings,
        })),
    ))
}

/// Serves a region's OCR crop kept with the job.
#[utoipa::path(get, path = "/api/jobs/{id}/regions/{n}.png", tag = "jobs", params(SessionId,
        ("id" = String, Path, description = "job id"), ("n" = usize, Path, description = "the region's index in the request")),
    responses((status = 200, content_type = "image/png", description = "the crop that was read"),
        (status = 404, body = crate::api::jobs::ErrorBody)))]
pub async fn crop(
    State(state): State<AppState>,
    session: SessionId,
    axum::extract::Path((id, file)): axum::extract::Path<(String, String)>,
) -> Result<impl axum::response::IntoResponse, AppError> {
    let missing = || AppError::NotFound("no such crop".into());
    let n: usize = file
        .strip_suffix(".png")
        .and_then(|n| n.parse().ok())
        .ok_or_else(missing)?;
    let job = super::jobs::session_job(&state, &session, &id).await?;
    let key = job.crop_key(n);
    if !job.crop_keys().contains(&key) {
        return Err(missing());
    }
    let png = state
        .blobs
        .get(&key)
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
        .ok_or_else(missing)?;
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, "image/png"),
            (axum::http::header::CACHE_CONTROL, "no-store"),
        ],
        png,
    ))
}
