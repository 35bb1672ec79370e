//! The relay's one error type: every failure becomes a status and a JSON body
//! `{"error": "…"}` worded for the person or program that sent the request. Client
//! mistakes are 4xx; only the relay's own failures are 5xx.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::jobs::StoreError;

/// A request that could not be served.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Malformed request (bad JSON, bad form, missing field).
    #[error("{0}")]
    BadRequest(String),
    /// No or malformed `X-Session-Id`.
    #[error("{0}")]
    Session(String),
    /// Missing or invalid credentials.
    #[error("{0}")]
    Unauthorized(String),
    /// Valid credentials that do not allow this.
    #[error("{0}")]
    Forbidden(String),
    /// No such thing (or not in this session).
    #[error("{0}")]
    NotFound(String),
    /// The request conflicts with the resource's state.
    #[error("{0}")]
    Conflict(String),
    /// Over a size or count limit.
    #[error("{0}")]
    TooLarge(String),
    /// Not a PDF.
    #[error("{0}")]
    UnsupportedMedia(String),
    /// A PDF that cannot be processed (damaged, encrypted, too many pages).
    #[error("{0}")]
    Unprocessable(String),
    /// The relay's own failure (store, disk).
    #[error("{0}")]
    Internal(String),
    /// A service the relay depends on is down (queue, key server); try again later.
    #[error("{0}")]
    Unavailable(String),
    /// Over a rate limit or a daily quota: try again after `retry_after` seconds.
    #[error("{message}")]
    TooMany {
        /// Which limit, in words.
        message: String,
        /// Seconds until a request may succeed.
        retry_after: u64,
    },
}

impl AppError {
    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) | Self::Session(_) => StatusCode::BAD_REQUEST,
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMedia(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::TooMany { .. } => StatusCode::TOO_MANY_REQUESTS,
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = self.status();
        if status.is_server_error() {
            tracing::error!(error = %self, "request failed");
        }
        let retry_after = match &self {
            Self::TooMany { retry_after, .. } => Some(*retry_after),
            _ => None,
        };
        let body = wire::ErrorBody {
            error: self.to_string(),
            retry_after,
        };
        let mut res = (status, Json(body)).into_response();
        if let Some(secs) = retry_after {
            res.headers_mut()
                .insert(axum::http::header::RETRY_AFTER, secs.into());
        }
        res
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        Self::Internal(e.to_string())
    }
}

impl From<crate::blobs::BlobError> for AppError {
    fn from(e: crate::blobs::BlobError) -> Self {
        Self::Internal(e.to_string())
    }
}
