//! Limits that protect the bill. Request rates per client address and per session on
//! the endpoints that cost (OCR, AI structuring, stored shares, server jobs), kept in
//! memory by `tower_governor` (each instance counts its own); and daily quotas of the
//! paid calls and of share storage, counted in the job store so every instance shares
//! them. Over a limit, the answer is `429` with `Retry-After`, in the relay's JSON error.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::Request;
use axum::response::{IntoResponse, Response};
use chrono::{NaiveTime, Utc};
use governor::middleware::NoOpMiddleware;
use tower_governor::governor::{GovernorConfig, GovernorConfigBuilder};
use tower_governor::key_extractor::KeyExtractor;
use tower_governor::{GovernorError, GovernorLayer};

use crate::config::ServeConfig;
use crate::error::AppError;
use crate::jobs::{JobStore, StoreError};

/// What a request's rate is counted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyBy {
    /// The client's address (the connection's, or the proxy's `X-Forwarded-For`).
    Address,
    /// The `X-Session-Id` header.
    Session,
}

/// Takes a request's rate-limit key.
#[derive(Debug, Clone, Copy)]
pub struct ClientKey {
    /// Address or session.
    pub by: KeyBy,
    /// Whether the last `X-Forwarded-For` entry is the client's address.
    pub trust_forwarded_for: bool,
}

impl KeyExtractor for ClientKey {
    type Key = String;

    fn extract<T>(&self, req: &Request<T>) -> Result<String, GovernorError> {
        let h = req.headers();
        match self.by {
            KeyBy::Session => Ok(h
                .get("x-session-id")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()),
            KeyBy::Address => {
                let forwarded = self
                    .trust_forwarded_for
                    .then(|| h.get("x-forwarded-for")?.to_str().ok())
                    .flatten()
                    .and_then(|v| v.rsplit(',').next())
                    .map(|a| a.trim().to_string())
                    .filter(|a| !a.is_empty());
                let peer = || {
                    req.extensions()
                        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
                        .map(|c| c.0.ip().to_string())
                };
                // In-process calls (tests) have no connection: one shared key.
                Ok(forwarded.or_else(peer).unwrap_or_else(|| "local".into()))
            }
        }
    }
}

/// A rate limit's layer (one limiter shared by every route it is put on).
pub type RateLayer = GovernorLayer<ClientKey, NoOpMiddleware, Body>;

/// The per-address and per-session limiters of a configuration; none when the rate is 0.
#[derive(Clone)]
pub struct RateLimits {
    configs: Vec<Arc<GovernorConfig<ClientKey, NoOpMiddleware>>>,
}

impl std::fmt::Debug for RateLimits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RateLimits")
            .field("limiters", &self.configs.len())
            .finish()
    }
}

impl RateLimits {
    /// `per_minute` requests a minute after a burst of `burst`, by address and by session.
    pub fn new(config: &ServeConfig) -> Self {
        let per_minute = config.rate_limit_per_minute;
        if per_minute == 0 {
            return Self {
                configs: Vec::new(),
            };
        }
        let period = Duration::from_secs(60) / per_minute;
        let configs = [KeyBy::Address, KeyBy::Session]
            .into_iter()
            .filter_map(|by| {
                GovernorConfigBuilder::default()
                    .period(period)
                    .burst_size(config.rate_limit_burst.max(1))
                    .key_extractor(ClientKey {
                        by,
                        trust_forwarded_for: config.trust_forwarded_for,
                    })
                    .finish()
                    .map(Arc::new)
            })
            .collect();
        Self { configs }
    }

    /// The layers to put on a costly route (the same limiters each time).
    pub fn layers(&self) -> Vec<RateLayer> {
        self.configs
            .iter()
            .map(|c| GovernorLayer::new(c.clone()).error_handler(too_many))
            .collect()
    }

    /// Forgets clients not seen for a while (the limiters' memory stays bounded).
    pub fn forget_idle(&self) {
        for c in &self.configs {
            c.limiter().retain_recent();
        }
    }
}

/// A limiter's refusal as the relay's JSON error.
fn too_many(e: GovernorError) -> Response {
    match e {
        GovernorError::TooManyRequests { wait_time, .. } => AppError::TooMany {
            message: format!("too many requests: try again in {wait_time} s"),
            retry_after: wait_time.max(1),
        },
        GovernorError::UnableToExtractKey => {
            AppError::BadRequest("cannot tell who sent the request".into())
        }
        GovernorError::Other { msg, .. } => {
            AppError::BadRequest(msg.unwrap_or_else(|| "request refused".into()))
        }
    }
    .into_response()
}

/// A daily quota.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Paid {
    /// Pages and crops read by a paid OCR service.
    Ocr,
    /// Calls to AI structuring providers.
    Llm,
    /// Bytes of shared sessions stored.
    ShareBytes,
}

impl Paid {
    fn key(self) -> &'static str {
        match self {
            Self::Ocr => "ocr",
            Self::Llm => "llm",
            Self::ShareBytes => "share-bytes",
        }
    }

    fn what(self) -> &'static str {
        match self {
            Self::Ocr => "the daily OCR quota",
            Self::Llm => "the daily AI structuring quota",
            Self::ShareBytes => "the daily storage quota for shared sessions",
        }
    }
}

/// A quota used up, or the store could not count.
#[derive(Debug, thiserror::Error)]
pub enum QuotaError {
    /// Used up until the next UTC day.
    #[error("{what} is used up; it renews at midnight UTC")]
    UsedUp {
        /// Which quota.
        what: &'static str,
        /// Seconds until midnight UTC.
        retry_after: u64,
    },
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<QuotaError> for AppError {
    fn from(e: QuotaError) -> Self {
        match e {
            QuotaError::UsedUp { retry_after, .. } => AppError::TooMany {
                message: e.to_string(),
                retry_after,
            },
            QuotaError::Store(s) => s.into(),
        }
    }
}

/// The daily quotas (0: none), counted in the job store.
#[derive(Clone)]
pub struct Quotas {
    store: Arc<dyn JobStore>,
    ocr: u64,
    llm: u64,
    share_bytes: u64,
}

impl std::fmt::Debug for Quotas {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Quotas")
            .field("ocr", &self.ocr)
            .field("llm", &self.llm)
            .field("share_bytes", &self.share_bytes)
            .finish()
    }
}

impl Quotas {
    /// The configured quotas on `store`.
    pub fn new(config: &ServeConfig, store: Arc<dyn JobStore>) -> Self {
        Self {
            store,
            ocr: config.daily_ocr_quota,
            llm: config.daily_llm_quota,
            share_bytes: config.daily_share_mb.saturating_mul(1024 * 1024),
        }
    }

    /// Takes `amount` of today's `kind` quota, or says when it renews.
    pub async fn take(&self, kind: Paid, amount: u64) -> Result<(), QuotaError> {
        let limit = match kind {
            Paid::Ocr => self.ocr,
            Paid::Llm => self.llm,
            Paid::ShareBytes => self.share_bytes,
        };
        if limit == 0 {
            return Ok(());
        }
        let now = Utc::now();
        let key = format!("{}:{}", kind.key(), now.format("%Y-%m-%d"));
        if self.store.add_usage(&key, amount, limit).await? {
            return Ok(());
        }
        let midnight = (now.date_naive() + chrono::Days::new(1)).and_time(NaiveTime::MIN);
        let retry_after = (midnight - now.naive_utc()).num_seconds().max(1) as u64;
        Err(QuotaError::UsedUp {
            what: kind.what(),
            retry_after,
        })
    }
}
