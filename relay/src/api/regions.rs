//! `POST /api/regions`: a job from the browser. The PDF stays on the device; the request
//! carries the regions the person drew, with their native text and the invoice field each
//! fills. Fields are typed and checked by wasm-core (the same parsing as templates) and
//! the job is recorded, done, in the session. A region without text but with its crop
//! (`pngBase64`) is read by the relay's OCR (Vision or Tesseract); the OCR text and
//! confidence come back per region and are kept with the job.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use base64::Engine;
use wasm_core::invoice::InvoiceField;
use wasm_core::invoice::confidence::{Source, score};
use wasm_core::template::{FieldRule, FieldRules, Template};
use wire::{RegionIn, RegionReading, RegionsAnswer, RegionsRequest};

use super::extract::{JsonBody, Path, SessionId};
use crate::error::AppError;
use crate::jobs::{Job, TextOutput};
use crate::state::AppState;

/// Most regions per request.
const MAX_REGIONS: usize = 500;
/// Most text per region (characters).
const MAX_TEXT: usize = 20_000;
/// Largest crop accepted (decoded bytes).
const MAX_CROP: usize = 8 << 20;

/// Creates a done job from regions with native text.
#[utoipa::path(post, path = "/api/regions", tag = "jobs", params(SessionId),
    request_body(content = RegionsRequest, content_type = "application/json"),
    responses((status = 201, body = RegionsAnswer, description = "the done job with resultJson and confidence"),
        (status = 400, body = wire::ErrorBody), (status = 413, body = wire::ErrorBody),
        (status = 422, body = wire::ErrorBody, description = "a region needs OCR")))]
pub async fn create(
    State(state): State<AppState>,
    session: SessionId,
    body: JsonBody<RegionsRequest>,
) -> Result<(StatusCode, Json<RegionsAnswer>), AppError> {
    let b = body.value;
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
    let mut job =
        Job::new(id, &session.0, b.filename.trim(), body.size as u64, pages).without_pdf();
    let mut read = Vec::new();
    let mut crops = Vec::new();
    for (i, r) in b.regions.iter().enumerate() {
        let (reading, crop) = read_region(&state, &job, i, r).await?;
        crops.extend(crop);
        read.push(reading);
    }
    let (invoice, warnings, confidence) = invoice_of(&read);

    // The crops are kept with the job as debug artifacts, until the session goes.
    for (key, png) in &crops {
        state
            .blobs
            .put(key, png)
            .await
            .map_err(|e| AppError::Internal(format!("cannot keep the crop: {e}")))?;
    }
    let text = TextOutput {
        pages: read.iter().map(|r| r.text.clone()).collect(),
        needs_ocr: Vec::new(),
        quality: confidence.ocr_quality,
        offline: None,
        regions: read.clone(),
    };
    job.finish_with(text, invoice, confidence.score);
    state.store.insert(&job).await?;
    Ok((
        StatusCode::CREATED,
        Json(RegionsAnswer {
            job_id: job.job_id,
            status: job.status,
            result_json: job.result_json,
            confidence_score: job.confidence_score,
            confidence,
            regions: read,
            warnings,
        }),
    ))
}

/// Reads region `i`: its native text, or its crop by OCR (the crop, with the key it is
/// kept under, comes back too).
async fn read_region(
    state: &AppState,
    job: &Job,
    i: usize,
    r: &RegionIn,
) -> Result<(RegionReading, Option<(String, Vec<u8>)>), AppError> {
    if r.page == 0 {
        return Err(AppError::BadRequest(format!(
            "region {i}: pages count from 1"
        )));
    }
    if r.field == Some(InvoiceField::LineItems) {
        return Err(AppError::BadRequest(format!(
            "region {i}: a region fills one header field, not the line items"
        )));
    }
    let native = r.text.as_deref().unwrap_or("");
    let mut crop = None;
    let (text, source, confidence) = if !native.trim().is_empty() {
        (native.to_string(), "native", 1.0)
    } else if let Some(png) = &r.png_base64 {
        let bytes = crop_png(i, png)?;
        let engine = state.ocr.as_ref().ok_or_else(|| {
            AppError::Unprocessable(format!(
                "region {i} has no text and OCR is not enabled on this relay"
            ))
        })?;
        if engine.is_paid() {
            state.quotas.take(crate::limits::Paid::Ocr, 1).await?;
        }
        let o = engine
            .read_png(bytes.clone(), crate::providers::ocr::Layout::Block)
            .await
            .map_err(|e| AppError::Unavailable(e.to_string()))?;
        crop = Some((job.crop_key(i), bytes));
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
    let reading = RegionReading {
        page: r.page,
        field: r.field,
        text,
        source: source.to_string(),
        confidence,
        crop: crop
            .is_some()
            .then(|| format!("/api/jobs/{}/regions/{i}.png", job.job_id)),
    };
    Ok((reading, crop))
}

/// A region's crop: base64 of a PNG of at most 8 MB.
fn crop_png(i: usize, png: &str) -> Result<Vec<u8>, AppError> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(png.trim())
        .map_err(|e| AppError::BadRequest(format!("region {i}: pngBase64 is not base64: {e}")))?;
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
    Ok(bytes)
}

/// The invoice the regions' texts give (typed and checked by wasm-core, as a template
/// of fixed values), the values that could not be read, and the confidence.
fn invoice_of(
    read: &[RegionReading],
) -> (
    wasm_core::invoice::Invoice,
    Vec<String>,
    wasm_core::invoice::confidence::Confidence,
) {
    let fields: Vec<FieldRule> = read
        .iter()
        .filter_map(|r| {
            let field = r.field?;
            Some(FieldRule {
                label: field.name().to_string(),
                kind: field.value_type(),
                rules: FieldRules {
                    value: Some(r.text.clone()),
                    ..FieldRules::default()
                },
                ..FieldRule::default()
            })
        })
        .collect();
    let template = Template {
        vendor: "regions".into(),
        fields,
        ..Template::default()
    };
    let mut applied = template.apply(&[]);
    if !template.has_field(InvoiceField::VendorName) {
        applied.invoice.vendor_name = None;
        applied.filled.retain(|f| *f != InvoiceField::VendorName);
    }
    let sources = applied
        .filled
        .iter()
        .map(|f| (*f, Source::Region))
        .collect();
    let quality = read.iter().map(|r| r.confidence).sum::<f64>() / read.len().max(1) as f64;
    let confidence = score(&applied.invoice, &sources, quality, 1.0);
    (applied.invoice, applied.warnings, confidence)
}

/// Serves a region's OCR crop kept with the job.
#[utoipa::path(get, path = "/api/jobs/{id}/regions/{file}", tag = "jobs", params(SessionId,
        ("id" = String, Path, description = "job id"), ("file" = String, Path, description = "`{n}.png`: the region's index in the request")),
    responses((status = 200, content_type = "image/png", description = "the crop that was read"),
        (status = 404, body = wire::ErrorBody)))]
pub async fn crop(
    State(state): State<AppState>,
    session: SessionId,
    Path((id, file)): Path<(String, String)>,
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
