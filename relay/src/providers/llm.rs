//! Structuring by language models, as a fallback chain: Gemini (`generateContent` with a
//! JSON `responseSchema`), then any OpenAI-compatible chat-completions endpoint
//! (OpenRouter, a local Ollama, llama.cpp or vLLM) with a strict `json_schema`, then —
//! in the worker — the offline rule parser. A reply counts only when it deserialises into
//! wasm-core's `Invoice`; otherwise the next provider is asked. 429 and 5xx are retried
//! with jittered backoff, honouring `Retry-After`; timeouts are retried too.

use std::time::Duration;

use serde_json::{Value, json};
use wasm_core::invoice::{Invoice, InvoiceField};

use crate::secret::Secret;

/// Most characters of document text sent.
const MAX_TEXT: usize = 60_000;
/// Attempts per provider.
const ATTEMPTS: u32 = 3;
/// Longest wait a `Retry-After` may impose.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(30);

const INSTRUCTIONS: &str = "You read invoices. Return only JSON matching the schema: \
dates as YYYY-MM-DD, amounts as decimal strings with a point (\"1234.56\"), currency as an \
ISO 4217 code, null for anything not printed. Do not invent values.";

const ITEM_FIELDS: [&str; 4] = ["description", "quantity", "unitPrice", "lineTotal"];

/// The invoice's header fields by JSON name.
const FIELDS: [&str; 8] = {
    let mut names = [""; 8];
    let mut i = 0;
    while i < 8 {
        names[i] = InvoiceField::HEADER[i].name();
        i += 1;
    }
    names
};

/// The JSON schema of the reply (docs/CONTRACTS.md's invoice), for `json_schema` response formats.
pub fn invoice_schema() -> Value {
    let props = |names: &[&str]| -> Value {
        names
            .iter()
            .map(|n| (n.to_string(), json!({ "type": ["string", "null"] })))
            .collect::<serde_json::Map<_, _>>()
            .into()
    };
    let mut p = props(&FIELDS);
    p[InvoiceField::LineItems.name()] = json!({
        "type": "array",
        "items": {
            "type": "object", "additionalProperties": false,
            "required": ITEM_FIELDS, "properties": props(&ITEM_FIELDS),
        }
    });
    let mut required: Vec<&str> = FIELDS.to_vec();
    required.push(InvoiceField::LineItems.name());
    json!({ "type": "object", "additionalProperties": false, "required": required, "properties": p })
}

/// The same schema in Gemini's `responseSchema` dialect (OpenAPI subset: `nullable`, no
/// type arrays, none of the keywords Gemini rejects).
pub fn gemini_schema() -> Value {
    let props = |names: &[&str]| -> Value {
        names
            .iter()
            .map(|n| (n.to_string(), json!({ "type": "STRING", "nullable": true })))
            .collect::<serde_json::Map<_, _>>()
            .into()
    };
    let mut p = props(&FIELDS);
    p[InvoiceField::LineItems.name()] = json!({
        "type": "ARRAY",
        "items": { "type": "OBJECT", "required": ITEM_FIELDS, "properties": props(&ITEM_FIELDS) }
    });
    let mut required: Vec<&str> = FIELDS.to_vec();
    required.push(InvoiceField::LineItems.name());
    json!({ "type": "OBJECT", "required": required, "properties": p })
}

/// A structuring provider.
#[derive(Debug, Clone)]
pub enum Structurer {
    /// Google Gemini.
    Gemini {
        /// API base, `https://generativelanguage.googleapis.com`.
        base_url: String,
        /// Model, e.g. `gemini-2.5-flash`.
        model: String,
        /// API key (sent as `x-goog-api-key`).
        api_key: Secret,
        /// Client.
        http: reqwest::Client,
    },
    /// An OpenAI-compatible chat-completions endpoint.
    OpenAi {
        /// Base URL, e.g. `https://openrouter.ai/api/v1`.
        base_url: String,
        /// Model.
        model: String,
        /// Bearer key, if the endpoint needs one.
        api_key: Option<Secret>,
        /// Client.
        http: reqwest::Client,
    },
}

/// How long one request may take.
const TIMEOUT: Duration = Duration::from_secs(90);

impl Structurer {
    /// The provider's name, for warnings and `/api/config`.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Gemini { .. } => "gemini",
            Self::OpenAi { .. } => "openai-compatible",
        }
    }

    fn request(&self, job_id: &str, text: &str, timeout: Duration) -> reqwest::RequestBuilder {
        match self {
            Self::Gemini {
                base_url,
                model,
                api_key,
                http,
            } => http
                .post(format!(
                    "{}/v1beta/models/{model}:generateContent",
                    base_url.trim_end_matches('/')
                ))
                .header("x-goog-api-key", api_key.expose())
                .header("X-Zonal-Job", job_id)
                .timeout(timeout)
                .json(&json!({
                    "systemInstruction": { "parts": [{ "text": INSTRUCTIONS }] },
                    "contents": [{ "role": "user", "parts": [{ "text": text }] }],
                    "generationConfig": {
                        "temperature": 0,
                        "responseMimeType": "application/json",
                        "responseSchema": gemini_schema(),
                    },
                })),
            Self::OpenAi {
                base_url,
                model,
                api_key,
                http,
            } => {
                let req = http
                    .post(format!("{}/chat/completions", base_url.trim_end_matches('/')))
                    .header("X-Zonal-Job", job_id)
                    .timeout(timeout)
                    .json(&json!({
                        "model": model,
                        "temperature": 0,
                        "messages": [
                            { "role": "system", "content": INSTRUCTIONS },
                            { "role": "user", "content": text },
                        ],
                        "response_format": {
                            "type": "json_schema",
                            "json_schema": { "name": "invoice", "strict": true, "schema": invoice_schema() },
                        },
                    }));
                match api_key {
                    Some(k) => req.bearer_auth(k.expose()),
                    None => req,
                }
            }
        }
    }

    /// The reply's text content.
    fn content(&self, reply: &Value) -> Option<String> {
        let ptr = match self {
            Self::Gemini { .. } => "/candidates/0/content/parts/0/text",
            Self::OpenAi { .. } => "/choices/0/message/content",
        };
        reply
            .pointer(ptr)
            .and_then(Value::as_str)
            .map(str::to_string)
    }

    /// Asks for the invoice in `text` (`job_id` travels as `X-Zonal-Job`), retrying 429,
    /// 5xx and timeouts.
    pub async fn structure(&self, job_id: &str, text: &str) -> Result<Invoice, String> {
        self.structure_with_timeout(job_id, text, TIMEOUT).await
    }

    /// [`Self::structure`] with a given per-request timeout.
    pub async fn structure_with_timeout(
        &self,
        job_id: &str,
        text: &str,
        timeout: Duration,
    ) -> Result<Invoice, String> {
        let text = preprocess(text);
        let name = self.name();
        let mut last = String::new();
        for attempt in 0..ATTEMPTS {
            match self.request(job_id, &text, timeout).send().await {
                Ok(res) if res.status().is_success() => {
                    let reply: Value = res
                        .json()
                        .await
                        .map_err(|e| format!("{name}: the reply is not JSON: {e}"))?;
                    let content = self
                        .content(&reply)
                        .ok_or_else(|| format!("{name}: no text in the reply"))?;
                    let content = content
                        .trim()
                        .trim_start_matches("```json")
                        .trim_start_matches("```")
                        .trim_end_matches("```");
                    return serde_json::from_str(content)
                        .map_err(|e| format!("{name}: the reply is not an invoice: {e}"));
                }
                Ok(res) if res.status().as_u16() == 429 || res.status().is_server_error() => {
                    last = format!("{name}: HTTP {}", res.status());
                    let wait = res
                        .headers()
                        .get("retry-after")
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| v.trim().parse::<u64>().ok())
                        .map(Duration::from_secs)
                        .unwrap_or_else(|| backoff(attempt));
                    if attempt + 1 < ATTEMPTS {
                        tokio::time::sleep(wait.min(MAX_RETRY_AFTER)).await;
                    }
                }
                Ok(res) => return Err(format!("{name}: HTTP {}", res.status())),
                Err(e) if e.is_timeout() || e.is_connect() => {
                    last = format!("{name}: {e}");
                    if attempt + 1 < ATTEMPTS {
                        tokio::time::sleep(backoff(attempt)).await;
                    }
                }
                Err(e) => return Err(format!("{name}: {e}")),
            }
        }
        Err(format!("{last} (after {ATTEMPTS} attempts)"))
    }
}

/// 0.5 s, 1 s, 2 s… with up to 50 % jitter.
fn backoff(attempt: u32) -> Duration {
    let base = 500u64 << attempt.min(6);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| u64::from(d.subsec_nanos()))
        .unwrap_or(0);
    Duration::from_millis(base + nanos % (base / 2 + 1))
}

/// Whitespace collapsed per line, lines repeated on several pages (headers, footers)
/// kept once, the whole capped.
pub fn preprocess(text: &str) -> String {
    let pages: Vec<&str> = text.split('\u{c}').collect();
    let mut seen_on: std::collections::HashMap<String, usize> = Default::default();
    for p in &pages {
        let mut lines: Vec<String> = p.lines().map(squash).filter(|l| !l.is_empty()).collect();
        lines.dedup();
        for l in lines {
            *seen_on.entry(l).or_default() += 1;
        }
    }
    let mut out = String::new();
    let mut kept: std::collections::HashSet<String> = Default::default();
    for p in &pages {
        for l in p.lines().map(squash).filter(|l| !l.is_empty()) {
            let repeated = pages.len() > 2 && seen_on.get(&l).copied().unwrap_or(0) == pages.len();
            if repeated && !kept.insert(l.clone()) {
                continue;
            }
            out.push_str(&l);
            out.push('\n');
        }
    }
    out.chars().take(MAX_TEXT).collect()
}

fn squash(l: &str) -> String {
    l.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Asks each provider in turn; the first valid invoice wins. The errors of those that
/// failed, in order, either way.
pub async fn structure_chain(
    chain: &[Structurer],
    job_id: &str,
    text: &str,
) -> (Option<(Invoice, &'static str)>, Vec<String>) {
    let mut errors = Vec::new();
    for p in chain {
        match p.structure(job_id, text).await {
            Ok(inv) => return (Some((inv, p.name())), errors),
            Err(e) => errors.push(e),
        }
    }
    (None, errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gemini_schema_avoids_what_gemini_rejects() {
        let s = gemini_schema().to_string();
        for k in [
            "uniqueItems",
            "contains",
            "multipleOf",
            "unevaluatedProperties",
            "propertyNames",
            "additionalProperties",
        ] {
            assert!(!s.contains(k), "{k}");
        }
        assert_eq!(gemini_schema()["properties"]["total"]["nullable"], true);
    }

    #[test]
    fn repeated_headers_are_kept_once() {
        let t = "ACME Ltd   page header\nline 1\n\u{c}ACME Ltd page header\nline 2\n\u{c}ACME Ltd page header\nline 3";
        assert_eq!(
            preprocess(t),
            "ACME Ltd page header\nline 1\nline 2\nline 3\n"
        );
    }
}
