//! `cargo entmig`: generate migrations from `#[derive(Entity)]` structs, and run them.
//!
//! The binary is a thin shell over [`main`]. Every command finds the package with
//! cargo_metadata; `make` reads the entities from source (no build) and writes a migration;
//! `run`, `revert`, `status`, `describe`, `amend`, `resolve` and `snapshot` compile the
//! migrations into a small runner and talk to it through `entmig_schema::protocol`. Each
//! command is one module of `commands`; everything printed goes through one output module.

#![warn(missing_docs)]
#![warn(clippy::unwrap_used)]
#![cfg_attr(test, allow(clippy::unwrap_used))]

mod cli;
mod codegen;
mod collector;
mod commands;
mod error;
mod history;
mod output;
mod package;
mod prompt;
mod runner;
mod targets;

use std::ffi::OsString;
use std::process::ExitCode;

use crate::error::{Error, Result};
use crate::output::Output;

/// Runs `cargo entmig` with these arguments (the program name first); the exit code.
pub fn main(args: Vec<OsString>) -> ExitCode {
    let cli = match cli::parse(args) {
        Ok(cli) => cli,
        Err(error) => {
            let _ = error.print();
            return ExitCode::from(if error.use_stderr() { 2 } else { 0 });
        }
    };
    let out = Output::new(&cli.global);
    match execute(&cli.global, cli.command, &out) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Error::Differs) => {
            out.error(&Error::Differs.to_string());
            ExitCode::FAILURE
        }
        Err(error) => {
            out.error(&error.to_string());
            let mut source = std::error::Error::source(&error);
            while let Some(cause) = source {
                out.cause(&cause.to_string());
                source = cause.source();
            }
            ExitCode::FAILURE
        }
    }
}

fn execute(global: &cli::Global, command: cli::Command, out: &Output) -> Result<()> {
    let cwd =
        std::env::current_dir().map_err(|e| Error::msg(format!("the current folder: {e}")))?;
    // `make` reads the entities of the likely package on a second thread while `cargo metadata`
    // runs and the snapshot is read; cargo's answer says whether the guess was right.
    let guess = matches!(command, cli::Command::Make(_)) && global.package.is_none();
    let result = std::thread::scope(|scope| {
        let head_start = guess.then(|| {
            scope.spawn(|| collector::HeadStart::read(global.manifest_path.as_deref(), &cwd))
        });
        let metadata = package::metadata(global.manifest_path.as_deref())?;
        // The package "here" is the one whose manifest --manifest-path names, else the one of
        // the current folder (as cargo chooses).
        let here = global
            .manifest_path
            .as_deref()
            .and_then(|p| p.canonicalize().ok())
            .and_then(|p| p.parent().map(std::path::Path::to_owned))
            .unwrap_or_else(|| cwd.canonicalize().unwrap_or_else(|_| cwd.clone()));
        let project = package::select(&metadata, global.package.as_deref(), &here)?;
        let mut cx = commands::Context {
            project: &project,
            global,
            out,
            prompt: &mut prompt::Terminal,
        };
        commands::execute(command, &mut cx, || {
            head_start.and_then(|h| h.join().ok()).flatten()
        })
    });
    // Paths read from where the user stands: `src/migrations/mod.rs` in the package folder,
    // `blog/src/migrations/mod.rs` from its workspace's.
    result.map_err(|error| error.relative_to(&cwd))
}
