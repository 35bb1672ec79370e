//! The Zonal relay: HTTP server, API and the `zonal` command line.
//!
//! * [`server`] builds the axum app (`fn app(state) -> Router`).
//! * [`config`] holds settings from flags and environment.
//! * [`api`] holds the `/api` handlers; [`error`] the one error type they return.
//! * [`jobs`] is durable job state (the store trait, SQLite) and the workers.
//! * [`blobs`] keeps uploaded PDFs until their job ends (local or Cloud Storage);
//!   [`google`] gets access tokens for Google APIs; [`queue`] announces jobs
//!   (in-process or Cloud Tasks); [`oidc`] verifies Cloud Tasks' tokens; [`metrics`]
//!   renders `/metrics`; [`providers`] are the paid services (structuring by LLM).
//! * [`cli`] is the command line; [`engine`] runs wasm-core for it.
#![deny(missing_docs)]

pub mod api;
pub mod blobs;
pub mod cli;
pub mod config;
pub mod engine;
pub mod error;
pub mod google;
pub mod jobs;
pub mod metrics;
pub mod oidc;
pub mod providers;
pub mod queue;
pub mod server;
