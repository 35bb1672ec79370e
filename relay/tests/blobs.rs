//! One contract for both blob stores: a local directory, and Cloud Storage's JSON API
//! (against a local server that speaks it, keeping objects in memory).

mod support;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use relay::blobs::{BlobStore, GcsBlobs, LocalBlobs};
use relay::google::TokenSource;

type Objects = Arc<Mutex<HashMap<(String, String), Vec<u8>>>>;

async fn fake_gcs() -> String {
    let objects: Objects = Arc::default();
    let router = Router::new()
        .route(
            "/upload/storage/v1/b/{bucket}/o",
            post(
                |State(o): State<Objects>,
                 Path(bucket): Path<String>,
                 Query(q): Query<HashMap<String, String>>,
                 body: Bytes| async move {
                    if q.get("uploadType").map(String::as_str) != Some("media") {
                        return (StatusCode::BAD_REQUEST, String::new());
                    }
                    let name = q.get("name").cloned().unwrap_or_default();
                    let size = body.len();
                    o.lock().expect("lock").insert((bucket.clone(), name.clone()), body.to_vec());
                    (
                        StatusCode::OK,
                        format!(r#"{{"bucket":"{bucket}","name":"{name}","size":"{size}"}}"#),
                    )
                },
            ),
        )
        .route(
            "/storage/v1/b/{bucket}/o",
            // objects.list, two items a page so that nextPageToken is followed.
            get(
                |State(o): State<Objects>,
                 Path(bucket): Path<String>,
                 Query(q): Query<HashMap<String, String>>| async move {
                    let prefix = q.get("prefix").cloned().unwrap_or_default();
                    let mut names: Vec<String> = o
                        .lock()
                        .expect("lock")
                        .keys()
                        .filter(|(b, n)| *b == bucket && n.starts_with(&prefix))
                        .map(|(_, n)| n.clone())
                        .collect();
                    names.sort();
                    let from: usize = q.get("pageToken").and_then(|t| t.parse().ok()).unwrap_or(0);
                    let page: Vec<_> = names.iter().skip(from).take(2).map(|n| serde_json::json!({ "name": n })).collect();
                    let mut v = serde_json::json!({ "kind": "storage#objects", "items": page });
                    if from + 2 < names.len() {
                        v["nextPageToken"] = serde_json::json!((from + 2).to_string());
                    }
                    axum::Json(v)
                },
            ),
        )
        .route(
            "/storage/v1/b/{bucket}/o/{object}",
            get(
                |State(o): State<Objects>,
                 Path((bucket, object)): Path<(String, String)>,
                 Query(q): Query<HashMap<String, String>>| async move {
                    assert_eq!(q.get("alt").map(String::as_str), Some("media"));
                    match o.lock().expect("lock").get(&(bucket, object)) {
                        Some(b) => (StatusCode::OK, b.clone()),
                        None => (StatusCode::NOT_FOUND, br#"{"error":{"code":404}}"#.to_vec()),
                    }
                },
            )
            .delete(
                |State(o): State<Objects>, Path((bucket, object)): Path<(String, String)>| async move {
                    match o.lock().expect("lock").remove(&(bucket, object)) {
                        Some(_) => StatusCode::NO_CONTENT,
                        None => StatusCode::NOT_FOUND,
                    }
                },
            ),
        )
        .with_state(objects);
    support::spawn(router).await
}

async fn contract(b: &dyn BlobStore, name: &str) {
    let key = format!(
        "uploads/{}/{}.pdf",
        uuid::Uuid::new_v4(),
        uuid::Uuid::new_v4()
    );
    assert_eq!(
        b.get(&key).await.expect("get"),
        None,
        "{name}: missing is None"
    );
    let pdf = b"%PDF-1.4 not really\n\x00\xff binary".to_vec();
    b.put(&key, &pdf).await.expect("put");
    assert_eq!(
        b.get(&key).await.expect("get"),
        Some(pdf.clone()),
        "{name}: round trip"
    );
    b.put(&key, b"%PDF-2").await.expect("overwrite");
    assert_eq!(
        b.get(&key).await.expect("get").as_deref(),
        Some(&b"%PDF-2"[..]),
        "{name}"
    );
    b.delete(&key).await.expect("delete");
    assert_eq!(b.get(&key).await.expect("get"), None, "{name}: deleted");
    b.delete(&key).await.expect("deleting twice is fine");
    // Listing by prefix (the share sweeper's view), across pages.
    let folder = format!("shares-{}/", uuid::Uuid::new_v4().simple());
    for n in ["c", "a", "b", "d", "e"] {
        b.put(&format!("{folder}{n}.bin"), n.as_bytes())
            .await
            .expect("put");
    }
    b.put(&format!("other-{folder}x.bin"), b"x")
        .await
        .expect("put");
    let listed = b.list(&folder).await.expect("list");
    let want: Vec<String> = ["a", "b", "c", "d", "e"]
        .iter()
        .map(|n| format!("{folder}{n}.bin"))
        .collect();
    assert_eq!(listed, want, "{name}");
    assert!(
        b.list("nothing-here/").await.expect("list").is_empty(),
        "{name}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn local_directory_and_cloud_storage_keep_the_same_contract() {
    let dir = tempfile::tempdir().expect("tmp");
    let local = LocalBlobs::new(dir.path());
    contract(&local, "local").await;
    assert!(
        local.put("../escape.pdf", b"x").await.is_err(),
        "keys cannot leave the root"
    );

    let gcs = GcsBlobs {
        api: fake_gcs().await,
        bucket: "zonal-uploads".into(),
        tokens: TokenSource::new(None, reqwest::Client::new()),
        http: reqwest::Client::new(),
    };
    contract(&gcs, "gcs").await;
}
