//! Cloud Tasks mode against local servers that speak Google's wire formats: the Cloud
//! Tasks REST API (`tasks.create`), the metadata server's access token, and a JWKS with
//! a locally generated key that signs the OIDC tokens deliveries carry.

mod support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine;
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use relay::config::ServeConfig;
use relay::server::app;
use relay::state::AppState;
use serde_json::{Value, json};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");

/// A `tasks.create` call as received: its Authorization header and JSON body.
type TaskCall = (Option<String>, Value);

#[derive(Clone, Default)]
struct Google {
    tasks: Arc<Mutex<Vec<TaskCall>>>,
}

async fn google() -> (String, Google) {
    let g = Google::default();
    let jwks: Value = serde_json::from_str(
        &std::fs::read_to_string(format!("{FIXTURES}/oidc-test-jwks.json")).expect("jwks"),
    )
    .expect("json");
    let seen = g.clone();
    let router = Router::new()
        .route("/certs", get(move || async move { Json(jwks) }))
        .route(
            "/token",
            get(|| async {
                Json(json!({ "access_token": "test-access-token", "expires_in": 3599 }))
            }),
        )
        .route(
            "/v2/{*queue}",
            post(
                move |headers: axum::http::HeaderMap, Json(body): Json<Value>| {
                    let seen = seen.clone();
                    async move {
                        let auth = headers
                            .get("authorization")
                            .and_then(|v| v.to_str().ok())
                            .map(str::to_string);
                        seen.tasks.lock().expect("lock").push((auth, body.clone()));
                        Json(json!({ "name": "projects/p/locations/l/queues/q/tasks/1" }))
                    }
                },
            ),
        );
    let base = support::spawn(router).await;
    (base, g)
}

struct Relay {
    base: String,
    target: String,
    _dir: tempfile::TempDir,
}

async fn relay(google: &str) -> Relay {
    let dir = tempfile::tempdir().expect("tmp");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let target = format!("{base}/api/tasks/process");
    let config = ServeConfig {
        dist: dir.path().join("dist"),
        data_dir: dir.path().join("data"),
        workers: 0,
        queue: relay::config::QueueKind::CloudTasks,
        tasks_api: google.to_string(),
        tasks_queue: Some("projects/p/locations/europe-west4/queues/invoices".into()),
        tasks_target_url: Some(target.clone()),
        tasks_service_account: Some("relay@p.iam.gserviceaccount.com".into()),
        tasks_token_url: Some(format!("{google}/token")),
        oidc_jwks_url: format!("{google}/certs"),
        ..ServeConfig::default()
    };
    let state = AppState::connect(config).await.expect("state");
    let router = app(state);
    tokio::spawn(async move { axum::serve(listener, router).await });
    Relay {
        base,
        target,
        _dir: dir,
    }
}

fn token(key_file: &str, aud: &str, exp_in: i64) -> String {
    let pem = std::fs::read(format!("{FIXTURES}/{key_file}")).expect("key");
    let key = EncodingKey::from_rsa_pem(&pem).expect("rsa key");
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some("test-key-1".into());
    let now = chrono::Utc::now().timestamp();
    let claims = json!({
        "iss": "https://accounts.google.com",
        "aud": aud,
        "sub": "1234567890",
        "email": "relay@p.iam.gserviceaccount.com",
        "iat": now - 10,
        "exp": now + exp_in,
    });
    encode(&header, &claims, &key).expect("sign")
}

async fn deliver(r: &Relay, bearer: Option<&str>, body: &str) -> (u16, Value) {
    let mut req = reqwest::Client::new()
        .post(format!("{}/api/tasks/process", r.base))
        .header("content-type", "application/json")
        .body(body.to_string());
    if let Some(t) = bearer {
        req = req.bearer_auth(t);
    }
    let res = req.send().await.expect("response");
    let s = res.status().as_u16();
    (s, res.json().await.unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploads_become_tasks_and_deliveries_run_once() {
    let (g, google_state) = google().await;
    let r = relay(&g).await;
    let sid = uuid::Uuid::new_v4().to_string();
    let form = support::pdf_form("invoice2data/oyo.pdf", "oyo.pdf");
    let res = reqwest::Client::new()
        .post(format!("{}/api/jobs", r.base))
        .header("X-Session-Id", &sid)
        .multipart(form)
        .send()
        .await
        .expect("upload");
    assert_eq!(res.status().as_u16(), 202);
    let v: Value = res.json().await.expect("json");
    let job = v["jobs"][0]["jobId"]
        .as_str()
        .unwrap_or_default()
        .to_string();

    // The task as Cloud Tasks' REST API receives it.
    let (auth, task) = google_state
        .tasks
        .lock()
        .expect("lock")
        .first()
        .cloned()
        .expect("a task");
    assert_eq!(auth.as_deref(), Some("Bearer test-access-token"));
    let http = &task["task"]["httpRequest"];
    assert_eq!(http["url"], r.target.as_str());
    assert_eq!(http["httpMethod"], "POST");
    assert_eq!(http["oidcToken"]["audience"], r.target.as_str());
    assert_eq!(
        http["oidcToken"]["serviceAccountEmail"],
        "relay@p.iam.gserviceaccount.com"
    );
    let body = base64::engine::general_purpose::STANDARD
        .decode(http["body"].as_str().unwrap_or_default())
        .expect("base64");
    let body = String::from_utf8(body).expect("utf8");
    assert!(body.contains(&job), "{body}");

    // The delivery, then a duplicate.
    let good = token("oidc-test-key.pem", &r.target, 600);
    let (s, v) = deliver(&r, Some(&good), &body).await;
    assert_eq!(
        (s, &v["status"], &v["processed"]),
        (200, &json!("done"), &json!(true)),
        "{v}"
    );
    let (s, v) = deliver(&r, Some(&good), &body).await;
    assert_eq!(
        (s, &v["processed"]),
        (200, &json!(false)),
        "a duplicate is a no-op: {v}"
    );
    let res: Value = reqwest::Client::new()
        .get(format!("{}/api/jobs/{job}", r.base))
        .header("X-Session-Id", &sid)
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    assert_eq!(res["attempt"], 1, "processed once: {res}");
    assert_eq!(res["resultJson"]["invoiceNumber"], "IBZY2087");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_tokens_are_refused() {
    let (g, _) = google().await;
    let r = relay(&g).await;
    let body = json!({ "jobId": uuid::Uuid::new_v4().to_string() }).to_string();
    let cases: Vec<(&str, Option<String>, u16)> = vec![
        ("missing", None, 401),
        ("not a JWT", Some("garbage".into()), 401),
        (
            "expired",
            Some(token("oidc-test-key.pem", &r.target, -3600)),
            401,
        ),
        (
            "signed by another key",
            Some(token("oidc-other-key.pem", &r.target, 600)),
            401,
        ),
        (
            "another audience",
            Some(token(
                "oidc-test-key.pem",
                "https://elsewhere.example/",
                600,
            )),
            403,
        ),
    ];
    for (what, t, want) in cases {
        let (s, v) = deliver(&r, t.as_deref(), &body).await;
        assert_eq!(s, want, "{what}: {v}");
        assert!(v["error"].is_string(), "{what}: {v}");
    }
    let good = token("oidc-test-key.pem", &r.target, 600);
    let (s, _) = deliver(&r, Some(&good), "{not json").await;
    assert_eq!(s, 400, "bad body");
    let (s, _) = deliver(&r, Some(&good), &body).await;
    assert_eq!(s, 404, "unknown job");
    tokio::time::sleep(Duration::from_millis(1)).await;
}
