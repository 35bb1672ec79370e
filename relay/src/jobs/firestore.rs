//! The job store at scale: Google Cloud Firestore, one document per job in a collection.
//! Claims and lock-checked saves are Firestore transactions (read the job, check the
//! lock, write), so any number of relay instances can share it. With
//! `FIRESTORE_EMULATOR_HOST` set, the client talks to the emulator without credentials.

use chrono::{DateTime, Utc};
use firestore::{FirestoreConsistencySelector, FirestoreDb};

use super::{Job, JobStore, Status, StatusCounts, StoreError};

/// Jobs in a Firestore collection.
#[derive(Clone)]
pub struct FirestoreStore {
    db: FirestoreDb,
    collection: String,
}

impl std::fmt::Debug for FirestoreStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FirestoreStore")
            .field("collection", &self.collection)
            .finish()
    }
}

fn backend(e: impl std::fmt::Display) -> StoreError {
    StoreError::Backend(e.to_string())
}

/// Claimable statuses, as stored.
const WAITING: [&str; 2] = ["uploaded", "queued"];
const UNFINISHED: [&str; 3] = ["processing", "extracting", "llm"];
/// How many candidates a claim looks at before giving up for this round.
const CLAIM_CANDIDATES: u32 = 16;

impl FirestoreStore {
    /// Connects to `project`'s default database, jobs in `collection`.
    pub async fn connect(project: &str, collection: &str) -> Result<Self, StoreError> {
        let db = FirestoreDb::new(project).await.map_err(backend)?;
        Ok(Self {
            db,
            collection: collection.to_string(),
        })
    }

    /// Reads a job inside a transaction, lets `f` decide the new version, writes it in
    /// the same transaction. `Ok(None)` when `f` declines or the commit lost a race.
    async fn transact<F>(&self, id: &str, f: F) -> Result<Option<Job>, StoreError>
    where
        F: FnOnce(Option<Job>) -> Result<Option<Job>, StoreError>,
    {
        let mut tx = self.db.begin_transaction().await.map_err(backend)?;
        let tdb =
            self.db
                .clone_with_consistency_selector(FirestoreConsistencySelector::Transaction(
                    tx.transaction_id().clone(),
                ));
        let current: Option<Job> = match tdb
            .fluent()
            .select()
            .by_id_in(&self.collection)
            .obj()
            .one(id)
            .await
        {
            Ok(j) => j,
            Err(e) => {
                let _ = tx.rollback().await;
                return Err(backend(e));
            }
        };
        let next = match f(current) {
            Ok(Some(j)) => j,
            Ok(None) => {
                let _ = tx.rollback().await;
                return Ok(None);
            }
            Err(e) => {
                let _ = tx.rollback().await;
                return Err(e);
            }
        };
        self.db
            .fluent()
            .update()
            .in_col(&self.collection)
            .document_id(id)
            .object(&next)
            .add_to_transaction(&mut tx)
            .map_err(backend)?;
        match tx.commit().await {
            Ok(_) => Ok(Some(next)),
            // Contention: another instance changed the job first.
            Err(firestore::errors::FirestoreError::DatabaseError(e)) if e.retry_possible => {
                Ok(None)
            }
            Err(firestore::errors::FirestoreError::DataConflictError(_)) => Ok(None),
            Err(e) => Err(backend(e)),
        }
    }

    /// Every job (for the sweeper and the metrics; a collection of transient jobs).
    async fn all(&self) -> Result<Vec<Job>, StoreError> {
        self.db
            .fluent()
            .select()
            .from(self.collection.as_str())
            .obj()
            .query()
            .await
            .map_err(backend)
    }

    async fn query_status(&self, statuses: &[&str]) -> Result<Vec<Job>, StoreError> {
        let values: Vec<String> = statuses.iter().map(|s| s.to_string()).collect();
        self.db
            .fluent()
            .select()
            .from(self.collection.as_str())
            .filter(|q| q.for_all([q.field("status").is_in(values.clone())]))
            .limit(CLAIM_CANDIDATES * 8)
            .obj()
            .query()
            .await
            .map_err(backend)
    }
}

#[async_trait::async_trait]
impl JobStore for FirestoreStore {
    async fn insert(&self, job: &Job) -> Result<(), StoreError> {
        self.db
            .fluent()
            .insert()
            .into(&self.collection)
            .document_id(&job.job_id)
            .object(job)
            .execute::<Job>()
            .await
            .map_err(backend)?;
        Ok(())
    }

    async fn get(&self, job_id: &str) -> Result<Option<Job>, StoreError> {
        self.db
            .fluent()
            .select()
            .by_id_in(&self.collection)
            .obj()
            .one(job_id)
            .await
            .map_err(backend)
    }

    async fn list_session(&self, session_id: &str) -> Result<Vec<Job>, StoreError> {
        let sid = session_id.to_string();
        let mut jobs: Vec<Job> = self
            .db
            .fluent()
            .select()
            .from(self.collection.as_str())
            .filter(|q| q.for_all([q.field("sessionId").eq(sid.clone())]))
            .obj()
            .query()
            .await
            .map_err(backend)?;
        jobs.sort_by(|a, b| {
            a.created_at
                .cmp(&b.created_at)
                .then(a.job_id.cmp(&b.job_id))
        });
        Ok(jobs)
    }

    async fn claim(
        &self,
        worker: &str,
        job_id: Option<&str>,
        stale: chrono::Duration,
    ) -> Result<Option<Job>, StoreError> {
        let explicit = job_id.is_some();
        let claimable = move |j: &Job, now: DateTime<Utc>| match j.status {
            Status::Uploaded | Status::Queued => explicit || j.not_before.is_none_or(|t| t <= now),
            Status::Processing | Status::Extracting | Status::Llm => j
                .processing_lock
                .as_ref()
                .is_none_or(|l| l.locked_at < now - stale),
            _ => false,
        };
        let ids: Vec<String> = match job_id {
            Some(id) => vec![id.to_string()],
            None => {
                let now = Utc::now();
                let mut c = self.query_status(&WAITING).await?;
                c.extend(self.query_status(&UNFINISHED).await?);
                c.retain(|j| claimable(j, now));
                c.sort_by_key(|j| j.created_at);
                c.into_iter()
                    .take(CLAIM_CANDIDATES as usize)
                    .map(|j| j.job_id)
                    .collect()
            }
        };
        for id in ids {
            let worker = worker.to_string();
            let claimed = self
                .transact(&id, move |cur| {
                    let Some(mut job) = cur else { return Ok(None) };
                    let now = Utc::now();
                    if !claimable(&job, now) {
                        return Ok(None);
                    }
                    job.claim_by(worker, now);
                    Ok(Some(job))
                })
                .await?;
            if claimed.is_some() {
                return Ok(claimed);
            }
        }
        Ok(None)
    }

    async fn save_held(&self, job: &Job, worker: &str, release: bool) -> Result<(), StoreError> {
        let mut next = job.clone();
        if release {
            next.processing_lock = None;
        }
        for _ in 0..5 {
            let w = worker.to_string();
            let n = next.clone();
            let saved = self
                .transact(&job.job_id, move |cur| {
                    let held = cur
                        .as_ref()
                        .and_then(|c| c.processing_lock.as_ref())
                        .is_some_and(|l| l.locked_by == w);
                    if held {
                        Ok(Some(n))
                    } else {
                        Err(StoreError::LostLock(n.job_id.clone()))
                    }
                })
                .await?;
            if saved.is_some() {
                return Ok(());
            }
        }
        Err(StoreError::Backend(format!(
            "job {}: too much contention to save",
            job.job_id
        )))
    }

    async fn save_unheld(&self, job: &Job) -> Result<(), StoreError> {
        let next = job.clone();
        let saved = self
            .transact(&job.job_id, move |cur| match cur {
                Some(c) if c.processing_lock.is_none() => Ok(Some(next)),
                _ => Err(StoreError::Backend(format!(
                    "job {} is being processed",
                    next.job_id
                ))),
            })
            .await?;
        saved.map(|_| ()).ok_or_else(|| {
            StoreError::Backend(format!("job {} changed meanwhile; try again", job.job_id))
        })
    }

    async fn delete_session(&self, session_id: &str) -> Result<Vec<Job>, StoreError> {
        let jobs = self.list_session(session_id).await?;
        for j in &jobs {
            self.db
                .fluent()
                .delete()
                .from(self.collection.as_str())
                .document_id(&j.job_id)
                .execute()
                .await
                .map_err(backend)?;
        }
        Ok(jobs)
    }

    async fn expired_sessions(&self, before: DateTime<Utc>) -> Result<Vec<String>, StoreError> {
        let all = self.all().await?;
        let mut newest: std::collections::BTreeMap<String, DateTime<Utc>> = Default::default();
        for j in all {
            let e = newest.entry(j.session_id).or_insert(j.created_at);
            *e = (*e).max(j.created_at);
        }
        Ok(newest
            .into_iter()
            .filter(|(_, t)| *t < before)
            .map(|(s, _)| s)
            .collect())
    }

    async fn counts(&self) -> Result<StatusCounts, StoreError> {
        let all = self.all().await?;
        let mut out = StatusCounts::new();
        for j in all {
            *out.entry(j.status).or_default() += 1;
        }
        Ok(out)
    }
}
