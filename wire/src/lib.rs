//! # wire — the relay's HTTP API as types
//!
//! Every request the app sends and every answer the relay gives, as serde structs both
//! sides share: the relay answers with them, the app parses them (`res.json::<T>()`). A
//! renamed key is a compile error on both sides, not a value that silently goes missing.
//! Invoices and confidences are wasm-core's own types, so what crosses the wire is
//! what the engine produced.
//!
//! With the feature `openapi` each type also derives `utoipa::ToSchema`, for the
//! relay's OpenAPI document.
#![deny(missing_docs)]

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use wasm_core::invoice::confidence::Confidence;
use wasm_core::invoice::{Invoice, InvoiceField};

/// The body of every error answer (4xx and 5xx).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    /// What went wrong, in words for the person or program that sent the request.
    pub error: String,
    /// For a `429`: seconds until a request may succeed (also the `Retry-After` header).
    #[serde(
        default,
        rename = "retryAfter",
        skip_serializing_if = "Option::is_none"
    )]
    pub retry_after: Option<u64>,
}

/// `GET /api/healthz`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Health {
    /// `ok`.
    pub status: String,
}

/// `GET /api/config`: limits and the providers the relay offers, never secrets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ConfigAnswer {
    /// The relay's version.
    pub version: String,
    /// Upload limits.
    pub limits: Limits,
    /// Enabled providers by kind.
    pub providers: Providers,
}

/// Upload limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Limits {
    /// Most files per upload.
    pub max_files: u32,
    /// Largest file in megabytes.
    pub max_size_mb: u32,
    /// Most pages per PDF.
    pub max_pages: u32,
}

/// The providers a relay offers, in order of preference.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Providers {
    /// OCR engines (`vision`, `tesseract`); empty: no OCR.
    pub ocr: Vec<String>,
    /// Structuring providers, `rules` (the offline parser) last.
    pub llm: Vec<String>,
}

impl Providers {
    /// The AI providers, without the offline rules.
    pub fn ai(&self) -> Vec<String> {
        self.llm.iter().filter(|p| *p != "rules").cloned().collect()
    }
}

/// Where a job stands. Moves forward only, or to `failed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum JobStatus {
    /// The PDF is stored.
    Uploaded,
    /// Waiting for a worker.
    Queued,
    /// Claimed by a worker.
    Processing,
    /// Reading the text (native or OCR).
    Extracting,
    /// Structuring the text into an invoice.
    Llm,
    /// Finished; `resultJson` holds the invoice.
    Done,
    /// Given up; `error` says why.
    Failed,
}

impl JobStatus {
    /// Every status, in lifecycle order.
    pub const ALL: [Self; 7] = [
        Self::Uploaded,
        Self::Queued,
        Self::Processing,
        Self::Extracting,
        Self::Llm,
        Self::Done,
        Self::Failed,
    ];

    /// The lowercase name used in JSON and in the store.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Uploaded => "uploaded",
            Self::Queued => "queued",
            Self::Processing => "processing",
            Self::Extracting => "extracting",
            Self::Llm => "llm",
            Self::Done => "done",
            Self::Failed => "failed",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// Whether a job may move from `self` to `next`: forward, to `failed`, or back to
    /// `queued` from `failed` or an unfinished stage (a retry).
    pub fn may_become(self, next: Self) -> bool {
        match (self, next) {
            (Self::Done, _) => false,
            (_, Self::Failed) => true,
            (Self::Failed, Self::Queued) => true,
            (Self::Processing | Self::Extracting | Self::Llm, Self::Queued) => true,
            (a, b) => b >= a,
        }
    }

    /// Whether the job has ended.
    pub fn is_final(self) -> bool {
        matches!(self, Self::Done | Self::Failed)
    }

    /// Progress of a job at this status, 0–100.
    pub const fn percent(self) -> u8 {
        match self {
            Self::Uploaded => 5,
            Self::Queued => 10,
            Self::Processing => 20,
            Self::Extracting => 40,
            Self::Llm => 70,
            Self::Done | Self::Failed => 100,
        }
    }
}

/// A job as the API shows it (`GET /api/jobs/{id}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct JobView {
    /// Unique id.
    pub job_id: String,
    /// Owning session.
    pub session_id: String,
    /// Uploaded file name.
    pub filename: String,
    /// Size in bytes.
    pub size_bytes: u64,
    /// Pages.
    pub page_count: usize,
    /// Where the job stands.
    pub status: JobStatus,
    /// When each status was reached (ISO 8601), by status.
    #[cfg_attr(feature = "openapi", schema(value_type = BTreeMap<String, String>))]
    pub stages: BTreeMap<JobStatus, DateTime<Utc>>,
    /// Claims so far.
    pub attempt: u32,
    /// Pages without a text layer.
    pub needs_ocr: Vec<usize>,
    /// The invoice, once done.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub result_json: Option<Invoice>,
    /// Overall confidence, 0–1.
    pub confidence_score: Option<f64>,
    /// Why it failed.
    pub error: Option<String>,
    /// Where it stands, per page while scanned pages are read (the events' `progress`).
    #[serde(default)]
    pub progress: Option<Progress>,
}

/// A queued job in an upload's answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct QueuedJob {
    /// Unique id.
    pub job_id: String,
    /// File name.
    pub filename: String,
    /// `queued`.
    pub status: JobStatus,
}

/// `202` answer of `POST /api/jobs`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct UploadAnswer {
    /// The session.
    pub session_id: String,
    /// One per file.
    pub jobs: Vec<QueuedJob>,
    /// The limits applied.
    pub limits: Limits,
}

/// `GET /api/sessions/{id}/jobs`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct JobList {
    /// The session.
    pub session_id: String,
    /// Oldest first.
    pub jobs: Vec<JobView>,
}

/// One `progress` event of `GET /api/jobs/{id}/events`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Progress {
    /// The job.
    pub job_id: String,
    /// Where it stands.
    pub status: JobStatus,
    /// 0–100.
    pub percent: u8,
    /// Its pages.
    pub page_count: usize,
    /// The scanned page being read by OCR, if one is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current_page: Option<usize>,
    /// Claims so far.
    pub attempt: u32,
    /// What is happening, in words ("Reading page 7 of 20").
    pub message: String,
}

/// `POST /api/regions`: the regions a person drew, with their text or their crop.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct RegionsRequest {
    /// The PDF's name (the PDF itself stays in the browser).
    pub filename: String,
    /// Its pages, if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page_count: Option<usize>,
    /// 1–500 regions.
    pub regions: Vec<RegionIn>,
}

/// One region of a [`RegionsRequest`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct RegionIn {
    /// 1-based page.
    pub page: usize,
    /// The header field it fills, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub field: Option<InvoiceField>,
    /// Its native text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Without text: the region cropped from the page at 300 DPI, PNG in base64, for OCR.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub png_base64: Option<String>,
}

/// How the relay read one region.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct RegionReading {
    /// 1-based page.
    pub page: usize,
    /// The header field it fills, if any.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub field: Option<InvoiceField>,
    /// The text.
    pub text: String,
    /// `native`, or the OCR engine that read the crop (`tesseract`, `vision`).
    pub source: String,
    /// 1.0 for native text, else the OCR's mean word confidence, 0–1.
    pub confidence: f64,
    /// Where the crop that was read is kept (`/api/jobs/{id}/regions/{n}.png`).
    pub crop: Option<String>,
}

/// `201` answer of `POST /api/regions`: the done job.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct RegionsAnswer {
    /// The job recorded in the session.
    pub job_id: String,
    /// `done`.
    pub status: JobStatus,
    /// The invoice the regions give.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub result_json: Option<Invoice>,
    /// Overall confidence, 0–1.
    pub confidence_score: Option<f64>,
    /// The confidence with its parts and cross-checks.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub confidence: Confidence,
    /// Each region as read, in the request's order.
    pub regions: Vec<RegionReading>,
    /// Values that could not be read as their field's type.
    pub warnings: Vec<String>,
}

/// `POST /api/structure`: text the person chose to send to the AI.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct StructureRequest {
    /// The PDF's name.
    pub filename: String,
    /// The text; pages separated by form feeds.
    pub text: String,
    /// Its pages, if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page_count: Option<usize>,
}

/// `201` answer of `POST /api/structure`: the provider's invoice as it came, unmerged.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct StructureAnswer {
    /// The job recorded in the session.
    pub job_id: String,
    /// Which provider answered (`rules` when every AI provider failed).
    pub provider: String,
    /// Its invoice.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub result_json: Option<Invoice>,
    /// The confidence with its parts.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub confidence: Confidence,
    /// Why the providers before it failed.
    pub errors: Vec<String>,
}

/// `201` answer of `POST /api/shares`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ShareCreated {
    /// The share's id (in the link).
    pub id: String,
    /// Deletes it (`X-Share-Token`); returned only this once.
    pub delete_token: String,
    /// When it expires.
    pub expires_at: DateTime<Utc>,
}

/// A Cloud Tasks delivery to `POST /api/tasks/process`, as the relay enqueues it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct TaskRequest {
    /// The job to process.
    pub job_id: String,
    /// Its session.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_id: Option<String>,
}

/// The answer to a task delivery.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct TaskAnswer {
    /// The job.
    pub job_id: String,
    /// Where it stands now.
    pub status: JobStatus,
    /// Whether this delivery did the work (false: a duplicate found it done or held).
    pub processed: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_camel_case_and_round_trip() {
        let a = RegionsRequest {
            filename: "a.pdf".into(),
            page_count: Some(2),
            regions: vec![RegionIn {
                page: 1,
                field: Some(InvoiceField::Total),
                png_base64: Some("iVBOR".into()),
                ..RegionIn::default()
            }],
        };
        let v = serde_json::to_value(&a).expect("json");
        assert_eq!(v["pageCount"], 2);
        assert_eq!(v["regions"][0]["field"], "total");
        assert_eq!(v["regions"][0]["pngBase64"], "iVBOR");
        let back: RegionsRequest = serde_json::from_value(v).expect("back");
        assert_eq!(back, a);
        assert_eq!(JobStatus::parse("llm"), Some(JobStatus::Llm));
        assert!(!JobStatus::Done.may_become(JobStatus::Failed));
    }
}
