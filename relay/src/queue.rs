//! How queued jobs reach a worker: in-process workers woken directly (default), or a
//! Google Cloud Tasks HTTP task per job that delivers `POST /api/tasks/process` with an
//! OIDC token (the relay then runs stateless, any number of instances).

use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use serde_json::json;
use tokio::sync::Notify;

use crate::google::TokenSource;
use crate::jobs::Job;

/// A queue failure.
#[derive(Debug, thiserror::Error)]
#[error("queue: {0}")]
pub struct QueueError(pub String);

/// Where new work goes.
#[derive(Clone)]
pub enum Queue {
    /// Wake the in-process workers; they claim from the store.
    InProcess(Arc<Notify>),
    /// Create a Cloud Tasks HTTP task per job.
    CloudTasks(Arc<CloudTasks>),
}

impl Queue {
    /// Announces a queued job.
    pub async fn enqueue(&self, job: &Job) -> Result<(), QueueError> {
        match self {
            Self::InProcess(n) => {
                n.notify_waiters();
                Ok(())
            }
            Self::CloudTasks(t) => t.create_task(job).await,
        }
    }
}

/// A Cloud Tasks queue targeting this relay.
#[derive(Debug)]
pub struct CloudTasks {
    /// API base, `https://cloudtasks.googleapis.com` (a local server in tests).
    pub api: String,
    /// `projects/P/locations/L/queues/Q`.
    pub queue: String,
    /// The public URL of `POST /api/tasks/process`.
    pub target_url: String,
    /// Service account whose OIDC token Cloud Tasks attaches.
    pub service_account: String,
    /// The token's audience (what `/api/tasks/process` checks).
    pub audience: String,
    /// Access tokens for the Cloud Tasks API.
    pub tokens: TokenSource,
    /// HTTP client.
    pub http: reqwest::Client,
}

impl CloudTasks {
    /// `tasks.create` (REST v2) for one job: an HTTP POST of `{jobId, sessionId}` to the
    /// target with an OIDC token for the audience.
    pub async fn create_task(&self, job: &Job) -> Result<(), QueueError> {
        let body = serde_json::to_string(&wire::TaskRequest {
            job_id: job.job_id.clone(),
            session_id: Some(job.session_id.clone()),
        })
        .map_err(|e| QueueError(e.to_string()))?;
        let task = json!({
            "task": {
                "httpRequest": {
                    "url": self.target_url,
                    "httpMethod": "POST",
                    "headers": { "Content-Type": "application/json" },
                    "body": base64::engine::general_purpose::STANDARD.encode(body),
                    "oidcToken": {
                        "serviceAccountEmail": self.service_account,
                        "audience": self.audience,
                    },
                },
            },
        });
        let mut req = self
            .http
            .post(format!(
                "{}/v2/{}/tasks",
                self.api.trim_end_matches('/'),
                self.queue
            ))
            .timeout(Duration::from_secs(10))
            .json(&task);
        if let Some(t) = self.tokens.token().await.map_err(QueueError)? {
            req = req.bearer_auth(t);
        }
        req.send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .map_err(|e| QueueError(format!("creating the task for job {}: {e}", job.job_id)))?;
        Ok(())
    }
}
