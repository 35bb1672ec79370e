//! Transient blobs (uploaded PDFs until their job ends): a local directory by default,
//! behind a trait so a bucket can take its place.

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
}
