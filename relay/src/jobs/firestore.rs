//! The job store at scale: Google Cloud Firestore, one document per job in a collection
//! and one per browser session in `<collection>_sessions`; daily quotas' counters in
//! `<collection>_usage`. Claims and lock-checked saves
//! are Firestore transactions (read the job, check the lock, write), so any number of
//! relay instances can share it. With `FIRESTORE_EMULATOR_HOST` set, the client talks to
//! the emulator without credentials.
//!
//! Every query is indexed and bounded, so the cost of a call does not grow with the
//! collection: a claim reads at most [`CLAIM_CANDIDATES`] waiting and as many stale jobs,
//! oldest due first (composite index on `status` + `dueAt`, [`INDEXES`], declared for
//! deployment in `deploy/firestore.indexes.json`); counts are aggregation queries; the
//! sweep reads session documents by their `lastJobAt`; a session is deleted in batched
//! writes within Firestore's limit. Documents carry `expireAt`, the field of the
//! collections' TTL policy: Firestore deletes what the sweeper missed.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{DateTime, Utc};
use firestore::{FirestoreConsistencySelector, FirestoreDb};
use serde::{Deserialize, Serialize};

use super::{Job, JobStore, Status, StatusCounts, StoreError};

/// A time stored as a Firestore timestamp (ordered and range-queried as one, and usable
/// as a TTL field); a plain RFC 3339 string in JSON. `FirestoreTimestamp` is the newtype
/// name the `firestore` crate's serializer turns into a timestamp value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename = "FirestoreTimestamp")]
struct Ts(DateTime<Utc>);

/// A job as stored: the job and the fields its indexes and TTL policy need.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct JobDoc {
    #[serde(flatten)]
    job: Job,
    /// When the job is next due: a waiting job's time to be claimed (created or its
    /// backoff's end), a held job's lock time (due again once older than the stale
    /// age); absent once it is finished, so finished jobs leave the claim index.
    #[serde(skip_serializing_if = "Option::is_none")]
    due_at: Option<Ts>,
    /// The TTL policy's field.
    expire_at: Ts,
}

/// A browser session: when it last got a job (the sweep's index).
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SessionDoc {
    session_id: String,
    last_job_at: Ts,
    expire_at: Ts,
}

/// A usage counter (a daily quota's).
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct UsageDoc {
    used: u64,
    expire_at: Ts,
}

/// A count aggregation's answer.
#[derive(Debug, Deserialize)]
struct CountDoc {
    n: u64,
}

/// A composite index a query of this store needs: collection group (relative to the
/// jobs collection: `""` is the jobs collection itself) and fields with their order
/// (`true` ascending).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndexNeed {
    /// Suffix of the collection id after the jobs collection's (`""` or `_sessions`).
    pub collection_suffix: &'static str,
    /// Fields in order, ascending or not.
    pub fields: &'static [(&'static str, bool)],
    /// Which query needs it.
    pub query: &'static str,
}

/// The composite indexes this store's queries need (single-field ones are automatic).
/// `deploy/firestore.indexes.json` must declare each; a test checks.
pub const INDEXES: &[IndexNeed] = &[IndexNeed {
    collection_suffix: "",
    fields: &[("status", true), ("dueAt", true)],
    query: "claim: status in [...] and dueAt <= t, order by dueAt",
}];

/// The field of the TTL policy on both collections.
pub const TTL_FIELD: &str = "expireAt";

/// Statuses waiting for a worker, as stored.
const WAITING: [&str; 2] = ["uploaded", "queued"];
/// Statuses of a held job, as stored.
const UNFINISHED: [&str; 3] = ["processing", "extracting", "llm"];
/// How many candidates of each kind (waiting, stale) a claim reads.
pub const CLAIM_CANDIDATES: u32 = 16;
/// How many expired sessions one sweep reads.
pub const SWEEP_SESSIONS: u32 = 200;
/// Firestore's limit of writes in one commit.
const MAX_WRITES: usize = 500;

/// Jobs in a Firestore collection.
#[derive(Clone)]
pub struct FirestoreStore {
    db: FirestoreDb,
    collection: String,
    sessions: String,
    usage: String,
    /// How long after its creation a job document may be deleted by the TTL policy.
    retention: chrono::Duration,
    /// Documents read so far (a read of up to 1,000 index entries for an aggregation),
    /// as Firestore bills them.
    reads: Arc<AtomicU64>,
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

/// Whether a transaction failed because another one touched the same document first.
fn contended(e: &firestore::errors::FirestoreError) -> bool {
    match e {
        firestore::errors::FirestoreError::DatabaseError(e) => e.retry_possible,
        firestore::errors::FirestoreError::DataConflictError(_) => true,
        _ => false,
    }
}

/// When `job` is next due (see [`JobDoc::due_at`]).
fn due_at(job: &Job) -> Option<Ts> {
    match job.status {
        Status::Uploaded | Status::Queued => Some(Ts(job.not_before.unwrap_or(job.created_at))),
        Status::Processing | Status::Extracting | Status::Llm => Some(Ts(job
            .processing_lock
            .as_ref()
            .map_or(job.updated_at, |l| l.locked_at))),
        _ => None,
    }
}

impl FirestoreStore {
    /// Connects to `project`'s default database, jobs in `collection`, sessions in
    /// `<collection>_sessions`; documents expire (TTL) 48 hours after their last job.
    pub async fn connect(project: &str, collection: &str) -> Result<Self, StoreError> {
        let db = FirestoreDb::new(project).await.map_err(backend)?;
        Ok(Self {
            db,
            collection: collection.to_string(),
            sessions: format!("{collection}_sessions"),
            usage: format!("{collection}_usage"),
            retention: chrono::Duration::hours(48),
            reads: Arc::default(),
        })
    }

    /// The same store, documents expiring `retention` after their (session's last) job:
    /// set it above the sweeper's session TTL, the TTL policy is the safety net.
    pub fn with_retention(self, retention: chrono::Duration) -> Self {
        Self { retention, ..self }
    }

    /// Documents read since the store was made, as Firestore bills them: each document a
    /// query or get returns, and one per started 1,000 index entries an aggregation counts.
    pub fn reads(&self) -> u64 {
        self.reads.load(Ordering::Relaxed)
    }

    fn count_reads(&self, n: u64) {
        self.reads.fetch_add(n, Ordering::Relaxed);
    }

    fn doc(&self, job: &Job) -> JobDoc {
        JobDoc {
            job: job.clone(),
            due_at: due_at(job),
            expire_at: Ts(job.created_at + self.retention),
        }
    }

    /// Begins a transaction and reads document `id` of `col` in it (the read's failure
    /// left to the caller, who rolls back).
    async fn begin_with<T>(
        &self,
        col: &str,
        id: &str,
    ) -> Result<
        (
            firestore::FirestoreTransaction<'_>,
            firestore::FirestoreResult<Option<T>>,
        ),
        StoreError,
    >
    where
        T: for<'de> Deserialize<'de> + Send,
    {
        let tx = self.db.begin_transaction().await.map_err(backend)?;
        let tdb =
            self.db
                .clone_with_consistency_selector(FirestoreConsistencySelector::Transaction(
                    tx.transaction_id().clone(),
                ));
        let read = tdb.fluent().select().by_id_in(col).obj().one(id).await;
        self.count_reads(1);
        Ok((tx, read))
    }

    /// Reads a job inside a transaction, lets `f` decide the new version, writes it in
    /// the same transaction. `Ok(None)` when `f` declines or the commit lost a race.
    async fn transact<F>(&self, id: &str, f: F) -> Result<Option<Job>, StoreError>
    where
        F: FnOnce(Option<Job>) -> Result<Option<Job>, StoreError>,
    {
        let (mut tx, current) = self.begin_with::<Job>(&self.collection, id).await?;
        let current = match current {
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
            .object(&self.doc(&next))
            .add_to_transaction(&mut tx)
            .map_err(backend)?;
        match tx.commit().await {
            Ok(_) => Ok(Some(next)),
            // Contention: another instance changed the job first.
            Err(e) if contended(&e) => Ok(None),
            Err(e) => Err(backend(e)),
        }
    }

    /// Up to [`CLAIM_CANDIDATES`] jobs in `statuses` due at or before `due`, oldest due
    /// first (the composite index on `status` + `dueAt`).
    async fn due(&self, statuses: &[&str], due: DateTime<Utc>) -> Result<Vec<Job>, StoreError> {
        let values: Vec<String> = statuses.iter().map(|s| s.to_string()).collect();
        let jobs: Vec<Job> = self
            .db
            .fluent()
            .select()
            .from(self.collection.as_str())
            .filter(|q| {
                q.for_all([
                    q.field("status").is_in(values.clone()),
                    q.field("dueAt").less_than_or_equal(Ts(due)),
                ])
            })
            .order(|o| o.fields([o.field("dueAt").ascending()]))
            .limit(CLAIM_CANDIDATES)
            .obj()
            .query()
            .await
            .map_err(backend)?;
        self.count_reads(jobs.len() as u64);
        Ok(jobs)
    }

    /// Jobs with `status`, by an aggregation query (no document is read).
    async fn count_status(&self, status: Status) -> Result<u64, StoreError> {
        let s = status.as_str().to_string();
        let got: Vec<CountDoc> = self
            .db
            .fluent()
            .select()
            .from(self.collection.as_str())
            .filter(|q| q.for_all([q.field("status").eq(s.clone())]))
            .aggregate(|a| a.fields([a.field("n").count()]))
            .obj()
            .query()
            .await
            .map_err(backend)?;
        let n = got.first().map_or(0, |c| c.n);
        // Firestore bills a count one read per started 1,000 index entries.
        self.count_reads(n.div_ceil(1000).max(1));
        Ok(n)
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
            .object(&self.doc(job))
            .execute::<JobDoc>()
            .await
            .map_err(backend)?;
        // The session's sweep entry: its newest job's time.
        let session = SessionDoc {
            session_id: job.session_id.clone(),
            last_job_at: Ts(job.created_at),
            expire_at: Ts(job.created_at + self.retention),
        };
        self.db
            .fluent()
            .update()
            .in_col(&self.sessions)
            .document_id(&job.session_id)
            .object(&session)
            .execute::<SessionDoc>()
            .await
            .map_err(backend)?;
        Ok(())
    }

    async fn get(&self, job_id: &str) -> Result<Option<Job>, StoreError> {
        let job: Option<Job> = self
            .db
            .fluent()
            .select()
            .by_id_in(&self.collection)
            .obj()
            .one(job_id)
            .await
            .map_err(backend)?;
        self.count_reads(1);
        Ok(job)
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
        self.count_reads(jobs.len().max(1) as u64);
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
                // A held job is due once its lock is `stale` old: the waiting and the
                // stale candidates in the order they fell due.
                let mut c: Vec<(DateTime<Utc>, Job)> = Vec::new();
                for (statuses, cutoff, after) in [
                    (&WAITING[..], now, chrono::Duration::zero()),
                    (&UNFINISHED[..], now - stale, stale),
                ] {
                    for j in self.due(statuses, cutoff).await? {
                        c.push((due_at(&j).map_or(j.created_at, |t| t.0) + after, j));
                    }
                }
                c.retain(|(_, j)| claimable(j, now));
                c.sort_by_key(|(due, _)| *due);
                c.into_iter().map(|(_, j)| j.job_id).collect()
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

    /// The session's jobs and its sweep entry, deleted in batches of at most 500 writes.
    async fn delete_session(&self, session_id: &str) -> Result<Vec<Job>, StoreError> {
        let jobs = self.list_session(session_id).await?;
        let writer = self
            .db
            .create_simple_batch_writer()
            .await
            .map_err(backend)?;
        let mut ids: Vec<(&str, &str)> = jobs
            .iter()
            .map(|j| (self.collection.as_str(), j.job_id.as_str()))
            .collect();
        ids.push((self.sessions.as_str(), session_id));
        for chunk in ids.chunks(MAX_WRITES) {
            let mut batch = writer.new_batch();
            for (col, id) in chunk {
                batch.delete_by_id(col, *id, None).map_err(backend)?;
            }
            batch.write().await.map_err(backend)?;
        }
        Ok(jobs)
    }

    /// Up to [`SWEEP_SESSIONS`] sessions whose last job is older than `before`, oldest
    /// first (the single-field index on `lastJobAt`); the next sweep takes the rest.
    async fn expired_sessions(&self, before: DateTime<Utc>) -> Result<Vec<String>, StoreError> {
        let sessions: Vec<SessionDoc> = self
            .db
            .fluent()
            .select()
            .from(self.sessions.as_str())
            .filter(|q| q.for_all([q.field("lastJobAt").less_than(Ts(before))]))
            .order(|o| o.fields([o.field("lastJobAt").ascending()]))
            .limit(SWEEP_SESSIONS)
            .obj()
            .query()
            .await
            .map_err(backend)?;
        self.count_reads(sessions.len().max(1) as u64);
        Ok(sessions.into_iter().map(|s| s.session_id).collect())
    }

    /// One aggregation query per status.
    async fn counts(&self) -> Result<StatusCounts, StoreError> {
        let mut out = StatusCounts::new();
        for s in Status::ALL {
            let n = self.count_status(s).await?;
            if n > 0 {
                out.insert(s, n);
            }
        }
        Ok(out)
    }

    /// A transaction on the counter's document; contention (instances counting at the
    /// same moment) retried with a growing, jittered pause.
    async fn add_usage(&self, key: &str, amount: u64, limit: u64) -> Result<bool, StoreError> {
        for attempt in 0..20u64 {
            if attempt > 0 {
                let jitter = u64::from(uuid::Uuid::new_v4().as_bytes()[0]) % 20;
                let pause = (attempt * 15).min(200) + jitter;
                tokio::time::sleep(std::time::Duration::from_millis(pause)).await;
            }
            let (mut tx, current) = self.begin_with::<UsageDoc>(&self.usage, key).await?;
            let current = match current {
                Ok(d) => d,
                Err(e) => {
                    let _ = tx.rollback().await;
                    if contended(&e) {
                        continue;
                    }
                    return Err(backend(e));
                }
            };
            let next = current.map_or(0, |d| d.used).saturating_add(amount);
            if next > limit {
                let _ = tx.rollback().await;
                return Ok(false);
            }
            let doc = UsageDoc {
                used: next,
                // Counters are per day: two days on, the TTL policy removes them.
                expire_at: Ts(Utc::now() + chrono::Duration::days(2)),
            };
            self.db
                .fluent()
                .update()
                .in_col(&self.usage)
                .document_id(key)
                .object(&doc)
                .add_to_transaction(&mut tx)
                .map_err(backend)?;
            match tx.commit().await {
                Ok(_) => return Ok(true),
                Err(e) if contended(&e) => {}
                Err(e) => return Err(backend(e)),
            }
        }
        Err(StoreError::Backend(format!(
            "usage {key}: too much contention"
        )))
    }
}
