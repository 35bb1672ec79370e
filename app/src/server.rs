//! "Process on the server", the seed's pipeline for people who want the relay's OCR and
//! AI on whole PDFs: the ticked files go up through `POST /api/jobs`, each job's progress
//! events are followed, a failed job is retried (sending the PDF again when the relay
//! asks for it), a finished job's invoice joins the batch, and "Delete from the server"
//! removes the session's jobs, PDFs and results there.

use leptos::prelude::*;
use wire::JobStatus;

use crate::relay::{self, Retried};
use crate::state::{AppState, ServerJob};
use crate::store;

/// Sends the files `docs` to the server and follows their jobs.
pub async fn process(app: AppState, docs: Vec<u32>) {
    let files: Vec<(u32, String, Vec<u8>)> = docs
        .iter()
        .filter_map(|&doc| {
            let name = app
                .files
                .with_untracked(|fs| fs.iter().find(|f| f.id == doc).map(|f| f.display.clone()))?;
            Some((doc, name, store::get(doc)?.bytes.to_vec()))
        })
        .collect();
    if files.is_empty() {
        return;
    }
    let upload: Vec<(String, Vec<u8>)> = files
        .iter()
        .map(|(_, n, b)| (n.clone(), b.clone()))
        .collect();
    match relay::create_jobs(&upload).await {
        Ok(jobs) => {
            for ((doc, _, _), job) in files.iter().zip(jobs) {
                start(app, *doc, job.job_id);
            }
        }
        Err(e) => app
            .notice
            .set(Some(format!("The server did not take the files: {e}"))),
    }
}

/// Records a new job for `doc` and follows it.
fn start(app: AppState, doc: u32, job_id: String) {
    app.jobs.update(|all| {
        all.retain(|j| j.doc != doc);
        all.push(ServerJob {
            doc,
            job_id: job_id.clone(),
            status: JobStatus::Queued,
            percent: JobStatus::Queued.percent(),
            message: "queued".into(),
            events: 0,
        });
    });
    leptos::task::spawn_local(follow(app, doc, job_id));
}

fn update(app: AppState, doc: u32, f: impl FnOnce(&mut ServerJob)) {
    app.jobs.update(|all| {
        if let Some(j) = all.iter_mut().find(|j| j.doc == doc) {
            f(j);
        }
    });
}

/// Follows a job's events to its end; a finished job's invoice joins the batch.
async fn follow(app: AppState, doc: u32, job_id: String) {
    let followed = relay::follow_job(&job_id, move |p| {
        update(app, doc, |j| {
            j.status = p.status;
            j.percent = p.percent;
            j.message = p.message;
            j.events += 1;
        })
    })
    .await;
    if let Err(e) = followed {
        update(app, doc, |j| {
            j.status = JobStatus::Failed;
            j.message = e;
        });
        return;
    }
    let done = app.jobs.with_untracked(|all| {
        all.iter()
            .any(|j| j.doc == doc && j.job_id == job_id && j.status == JobStatus::Done)
    });
    if !done {
        return;
    }
    match relay::get_job(&job_id).await {
        Ok(view) => {
            if let Some(invoice) = view.result_json {
                crate::extraction::adopt_server(app, doc, invoice);
            }
        }
        Err(e) => update(app, doc, |j| j.message = format!("done, but: {e}")),
    }
}

/// Retries `doc`'s failed job; when the relay no longer has the PDF, sends it again.
pub async fn retry(app: AppState, doc: u32) {
    let Some(job_id) = app
        .jobs
        .with_untracked(|all| all.iter().find(|j| j.doc == doc).map(|j| j.job_id.clone()))
    else {
        return;
    };
    update(app, doc, |j| {
        j.status = JobStatus::Queued;
        j.percent = JobStatus::Queued.percent();
        j.message = "retrying".into();
    });
    match relay::retry_job(&job_id).await {
        Ok(Retried::Queued) => start(app, doc, job_id),
        Ok(Retried::ReuploadRequired) => process(app, vec![doc]).await,
        Err(e) => update(app, doc, |j| {
            j.status = JobStatus::Failed;
            j.message = e;
        }),
    }
}

/// "Delete from the server": the session's jobs, PDFs and results there are deleted.
pub async fn delete(app: AppState) {
    match relay::delete_session().await {
        Ok(()) => {
            app.jobs.set(Vec::new());
            app.notice.set(Some(
                "Deleted from the server: this session's PDFs, jobs and results are gone there."
                    .into(),
            ));
        }
        Err(e) => app.notice.set(Some(format!(
            "The server could not delete the session: {e}"
        ))),
    }
}
