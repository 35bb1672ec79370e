//! Access tokens for Google Cloud APIs (Cloud Tasks, Cloud Storage) from the metadata
//! server, as on Cloud Run; cached until shortly before they expire.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::Mutex;

/// A source of bearer tokens; `None` URL means requests go without one (emulators).
#[derive(Debug, Clone)]
pub struct TokenSource {
    url: Option<String>,
    http: reqwest::Client,
    cached: Arc<Mutex<Option<(String, Instant)>>>,
}

impl TokenSource {
    /// Tokens from `url` (the metadata server's token endpoint), or none.
    pub fn new(url: Option<String>, http: reqwest::Client) -> Self {
        Self {
            url,
            http,
            cached: Arc::new(Mutex::new(None)),
        }
    }

    /// A current token, fetched when the cached one is missing or about to expire.
    pub async fn token(&self) -> Result<Option<String>, String> {
        let Some(url) = &self.url else {
            return Ok(None);
        };
        let mut cached = self.cached.lock().await;
        if let Some((t, until)) = cached.as_ref()
            && Instant::now() < *until
        {
            return Ok(Some(t.clone()));
        }
        let v: serde_json::Value = self
            .http
            .get(url)
            .header("Metadata-Flavor", "Google")
            .timeout(Duration::from_secs(5))
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .map_err(|e| format!("access token: {e}"))?
            .json()
            .await
            .map_err(|e| format!("access token: {e}"))?;
        let token = v["access_token"]
            .as_str()
            .ok_or("access token: no access_token in the answer")?
            .to_string();
        let ttl = v["expires_in"].as_u64().unwrap_or(300).saturating_sub(60);
        *cached = Some((token.clone(), Instant::now() + Duration::from_secs(ttl)));
        Ok(Some(token))
    }
}
