//! Blobs: uploaded PDFs until their job ends, OCR crops until their session goes, and
//! sealed shared sessions until they expire. A local directory by default, or a Google
//! Cloud Storage bucket (JSON API) when several instances share the work.

use std::path::{Path, PathBuf};

/// A blob store failure.
#[derive(Debug, thiserror::Error)]
#[error("blob store: {0}")]
pub struct BlobError(pub String);

/// Where uploaded PDFs wait for their job.
#[async_trait::async_trait]
pub trait BlobStore: Send + Sync + 'static {
    /// Stores bytes under `key` (overwriting).
    async fn put(&self, key: &str, bytes: &[u8]) -> Result<(), BlobError>;
    /// The bytes under `key`, if any.
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, BlobError>;
    /// Deletes `key`; deleting a missing key is not an error.
    async fn delete(&self, key: &str) -> Result<(), BlobError>;
    /// The keys that start with `prefix` (a folder such as `shares/`), sorted.
    async fn list(&self, prefix: &str) -> Result<Vec<String>, BlobError>;
}

/// Blobs as files under a directory.
#[derive(Debug, Clone)]
pub struct LocalBlobs {
    root: PathBuf,
}

impl LocalBlobs {
    /// Blobs under `root` (created on first write).
    pub fn new(root: &Path) -> Self {
        Self {
            root: root.to_path_buf(),
        }
    }

    /// The file for a key; keys are made by the relay (`uploads/<uuid>/<uuid>.pdf`), and
    /// anything that could leave the root is refused.
    fn path(&self, key: &str) -> Result<PathBuf, BlobError> {
        let ok = !key.is_empty()
            && key
                .split('/')
                .all(|p| !p.is_empty() && p != "." && p != ".." && !p.contains('\\'));
        if !ok {
            return Err(BlobError(format!("bad blob key {key:?}")));
        }
        Ok(self.root.join(key))
    }
}

#[async_trait::async_trait]
impl BlobStore for LocalBlobs {
    async fn put(&self, key: &str, bytes: &[u8]) -> Result<(), BlobError> {
        let path = self.path(key)?;
        if let Some(dir) = path.parent() {
            tokio::fs::create_dir_all(dir)
                .await
                .map_err(|e| BlobError(e.to_string()))?;
        }
        // Write then rename, so a crash never leaves half a PDF under the key.
        let tmp = path.with_extension("part");
        tokio::fs::write(&tmp, bytes)
            .await
            .map_err(|e| BlobError(e.to_string()))?;
        tokio::fs::rename(&tmp, &path)
            .await
            .map_err(|e| BlobError(e.to_string()))
    }

    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, BlobError> {
        match tokio::fs::read(self.path(key)?).await {
            Ok(b) => Ok(Some(b)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(BlobError(e.to_string())),
        }
    }

    async fn delete(&self, key: &str) -> Result<(), BlobError> {
        match tokio::fs::remove_file(self.path(key)?).await {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(BlobError(e.to_string())),
        }
    }

    async fn list(&self, prefix: &str) -> Result<Vec<String>, BlobError> {
        if prefix.split('/').any(|p| p == ".." || p.contains('\\')) {
            return Err(BlobError(format!("bad blob prefix {prefix:?}")));
        }
        let root = self.root.clone();
        let prefix = prefix.to_string();
        tokio::task::spawn_blocking(move || {
            let mut out = Vec::new();
            // Walk only the prefix's folder (`shares/` → root/shares).
            let start = match prefix.rfind('/') {
                Some(i) => root.join(&prefix[..i]),
                None => root.clone(),
            };
            let mut dirs = vec![start];
            while let Some(dir) = dirs.pop() {
                let entries = match std::fs::read_dir(&dir) {
                    Ok(e) => e,
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                    Err(e) => return Err(BlobError(e.to_string())),
                };
                for e in entries.flatten() {
                    let path = e.path();
                    if path.is_dir() {
                        dirs.push(path);
                    } else if path.extension().is_none_or(|x| x != "part")
                        && let Ok(rel) = path.strip_prefix(&root)
                    {
                        let key = rel
                            .components()
                            .map(|c| c.as_os_str().to_string_lossy())
                            .collect::<Vec<_>>()
                            .join("/");
                        if key.starts_with(&prefix) {
                            out.push(key);
                        }
                    }
                }
            }
            out.sort();
            Ok(out)
        })
        .await
        .map_err(|e| BlobError(e.to_string()))?
    }
}

/// The media type of a key, from its extension.
fn content_type(key: &str) -> &'static str {
    match key.rsplit('.').next() {
        Some("pdf") => "application/pdf",
        Some("png") => "image/png",
        Some("json") => "application/json",
        _ => "application/octet-stream",
    }
}

/// Blobs as objects in a Google Cloud Storage bucket (JSON API).
#[derive(Debug, Clone)]
pub struct GcsBlobs {
    /// API base, `https://storage.googleapis.com` (a local server in tests).
    pub api: String,
    /// Bucket name.
    pub bucket: String,
    /// Access tokens.
    pub tokens: crate::google::TokenSource,
    /// HTTP client.
    pub http: reqwest::Client,
}

impl GcsBlobs {
    /// `{api}/{prefix…}/b/{bucket}/o[/{key}]`, each segment percent-encoded (so a key's
    /// slashes become `%2F`, as the JSON API wants).
    fn url(&self, prefix: &[&str], key: Option<&str>) -> Result<reqwest::Url, BlobError> {
        let mut u = reqwest::Url::parse(&self.api).map_err(|e| BlobError(e.to_string()))?;
        {
            let mut p = u
                .path_segments_mut()
                .map_err(|_| BlobError("bad storage API URL".into()))?;
            p.pop_if_empty()
                .extend(prefix)
                .extend(["b", &self.bucket, "o"]);
            if let Some(k) = key {
                p.push(k);
            }
        }
        Ok(u)
    }

    async fn send(&self, req: reqwest::RequestBuilder) -> Result<reqwest::Response, BlobError> {
        let req = match self.tokens.token().await.map_err(BlobError)? {
            Some(t) => req.bearer_auth(t),
            None => req,
        };
        req.timeout(std::time::Duration::from_secs(60))
            .send()
            .await
            .map_err(|e| BlobError(e.to_string()))
    }
}

#[async_trait::async_trait]
impl BlobStore for GcsBlobs {
    async fn put(&self, key: &str, bytes: &[u8]) -> Result<(), BlobError> {
        let mut u = self.url(&["upload", "storage", "v1"], None)?;
        u.query_pairs_mut()
            .append_pair("uploadType", "media")
            .append_pair("name", key);
        let res = self
            .send(
                self.http
                    .post(u)
                    .header("content-type", content_type(key))
                    .body(bytes.to_vec()),
            )
            .await?;
        res.error_for_status()
            .map(|_| ())
            .map_err(|e| BlobError(e.to_string()))
    }

    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, BlobError> {
        let mut u = self.url(&["storage", "v1"], Some(key))?;
        u.query_pairs_mut().append_pair("alt", "media");
        let res = self.send(self.http.get(u)).await?;
        if res.status() == reqwest::StatusCode::NOT_FOUND {
            return Ok(None);
        }
        let res = res
            .error_for_status()
            .map_err(|e| BlobError(e.to_string()))?;
        let b = res.bytes().await.map_err(|e| BlobError(e.to_string()))?;
        Ok(Some(b.to_vec()))
    }

    async fn delete(&self, key: &str) -> Result<(), BlobError> {
        let u = self.url(&["storage", "v1"], Some(key))?;
        let res = self.send(self.http.delete(u)).await?;
        if res.status() == reqwest::StatusCode::NOT_FOUND {
            return Ok(());
        }
        res.error_for_status()
            .map(|_| ())
            .map_err(|e| BlobError(e.to_string()))
    }
    /// `objects.list` with `prefix`, following `nextPageToken`.
    async fn list(&self, prefix: &str) -> Result<Vec<String>, BlobError> {
        let mut out = Vec::new();
        let mut page: Option<String> = None;
        loop {
            let mut u = self.url(&["storage", "v1"], None)?;
            {
                let mut q = u.query_pairs_mut();
                q.append_pair("prefix", prefix)
                    .append_pair("fields", "items(name),nextPageToken");
                if let Some(p) = &page {
                    q.append_pair("pageToken", p);
                }
            }
            let v: serde_json::Value = self
                .send(self.http.get(u))
                .await?
                .error_for_status()
                .map_err(|e| BlobError(e.to_string()))?
                .json()
                .await
                .map_err(|e| BlobError(e.to_string()))?;
            out.extend(
                v["items"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|i| i["name"].as_str().map(str::to_string)),
            );
            match v["nextPageToken"].as_str() {
                Some(t) if !t.is_empty() => page = Some(t.to_string()),
                _ => break,
            }
        }
        out.sort();
        Ok(out)
    }
}
