//! The Zonal relay: HTTP server, API and the `zonal` command line.
//!
//! * [`server`] builds the axum app (`fn app(state) -> Router`).
//! * [`config`] holds settings from flags and environment.
//! * [`cli`] is the command line; [`engine`] runs wasm-core for it.
#![deny(missing_docs)]

pub mod cli;
pub mod config;
pub mod engine;
pub mod server;
