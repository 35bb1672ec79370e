//! Verifying the OIDC tokens Cloud Tasks sends with each delivery: RS256 signature
//! against the issuer's JWKS (fetched and cached, refreshed on an unknown key id),
//! issuer, audience and expiry, with `jsonwebtoken`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode, decode_header};
use serde::Deserialize;
use tokio::sync::RwLock;

/// Why a token was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TokenError {
    /// No `Authorization: Bearer` header.
    #[error("an OIDC bearer token is required")]
    Missing,
    /// Not a valid, unexpired token signed by a known key.
    #[error("the OIDC token is invalid: {0}")]
    Invalid(String),
    /// A valid token for someone else (audience or issuer).
    #[error("the OIDC token is not for this service: {0}")]
    WrongAudience(String),
    /// The keys could not be fetched.
    #[error("cannot fetch the token signing keys: {0}")]
    Keys(String),
}

/// The claims the relay looks at.
#[derive(Debug, Clone, Deserialize)]
pub struct Claims {
    /// Who the token was issued to (the service account's e-mail, when present).
    #[serde(default)]
    pub email: Option<String>,
    /// Subject.
    pub sub: String,
}

/// A verifier with a cached key set.
#[derive(Clone)]
pub struct Verifier {
    jwks_url: String,
    audience: String,
    issuers: Vec<String>,
    http: reqwest::Client,
    cache: Arc<RwLock<Option<(JwkSet, Instant)>>>,
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Verifier")
            .field("jwks_url", &self.jwks_url)
            .field("audience", &self.audience)
            .finish()
    }
}

/// How long fetched keys are trusted before a refetch.
const KEYS_TTL: Duration = Duration::from_secs(3600);

impl Verifier {
    /// Tokens for `audience`, signed by keys at `jwks_url`, from Google's issuers.
    pub fn new(jwks_url: &str, audience: &str) -> Self {
        Self {
            jwks_url: jwks_url.to_string(),
            audience: audience.to_string(),
            issuers: vec![
                "https://accounts.google.com".into(),
                "accounts.google.com".into(),
            ],
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .build()
                .unwrap_or_default(),
            cache: Arc::new(RwLock::new(None)),
        }
    }

    async fn keys(&self, refresh: bool) -> Result<JwkSet, TokenError> {
        if !refresh
            && let Some((set, at)) = self.cache.read().await.as_ref()
            && at.elapsed() < KEYS_TTL
        {
            return Ok(set.clone());
        }
        let set: JwkSet = self
            .http
            .get(&self.jwks_url)
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .map_err(|e| TokenError::Keys(e.to_string()))?
            .json()
            .await
            .map_err(|e| TokenError::Keys(e.to_string()))?;
        *self.cache.write().await = Some((set.clone(), Instant::now()));
        Ok(set)
    }

    /// Checks an `Authorization` header value.
    pub async fn verify(&self, authorization: Option<&str>) -> Result<Claims, TokenError> {
        let token = authorization
            .and_then(|h| h.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or(TokenError::Missing)?;
        let header = decode_header(token).map_err(|e| TokenError::Invalid(e.to_string()))?;
        if header.alg != Algorithm::RS256 {
            return Err(TokenError::Invalid(format!(
                "{:?} tokens are not accepted",
                header.alg
            )));
        }
        let kid = header
            .kid
            .ok_or_else(|| TokenError::Invalid("no key id".into()))?;
        let mut set = self.keys(false).await?;
        if set.find(&kid).is_none() {
            set = self.keys(true).await?;
        }
        let jwk = set
            .find(&kid)
            .ok_or_else(|| TokenError::Invalid(format!("unknown key {kid}")))?;
        let key = DecodingKey::from_jwk(jwk).map_err(|e| TokenError::Invalid(e.to_string()))?;
        // Audience and issuer are checked separately, to tell them apart from forgeries.
        let mut v = Validation::new(Algorithm::RS256);
        v.validate_aud = false;
        v.set_required_spec_claims(&["exp", "aud", "iss"]);
        let data = decode::<serde_json::Value>(token, &key, &v)
            .map_err(|e| TokenError::Invalid(e.to_string()))?;
        let c = data.claims;
        let aud_ok = match &c["aud"] {
            serde_json::Value::String(a) => *a == self.audience,
            serde_json::Value::Array(a) => a.iter().any(|x| x.as_str() == Some(&self.audience)),
            _ => false,
        };
        if !aud_ok {
            return Err(TokenError::WrongAudience(format!("audience {}", c["aud"])));
        }
        let iss = c["iss"].as_str().unwrap_or_default();
        if !self.issuers.iter().any(|i| i == iss) {
            return Err(TokenError::WrongAudience(format!("issuer {iss}")));
        }
        serde_json::from_value(c).map_err(|e| TokenError::Invalid(e.to_string()))
    }
}
