//! The `tierwise` command line: `cli` holds what users type (clap), `commands` what each
//! command does, `output` how tables are written, `progress` the bars and Ctrl-C, `failure`
//! how errors become messages and exit codes.

use std::process::ExitCode;

use clap::Parser;

mod cli;
mod commands;
mod failure;
mod output;
mod progress;

#[allow(unsafe_code)]
fn main() -> ExitCode {
    // Show whole tables in `--format table` unless the user chose otherwise.
    for (key, value) in [("POLARS_FMT_MAX_ROWS", "60"), ("POLARS_FMT_STR_LEN", "80")] {
        if std::env::var_os(key).is_none() {
            // SAFETY: nothing else runs yet: no thread has been started.
            unsafe { std::env::set_var(key, value) };
        }
    }
    let cli = cli::Cli::parse();
    match commands::run(cli.command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            eprintln!("{}", f.message);
            ExitCode::from(f.code)
        }
    }
}
