//! The deploy kit (deploy/): the Cloud Run service, deploy/gcp.sh and the image use only
//! settings `zonal serve` accepts, and gcp.sh, run against a stand-in gcloud
//! (fixtures/fake-gcloud.sh), issues what a deployment needs — twice, idempotently.

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;

use clap::CommandFactory;
use serde_json::Value;

fn repo(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(rel)
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(repo(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn yaml(text: &str) -> Value {
    serde_norway::from_str(text).expect("valid YAML")
}

/// What `zonal serve` reads: its flags' long names, and its environment variables with the
/// `<VAR>_FILE` of the three keys (config.rs, read_secret_files) and PORT when the image's
/// entrypoint maps it to --port.
struct Accepted {
    flags: BTreeSet<String>,
    vars: BTreeSet<String>,
}

fn accepted() -> Accepted {
    let cli = relay::cli::Cli::command();
    let serve = cli.find_subcommand("serve").expect("zonal serve");
    let mut flags = BTreeSet::new();
    let mut vars = BTreeSet::new();
    for a in serve.get_arguments() {
        if let Some(l) = a.get_long() {
            flags.insert(l.to_string());
        }
        if let Some(e) = a.get_env() {
            vars.insert(e.to_string_lossy().into_owned());
        }
    }
    for key in [
        "GEMINI_API_KEY",
        "GOOGLE_VISION_API_KEY",
        "ZONAL_LLM_API_KEY",
    ] {
        assert!(vars.contains(key), "{key} is a serve variable");
        vars.insert(format!("{key}_FILE"));
    }
    if read("deploy/Containerfile").contains(r#"set -- --port "$PORT""#) {
        vars.insert("PORT".into());
    }
    Accepted { flags, vars }
}

impl Accepted {
    fn check_var(&self, name: &str, what: &str) {
        assert!(
            self.vars.contains(name),
            "{what}: {name} is not a variable zonal serve reads"
        );
    }

    fn check_args(&self, args: &[Value], what: &str) {
        for a in args.iter().filter_map(Value::as_str) {
            if let Some(flag) = a.strip_prefix("--") {
                let flag = flag.split('=').next().unwrap_or(flag);
                assert!(
                    self.flags.contains(flag),
                    "{what}: --{flag} is not a flag of zonal serve"
                );
            }
        }
    }
}

/// The service's container and revision template.
fn container(service: &Value) -> (&Value, &Value) {
    let template = &service["spec"]["template"];
    (&template["spec"]["containers"][0], template)
}

fn env_value<'a>(c: &'a Value, name: &str) -> Option<&'a str> {
    c["env"]
        .as_array()?
        .iter()
        .find(|e| e["name"] == name)?
        .get("value")?
        .as_str()
}

#[test]
fn the_cloud_run_service_is_a_knative_service_of_zonal_serve_settings() {
    let text = read("deploy/cloudrun.yaml");
    let service = yaml(&text);
    assert_eq!(service["apiVersion"], "serving.knative.dev/v1");
    assert_eq!(service["kind"], "Service");
    let (c, template) = container(&service);
    assert_eq!(template["spec"]["timeoutSeconds"], 900);
    assert_eq!(
        template["spec"]["containerConcurrency"], "${CONCURRENCY}",
        "a setting of gcp.sh"
    );
    let scale = &template["metadata"]["annotations"];
    assert_eq!(scale["autoscaling.knative.dev/minScale"], "0");
    assert!(scale["autoscaling.knative.dev/maxScale"].is_string());
    assert!(template["spec"]["serviceAccountName"].is_string());
    assert!(c["image"].is_string());

    let ok = accepted();
    let env = c["env"].as_array().expect("env");
    for e in env {
        ok.check_var(e["name"].as_str().expect("name"), "cloudrun.yaml");
    }
    for (name, value) in [
        ("ZONAL_STORE", "firestore"),
        ("ZONAL_QUEUE", "cloudtasks"),
        ("ZONAL_BLOBS", "gcs"),
        ("ZONAL_WORKERS", "0"),
        ("ZONAL_VISION_SERVICE_ACCOUNT", "true"),
        ("ZONAL_LOG_JSON", "true"),
        ("ZONAL_DATA_DIR", "/tmp/zonal"),
        ("GOOGLE_CLOUD_PROJECT", "${PROJECT_ID}"),
        ("ZONAL_GCS_BUCKET", "${BUCKET}"),
        ("ZONAL_TASKS_SERVICE_ACCOUNT", "${TASKS_SA}"),
        ("ZONAL_TASKS_TARGET_URL", "${SERVICE_URL}/api/tasks/process"),
        (
            "ZONAL_TASKS_QUEUE",
            "projects/${PROJECT_ID}/locations/${REGION}/queues/${QUEUE}",
        ),
    ] {
        assert_eq!(env_value(c, name), Some(value), "{name}");
    }
    // The Gemini key as a file of the mounted secret volume.
    let file = env_value(c, "GEMINI_API_KEY_FILE").expect("GEMINI_API_KEY_FILE");
    let mount = &c["volumeMounts"][0];
    let volume = &template["spec"]["volumes"][0];
    assert_eq!(mount["name"], volume["name"]);
    let path = volume["secret"]["items"][0]["path"].as_str().expect("path");
    assert_eq!(
        Some(file.to_string()),
        mount["mountPath"].as_str().map(|m| format!("{m}/{path}"))
    );
    // The documented alternatives in comments name real variables too.
    let commented: Vec<&str> = text
        .lines()
        .filter_map(|l| l.trim_start().strip_prefix('#'))
        .filter_map(|l| l.trim_start().strip_prefix("- name: "))
        .map(str::trim)
        .collect();
    assert!(commented.contains(&"GEMINI_API_KEY"), "{commented:?}");
    for name in commented {
        ok.check_var(name, "cloudrun.yaml (comment)");
    }
    for key in ["command", "args"] {
        if let Some(a) = c[key].as_array() {
            ok.check_args(a, "cloudrun.yaml");
        }
    }
    assert_eq!(
        c["startupProbe"]["httpGet"]["path"], "/api/healthz",
        "probed like the image's HEALTHCHECK"
    );
}

#[test]
fn the_image_runs_zonal_serve_as_a_user_on_the_platforms_port() {
    let file = read("deploy/Containerfile");
    let ok = accepted();
    assert!(
        ok.vars.contains("PORT"),
        "the entrypoint maps PORT to --port"
    );
    let stages: Vec<&str> = file
        .lines()
        .filter(|l| l.starts_with("FROM "))
        .filter_map(|l| l.split(" AS ").nth(1))
        .collect();
    for s in ["builder", "base", "runtime-prebuilt", "runtime"] {
        assert!(stages.contains(&s), "stage {s} in {stages:?}");
    }
    // runtime-prebuilt must build without the Rust image: nothing from builder.
    let prebuilt = file
        .split("AS runtime-prebuilt")
        .nth(1)
        .and_then(|rest| rest.split("\nFROM ").next())
        .expect("the runtime-prebuilt stage");
    assert!(
        !prebuilt
            .lines()
            .filter(|l| !l.starts_with('#'))
            .any(|l| l.contains("builder")),
        "{prebuilt}"
    );
    // Instructions on one line each (continuations joined).
    let joined = file.replace("\\\n", " ");
    for l in joined.lines().filter_map(|l| l.strip_prefix("ENV ")) {
        for kv in l.split_whitespace() {
            ok.check_var(kv.split('=').next().unwrap_or(kv), "Containerfile ENV");
        }
    }
    let user = joined
        .lines()
        .find_map(|l| l.strip_prefix("USER "))
        .expect("USER");
    assert!(
        !user.starts_with('0') && !user.starts_with("root"),
        "{user}"
    );
    let health = joined
        .lines()
        .find(|l| l.starts_with("HEALTHCHECK "))
        .expect("HEALTHCHECK");
    assert!(health.contains(" CMD zonal healthcheck --url "), "{health}");
    assert!(
        relay::cli::Cli::command()
            .find_subcommand("healthcheck")
            .is_some()
    );
}

/// Answers one HTTP request on a loopback port with `status`; its URL.
fn answer_once(status: &'static str) -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}/api/healthz", l.local_addr().expect("addr"));
    std::thread::spawn(move || {
        if let Ok((mut s, _)) = l.accept() {
            let mut buf = [0u8; 1024];
            let _ = s.read(&mut buf);
            let _ = write!(
                s,
                "HTTP/1.1 {status}\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok"
            );
        }
    });
    url
}

#[test]
fn healthcheck_exits_0_on_2xx_and_1_otherwise() {
    let probe = |url: &str| {
        Command::new(env!("CARGO_BIN_EXE_zonal"))
            .args(["healthcheck", "--url", url])
            .output()
            .expect("zonal runs")
    };
    assert_eq!(probe(&answer_once("200 OK")).status.code(), Some(0));
    let bad = probe(&answer_once("503 Service Unavailable"));
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("503"));
    // Nothing listening.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("port");
    let url = format!("http://127.0.0.1:{port}/api/healthz");
    assert_eq!(probe(&url).status.code(), Some(1));
}

#[test]
fn the_scripts_parse() {
    for s in ["deploy/gcp.sh", "scripts/image-test.sh"] {
        let out = Command::new("bash")
            .arg("-n")
            .arg(repo(s))
            .output()
            .expect("bash");
        assert!(
            out.status.success(),
            "{s}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// Runs deploy/gcp.sh with the stand-in gcloud first on PATH; the calls it logged.
fn run_gcp(dir: &Path) -> Vec<String> {
    let log = dir.join("calls.log");
    let _ = std::fs::remove_file(&log);
    let mut cmd = Command::new("bash");
    cmd.arg(repo("deploy/gcp.sh"))
        .arg("test-project")
        .env(
            "PATH",
            format!(
                "{}:{}",
                dir.join("bin").display(),
                std::env::var("PATH").unwrap_or_default()
            ),
        )
        .env("FAKE_GCLOUD_DIR", dir)
        .env("TMPDIR", dir);
    // The defaults, whatever the environment of the test run says.
    for v in [
        "SERVICE",
        "QUEUE",
        "BUCKET",
        "REPO",
        "CONCURRENCY",
        "MAX_INSTANCES",
        "GEMINI_SECRET",
        "GEMINI_API_KEY",
        "IMAGE",
        "PUBLIC",
        "ENABLE_GEMINI_API",
    ] {
        cmd.env_remove(v);
    }
    let out = cmd.output().expect("bash runs gcp.sh");
    assert!(
        out.status.success(),
        "gcp.sh failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::read_to_string(&log)
        .expect("calls.log")
        .lines()
        .map(str::to_string)
        .collect()
}

fn calls<'a>(log: &'a [String], what: &str) -> Vec<&'a String> {
    log.iter().filter(|l| l.contains(what)).collect()
}

#[test]
fn gcp_sh_sets_up_a_project_and_deploys_idempotently() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path();
    std::fs::create_dir_all(dir.join("bin")).expect("bin");
    let fake = dir.join("bin/gcloud");
    std::fs::copy(repo("relay/tests/fixtures/fake-gcloud.sh"), &fake).expect("copy");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    let ok = accepted();

    let log = run_gcp(dir);
    assert!(
        log.iter()
            .all(|l| l.starts_with("--quiet --project=test-project "))
    );
    let queue = calls(&log, "tasks queues create invoice-process-queue");
    assert_eq!(queue.len(), 1, "{log:#?}");
    for flag in [
        "--location=europe-west4",
        "--max-attempts=4",
        "--min-backoff=30s",
        "--max-backoff=300s",
        "--max-dispatches-per-second=5",
        "--max-concurrent-dispatches=20",
    ] {
        assert!(queue[0].contains(flag), "{flag}: {}", queue[0]);
    }
    // The TTL on jobs.expireAt and on every `ttl` field override; the overrides with no
    // indexes taken out of the single-field indexes.
    let file: Value = serde_json::from_str(&read("deploy/firestore.indexes.json")).expect("json");
    let overrides = file["fieldOverrides"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let mut ttl = vec![("jobs".to_string(), "expireAt".to_string())];
    for o in &overrides {
        let key = (
            o["collectionGroup"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
            o["fieldPath"].as_str().unwrap_or_default().to_string(),
        );
        if o["ttl"] == true && !ttl.contains(&key) {
            ttl.push(key.clone());
        }
        if o["indexes"].as_array().is_some_and(Vec::is_empty) {
            let call = format!(
                "firestore indexes fields update {} --collection-group={} --disable-indexes",
                key.1, key.0
            );
            assert_eq!(calls(&log, &call).len(), 1, "{call}");
        }
    }
    assert_eq!(calls(&log, "firestore fields ttls update").len(), ttl.len());
    for (group, field) in &ttl {
        let call =
            format!("firestore fields ttls update {field} --collection-group={group} --enable-ttl");
        assert_eq!(calls(&log, &call).len(), 1, "{call}: {log:#?}");
    }
    assert_eq!(
        calls(&log, "firestore databases create --database=(default) --location=europe-west4 --type=firestore-native").len(),
        1
    );
    // One index create per index of firestore.indexes.json, each field in order.
    let indexes: Value =
        serde_json::from_str(&read("deploy/firestore.indexes.json")).expect("json");
    let indexes = indexes["indexes"].as_array().expect("indexes");
    let created = calls(&log, "firestore indexes composite create");
    assert_eq!(created.len(), indexes.len(), "{created:#?}");
    for (ix, call) in indexes.iter().zip(&created) {
        let group = ix["collectionGroup"].as_str().expect("group");
        let fields: Vec<String> = ix["fields"]
            .as_array()
            .expect("fields")
            .iter()
            .map(|f| {
                format!(
                    "--field-config=field-path={},order={}",
                    f["fieldPath"].as_str().unwrap_or_default(),
                    f["order"].as_str().unwrap_or_default().to_lowercase()
                )
            })
            .collect();
        let expect = format!(
            "--collection-group={group} --query-scope=collection {}",
            fields.join(" ")
        );
        assert!(call.contains(&expect), "{call} lacks {expect}");
    }
    let lifecycle = calls(&log, "storage buckets update gs://test-project-zonal");
    assert_eq!(lifecycle.len(), 1, "{log:#?}");
    assert!(
        lifecycle[0].contains("--lifecycle-file="),
        "{}",
        lifecycle[0]
    );
    let rules: Value = serde_json::from_str(&read("deploy/lifecycle.json")).expect("json");
    let uploads = rules["rule"]
        .as_array()
        .expect("rules")
        .iter()
        .find(|r| {
            r["condition"]["matchesPrefix"]
                .as_array()
                .is_some_and(|p| p.contains(&Value::from("uploads/")))
        })
        .expect("a rule for uploads/");
    assert_eq!(uploads["action"]["type"], "Delete");
    assert_eq!(uploads["condition"]["age"], 1);
    assert_eq!(calls(&log, "storage buckets create gs://test-project-zonal --location=europe-west4 --uniform-bucket-level-access").len(), 1);
    for role in [
        "roles/datastore.user",
        "roles/storage.objectAdmin",
        "roles/cloudtasks.enqueuer",
        "roles/iam.serviceAccountUser",
        "roles/secretmanager.secretAccessor",
        "roles/serviceusage.serviceUsageConsumer",
    ] {
        assert!(
            log.iter().any(|l| l.contains("add-iam-policy-binding")
                && l.contains("zonal-run@test-project.iam.gserviceaccount.com")
                && l.contains(role)),
            "{role} for the service's account"
        );
    }
    assert!(
        log.iter()
            .any(|l| l.contains("run services add-iam-policy-binding zonal")
                && l.contains("serviceAccount:zonal-tasks@test-project.iam.gserviceaccount.com")
                && l.contains("roles/run.invoker"))
    );
    assert_eq!(
        calls(&log, "builds submit --config=deploy/cloudbuild.yaml").len(),
        1
    );

    // The service: every placeholder substituted, the first URL the deterministic one.
    let replaced = calls(&log, "run services replace ");
    assert_eq!(replaced.len(), 1);
    assert!(replaced[0].contains("--region=europe-west4"));
    let text = std::fs::read_to_string(dir.join("replaced-1.yaml")).expect("the YAML replaced");
    assert!(!text.contains("${"), "placeholders left:\n{text}");
    let service = yaml(&text);
    let (c, template) = container(&service);
    assert_eq!(template["spec"]["containerConcurrency"], 10);
    assert_eq!(
        template["metadata"]["annotations"]["autoscaling.knative.dev/maxScale"],
        "5"
    );
    assert_eq!(
        service["metadata"]["labels"]["cloud.googleapis.com/location"],
        "europe-west4"
    );
    assert_eq!(
        env_value(c, "ZONAL_TASKS_TARGET_URL"),
        Some("https://zonal-123456789.europe-west4.run.app/api/tasks/process")
    );
    assert_eq!(
        env_value(c, "ZONAL_TASKS_QUEUE"),
        Some("projects/test-project/locations/europe-west4/queues/invoice-process-queue")
    );
    assert!(c["image"].as_str().is_some_and(|i| i.starts_with("europe-west4-docker.pkg.dev/test-project/zonal/zonal:")));
    // The URL Cloud Run gave differs: the task target follows it.
    let updates = calls(&log, "run services update zonal");
    assert_eq!(updates.len(), 1, "{log:#?}");
    assert!(updates[0].contains("--update-env-vars=ZONAL_TASKS_TARGET_URL=https://zonal-abc123-ez.a.run.app/api/tasks/process"));
    // Whatever gcp.sh sets on the service is a serve setting.
    let script = read("deploy/gcp.sh");
    for l in log.iter().map(String::as_str).chain(script.lines()) {
        for part in l.split("-env-vars=").skip(1) {
            let list = part.trim_start_matches(['"', '\'']);
            let list = list.split([' ', '"', '\'']).next().unwrap_or_default();
            for kv in list.split(',') {
                ok.check_var(
                    kv.split('=').next().unwrap_or_default(),
                    "gcp.sh --*-env-vars",
                );
            }
        }
    }

    // Again: everything is found, nothing created twice, the queue updated.
    let again = run_gcp(dir);
    let creates: Vec<&String> = again
        .iter()
        .filter(|l| l.contains(" create ") && !l.contains("firestore indexes composite create"))
        .collect();
    assert!(creates.is_empty(), "created again: {creates:#?}");
    assert_eq!(
        calls(&again, "tasks queues update invoice-process-queue").len(),
        1
    );
    assert!(
        calls(&again, "firestore fields ttls update").is_empty(),
        "TTL already on"
    );
    assert!(
        calls(&again, "firestore indexes fields update").is_empty(),
        "overrides already there"
    );
    assert_eq!(calls(&again, "run services replace ").len(), 1);
    assert!(
        calls(&again, "run services update").is_empty(),
        "the URL is known now"
    );
    let text = std::fs::read_to_string(dir.join("replaced-2.yaml")).expect("the YAML replaced");
    let service = yaml(&text);
    assert_eq!(
        env_value(container(&service).0, "ZONAL_TASKS_TARGET_URL"),
        Some("https://zonal-abc123-ez.a.run.app/api/tasks/process")
    );
}
