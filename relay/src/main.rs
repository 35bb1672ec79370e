//! `zonal`: the relay server and the headless face of the engine.
//!
//! `zonal serve` serves the web app and the API; `zonal words`, `region` and `render`
//! run wasm-core natively for scripts and for checking the engine against references.
//! Bad input prints one line on stderr and exits with status 2.

use std::process::ExitCode;

use clap::Parser;
use clap::error::ErrorKind;

fn main() -> ExitCode {
    match relay::cli::Cli::try_parse() {
        Ok(cli) => relay::cli::run(cli),
        Err(e) if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) => {
            let _ = e.print();
            ExitCode::SUCCESS
        }
        Err(e) => {
            // One line: clap's first line, plus a pointer to --help.
            let text = e.render().to_string();
            let first = text.lines().next().unwrap_or("invalid arguments");
            let first = first.strip_prefix("error: ").unwrap_or(first);
            eprintln!("zonal: {first} (see zonal --help)");
            ExitCode::from(2)
        }
    }
}
