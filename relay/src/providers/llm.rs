//! Structuring through an OpenAI-compatible chat-completions API (OpenRouter, Gemini's
//! OpenAI endpoint, a local server): the document's text in, the invoice out as JSON
//! under a strict schema. The reply is checked by deserialising it into wasm-core's
//! `Invoice`; a reply that is not valid JSON of that shape is an error, and the caller
//! falls back to the offline parser.

use std::time::Duration;

use serde_json::{Value, json};
use wasm_core::invoice::Invoice;

/// A configured endpoint.
#[derive(Debug, Clone)]
pub struct ChatProvider {
    /// Base URL, e.g. `https://openrouter.ai/api/v1`.
    pub base_url: String,
    /// Model name.
    pub model: String,
    /// Bearer key (kept in the relay, never sent to browsers, never logged).
    pub api_key: Option<crate::config::Secret>,
    /// HTTP client.
    pub http: reqwest::Client,
}

/// Most characters of document text sent.
const MAX_TEXT: usize = 60_000;

const INSTRUCTIONS: &str = "You read invoices. Return only JSON matching the schema: \
dates as YYYY-MM-DD, amounts as decimal strings with a point (\"1234.56\"), currency as an \
ISO 4217 code, null for anything not printed. Do not invent values.";

/// The JSON schema of the reply (SPEC.md's invoice).
pub fn invoice_schema() -> Value {
    let s = || json!({ "type": ["string", "null"] });
    json!({
        "type": "object",
        "additionalProperties": false,
        "required": ["invoiceNumber", "invoiceDate", "dueDate", "vendorName", "currency",
                     "subtotal", "tax", "total", "lineItems"],
        "properties": {
            "invoiceNumber": s(), "invoiceDate": s(), "dueDate": s(), "vendorName": s(),
            "currency": s(), "subtotal": s(), "tax": s(), "total": s(),
            "lineItems": {
                "type": "array",
                "items": {
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["description", "quantity", "unitPrice", "lineTotal"],
                    "properties": {
                        "description": s(), "quantity": s(), "unitPrice": s(), "lineTotal": s()
                    }
                }
            }
        }
    })
}

impl ChatProvider {
    /// Asks for the invoice in `text`; `job_id` travels as `X-Zonal-Job` for tracing.
    pub async fn structure(&self, job_id: &str, text: &str) -> Result<Invoice, String> {
        let text: String = text.chars().take(MAX_TEXT).collect();
        let body = json!({
            "model": self.model,
            "temperature": 0,
            "messages": [
                { "role": "system", "content": INSTRUCTIONS },
                { "role": "user", "content": text },
            ],
            "response_format": {
                "type": "json_schema",
                "json_schema": { "name": "invoice", "strict": true, "schema": invoice_schema() },
            },
        });
        let mut req = self
            .http
            .post(format!(
                "{}/chat/completions",
                self.base_url.trim_end_matches('/')
            ))
            .header("X-Zonal-Job", job_id)
            .timeout(Duration::from_secs(120))
            .json(&body);
        if let Some(k) = &self.api_key {
            req = req.bearer_auth(k.expose());
        }
        let reply: Value = req
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .map_err(|e| format!("structuring provider: {e}"))?
            .json()
            .await
            .map_err(|e| format!("structuring provider: not JSON: {e}"))?;
        let content = reply
            .pointer("/choices/0/message/content")
            .and_then(Value::as_str)
            .ok_or("structuring provider: no message in the reply")?;
        let content = content
            .trim()
            .trim_start_matches("```json")
            .trim_start_matches("```")
            .trim_end_matches("```");
        serde_json::from_str(content)
            .map_err(|e| format!("structuring provider: the reply is not an invoice: {e}"))
    }
}
