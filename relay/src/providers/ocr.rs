//! OCR: a PNG in, words with boxes and confidences out. Tesseract (Debian's
//! `tesseract-ocr`, languages nl+en, TSV output) runs on the relay's machine; Google
//! Cloud Vision (`images:annotate`, `DOCUMENT_TEXT_DETECTION`) when its key is set.

use super::ProviderError;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

pub use wasm_core::ocr::{Layout, OcrText, OcrWord, parse_tesseract_tsv as parse_tsv};

/// The Tesseract binary and its languages.
#[derive(Debug, Clone)]
pub struct Tesseract {
    /// The binary.
    pub binary: PathBuf,
    /// `nld+eng`.
    pub languages: String,
}

impl Tesseract {
    /// Tesseract from `PATH`, if installed.
    pub fn find() -> Option<Self> {
        let path = std::env::var_os("PATH")?;
        std::env::split_paths(&path)
            .map(|d| d.join("tesseract"))
            .find(|p| p.is_file())
            .map(|binary| Self {
                binary,
                languages: "nld+eng".into(),
            })
    }

    /// Reads a PNG (blocking: run it off the async runtime).
    pub fn read_png(&self, png: &[u8], layout: Layout) -> Result<OcrText, ProviderError> {
        let psm = layout.tesseract_psm().to_string();
        let out = self.run(&["-l", &self.languages, "--psm", &psm, "tsv"], png)?;
        if !out.status.success() {
            return Err(ProviderError::Permanent(format!(
                "tesseract failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            )));
        }
        Ok(parse_tsv(&String::from_utf8_lossy(&out.stdout)))
    }

    /// The quarter turns clockwise (0–3) that make a page image upright, by Tesseract's
    /// orientation detection (`--psm 0`, `osd.traineddata`). 0 when it is not sure, or
    /// finds too little text to tell.
    pub fn orientation(&self, png: &[u8]) -> Result<u8, ProviderError> {
        let out = self.run(&["--psm", "0"], png)?;
        // Too few characters to tell is an exit status of 1, not an error of the page.
        Ok(parse_osd(&String::from_utf8_lossy(&out.stdout)))
    }

    /// Runs Tesseract on a PNG given on stdin, with `args` after `stdin stdout`.
    fn run(&self, args: &[&str], png: &[u8]) -> Result<std::process::Output, ProviderError> {
        let failed = |m: String| ProviderError::Permanent(m);
        let mut cmd = Command::new(&self.binary);
        // One OpenMP thread: Debian's build spins its threads against each other on a
        // small machine (a receipt page: 6.8 s with the default, 0.9 s with one thread,
        // the same words); jobs and requests already run side by side. An operator's
        // own setting wins.
        if std::env::var_os("OMP_THREAD_LIMIT").is_none() {
            cmd.env("OMP_THREAD_LIMIT", "1");
        }
        let mut child = cmd
            .args(["stdin", "stdout"])
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| failed(format!("cannot run tesseract: {e}")))?;
        if let Some(mut stdin) = child.stdin.take() {
            stdin
                .write_all(png)
                .map_err(|e| failed(format!("tesseract input: {e}")))?;
        }
        child
            .wait_with_output()
            .map_err(|e| failed(format!("tesseract: {e}")))
    }
}

/// The smallest orientation confidence Tesseract's OSD must report to turn a page.
const MIN_ORIENTATION_CONFIDENCE: f64 = 2.0;

/// Quarter turns clockwise from Tesseract's OSD report (`Rotate: 90`, `Orientation
/// confidence: 5.2`); 0 below [`MIN_ORIENTATION_CONFIDENCE`].
pub fn parse_osd(report: &str) -> u8 {
    let value = |key: &str| {
        report
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .and_then(|v| v.trim().parse::<f64>().ok())
    };
    match (value("Rotate:"), value("Orientation confidence:")) {
        (Some(r), Some(c)) if c >= MIN_ORIENTATION_CONFIDENCE => {
            ((r / 90.0).round() as i64).rem_euclid(4) as u8
        }
        _ => 0,
    }
}

/// How the relay proves itself to Vision.
#[derive(Debug, Clone)]
pub enum VisionAuth {
    /// An API key, sent as the `x-goog-api-key` header (never in a URL, never logged).
    ApiKey(crate::secret::Secret),
    /// The service account's OAuth access token (from the metadata server on Cloud
    /// Run), sent as `Authorization: Bearer`.
    ServiceAccount(crate::google::TokenSource),
}

/// Google Cloud Vision.
#[derive(Debug, Clone)]
pub struct Vision {
    /// API base, `https://vision.googleapis.com`.
    pub base_url: String,
    /// API key or service-account token.
    pub auth: VisionAuth,
    /// Client.
    pub http: reqwest::Client,
}

impl Vision {
    /// `images:annotate` with `DOCUMENT_TEXT_DETECTION` and nl/en hints, the image inline.
    pub async fn read_png(&self, png: &[u8]) -> Result<OcrText, ProviderError> {
        use base64::Engine;
        let body = serde_json::json!({
            "requests": [{
                "image": { "content": base64::engine::general_purpose::STANDARD.encode(png) },
                "features": [{ "type": "DOCUMENT_TEXT_DETECTION" }],
                "imageContext": { "languageHints": ["nl", "en"] },
            }]
        });
        let v = self
            .call(reqwest::Method::POST, "v1/images:annotate", Some(&body))
            .await?;
        let r = &v["responses"][0];
        if let Some(m) = r.pointer("/error/message").and_then(|m| m.as_str()) {
            return Err(ProviderError::Permanent(format!("vision: {m}")));
        }
        Ok(parse_vision(r))
    }

    /// `files:asyncBatchAnnotate` of a PDF in Cloud Storage (`gs://…`), the readings
    /// written as JSON shards of `pages_per_shard` pages under `output_prefix`
    /// (`gs://…/`): the long-running operation's name.
    pub async fn annotate_pdf(
        &self,
        input_uri: &str,
        output_prefix: &str,
        pages_per_shard: usize,
    ) -> Result<String, ProviderError> {
        let body = serde_json::json!({
            "requests": [{
                "inputConfig": { "gcsSource": { "uri": input_uri }, "mimeType": "application/pdf" },
                "features": [{ "type": "DOCUMENT_TEXT_DETECTION" }],
                "imageContext": { "languageHints": ["nl", "en"] },
                "outputConfig": {
                    "gcsDestination": { "uri": output_prefix },
                    "batchSize": pages_per_shard.clamp(1, 100),
                },
            }]
        });
        let v = self
            .call(
                reqwest::Method::POST,
                "v1/files:asyncBatchAnnotate",
                Some(&body),
            )
            .await?;
        v["name"].as_str().map(str::to_string).ok_or_else(|| {
            ProviderError::Permanent("vision: no operation name in the answer".into())
        })
    }

    /// `operations.get`: where a long-running operation stands.
    pub async fn operation(&self, name: &str) -> Result<Operation, ProviderError> {
        let v = self
            .call(reqwest::Method::GET, &format!("v1/{name}"), None)
            .await?;
        Ok(Operation {
            done: v["done"].as_bool().unwrap_or(false),
            state: v
                .pointer("/metadata/state")
                .and_then(|s| s.as_str())
                .map(str::to_string),
            error: v
                .pointer("/error/message")
                .and_then(|m| m.as_str())
                .map(str::to_string),
        })
    }

    /// One authenticated call; an error status becomes a transient or permanent error.
    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&serde_json::Value>,
    ) -> Result<serde_json::Value, ProviderError> {
        let url = format!("{}/{path}", self.base_url.trim_end_matches('/'));
        let req = self.http.request(method, url);
        let req = match &self.auth {
            VisionAuth::ApiKey(k) => req.header("x-goog-api-key", k.expose()),
            VisionAuth::ServiceAccount(tokens) => {
                match tokens.token().await.map_err(ProviderError::Transient)? {
                    Some(t) => req.bearer_auth(t),
                    None => {
                        return Err(ProviderError::Permanent(
                            "vision: no access token endpoint is configured".into(),
                        ));
                    }
                }
            }
        };
        let req = match body {
            Some(b) => req.json(b),
            None => req,
        };
        let res = req
            .timeout(std::time::Duration::from_secs(60))
            .send()
            .await
            .map_err(|e| ProviderError::Transient(format!("vision: {}", e.without_url())))?;
        let status = res.status();
        let v: serde_json::Value = res.json().await.map_err(|e| {
            let m = format!("vision: the reply is not JSON: {}", e.without_url());
            ProviderError::of_status(status, m)
        })?;
        if !status.is_success() {
            let m = format!(
                "vision: HTTP {status}: {}",
                v.pointer("/error/message")
                    .and_then(|m| m.as_str())
                    .unwrap_or("")
            );
            return Err(ProviderError::of_status(status, m));
        }
        Ok(v)
    }
}

/// A Vision long-running operation, as polled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operation {
    /// Finished (with a result or an error).
    pub done: bool,
    /// The metadata's state (`CREATED`, `RUNNING`, `DONE`).
    pub state: Option<String>,
    /// Why it failed.
    pub error: Option<String>,
}

/// The pages of one `files:asyncBatchAnnotate` output shard (an `AnnotateFileResponse`
/// JSON: `responses[]` with `context.pageNumber`), each as a [`ScannedPage`] in page
/// points: Vision gives a PDF's boxes as `normalizedVertices`, scaled here by the page's
/// size from `size_of(page)`.
pub fn parse_vision_shard(
    v: &serde_json::Value,
    size_of: impl Fn(usize) -> Option<(f64, f64)>,
) -> Vec<wasm_core::ocr::ScannedPage> {
    let mut out = Vec::new();
    for r in v["responses"].as_array().into_iter().flatten() {
        let Some(page) = r
            .pointer("/context/pageNumber")
            .and_then(|n| n.as_u64())
            .map(|n| n as usize)
        else {
            continue;
        };
        let Some((width, height)) = size_of(page) else {
            continue;
        };
        let o = parse_vision(r);
        let normalized = r
            .pointer("/fullTextAnnotation/pages/0/blocks/0/paragraphs/0/words/0/boundingBox/normalizedVertices")
            .is_some();
        let words = o
            .words
            .iter()
            .map(|w| {
                let [x0, y0, x1, y1] = if normalized {
                    [
                        w.bbox[0] * width,
                        w.bbox[1] * height,
                        w.bbox[2] * width,
                        w.bbox[3] * height,
                    ]
                } else {
                    w.bbox
                };
                let rect = wasm_core::geometry::Rect {
                    x0,
                    top: y0,
                    x1,
                    bottom: y1,
                };
                (w.text.clone(), rect)
            })
            .collect();
        out.push(wasm_core::ocr::ScannedPage {
            page,
            width,
            height,
            words,
            straightened: Default::default(),
            quality: o.quality,
        });
    }
    out
}

/// Words of a Vision `AnnotateImageResponse` (`fullTextAnnotation` pages → blocks →
/// paragraphs → words → symbols).
pub fn parse_vision(r: &serde_json::Value) -> OcrText {
    let mut words = Vec::new();
    let empty = Vec::new();
    let arr = |v: &serde_json::Value, k: &str| v[k].as_array().cloned().unwrap_or_default();
    for page in r["fullTextAnnotation"]["pages"]
        .as_array()
        .unwrap_or(&empty)
    {
        for block in arr(page, "blocks") {
            for para in arr(&block, "paragraphs") {
                for w in arr(&para, "words") {
                    let text: String = arr(&w, "symbols")
                        .iter()
                        .filter_map(|s| s["text"].as_str())
                        .collect();
                    // Images have pixel `vertices`; files (PDF) `normalizedVertices`, 0–1.
                    let mut corners = arr(&w["boundingBox"], "vertices");
                    if corners.is_empty() {
                        corners = arr(&w["boundingBox"], "normalizedVertices");
                    }
                    let xs: Vec<f64> = corners
                        .iter()
                        .map(|p| p["x"].as_f64().unwrap_or(0.0))
                        .collect();
                    let ys: Vec<f64> = corners
                        .iter()
                        .map(|p| p["y"].as_f64().unwrap_or(0.0))
                        .collect();
                    let x0 = xs.iter().copied().fold(f64::INFINITY, f64::min);
                    let y0 = ys.iter().copied().fold(f64::INFINITY, f64::min);
                    let x1 = xs.iter().copied().fold(0.0, f64::max);
                    let y1 = ys.iter().copied().fold(0.0, f64::max);
                    if !text.is_empty() {
                        words.push(OcrWord {
                            text,
                            bbox: [x0, y0, x1, y1],
                            confidence: w["confidence"].as_f64().unwrap_or(0.0),
                        });
                    }
                }
            }
        }
    }
    let text = r["fullTextAnnotation"]["text"]
        .as_str()
        .unwrap_or("")
        .trim_end()
        .to_string();
    OcrText::from_words(words, text)
}

/// The configured OCR engine.
#[derive(Debug, Clone)]
pub enum OcrEngine {
    /// Google Cloud Vision.
    Vision(Vision),
    /// Local Tesseract.
    Tesseract(Tesseract),
}

impl OcrEngine {
    /// The engine's name for `/api/config`.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Vision(_) => "vision",
            Self::Tesseract(_) => "tesseract",
        }
    }

    /// Whether each call costs money (Vision), so it counts against the daily quota.
    pub fn is_paid(&self) -> bool {
        matches!(self, Self::Vision(_))
    }

    /// Reads a PNG crop.
    pub async fn read_png(&self, png: Vec<u8>, layout: Layout) -> Result<OcrText, ProviderError> {
        match self {
            Self::Vision(v) => v.read_png(&png).await,
            Self::Tesseract(t) => {
                let t = t.clone();
                tokio::task::spawn_blocking(move || t.read_png(&png, layout))
                    .await
                    .map_err(|e| ProviderError::Permanent(format!("tesseract: {e}")))?
            }
        }
    }
}

/// Reads a whole rendered page (PNG) and blocks until done: what the engine's page OCR
/// (CLI and server jobs, on blocking threads) calls.
pub trait PageReader: Sync {
    /// The page's words, boxes in the image's pixels.
    fn read_page(&self, png: &[u8], layout: Layout) -> Result<OcrText, ProviderError>;

    /// Quarter turns clockwise that make the page upright; 0 for an engine that reads
    /// any orientation itself (Vision).
    fn orientation(&self, _png: &[u8]) -> Result<u8, ProviderError> {
        Ok(0)
    }
}

impl PageReader for Tesseract {
    fn read_page(&self, png: &[u8], layout: Layout) -> Result<OcrText, ProviderError> {
        self.read_png(png, layout)
    }

    fn orientation(&self, png: &[u8]) -> Result<u8, ProviderError> {
        Tesseract::orientation(self, png)
    }
}

/// An [`OcrEngine`] (Vision or Tesseract) called from a blocking thread through the
/// runtime's handle; a paid engine's pages count against the daily quota.
pub struct BlockingOcr {
    /// The engine.
    pub engine: OcrEngine,
    /// The runtime the engine's requests run on.
    pub handle: tokio::runtime::Handle,
    /// The daily quotas, if pages are counted.
    pub quotas: Option<crate::limits::Quotas>,
}

impl PageReader for BlockingOcr {
    fn read_page(&self, png: &[u8], layout: Layout) -> Result<OcrText, ProviderError> {
        self.handle.block_on(async {
            if let Some(q) = self.quotas.as_ref().filter(|_| self.engine.is_paid()) {
                q.take(crate::limits::Paid::Ocr, 1)
                    .await
                    .map_err(|e| ProviderError::Permanent(e.to_string()))?;
            }
            self.engine.read_png(png.to_vec(), layout).await
        })
    }

    fn orientation(&self, png: &[u8]) -> Result<u8, ProviderError> {
        match &self.engine {
            OcrEngine::Tesseract(t) => t.orientation(png),
            OcrEngine::Vision(_) => Ok(0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn osd_reports_become_quarter_turns_when_sure() {
        let report = |rotate: u32, conf: f64| {
            format!(
                "Page number: 0\nOrientation in degrees: {}\nRotate: {rotate}\n\
                 Orientation confidence: {conf}\nScript: Latin\nScript confidence: 3.1\n",
                (360 - rotate) % 360
            )
        };
        assert_eq!(parse_osd(&report(90, 6.3)), 1);
        assert_eq!(parse_osd(&report(180, 11.0)), 2);
        assert_eq!(parse_osd(&report(270, 2.5)), 3);
        assert_eq!(parse_osd(&report(180, 0.4)), 0);
        assert_eq!(parse_osd(""), 0);
    }
}
