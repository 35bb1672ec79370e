//! Talking to the relay (gloo-net): the browser session's id, which providers the relay
//! offers, and OCR of a region's crop. Everything else in the app works without it.

use base64::Engine;
use gloo_net::http::Request;
use serde_json::{Value, json};

thread_local! {
    static SESSION: String = web_sys::window()
        .and_then(|w| w.crypto().ok())
        .map(|c| c.random_uuid())
        .unwrap_or_default();
}

/// This page load's session id (a UUID from `crypto.randomUUID`).
pub fn session_id() -> String {
    SESSION.with(Clone::clone)
}

/// The relay's OCR providers; an error when the relay cannot be reached.
pub async fn ocr_providers() -> Result<Vec<String>, String> {
    let res = Request::get("/api/config")
        .send()
        .await
        .map_err(|_| "the relay cannot be reached (offline)".to_string())?;
    if !res.ok() {
        return Err("no relay serves this page".into());
    }
    let v: Value = res
        .json()
        .await
        .map_err(|_| "no relay serves this page".to_string())?;
    Ok(v["providers"]["ocr"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|p| p.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default())
}

/// What OCR read from a crop.
#[derive(Debug, Clone, PartialEq)]
pub struct OcrReading {
    /// The text.
    pub text: String,
    /// Mean word confidence, 0–1.
    pub confidence: f64,
    /// Which engine read it.
    pub engine: String,
}

/// Sends a region's PNG crop to the relay's OCR (`POST /api/regions`).
pub async fn ocr_crop(png: &[u8], page: usize, filename: &str) -> Result<OcrReading, String> {
    let body = json!({
        "filename": filename,
        "regions": [{ "page": page, "pngBase64": base64::engine::general_purpose::STANDARD.encode(png) }],
    });
    let res = Request::post("/api/regions")
        .header("X-Session-Id", &session_id())
        .json(&body)
        .map_err(|e| e.to_string())?
        .send()
        .await
        .map_err(|_| "the relay cannot be reached".to_string())?;
    let v: Value = res
        .json()
        .await
        .map_err(|_| "the relay's answer is not JSON".to_string())?;
    if !res.ok() {
        return Err(v["error"].as_str().unwrap_or("OCR failed").to_string());
    }
    let r = &v["regions"][0];
    Ok(OcrReading {
        text: r["text"].as_str().unwrap_or("").to_string(),
        confidence: r["confidence"].as_f64().unwrap_or(0.0),
        engine: r["source"].as_str().unwrap_or("").to_string(),
    })
}
