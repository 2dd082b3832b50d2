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

use entmig_schema::redact;
use serde_json::Value as Json;

use crate::cli::{
    AmendArgs, BackendArg, Command, DescribeArgs, ResolveArgs, RevertArgs, RunArgs, TargetArgs,
};
use crate::error::{Error, Result};
use crate::history::History;
use crate::package::Project;
use crate::runner::Runner;
use crate::targets::{Env, Resolved, Target};
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
            Command::Snapshot => snapshot(&project, term),
        }
    });
    // Paths read from where the user stands: `src/migrations/mod.rs` in the package folder,
    // `blog/src/migrations/mod.rs` from its workspace's.
    result.map_err(|error| error.relative_to(&cwd))
}

/// How a command takes two migrations generated after the same one.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Branches {
    /// Refuses to go on (`run`: which order, which snapshot?).
    Refuse,
    /// Warns and goes on (`status`, `revert`: the way out of the merge).
    Warn,
}

/// The targets of a command, with the migrations runner built.
fn prepare(
    project: &Project,
    targets: &TargetArgs,
    branches: Branches,
    term: &Term,
) -> Result<(Vec<Resolved>, Runner)> {
    let targets = targets::resolve(project, &targets.targets, &Env::load(project))?;
    let history = History::load(&project.migrations)?;
    match (history.check_branches(), branches) {
        (Err(error), Branches::Refuse) => return Err(error),
        (Err(error), Branches::Warn) => term.warn(&error.to_string()),
        (Ok(()), _) => {}
    }
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

/// Runs `command` on every target, reporting each; fails after all ran if any failed (a
/// target without a usable URL among them).
fn each_target(
    targets: &[Resolved],
    term: &Term,
    mut run: impl FnMut(&Target) -> Result<()>,
) -> Result<()> {
    let mut failed = Vec::new();
    for resolved in targets {
        let result = match &resolved.target {
            Ok(target) => {
                if targets.len() > 1 || term.verbose {
                    term.status(
                        "Target",
                        &format!("{} ({})", target.name, redact(&target.url)),
                    );
                }
                run(target)
            }
            Err(error) => Err(Error::msg(error.to_string())),
        };
        if let Err(error) = result {
            if targets.len() > 1 {
                term.error(&format!("target {}: {error}", resolved.name));
            }
            failed.push((resolved.name.clone(), error));
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
    let (targets, runner) = prepare(project, &args.targets, Branches::Refuse, term)?;
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
        if args.backup && has_pending(&runner, target)? {
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

/// Whether `run` would apply anything to the target (a backup is then worth its time).
fn has_pending(runner: &Runner, target: &Target) -> Result<bool> {
    let result = runner.call(&["status"], Some(&target.url), |_| {})?;
    check_result(&result)?;
    Ok(result
        .get("migrations")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
        .any(|m| text(m, "state") == "pending"))
}

fn revert(project: &Project, args: &RevertArgs, term: &Term) -> Result<()> {
    let (targets, runner) = prepare(project, &args.targets, Branches::Warn, term)?;
    let steps = args.steps.unwrap_or(1).to_string();
    let to = match &args.to {
        Some(wanted) => {
            let history = History::load(&project.migrations)?;
            let ids: Vec<String> = history.modules.iter().map(|m| history::id_of(m)).collect();
            let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
            Some(find_id(&ids, wanted)?)
        }
        None => None,
    };
    let which: Vec<&str> = match &to {
        Some(id) => vec!["--to", id],
        None => vec!["--steps", &steps],
    };
    let call = |command: &'static str| {
        let mut call = vec![command];
        call.extend(which.iter().copied());
        call
    };
    each_target(&targets, term, |target| {
        // What would be undone: printed for --dry-run, and asked about when it loses data.
        let preview = runner.call(&call("revert-plan"), Some(&target.url), |_| {})?;
        check_result(&preview)?;
        let undo: Vec<&Json> = preview
            .get("migrations")
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
            .collect();
        if args.dry_run {
            if undo.is_empty() {
                println!("-- {}: nothing to revert", target.name);
            }
            for m in &undo {
                println!("-- revert {} on {}", text(m, "id"), target.name);
                for sql in m.get("sql").and_then(Json::as_array).into_iter().flatten() {
                    println!("{};", sql.as_str().unwrap_or_default());
                }
            }
            return Ok(());
        }
        let losing: Vec<&str> = undo
            .iter()
            .filter(|m| m.get("destructive").and_then(Json::as_bool) == Some(true))
            .map(|m| text(m, "id"))
            .collect();
        if !losing.is_empty() && !args.yes && term::interactive() {
            for m in &undo {
                println!("Reverting {} on {}:", text(m, "id"), target.name);
                let losing = m.get("destructive_steps").and_then(Json::as_array);
                for (i, step) in m
                    .get("steps")
                    .and_then(Json::as_array)
                    .into_iter()
                    .flatten()
                    .enumerate()
                {
                    let mark = match losing.and_then(|l| l.get(i)).and_then(Json::as_bool) {
                        Some(true) => format!(" {}", term.danger("(destructive: data is lost)")),
                        _ => String::new(),
                    };
                    println!("  - {}{mark}", step.as_str().unwrap_or_default());
                }
            }
            if !term::confirm(
                &format!(
                    "The down steps of {} drop data. Revert on {}?",
                    losing.join(", "),
                    target.name
                ),
                false,
            ) {
                return Err(Error::msg(format!(
                    "cancelled; nothing reverted on {}",
                    target.name
                )));
            }
        }
        let result = runner.call(&call("revert"), Some(&target.url), progress(term))?;
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
    let (targets, runner) = prepare(project, args, Branches::Warn, term)?;
    check_snapshot(project, &runner, term);
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
        // A pending migration older than the newest applied one: `run` refuses it.
        let newest_applied = migrations
            .iter()
            .filter(|m| text(m, "state") == "applied")
            .map(|m| text(m, "id"))
            .max();
        for m in &migrations {
            let state = text(m, "state");
            let late = state == "pending" && newest_applied.is_some_and(|n| text(m, "id") < n);
            if late {
                problems.push(format!(
                    "{} is pending but older than an applied one (`cargo entmig run --force` applies it)",
                    text(m, "id")
                ));
            }
            let detail = match m.get("applied_at").and_then(Json::as_str) {
                Some(at) => format!("  {at} ({} ms)", ms(m)),
                None => String::new(),
            };
            let state_text = match state {
                "changed" | "missing" | "dirty" => {
                    let fix = match state {
                        "changed" => "restore its module, or revert it where it is applied",
                        "missing" => "restore its module from version control",
                        _ => "check the database, then `cargo entmig resolve` it",
                    };
                    problems.push(format!("{} is {state} ({fix})", text(m, "id")));
                    term.danger(&format!("{state:<8}"))
                }
                "pending" if late => term.danger(&format!("{state:<8}")),
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
                "`cargo entmig run` refuses until this is fixed: {}",
                problems.join("; ")
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
        Some(wanted) => {
            let ids: Vec<&str> = migrations.iter().map(|m| text(m, "id")).collect();
            let id = find_id(&ids, wanted)?;
            migrations.iter().filter(|m| text(m, "id") == id).collect()
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

/// The one id of `ids` that is `wanted` or contains it (`add_email` for
/// `20261121_101500_add_email`).
fn find_id(ids: &[&str], wanted: &str) -> Result<String> {
    if let Some(exact) = ids.iter().find(|id| **id == wanted) {
        return Ok((*exact).to_owned());
    }
    let matching: Vec<&str> = ids
        .iter()
        .copied()
        .filter(|id| id.contains(wanted))
        .collect();
    match matching.as_slice() {
        [one] => Ok((*one).to_owned()),
        [] => Err(Error::msg(format!(
            "no migration matches `{wanted}`; see `cargo entmig status`"
        ))),
        several => Err(Error::msg(format!(
            "`{wanted}` matches several migrations: {}; give more of the id",
            several.join(", ")
        ))),
    }
}

fn amend(project: &Project, args: &AmendArgs, term: &Term) -> Result<()> {
    let mut history = History::load(&project.migrations)?;
    history.check_branches()?;
    let module = history.modules.last().cloned().ok_or_else(|| {
        Error::msg("there is no migration to amend; write one with `cargo entmig make <name>`")
    })?;
    let id = history::id_of(&module);
    let runner = Runner::build(project, term)?;
    let mut plans = runner.plans()?;
    let newest = plans.pop().filter(|p| p.id == id).ok_or_else(|| {
        Error::msg(format!(
            "the compiled migrations do not end with {id}; check mod.rs"
        ))
    })?;
    if !newest.other_steps.is_empty() {
        return Err(Error::msg(format!(
            "migration {id} has steps that were written by hand ({}); amending would lose them: edit the module by hand, or revert it where it is applied and write a new migration with `cargo entmig make`",
            newest.other_steps.join("; ")
        )));
    }
    if let Some(history::Stale::ModuleEdited { .. }) = &history.stale {
        return Err(Error::msg(format!(
            "migration {id} was edited since `make` wrote it; amending would lose the edits: edit the module by hand, or revert it where it is applied and write a new migration with `cargo entmig make`"
        )));
    }
    // Without --target, every database the settings name: none may have applied it.
    let env = Env::load(project);
    let targets = if args.targets.targets.is_empty() {
        targets::all(project, &env)
    } else {
        targets::resolve(project, &args.targets.targets, &env)?
    };
    for resolved in &targets {
        let checked = resolved
            .target
            .as_ref()
            .map_err(|e| e.to_string())
            .and_then(|target| {
                let result = runner
                    .call(&["status"], Some(&target.url), |_| {})
                    .map_err(|e| e.to_string())?;
                check_result(&result).map_err(|e| e.to_string())?;
                Ok(result)
            });
        let result = match checked {
            Ok(result) => result,
            Err(error) => {
                term.warn(&format!(
                    "could not check target {}: {error}; make sure it has not applied {id}",
                    resolved.name
                ));
                continue;
            }
        };
        let applied = result
            .get("migrations")
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
            .any(|m| text(m, "id") == id && text(m, "state") != "pending");
        if applied {
            let revert = if resolved.name == "default" || resolved.name == "DATABASE_URL" {
                "cargo entmig revert".to_owned()
            } else {
                format!("cargo entmig revert --target {}", resolved.name)
            };
            return Err(Error::msg(format!(
                "migration {id} is applied on target {}; amending it would leave that database out of step. Revert it there first (`{revert}`) or write a new migration",
                resolved.name
            )));
        }
    }
    let before = history::replay(&plans)?;
    let current = make::collect(project)?;
    let answers = make::Answers {
        renames: &args.rename,
        fills: &args.fill,
        no_input: args.no_input || !term::interactive(),
    };
    let d = make::decide(&before, &current, &answers, term)?;
    if d.is_empty() {
        return Err(Error::msg(format!(
            "the entities match the schema before {id}, so amending would leave it empty; if you no longer want it, delete {} and its line in mod.rs",
            make::relative(&history.module_path(&module))
        )));
    }
    let name = id.splitn(3, '_').nth(2).unwrap_or("amended").to_owned();
    let after = history
        .modules
        .iter()
        .rev()
        .nth(1)
        .map(|m| history::id_of(m));
    println!("Steps of {name} (amended):");
    make::print_steps(&d, term);
    if !args.yes && !answers.no_input && !term::confirm("Rewrite this migration?", true) {
        return Err(Error::msg("cancelled; nothing written"));
    }
    history.remove_newest(&before)?;
    let text = codegen::module(&name, &d.ops, after.as_deref());
    let path = history.add(&module, &text, &current)?;
    term.status("Amended", &make::relative(&path));
    Ok(())
}

/// `snapshot`: the snapshot rebuilt from the migrations' compiled steps, and written when it
/// differs from the file.
fn snapshot(project: &Project, term: &Term) -> Result<()> {
    let mut history = History::load_to_rebuild(&project.migrations)?;
    if let Some(stale) = &history.stale {
        term.warn(&format!("{stale}; rebuilding it from the migrations"));
    }
    let rebuilt =
        make::rebuilt_snapshot(project, &history, term)?.in_column_order_of(&history.snapshot);
    let path = make::relative(&history.dir.join(history::SNAPSHOT));
    let d = entmig_schema::diff(&history.snapshot, &rebuilt);
    if d.is_empty() && history.stale.is_none() && history.recorded {
        term.status("Checked", &format!("{path} matches the migrations"));
        return Ok(());
    }
    if d.is_empty() {
        // The same schema: only its record is new. Its column order stays (the rebuilt one
        // lists added columns last).
        let same = history.snapshot.clone();
        history.write_snapshot(&same)?;
    } else {
        println!("The migrations make changes that {path} did not hold:");
        make::print_steps(&d, term);
        history.write_snapshot(&rebuilt)?;
    }
    term.status("Rebuilt", &path);
    Ok(())
}

/// Warns when the snapshot does not hold what the migrations' steps build (a hand-written
/// schema step, a merge): `make` would write a migration against the wrong schema. Only
/// warns: `status` has more to show.
fn check_snapshot(project: &Project, runner: &Runner, term: &Term) {
    let history = match History::load(&project.migrations) {
        Ok(history) => history,
        Err(error) => return term.warn(&error.to_string()),
    };
    let path = make::relative(&history.dir.join(history::SNAPSHOT));
    if let Some(stale) = &history.stale {
        return term.warn(&format!(
            "{stale}; `cargo entmig snapshot` (or the next `make`) rebuilds it"
        ));
    }
    let rebuilt = match runner.plans().and_then(|plans| history::replay(&plans)) {
        Ok(rebuilt) => rebuilt,
        Err(error) => return term.warn(&error.to_string()),
    };
    let d = entmig_schema::diff(&history.snapshot, &rebuilt);
    if let Some(first) = d.ops.first() {
        term.warn(&format!(
            "{path} does not hold what the migrations do ({first}{}), as after a schema step written by hand or a merge; `cargo entmig snapshot` rebuilds it",
            match d.ops.len() {
                1 => String::new(),
                n => format!(", and {} more", n - 1),
            }
        ));
    }
}

fn resolve(project: &Project, args: &ResolveArgs, term: &Term) -> Result<()> {
    let (targets, runner) = prepare(project, &args.targets, Branches::Warn, term)?;
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
