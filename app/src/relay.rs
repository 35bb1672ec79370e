//! Talking to the relay (gloo-net): the browser session's id, which providers the relay
//! offers, OCR of a region's crop, structuring text with AI, shares, and server jobs
//! (upload, progress events, retry, the session's deletion). Everything else in the app
//! works without it.

use base64::Engine;
use gloo_net::http::Request;

thread_local! {
    static SESSION: String = browser_session();
}

const SESSION_KEY: &str = "zonal.relay-session";

/// The session id kept in this browser (so server jobs are found again after a
/// reload), made on first use.
fn browser_session() -> String {
    let storage = crate::glue::local_storage();
    if let Some(id) = storage
        .as_ref()
        .and_then(|s| s.get_item(SESSION_KEY).ok().flatten())
        .filter(|id| id.len() == 36)
    {
        return id;
    }
    let id = crate::glue::random_uuid();
    if let Some(s) = storage {
        let _ = s.set_item(SESSION_KEY, &id);
    }
    id
}

/// This browser's session id with the relay (a UUID from `crypto.randomUUID`, kept in
/// `localStorage`).
pub fn session_id() -> String {
    SESSION.with(Clone::clone)
}

pub use wire::Providers;

/// The relay's providers; an error when the relay cannot be reached.
pub async fn providers() -> Result<Providers, String> {
    let res = Request::get("/api/config")
        .send()
        .await
        .map_err(|_| crate::i18n::t("relay-offline"))?;
    if !res.ok() {
        return Err(crate::i18n::t("no-relay"));
    }
    let config: wire::ConfigAnswer = res.json().await.map_err(|_| crate::i18n::t("no-relay"))?;
    Ok(config.providers)
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

/// What the relay's AI made of some text.
#[derive(Debug, Clone, PartialEq)]
pub struct AiReading {
    /// Which provider answered (`rules` when every AI provider failed).
    pub provider: String,
    /// The invoice as the provider gave it.
    pub invoice: wasm_core::invoice::Invoice,
    /// Overall confidence, 0–1.
    pub confidence: f64,
    /// Why the providers before it failed.
    pub errors: Vec<String>,
}

/// Asks the relay to structure `text` (`POST /api/structure`).
pub async fn structure(text: &str, filename: &str, pages: usize) -> Result<AiReading, String> {
    let body = wire::StructureRequest {
        filename: filename.to_string(),
        text: text.to_string(),
        page_count: Some(pages),
    };
    let a: wire::StructureAnswer = post_json("/api/structure", &body).await?;
    Ok(AiReading {
        provider: a.provider,
        invoice: a.result_json.unwrap_or_default(),
        confidence: a.confidence.score,
        errors: a.errors,
    })
}

/// POSTs JSON with the session header; the answer, or the relay's error message.
async fn post_json<B: serde::Serialize, T: serde::de::DeserializeOwned>(
    path: &str,
    body: &B,
) -> Result<T, String> {
    let req = Request::post(path)
        .header("X-Session-Id", &session_id())
        .json(body)
        .map_err(|e| e.to_string())?;
    send_for_json(req).await
}

/// Sends a request; the answer as `T`, or the relay's error message.
async fn send_for_json<T: serde::de::DeserializeOwned>(
    req: gloo_net::http::Request,
) -> Result<T, String> {
    let res = req
        .send()
        .await
        .map_err(|_| "the relay cannot be reached".to_string())?;
    if !res.ok() {
        let e: Option<wire::ErrorBody> = res.json().await.ok();
        return Err(e.map_or_else(|| "the relay refused the request".to_string(), |e| e.error));
    }
    res.json()
        .await
        .map_err(|e| format!("the relay's answer cannot be read: {e}"))
}

/// Sends a region's PNG crop to the relay's OCR (`POST /api/regions`).
pub async fn ocr_crop(png: &[u8], page: usize, filename: &str) -> Result<OcrReading, String> {
    let body = wire::RegionsRequest {
        filename: filename.to_string(),
        page_count: None,
        regions: vec![wire::RegionIn {
            page,
            png_base64: Some(base64::engine::general_purpose::STANDARD.encode(png)),
            ..wire::RegionIn::default()
        }],
    };
    let a: wire::RegionsAnswer = post_json("/api/regions", &body).await?;
    let r = a
        .regions
        .into_iter()
        .next()
        .ok_or("the relay read no region")?;
    Ok(OcrReading {
        text: r.text,
        confidence: r.confidence,
        engine: r.source,
    })
}

/// A share the relay stored.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredShare {
    /// Its id.
    pub id: String,
    /// The token that deletes it.
    pub delete_token: String,
    /// When it expires (RFC 3339).
    pub expires_at: String,
}

/// Stores sealed bytes (`POST /api/shares`).
pub async fn create_share(sealed: &[u8], ttl_hours: u32) -> Result<StoredShare, String> {
    let req = Request::post(&format!("/api/shares?ttlHours={ttl_hours}"))
        .header("content-type", "application/octet-stream")
        .header("X-Session-Id", &session_id())
        .body(js_sys::Uint8Array::from(sealed))
        .map_err(|e| e.to_string())?;
    let s: wire::ShareCreated = send_for_json(req).await?;
    Ok(StoredShare {
        id: s.id,
        delete_token: s.delete_token,
        expires_at: s.expires_at.to_rfc3339(),
    })
}

/// The sealed bytes of a share (`GET /api/shares/{id}`).
pub async fn get_share(id: &str) -> Result<Vec<u8>, String> {
    if !wasm_core::share::is_share_id(id) {
        return Err("the link's share id is malformed".into());
    }
    let res = Request::get(&format!("/api/shares/{id}"))
        .send()
        .await
        .map_err(|_| "the relay that keeps this share cannot be reached".to_string())?;
    if res.status() == 404 {
        return Err("the share does not exist any more (expired or deleted)".into());
    }
    if !res.ok() {
        return Err(format!("the relay answered {}", res.status()));
    }
    res.binary()
        .await
        .map_err(|_| "the share could not be downloaded".to_string())
}

/// Deletes a share (`DELETE /api/shares/{id}` with its token).
pub async fn delete_share(id: &str, token: &str) -> Result<(), String> {
    let req = Request::delete(&format!("/api/shares/{id}"))
        .header("X-Share-Token", token)
        .build()
        .map_err(|e| e.to_string())?;
    send_expecting_no_body(req).await
}

/// Sends PDFs to be processed on the server (`POST /api/jobs`, multipart `files[]`):
/// one queued job per file, in order.
pub async fn create_jobs(files: &[(String, Vec<u8>)]) -> Result<Vec<wire::QueuedJob>, String> {
    let form = web_sys::FormData::new().map_err(|_| "the browser cannot build the upload")?;
    for (name, bytes) in files {
        let opts = web_sys::BlobPropertyBag::new();
        opts.set_type("application/pdf");
        let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes.as_slice()));
        let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &opts)
            .map_err(|_| "the browser cannot build the upload")?;
        form.append_with_blob_and_filename("files[]", &blob, name)
            .map_err(|_| "the browser cannot build the upload")?;
    }
    let req = Request::post("/api/jobs")
        .header("X-Session-Id", &session_id())
        .body(form)
        .map_err(|e| e.to_string())?;
    let a: wire::UploadAnswer = send_for_json(req).await?;
    Ok(a.jobs)
}

/// A job as the relay sees it (`GET /api/jobs/{id}`).
pub async fn get_job(id: &str) -> Result<wire::JobView, String> {
    let req = Request::get(&format!("/api/jobs/{id}"))
        .header("X-Session-Id", &session_id())
        .build()
        .map_err(|e| e.to_string())?;
    send_for_json(req).await
}

/// What a retry of a failed job came to.
pub enum Retried {
    /// Queued again.
    Queued,
    /// The relay no longer has the PDF: it must be sent again.
    ReuploadRequired,
}

/// Retries a failed job (`POST /api/jobs/{id}/retry`); a 409 asking for the PDF again
/// is [`Retried::ReuploadRequired`].
pub async fn retry_job(id: &str) -> Result<Retried, String> {
    let res = Request::post(&format!("/api/jobs/{id}/retry"))
        .header("X-Session-Id", &session_id())
        .send()
        .await
        .map_err(|_| "the relay cannot be reached".to_string())?;
    if res.ok() {
        return Ok(Retried::Queued);
    }
    let status = res.status();
    let e: Option<wire::ErrorBody> = res.json().await.ok();
    let message = e.map_or_else(|| format!("the relay answered {status}"), |e| e.error);
    if status == 409 && message.contains("re-upload") {
        return Ok(Retried::ReuploadRequired);
    }
    Err(message)
}

/// Follows a job's progress events (`GET /api/jobs/{id}/events`) until the job ends.
pub async fn follow_job(
    id: &str,
    on_progress: impl Fn(wire::Progress) + 'static,
) -> Result<(), String> {
    crate::glue::watch_events(
        &format!("/api/jobs/{id}/events"),
        &session_id(),
        move |name, data| {
            if name == "progress"
                && let Ok(p) = serde_json::from_str::<wire::Progress>(data)
            {
                on_progress(p);
            }
        },
    )
    .await
}

/// Deletes this session's jobs, PDFs and results from the server
/// (`DELETE /api/sessions/{id}`).
pub async fn delete_session() -> Result<(), String> {
    let sid = session_id();
    let req = Request::delete(&format!("/api/sessions/{sid}"))
        .header("X-Session-Id", &sid)
        .build()
        .map_err(|e| e.to_string())?;
    send_expecting_no_body(req).await
}

/// Sends a request whose success has no body; the relay's error message otherwise.
async fn send_expecting_no_body(req: gloo_net::http::Request) -> Result<(), String> {
    let res = req
        .send()
        .await
        .map_err(|_| "the relay cannot be reached".to_string())?;
    if res.ok() {
        return Ok(());
    }
    let status = res.status();
    let e: Option<wire::ErrorBody> = res.json().await.ok();
    Err(e.map_or_else(|| format!("the relay answered {status}"), |e| e.error))
}
