//! `zonal`: the relay server and the headless face of the engine.
//!
//! `zonal serve` serves the web app and the API; `zonal words`, `region` and `render`
//! run wasm-core natively for scripts and for checking the engine against references.
//! Bad input prints one line on stderr and exits with status 2.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = relay::cli::Cli::parse();
    relay::cli::run(cli)
}
