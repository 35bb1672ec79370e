//! Crash test: two `zonal serve` processes share one SQLite store; 200 jobs go in; one
//! process is killed with SIGKILL while it works. Every job must still end `done`,
//! exactly once, with no job failed or lost: the survivor takes over the dead process's
//! stale leases. The paid stage goes to a counting OpenAI-compatible server: a job
//! finished by the relay that first claimed it was structured exactly once; only a job
//! whose holder died mid-call may have been asked twice (no API can make a call that
//! crashed half-way count as made).

mod support;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use reqwest::multipart::{Form, Part};
use serde_json::Value;

use support::corpus;

struct Proc(Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A counting OpenAI-compatible chat-completions server: calls per `X-Zonal-Job`.
async fn counting_llm() -> (String, Arc<Mutex<HashMap<String, u32>>>) {
    let calls: Arc<Mutex<HashMap<String, u32>>> = Arc::default();
    let seen = calls.clone();
    let router = axum::Router::new().route(
        "/v1/chat/completions",
        axum::routing::post(move |headers: axum::http::HeaderMap| {
            let seen = seen.clone();
            async move {
                let job = headers
                    .get("x-zonal-job")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("")
                    .to_string();
                *seen.lock().expect("lock").entry(job).or_default() += 1;
                let invoice = serde_json::json!({
                    "invoiceNumber": "IBZY2087", "invoiceDate": "2017-12-31", "dueDate": null,
                    "vendorName": "OYO (from the model)", "currency": "INR", "subtotal": null,
                    "tax": null, "total": "1939", "lineItems": []
                });
                axum::Json(serde_json::json!({
                    "choices": [{ "message": { "role": "assistant", "content": invoice.to_string() } }]
                }))
            }
        }),
    );
    let base = format!("{}/v1", support::spawn(router).await);
    (base, calls)
}

fn serve(data: &Path, port: u16, store: &[&str], llm: &str) -> Proc {
    Proc(
        Command::new(env!("CARGO_BIN_EXE_zonal"))
            .args(["serve", "--port", &port.to_string(), "--workers", "2"])
            .args(store)
            .args(["--llm-base-url", llm])
            .arg("--data-dir")
            .arg(data)
            .arg("--dist")
            .arg(data.join("no-dist"))
            .args(["--stale-lock-secs", "2", "--retry-backoff-ms", "100"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("zonal serve starts"),
    )
}

async fn ready(client: &reqwest::Client, port: u16) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if client
            .get(format!("http://127.0.0.1:{port}/api/healthz"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("relay on {port} did not start");
}

async fn jobs(client: &reqwest::Client, port: u16, sid: &str) -> Vec<Value> {
    let v: Value = client
        .get(format!("http://127.0.0.1:{port}/api/sessions/{sid}/jobs"))
        .header("X-Session-Id", sid)
        .send()
        .await
        .expect("list")
        .json()
        .await
        .expect("json");
    v["jobs"].as_array().cloned().unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_one_of_two_relays_on_sqlite_loses_no_job() {
    crash(&[], 200).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_one_of_two_relays_on_firestore_loses_no_job() {
    if support::firestore_emulator().is_some() {
        let collection = format!("jobs-{}", uuid::Uuid::new_v4().simple());
        crash(
            &[
                "--store",
                "firestore",
                "--firestore-project",
                "zonal-test",
                "--firestore-collection",
                &collection,
            ],
            200,
        )
        .await;
    }
}

/// Two relays on one store (`store` flags), `total` jobs, one relay SIGKILLed mid-way.
async fn crash(store: &[&str], total: usize) {
    let dir = tempfile::tempdir().expect("tmp");
    let (pa, pb) = (support::free_port(), support::free_port());
    let (llm, calls) = counting_llm().await;
    let _a = serve(dir.path(), pa, store, &llm);
    let mut b = serve(dir.path(), pb, store, &llm);
    let client = reqwest::Client::new();
    ready(&client, pa).await;
    ready(&client, pb).await;

    let sid = uuid::Uuid::new_v4().to_string();
    let pdf = std::fs::read(corpus("invoice2data/oyo.pdf")).expect("oyo");
    let started = Instant::now();
    for batch in 0..total / 10 {
        let mut form = Form::new();
        for i in 0..10 {
            let part = Part::bytes(pdf.clone())
                .file_name(format!("oyo-{batch}-{i}.pdf"))
                .mime_str("application/pdf")
                .expect("mime");
            form = form.part("files[]", part);
        }
        // Alternate the two relays: both take uploads and both work.
        let port = if batch % 2 == 0 { pa } else { pb };
        let res = client
            .post(format!("http://127.0.0.1:{port}/api/jobs"))
            .header("X-Session-Id", &sid)
            .multipart(form)
            .send()
            .await
            .expect("upload");
        assert_eq!(res.status().as_u16(), 202);
    }

    // Kill B with SIGKILL once some work is done, while jobs remain.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let all = jobs(&client, pa, &sid).await;
        let done = all.iter().filter(|j| j["status"] == "done").count();
        if done >= total / 10 {
            assert!(
                done < total,
                "everything finished before the kill; the test proves nothing"
            );
            b.0.kill().expect("SIGKILL");
            let _ = b.0.wait();
            break;
        }
        assert!(Instant::now() < deadline, "no progress");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    let deadline = Instant::now() + Duration::from_secs(300);
    let all = loop {
        let all = jobs(&client, pa, &sid).await;
        if all
            .iter()
            .all(|j| j["status"] == "done" || j["status"] == "failed")
        {
            break all;
        }
        assert!(Instant::now() < deadline, "jobs stuck after the kill");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(all.len(), total, "no job lost");
    let failed: Vec<&Value> = all.iter().filter(|j| j["status"] != "done").collect();
    assert!(failed.is_empty(), "{failed:?}");
    let calls = calls.lock().expect("lock").clone();
    for j in &all {
        assert_eq!(j["resultJson"]["vendorName"], "OYO (from the model)", "{j}");
        assert!(j["stages"]["done"].is_string(), "{j}");
        let id = j["jobId"].as_str().unwrap_or_default();
        let n = calls.get(id).copied().unwrap_or(0);
        if j["attempt"].as_u64() == Some(1) {
            assert_eq!(n, 1, "job {id}: the paid stage ran {n} times");
        } else {
            assert!((1..=2).contains(&n), "job {id} (taken over): {n} calls");
        }
    }
    let taken_over = all
        .iter()
        .filter(|j| j["attempt"].as_u64() > Some(1))
        .count();
    let secs = started.elapsed().as_secs_f64();
    println!(
        "{total} jobs done in {secs:.1} s ({:.1} jobs/s, one relay killed on the way); {taken_over} taken over after the kill",
        total as f64 / secs
    );
}
