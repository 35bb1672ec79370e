//! What handlers take from a request — the session header, bodies, path, query and
//! forms — each rejecting with the relay's JSON error (`AppError`) rather than axum's
//! plain-text one, so every 4xx a client can cause has the same `{"error": …}` shape.

use axum::body::Bytes;
use axum::extract::multipart::MultipartRejection;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Multipart, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::error::AppError;

/// The browser session a request belongs to: the `X-Session-Id` header, a UUID.
#[derive(Debug, Clone, PartialEq, Eq, utoipa::IntoParams)]
#[into_params(parameter_in = Header, names("X-Session-Id"))]
pub struct SessionId(
    /// The session's UUID, made by the browser.
    pub String,
);

impl SessionId {
    /// 403 unless `sid` is this session.
    pub fn owns(&self, sid: &str) -> Result<(), AppError> {
        if self.0 == sid.to_ascii_lowercase() {
            Ok(())
        } else {
            Err(AppError::Forbidden(
                "that session is not the one in X-Session-Id".into(),
            ))
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for SessionId {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let v = parts.headers.get("x-session-id").ok_or_else(|| {
            AppError::Session("X-Session-Id header missing: send the session's UUID".into())
        })?;
        let s = v
            .to_str()
            .ok()
            .and_then(|s| uuid::Uuid::parse_str(s.trim()).ok())
            .ok_or_else(|| AppError::Session("X-Session-Id must be a UUID".into()))?;
        Ok(Self(s.hyphenated().to_string()))
    }
}

/// A request body as bytes; past the route's limit a JSON 413, unreadable a JSON 400.
#[derive(Debug, Clone)]
pub struct Body(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for Body {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        Bytes::from_request(req, state)
            .await
            .map(Self)
            .map_err(|e| {
                if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    AppError::TooLarge(format!("the request body is too large: {}", e.body_text()))
                } else {
                    AppError::BadRequest(format!(
                        "the request body cannot be read: {}",
                        e.body_text()
                    ))
                }
            })
    }
}

/// A JSON request body of type `T` (an `api::wire` request), with its size in bytes;
/// a body that is not that JSON is a 400 saying what serde found wrong.
#[derive(Debug, Clone)]
pub struct JsonBody<T> {
    /// The request.
    pub value: T,
    /// Its size as sent.
    pub size: usize,
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let Body(bytes) = Body::from_request(req, state).await?;
        let value = serde_json::from_slice(&bytes).map_err(|e| {
            AppError::BadRequest(format!("the body is not this endpoint's JSON: {e}"))
        })?;
        Ok(Self {
            value,
            size: bytes.len(),
        })
    }
}

/// Path parameters; a malformed one is a JSON 400.
#[derive(Debug, Clone, FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(AppError))]
pub struct Path<T>(pub T);

/// Query parameters; malformed ones are a JSON 400.
#[derive(Debug, Clone, FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(AppError))]
pub struct Query<T>(pub T);

/// A multipart form; a request that is not one is a JSON 400 (`Content-Type` must be
/// `multipart/form-data` with a boundary).
pub struct Form(pub Multipart);

impl<S: Send + Sync> FromRequest<S> for Form {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(Multipart::from_request(req, state).await?))
    }
}

impl From<PathRejection> for AppError {
    fn from(e: PathRejection) -> Self {
        AppError::BadRequest(format!("the URL's path is malformed: {}", e.body_text()))
    }
}

impl From<QueryRejection> for AppError {
    fn from(e: QueryRejection) -> Self {
        AppError::BadRequest(format!("the URL's query is malformed: {}", e.body_text()))
    }
}

impl From<MultipartRejection> for AppError {
    fn from(e: MultipartRejection) -> Self {
        AppError::BadRequest(format!(
            "not a multipart/form-data upload: {}",
            e.body_text()
        ))
    }
}
