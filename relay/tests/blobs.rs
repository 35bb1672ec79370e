//! One contract for both blob stores: a local directory, and Cloud Storage's JSON API
//! (against a local server that speaks it, keeping objects in memory).

mod support;

use relay::blobs::{BlobStore, GcsBlobs, LocalBlobs};
use relay::google::TokenSource;

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
        api: support::fake_gcs().await.0,
        bucket: "zonal-uploads".into(),
        tokens: TokenSource::new(None, reqwest::Client::new()),
        http: reqwest::Client::new(),
    };
    contract(&gcs, "gcs").await;
}
