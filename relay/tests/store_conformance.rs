//! One conformance suite for every job store: the same cases run against SQLite (a file
//! in a temporary directory) and Firestore (Google's emulator, a fresh collection).

mod support;

use std::collections::HashSet;
use std::sync::Arc;

use relay::jobs::firestore::FirestoreStore;
use relay::jobs::sqlite::SqliteStore;
use relay::jobs::{Job, JobStore, Status, StoreError};

fn no_stale() -> chrono::Duration {
    chrono::Duration::minutes(10)
}

async fn suite(store: Arc<dyn JobStore>, name: &str) {
    let sid = uuid::Uuid::new_v4().to_string();
    let other = uuid::Uuid::new_v4().to_string();

    // Ids are UUIDs, never repeated.
    let ids: HashSet<String> = (0..1000).map(|_| store.new_job_id()).collect();
    assert_eq!(ids.len(), 1000, "{name}: repeated ids");
    assert!(
        ids.iter().all(|i| uuid::Uuid::parse_str(i).is_ok()),
        "{name}: {ids:?}"
    );

    // Insert, get, list in order, sessions apart.
    let a = Job::new(store.new_job_id(), &sid, "a.pdf", 10, 1);
    store.insert(&a).await.expect("insert");
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let b = Job::new(store.new_job_id(), &sid, "b.pdf", 20, 2);
    store.insert(&b).await.expect("insert");
    store
        .insert(&Job::new(store.new_job_id(), &other, "c.pdf", 30, 3))
        .await
        .expect("insert");
    assert_eq!(
        store.get(&a.job_id).await.expect("get").as_ref(),
        Some(&a),
        "{name}: round trip"
    );
    assert!(store.get("nope").await.expect("get").is_none());
    let list = store.list_session(&sid).await.expect("list");
    assert_eq!(
        list.iter().map(|j| j.filename.as_str()).collect::<Vec<_>>(),
        ["a.pdf", "b.pdf"],
        "{name}: a session's jobs, oldest first"
    );

    // Claim: lock, attempt, processing; a held job is not claimed again.
    let c1 = store
        .claim("w1", Some(&a.job_id), no_stale())
        .await
        .expect("claim")
        .expect("claimed");
    assert_eq!(c1.status, Status::Processing);
    assert_eq!(c1.attempt, 1);
    assert_eq!(
        c1.processing_lock.as_ref().map(|l| l.locked_by.as_str()),
        Some("w1")
    );
    assert!(
        store
            .claim("w2", Some(&a.job_id), no_stale())
            .await
            .expect("claim")
            .is_none(),
        "{name}: held"
    );

    // Only the holder may save.
    let mut theirs = c1.clone();
    theirs.advance(Status::Extracting);
    assert!(
        matches!(
            store.save_held(&theirs, "w2", false).await,
            Err(StoreError::LostLock(_))
        ),
        "{name}"
    );
    store
        .save_held(&theirs, "w1", false)
        .await
        .expect("holder saves");
    assert!(
        store.save_unheld(&theirs).await.is_err(),
        "{name}: unheld save of a held job"
    );

    // A stale lock is taken over; the old holder then loses its writes.
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let taken = store
        .claim("w2", Some(&a.job_id), chrono::Duration::zero())
        .await
        .expect("claim")
        .expect("stale lock taken over");
    assert_eq!(taken.attempt, 2);
    assert_eq!(
        taken.status,
        Status::Extracting,
        "{name}: the stage reached is kept"
    );
    assert!(matches!(
        store.save_held(&theirs, "w1", false).await,
        Err(StoreError::LostLock(_))
    ));
    let mut done = taken.clone();
    done.advance(Status::Llm);
    done.advance(Status::Done);
    store.save_held(&done, "w2", true).await.expect("release");
    let now = store.get(&a.job_id).await.expect("get").expect("exists");
    assert_eq!(now.status, Status::Done);
    assert!(now.processing_lock.is_none(), "{name}: released");
    assert!(
        store
            .claim("w3", Some(&a.job_id), chrono::Duration::zero())
            .await
            .expect("claim")
            .is_none(),
        "{name}: done is final"
    );

    // Backoff: a job is not claimed before not_before, except by an explicit delivery.
    let mut later = Job::new(store.new_job_id(), &sid, "later.pdf", 1, 1);
    later.not_before = Some(chrono::Utc::now() + chrono::Duration::hours(1));
    store.insert(&later).await.expect("insert");
    for _ in 0..3 {
        let got = store.claim("w1", None, no_stale()).await.expect("claim");
        assert!(
            got.as_ref().is_none_or(|j| j.job_id != later.job_id),
            "{name}: backoff ignored"
        );
    }
    let explicit = store
        .claim("w1", Some(&later.job_id), no_stale())
        .await
        .expect("claim");
    assert!(
        explicit.is_some(),
        "{name}: an explicit delivery ignores the backoff"
    );

    // Concurrent claimers: each job exactly once.
    let burst = uuid::Uuid::new_v4().to_string();
    let mut ids = HashSet::new();
    for i in 0..12 {
        let j = Job::new(store.new_job_id(), &burst, &format!("{i}.pdf"), 1, 1);
        ids.insert(j.job_id.clone());
        store.insert(&j).await.expect("insert");
    }
    let mut tasks = Vec::new();
    for w in 0..6 {
        let store = store.clone();
        let ids = ids.clone();
        tasks.push(tokio::spawn(async move {
            let mut mine = Vec::new();
            let mut idle = 0;
            for _ in 0..200 {
                match store
                    .claim(&format!("c{w}"), None, chrono::Duration::minutes(10))
                    .await
                {
                    Ok(Some(j)) if ids.contains(&j.job_id) => mine.push(j.job_id),
                    Ok(Some(j)) => {
                        // A job of another case of this run: hand it back finished.
                        let mut d = j.clone();
                        d.advance(Status::Done);
                        let _ = store.save_held(&d, &format!("c{w}"), true).await;
                    }
                    // Nothing claimable, or every candidate lost a race: look again a
                    // few times, as a worker would.
                    Ok(None) if idle < 5 => {
                        idle += 1;
                        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                    }
                    Ok(None) => break,
                    Err(e) => panic!("claim: {e}"),
                }
            }
            mine
        }));
    }
    let mut claimed = Vec::new();
    for t in tasks {
        claimed.extend(t.await.expect("task"));
    }
    let unique: HashSet<_> = claimed.iter().cloned().collect();
    assert_eq!(claimed.len(), unique.len(), "{name}: a job claimed twice");
    assert_eq!(unique, ids, "{name}: every job claimed");

    // Counts and deletion.
    let counts = store.counts().await.expect("counts");
    assert!(
        counts.get(&Status::Processing).copied().unwrap_or(0) >= 12,
        "{name}: {counts:?}"
    );
    let gone = store.delete_session(&sid).await.expect("delete");
    assert_eq!(gone.len(), 3, "{name}");
    assert!(store.list_session(&sid).await.expect("list").is_empty());
    assert_eq!(
        store.list_session(&other).await.expect("list").len(),
        1,
        "{name}: others kept"
    );
    let expired = store
        .expired_sessions(chrono::Utc::now() + chrono::Duration::seconds(1))
        .await
        .expect("expired");
    assert!(
        expired.contains(&other) && !expired.contains(&sid),
        "{name}: {expired:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_contract_on_sqlite_and_firestore() {
    let dir = tempfile::tempdir().expect("tmp");
    let sqlite = SqliteStore::open(&dir.path().join("jobs.sqlite")).expect("sqlite");
    suite(Arc::new(sqlite), "sqlite").await;

    if support::firestore_emulator().is_some() {
        let collection = format!("jobs-{}", uuid::Uuid::new_v4().simple());
        let fs = FirestoreStore::connect("zonal-test", &collection)
            .await
            .expect("firestore");
        suite(Arc::new(fs), "firestore").await;
    }
}
