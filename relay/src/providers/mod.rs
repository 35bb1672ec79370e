//! Paid providers the relay calls on a job's behalf. Structuring: Gemini and any
//! OpenAI-compatible chat-completions endpoint ([`llm`]), with the offline rule parser as
//! the fallback. OCR: Google Vision or the local Tesseract ([`ocr`]).

pub mod llm;
pub mod ocr;

/// A provider's failure, typed by whether trying again later may help: the worker
/// retries a job whose failure is transient and fails it for good otherwise.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProviderError {
    /// The service was unreachable, timed out, throttled (429) or failed (5xx).
    #[error("{0}")]
    Transient(String),
    /// The request itself was refused (a bad image, a bad key) or the tool failed.
    #[error("{0}")]
    Permanent(String),
}

impl ProviderError {
    /// Whether another attempt later may succeed.
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::Transient(_))
    }

    /// The failure of an HTTP reply with this status: 408, 429 and 5xx are transient.
    pub fn of_status(status: reqwest::StatusCode, message: String) -> Self {
        if status.is_server_error()
            || status == reqwest::StatusCode::TOO_MANY_REQUESTS
            || status == reqwest::StatusCode::REQUEST_TIMEOUT
        {
            Self::Transient(message)
        } else {
            Self::Permanent(message)
        }
    }

    /// Whether the message contains `s` (for tests and logs).
    pub fn contains(&self, s: &str) -> bool {
        self.to_string().contains(s)
    }
}
