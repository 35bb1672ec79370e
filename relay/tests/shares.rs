//! Shared sessions over real HTTP on loopback: the relay stores sealed bytes only (what
//! lands on disk is the ciphertext the browser sent, with none of the session's words),
//! hands them back to anyone with the id, deletes them with the creator's token, and
//! forgets them after their expiry.

mod support;

use relay::state::AppState;
use serde_json::Value;
use wasm_core::share::{self, SharedFile, SharedRegion, SharedSession};

async fn start(dir: &std::path::Path) -> (String, AppState) {
    support::relay_in(dir, |c| c.share_max_mb = 1).await
}

fn sealed(key: &[u8; 32]) -> (Vec<u8>, SharedSession) {
    let pdf = std::fs::read(support::corpus("invoice2data/oyo.pdf")).expect("oyo");
    let session = SharedSession {
        version: share::VERSION,
        files: vec![
            SharedFile {
                name: "oyo-confidential.pdf".into(),
                size: pdf.len() as u64,
                pages: 1,
                regions: vec![SharedRegion {
                    page: 1,
                    label: "Booking ID".into(),
                    field: Some(wasm_core::invoice::InvoiceField::InvoiceNumber),
                    text: "IBZY2087".into(),
                    ..SharedRegion::default()
                }],
                ..SharedFile::default()
            }
            .with_pdf(&pdf),
        ],
        templates: Vec::new(),
    };
    (share::seal(&session.to_json(), key, &[9u8; 12]), session)
}

async fn post(base: &str, query: &str, body: Vec<u8>) -> (u16, Value) {
    let res = reqwest::Client::new()
        .post(format!("{base}/api/shares{query}"))
        .header("content-type", "application/octet-stream")
        .header("X-Session-Id", uuid::Uuid::new_v4().to_string())
        .body(body)
        .send()
        .await
        .expect("post");
    let s = res.status().as_u16();
    (s, res.json().await.unwrap_or(Value::Null))
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_share_is_stored_sealed_read_back_and_deleted_with_its_token() {
    let dir = tempfile::tempdir().expect("tmp");
    let (base, state) = start(dir.path()).await;
    let key = [42u8; 32];
    let (bytes, session) = sealed(&key);
    let (s, v) = post(&base, "?ttlHours=2", bytes.clone()).await;
    assert_eq!(s, 201, "{v}");
    let id = v["id"].as_str().expect("id").to_string();
    let token = v["deleteToken"].as_str().expect("token").to_string();
    assert!(v["expiresAt"].is_string(), "{v}");

    // What the relay keeps is exactly the ciphertext: no name, no text, no PDF bytes.
    let stored = std::fs::read(state.config.data_dir.join(format!("blobs/shares/{id}.bin")))
        .expect("stored on disk");
    assert_eq!(stored, bytes);
    for plain in [
        &b"oyo-confidential"[..],
        b"IBZY2087",
        b"Booking ID",
        b"%PDF-",
    ] {
        assert!(
            !contains(&stored, plain),
            "{}",
            String::from_utf8_lossy(plain)
        );
    }
    let meta = std::fs::read_to_string(
        state
            .config
            .data_dir
            .join(format!("blobs/shares/{id}.json")),
    )
    .expect("meta");
    assert!(
        !meta.contains(&token),
        "the delete token is kept only as a digest"
    );

    // Anyone with the link gets the bytes; only the key opens them.
    let http = reqwest::Client::new();
    let got = http
        .get(format!("{base}/api/shares/{id}"))
        .send()
        .await
        .expect("get");
    assert_eq!(got.status().as_u16(), 200);
    assert_eq!(got.headers()["cache-control"], "no-store");
    let got = got.bytes().await.expect("bytes").to_vec();
    let opened = share::open(&got, &key).expect("opens with the key");
    assert_eq!(SharedSession::from_json(&opened).expect("session"), session);
    assert!(share::open(&got, &[1u8; 32]).is_err());

    // Deleting needs the token.
    let del = |t: Option<&str>| {
        let mut r = http.delete(format!("{base}/api/shares/{id}"));
        if let Some(t) = t {
            r = r.header("X-Share-Token", t);
        }
        r.send()
    };
    assert_eq!(del(None).await.expect("d").status().as_u16(), 403);
    assert_eq!(del(Some("guess")).await.expect("d").status().as_u16(), 403);
    assert_eq!(del(Some(&token)).await.expect("d").status().as_u16(), 204);
    let gone = http
        .get(format!("{base}/api/shares/{id}"))
        .send()
        .await
        .expect("get");
    assert_eq!(gone.status().as_u16(), 404);
    assert!(state.blobs.list("shares/").await.expect("list").is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plaintext_oversize_and_bad_requests_are_refused() {
    let dir = tempfile::tempdir().expect("tmp");
    let (base, state) = start(dir.path()).await;
    let (bytes, _) = sealed(&[1u8; 32]);
    let plain = SharedSession::default().to_json();
    let pdf = std::fs::read(support::corpus("invoice2data/oyo.pdf")).expect("oyo");
    let mut big = share::seal(b"x", &[1u8; 32], &[0u8; 12]);
    big.resize(1024 * 1024 + 1, 0);
    for (what, query, body, want) in [
        ("plain JSON", "", plain, 422),
        ("a PDF", "", pdf, 422),
        ("empty", "", Vec::new(), 422),
        ("over the limit", "", big, 413),
        ("ttl zero", "?ttlHours=0", bytes.clone(), 400),
        (
            "ttl past the maximum",
            "?ttlHours=100000",
            bytes.clone(),
            400,
        ),
        ("ttl not a number", "?ttlHours=soon", bytes.clone(), 400),
    ] {
        let (s, v) = post(&base, query, body).await;
        assert_eq!(s, want, "{what}: {v}");
        assert!(v["error"].is_string(), "{what}: {v}");
    }
    assert!(
        state.blobs.list("shares/").await.expect("list").is_empty(),
        "nothing stored"
    );
    let http = reqwest::Client::new();
    // Creating a share needs the session header.
    let res = http
        .post(format!("{base}/api/shares"))
        .body(share::seal(b"{}", &[1u8; 32], &[0u8; 12]))
        .send()
        .await
        .expect("post");
    assert_eq!(res.status().as_u16(), 400);
    // Not an id the relay makes (a percent-encoded path reaches the handler as
    // "../../jobs.sqlite"): 404 without touching the store, like an unknown one.
    for id in [
        "nope",
        "..%2F..%2Fjobs.sqlite",
        "0123456789abcdef0123456789abcdef",
    ] {
        let r = http
            .get(format!("{base}/api/shares/{id}"))
            .send()
            .await
            .expect("get");
        assert_eq!(r.status().as_u16(), 404, "{id}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_shares_are_gone_for_readers_and_the_sweeper() {
    let dir = tempfile::tempdir().expect("tmp");
    let (base, state) = start(dir.path()).await;
    let (bytes, _) = sealed(&[3u8; 32]);
    let mut ids = Vec::new();
    for _ in 0..3 {
        let (s, v) = post(&base, "?ttlHours=1", bytes.clone()).await;
        assert_eq!(s, 201);
        ids.push(v["id"].as_str().expect("id").to_string());
    }
    // Two of them reach their expiry (their metadata moved into the past).
    for id in &ids[..2] {
        let key = format!("shares/{id}.json");
        let mut meta: Value =
            serde_json::from_slice(&state.blobs.get(&key).await.expect("get").expect("meta"))
                .expect("json");
        meta["expiresAt"] =
            Value::String((chrono::Utc::now() - chrono::Duration::minutes(1)).to_rfc3339());
        state
            .blobs
            .put(&key, meta.to_string().as_bytes())
            .await
            .expect("put");
    }
    let http = reqwest::Client::new();
    let r = http
        .get(format!("{base}/api/shares/{}", ids[0]))
        .send()
        .await
        .expect("get");
    assert_eq!(r.status().as_u16(), 404, "expired: not served");
    assert_eq!(
        state.sweep().await.expect("sweep"),
        1,
        "the other expired one"
    );
    let left = state.blobs.list("shares/").await.expect("list");
    assert_eq!(
        left,
        vec![
            format!("shares/{}.bin", ids[2]),
            format!("shares/{}.json", ids[2])
        ]
    );
    let r = http
        .get(format!("{base}/api/shares/{}", ids[2]))
        .send()
        .await
        .expect("get");
    assert_eq!(r.status().as_u16(), 200);
}
