//! Firestore at volume: with 20,000 jobs in the collection, a claim, the `/metrics`
//! counts and the session sweep each read a bounded number of documents (counted as
//! Firestore bills them), a claim takes the job that has waited longest, and a session
//! of more jobs than one commit may write is deleted whole. On Google's emulator.

mod support;

use std::collections::BTreeMap;

use chrono::{Duration, Utc};
use futures_util::StreamExt;
use relay::jobs::firestore::{CLAIM_CANDIDATES, FirestoreStore, SWEEP_SESSIONS};
use relay::jobs::{Job, JobStore, Lock, Status};

const JOBS: usize = 20_000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn claim_counts_and_sweep_read_a_bounded_number_of_documents_at_20000_jobs() {
    if support::firestore_emulator().is_none() {
        return;
    }
    let collection = format!("scale-{}", uuid::Uuid::new_v4().simple());
    let store = FirestoreStore::connect("zonal-test", &collection)
        .await
        .expect("firestore");
    let now = Utc::now();
    let old = now - Duration::days(3);

    // 19,000 finished jobs in 1,900 sessions three days old; 990 queued, created one a
    // second apart in the last 17 minutes; 10 held by a worker that died an hour ago
    // (due again 50 minutes ago, with a 10-minute stale age); and one session of 600
    // jobs, more than a commit may write.
    let big = uuid::Uuid::new_v4().to_string();
    let mut jobs = Vec::with_capacity(JOBS);
    for i in 0..JOBS {
        let (sid, status, created) = match i {
            0..19_000 => (format!("old-{}", i / 10), Status::Done, old),
            19_000..19_990 => (
                format!("waiting-{}", i % 50),
                Status::Queued,
                now - Duration::seconds((20_000 - i) as i64),
            ),
            19_990..20_000 => (format!("held-{i}"), Status::Extracting, now),
            _ => unreachable!(),
        };
        let sid = if (18_400..19_000).contains(&i) {
            big.clone()
        } else {
            sid
        };
        let mut j = Job::new(store.new_job_id(), &sid, "a.pdf", 1, 1);
        j.created_at = created;
        j.updated_at = created;
        j.status = status;
        if status == Status::Extracting {
            j.processing_lock = Some(Lock {
                locked_by: "dead:1:0".into(),
                locked_at: now - Duration::hours(1),
            });
        }
        jobs.push(j);
    }
    let oldest_queued = jobs[19_000].job_id.clone();
    let started = std::time::Instant::now();
    let inserted: Vec<_> = futures_util::stream::iter(jobs.iter())
        .map(|j| store.insert(j))
        .buffer_unordered(64)
        .collect()
        .await;
    assert!(inserted.iter().all(Result::is_ok), "inserts");
    eprintln!("{JOBS} jobs inserted in {:?}", started.elapsed());

    // A claim takes the job due first, however many are stored: a dead worker's job
    // (due 50 minutes ago), then the queue's oldest (17 minutes).
    let before = store.reads();
    let first = store
        .claim("w:1:0", None, Duration::minutes(10))
        .await
        .expect("claim")
        .expect("a job");
    let claim_reads = store.reads() - before;
    assert!(
        first.session_id.starts_with("held-") && first.attempt == 1,
        "the stale job first: {first:?}"
    );
    assert!(
        claim_reads <= 2 * CLAIM_CANDIDATES as u64 + 1,
        "a claim read {claim_reads} documents"
    );
    let mut next = None;
    for _ in 0..10 {
        let j = store
            .claim("w:1:1", None, Duration::minutes(10))
            .await
            .expect("claim")
            .expect("a job");
        if j.session_id.starts_with("waiting-") {
            next = Some(j);
            break;
        }
    }
    assert_eq!(
        next.map(|j| j.job_id),
        Some(oldest_queued),
        "the longest-waiting queued job once the stale ones are taken"
    );

    // Counts by aggregation: right, and about one read per 1,000 jobs counted.
    let before = store.reads();
    let counts = store.counts().await.expect("counts");
    let count_reads = store.reads() - before;
    // The queued job claimed is `processing`; the stale ones stay at their stage.
    let expected: BTreeMap<Status, u64> = [
        (Status::Queued, 989),
        (Status::Processing, 1),
        (Status::Extracting, 10),
        (Status::Done, 19_000),
    ]
    .into_iter()
    .collect();
    assert_eq!(counts, expected);
    assert!(count_reads <= 40, "counts read {count_reads}");

    // The sweep: one bounded page of expired sessions, the oldest first.
    let before = store.reads();
    let expired = store
        .expired_sessions(now - Duration::hours(24))
        .await
        .expect("sweep");
    let sweep_reads = store.reads() - before;
    assert_eq!(expired.len(), SWEEP_SESSIONS as usize);
    assert!(expired.iter().all(|s| s.starts_with("old-") || *s == big));
    assert!(sweep_reads <= SWEEP_SESSIONS as u64);

    // A session of 600 jobs goes in batched deletes.
    let gone = store.delete_session(&big).await.expect("delete");
    assert_eq!(gone.len(), 600);
    assert!(store.list_session(&big).await.expect("list").is_empty());
    let after = store.counts().await.expect("counts");
    assert_eq!(after.get(&Status::Done), Some(&(19_000 - 600)));

    eprintln!(
        "Firestore reads at {JOBS} jobs: claim {claim_reads}, \
         counts {count_reads} (aggregation), sweep {sweep_reads} ({} sessions)",
        expired.len()
    );
}

/// `deploy/firestore.indexes.json` (what `deploy/gcp.sh` creates) declares every
/// composite index the store's queries need, and the TTL policy on both collections.
#[test]
fn the_deployed_indexes_cover_the_stores_queries() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../deploy/firestore.indexes.json"
    );
    let text = std::fs::read_to_string(path).expect("deploy/firestore.indexes.json");
    let v: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    let declared: Vec<(String, Vec<(String, bool)>)> = v["indexes"]
        .as_array()
        .expect("indexes")
        .iter()
        .map(|i| {
            let fields = i["fields"]
                .as_array()
                .expect("fields")
                .iter()
                .map(|f| {
                    let path = f["fieldPath"].as_str().expect("fieldPath").to_string();
                    (path, f["order"] == "ASCENDING")
                })
                .collect();
            (
                i["collectionGroup"].as_str().unwrap_or("").to_string(),
                fields,
            )
        })
        .collect();
    for need in relay::jobs::firestore::INDEXES {
        let group = format!("jobs{}", need.collection_suffix);
        let fields: Vec<(String, bool)> = need
            .fields
            .iter()
            .map(|(f, asc)| (f.to_string(), *asc))
            .collect();
        assert!(
            declared.contains(&(group.clone(), fields)),
            "no index on {group} {:?} for {}",
            need.fields,
            need.query
        );
    }
    for group in ["jobs", "jobs_sessions", "jobs_usage"] {
        assert!(
            v["fieldOverrides"]
                .as_array()
                .expect("overrides")
                .iter()
                .any(|o| {
                    o["collectionGroup"] == group
                        && o["fieldPath"] == relay::jobs::firestore::TTL_FIELD
                        && o["ttl"] == true
                }),
            "no TTL policy on {group}"
        );
    }
}
