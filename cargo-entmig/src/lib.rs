//! `cargo entmig`: generate migrations from `#[derive(Entity)]` structs, and run them.
//!
//! The binary is a thin shell over [`main`]. Every command finds the package with
//! cargo_metadata; `make` reads the entities from source (no build) and writes a migration;
//! `run`, `revert`, `status`, `describe`, `amend` and `resolve` compile the migrations into a
//! small runner (see [`runner`]) and talk to it.

#![warn(missing_docs)]
#![warn(clippy::unwrap_used)]
#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod cli;
pub mod codegen;
pub mod collector;
pub mod error;
pub mod history;
pub mod make;
pub mod package;
pub mod runner;
pub mod targets;
pub mod term;

use std::ffi::OsString;
use std::process::ExitCode;

use entmig_schema::{Op, apply_all, invert, redact};
use serde_json::Value as Json;

use crate::cli::{
    AmendArgs, BackendArg, Command, DescribeArgs, ResolveArgs, RevertArgs, RunArgs, TargetArgs,
};
use crate::error::{Error, Result};
use crate::history::History;
use crate::package::Project;
use crate::runner::Runner;
use crate::targets::{Env, Target};
use crate::term::Term;

/// Runs `cargo entmig` with these arguments (the program name first); the exit code.
pub fn main(args: Vec<OsString>) -> ExitCode {
    let cli = match cli::parse(args) {
        Ok(cli) => cli,
        Err(error) => {
            let _ = error.print();
            return ExitCode::from(if error.use_stderr() { 2 } else { 0 });
        }
    };
    let term = Term::new(&cli.global);
    match execute(&cli.global, cli.command, &term) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Error::Differs) => {
            term.error(&Error::Differs.to_string());
            ExitCode::FAILURE
        }
        Err(error) => {
            term.error(&error.to_string());
            let mut source = std::error::Error::source(&error);
            while let Some(cause) = source {
                eprintln!("  caused by: {cause}");
                source = cause.source();
            }
            ExitCode::FAILURE
        }
    }
}

fn execute(global: &cli::Global, command: Command, term: &Term) -> Result<()> {
    let cwd =
        std::env::current_dir().map_err(|e| Error::msg(format!("the current folder: {e}")))?;
    // `make` reads the entities of the likely package on a second thread while `cargo metadata`
    // runs and the snapshot is read; cargo's answer says whether the guess was right.
    let guess = matches!(command, Command::Make(_)) && global.package.is_none();
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
        match command {
            Command::Make(args) => make::make(&project, &args, term, || {
                head_start.and_then(|h| h.join().ok()).flatten()
            }),
            Command::Run(args) => run(&project, &args, term),
            Command::Revert(args) => revert(&project, &args, term),
            Command::Status(args) => status(&project, &args, term),
            Command::Describe(args) => describe(&project, &args, term),
            Command::Amend(args) => amend(&project, &args, term),
            Command::Resolve(args) => resolve(&project, &args, term),
        }
    });
    // Paths read from where the user stands: `src/migrations/mod.rs` in the package folder,
    // `blog/src/migrations/mod.rs` from its workspace's.
    result.map_err(|error| error.relative_to(&cwd))
}

/// The targets of a command, with the migrations runner built.
fn prepare(project: &Project, targets: &TargetArgs, term: &Term) -> Result<(Vec<Target>, Runner)> {
    let targets = targets::resolve(project, &targets.targets, &Env::load(project))?;
    let history = History::load(&project.migrations)?;
    history.check_branches()?;
    let runner = Runner::build(project, term)?;
    Ok((targets, runner))
}

fn ms(json: &Json) -> u64 {
    json.get("ms").and_then(Json::as_u64).unwrap_or(0)
}

fn text<'a>(json: &'a Json, key: &str) -> &'a str {
    json.get(key).and_then(Json::as_str).unwrap_or_default()
}

/// Prints the progress lines of a run or revert.
fn progress(term: &Term) -> impl FnMut(&Json) + '_ {
    move |event: &Json| match text(event, "event") {
        "started" if event.get("reverting").and_then(Json::as_bool) == Some(true) => {
            term.status("Reverting", text(event, "id"))
        }
        "started" => term.status("Applying", text(event, "id")),
        "batch" => term.status(
            "Progress",
            &format!(
                "{}: {} rows",
                text(event, "step"),
                event.get("rows").and_then(Json::as_u64).unwrap_or(0)
            ),
        ),
        "finished" => term.status(
            "Done",
            &format!("{} in {} ms", text(event, "id"), ms(event)),
        ),
        _ => {}
    }
}

/// The `done` list of a result: `(id, ms)`.
fn done(result: &Json) -> Vec<(String, u64)> {
    result
        .get("done")
        .and_then(Json::as_array)
        .map(|list| {
            list.iter()
                .map(|d| (text(d, "id").to_owned(), ms(d)))
                .collect()
        })
        .unwrap_or_default()
}

/// Runs `command` on every target, reporting each; fails after all ran if any failed.
fn each_target(
    targets: &[Target],
    term: &Term,
    mut run: impl FnMut(&Target) -> Result<()>,
) -> Result<()> {
    let mut failed = Vec::new();
    for target in targets {
        if targets.len() > 1 || term.verbose {
            term.status(
                "Target",
                &format!("{} ({})", target.name, redact(&target.url)),
            );
        }
        if let Err(error) = run(target) {
            if targets.len() > 1 {
                term.error(&format!("target {}: {error}", target.name));
            }
            failed.push((target.name.clone(), error));
        }
    }
    match failed.len() {
        0 => Ok(()),
        1 if targets.len() == 1 => Err(failed.remove(0).1),
        _ => Err(Error::msg(format!(
            "{} of {} targets failed: {}",
            failed.len(),
            targets.len(),
            failed
                .iter()
                .map(|(n, _)| n.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

fn check_result(result: &Json) -> Result<()> {
    if text(result, "result") == "error" {
        return Err(Error::msg(text(result, "message").to_owned()));
    }
    Ok(())
}

fn run(project: &Project, args: &RunArgs, term: &Term) -> Result<()> {
    let (targets, runner) = prepare(project, &args.targets, term)?;
    each_target(&targets, term, |target| {
        if args.dry_run {
            let result = runner.call(&["sql-pending"], Some(&target.url), |_| {})?;
            check_result(&result)?;
            let pending = result
                .get("migrations")
                .and_then(Json::as_array)
                .cloned()
                .unwrap_or_default();
            if pending.is_empty() {
                println!("-- {}: up to date", target.name);
            }
            for migration in pending {
                println!("-- {} on {}", text(&migration, "id"), target.name);
                for sql in migration
                    .get("sql")
                    .and_then(Json::as_array)
                    .into_iter()
                    .flatten()
                {
                    println!("{};", sql.as_str().unwrap_or_default());
                }
            }
            return Ok(());
        }
        if args.backup {
            let result = runner.call(&["backup"], Some(&target.url), |_| {})?;
            check_result(&result)?;
            if let Some(path) = result.get("path").and_then(Json::as_str) {
                term.status("Backed up", &format!("{} to {path}", target.name));
            }
        }
        let mut call = vec!["run"];
        if args.force {
            call.push("--force");
        }
        let result = runner.call(&call, Some(&target.url), progress(term))?;
        let applied = done(&result);
        check_result(&result).map_err(|e| {
            if applied.is_empty() {
                e
            } else {
                Error::msg(format!(
                    "{e}\n(applied before the failure, and kept: {})",
                    applied
                        .iter()
                        .map(|(id, _)| id.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            }
        })?;
        if applied.is_empty() {
            term.status(
                "Fresh",
                &format!("{}: up to date, nothing to apply", target.name),
            );
        } else {
            let total: u64 = applied.iter().map(|(_, ms)| ms).sum();
            term.status(
                "Applied",
                &format!(
                    "{} migration(s) to {} in {total} ms",
                    applied.len(),
                    target.name
                ),
            );
        }
        Ok(())
    })
}

fn revert(project: &Project, args: &RevertArgs, term: &Term) -> Result<()> {
    let (targets, runner) = prepare(project, &args.targets, term)?;
    let steps = args.steps.unwrap_or(1).to_string();
    let call: Vec<&str> = match &args.to {
        Some(id) => vec!["revert", "--to", id],
        None => vec!["revert", "--steps", &steps],
    };
    each_target(&targets, term, |target| {
        let result = runner.call(&call, Some(&target.url), progress(term))?;
        let reverted = done(&result);
        check_result(&result)?;
        if reverted.is_empty() {
            term.status("Unchanged", &format!("{}: nothing to revert", target.name));
        } else {
            term.status(
                "Reverted",
                &format!("{} migration(s) on {}", reverted.len(), target.name),
            );
        }
        Ok(())
    })
}

fn status(project: &Project, args: &TargetArgs, term: &Term) -> Result<()> {
    let (targets, runner) = prepare(project, args, term)?;
    each_target(&targets, term, |target| {
        let result = runner.call(&["status"], Some(&target.url), |_| {})?;
        check_result(&result)?;
        println!("{} ({})", target.name, redact(&target.url));
        let migrations = result
            .get("migrations")
            .and_then(Json::as_array)
            .cloned()
            .unwrap_or_default();
        if migrations.is_empty() {
            println!("  no migrations");
        }
        let mut problems = Vec::new();
        for m in &migrations {
            let state = text(m, "state");
            let detail = match m.get("applied_at").and_then(Json::as_str) {
                Some(at) => format!("  {at} ({} ms)", ms(m)),
                None => String::new(),
            };
            let state_text = match state {
                "changed" | "missing" | "dirty" => {
                    problems.push(format!("{} is {state}", text(m, "id")));
                    term.danger(&format!("{state:<8}"))
                }
                "pending" => format!("{state:<8}"),
                _ => term.dim(&format!("{state:<8}")),
            };
            println!("  {state_text} {}{detail}", text(m, "id"));
        }
        // Exit non-zero on what `run` would refuse, so CI can stop on it; pending is normal.
        if problems.is_empty() {
            Ok(())
        } else {
            Err(Error::msg(format!(
                "{}; `cargo entmig run` refuses until it is fixed: restore a changed or missing migration's module (or revert it where it is applied), `cargo entmig resolve` a dirty one",
                problems.join(", ")
            )))
        }
    })
}

fn describe(project: &Project, args: &DescribeArgs, term: &Term) -> Result<()> {
    let runner = Runner::build(project, term)?;
    let backend = match args.backend {
        BackendArg::Sqlite => "sqlite",
        BackendArg::Postgres => "postgres",
    };
    let result = runner.call(&["describe", "--backend", backend], None, |_| {})?;
    check_result(&result)?;
    let migrations = result
        .get("migrations")
        .and_then(Json::as_array)
        .cloned()
        .unwrap_or_default();
    let chosen: Vec<&Json> = match &args.id {
        None => migrations.iter().collect(),
        Some(id) => {
            let exact: Vec<&Json> = migrations.iter().filter(|m| text(m, "id") == id).collect();
            let matching: Vec<&Json> = if exact.is_empty() {
                migrations
                    .iter()
                    .filter(|m| text(m, "id").contains(id.as_str()))
                    .collect()
            } else {
                exact
            };
            match matching.len() {
                0 => {
                    return Err(Error::msg(format!(
                        "no migration matches `{id}`; see `cargo entmig status`"
                    )));
                }
                1 => matching,
                _ => {
                    let ids: Vec<&str> = matching.iter().map(|m| text(m, "id")).collect();
                    return Err(Error::msg(format!(
                        "`{id}` matches several migrations: {}; give more of the id",
                        ids.join(", ")
                    )));
                }
            }
        }
    };
    for m in chosen {
        if !args.sql_only {
            let transactional = m
                .get("transactional")
                .and_then(Json::as_bool)
                .unwrap_or(true);
            println!(
                "{}{}",
                text(m, "id"),
                if transactional {
                    ""
                } else {
                    " (runs outside a transaction)"
                }
            );
            let steps = m
                .get("steps")
                .and_then(Json::as_array)
                .cloned()
                .unwrap_or_default();
            let destructive = m
                .get("destructive")
                .and_then(Json::as_array)
                .cloned()
                .unwrap_or_default();
            for (i, step) in steps.iter().enumerate() {
                let mark = if destructive.get(i).and_then(Json::as_bool) == Some(true) {
                    format!(" {}", term.danger("(destructive)"))
                } else {
                    String::new()
                };
                println!("  {}. {}{mark}", i + 1, step.as_str().unwrap_or_default());
            }
        }
        if !args.no_sql {
            if !args.sql_only {
                println!("  SQL ({backend}):");
            } else {
                println!("-- {}", text(m, "id"));
            }
            for sql in m.get("sql").and_then(Json::as_array).into_iter().flatten() {
                let sql = sql.as_str().unwrap_or_default();
                if args.sql_only {
                    println!("{sql};");
                } else {
                    for line in sql.lines() {
                        println!("    {line}");
                    }
                }
            }
        }
        if !args.sql_only {
            println!();
        }
    }
    Ok(())
}

fn amend(project: &Project, args: &AmendArgs, term: &Term) -> Result<()> {
    let (targets, runner) = prepare(project, &args.targets, term)?;
    let mut history = History::load(&project.migrations)?;
    let module = history.modules.last().cloned().ok_or_else(|| {
        Error::msg("there is no migration to amend; write one with `cargo entmig make <name>`")
    })?;
    let id = history::id_of(&module);
    for target in &targets {
        let result = runner.call(&["status"], Some(&target.url), |_| {})?;
        check_result(&result)?;
        let applied = result
            .get("migrations")
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
            .any(|m| text(m, "id") == id && text(m, "state") != "pending");
        if applied {
            // `--target` names only targets of the settings; the default needs none.
            let revert = if args.targets.targets.is_empty() {
                "cargo entmig revert".to_owned()
            } else {
                format!("cargo entmig revert --target {}", target.name)
            };
            return Err(Error::msg(format!(
                "migration {id} is applied on target {}; amending it would leave that database out of step. Revert it there first (`{revert}`) or write a new migration",
                target.name
            )));
        }
    }
    let plan = runner.call(&["plan", "--id", &id], None, |_| {})?;
    check_result(&plan)?;
    let ops: Vec<Op> = plan
        .get("ops")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
        .map(|op| {
            serde_json::from_value(op.clone())
                .map_err(|e| Error::msg(format!("the runner's plan of {id}: {e}")))
        })
        .collect::<Result<_>>()?;
    let before = apply_all(&history.snapshot, &invert(&ops))
        .map_err(|e| Error::msg(format!("the snapshot does not match migration {id}: {e}; restore the snapshot from version control")))?;
    let current = make::collect(project)?;
    let answers = make::Answers {
        renames: &args.rename,
        fills: &args.fill,
        no_input: args.no_input || !term::interactive(),
    };
    let d = make::decide(&before, &current, &answers, term)?;
    let name = id.splitn(3, '_').nth(2).unwrap_or("amended").to_owned();
    let after = history
        .modules
        .iter()
        .rev()
        .nth(1)
        .map(|m| history::id_of(m));
    println!("Steps of {name} (amended):");
    make::print_steps(&d, term);
    history.remove_newest(&before)?;
    let text = codegen::module(&name, &d.ops, after.as_deref());
    let path = history.add(&module, &text, &current)?;
    term.status("Amended", &make::relative(&path));
    Ok(())
}

fn resolve(project: &Project, args: &ResolveArgs, term: &Term) -> Result<()> {
    let (targets, runner) = prepare(project, &args.targets, term)?;
    let how = if args.applied {
        "--applied"
    } else {
        "--rolled-back"
    };
    each_target(&targets, term, |target| {
        let result = runner.call(
            &["resolve", "--id", &args.id, how],
            Some(&target.url),
            |_| {},
        )?;
        check_result(&result)?;
        term.status("Resolved", &format!("{} on {}", args.id, target.name));
        Ok(())
    })
}
