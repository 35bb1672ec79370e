//! The Zonal relay: HTTP server, API and the `zonal` command line.
//!
//! * [`server`] builds the axum app (`fn app(state) -> Router`) around [`state`]'s
//!   `AppState`; [`sessions`] ends sessions (now, or idle past their time to live);
//!   [`shares`] keeps sealed shared sessions.
//! * [`config`] holds settings from flags and environment; [`secret`] the API keys.
//! * [`api`] holds the `/api` handlers; [`error`] the one error type they return.
//! * [`jobs`] is durable job state (the store trait, SQLite) and the workers.
//! * [`blobs`] keeps uploaded PDFs until their job ends (local or Cloud Storage);
//!   [`google`] gets access tokens for Google APIs; [`queue`] announces jobs
//!   (in-process or Cloud Tasks); [`oidc`] verifies Cloud Tasks' tokens; [`metrics`]
//!   renders `/metrics`; [`providers`] are the paid services (structuring by LLM);
//!   [`limits`] keeps their use within request rates and daily quotas.
//! * [`cli`] is the command line; [`native`] is native reading (text per page, OCR of
//!   pages without a text layer) for it and the workers.
#![deny(missing_docs)]

pub mod api;
pub mod blobs;
pub mod cli;
pub mod config;
pub mod error;
pub mod google;
pub mod jobs;
pub mod limits;
pub mod metrics;
pub mod native;
pub mod oidc;
pub mod providers;
pub mod queue;
pub mod secret;
pub mod server;
pub mod sessions;
pub mod shares;
pub mod state;
