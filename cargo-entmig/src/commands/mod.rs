//! One module per `cargo entmig` command. Each is a thin function: it gathers its options,
//! calls functions that return data (the collector, the history, the runner), and prints
//! through [`Output`].

mod amend;
mod describe;
mod make;
mod resolve;
mod revert;
mod run;
mod snapshot;
mod status;

use crate::cli::{Command, Global, TargetArgs};
use crate::error::{Error, Result};
use crate::history::History;
use crate::output::Output;
use crate::package::Project;
use crate::prompt::Prompt;
use crate::runner::Runner;
use crate::targets::{self, Env, Resolved, Target};

/// What every command is given.
pub(crate) struct Context<'a> {
    /// The package.
    pub project: &'a Project,
    /// The global options.
    pub global: &'a Global,
    /// Where output goes.
    pub out: &'a Output,
    /// Where answers come from.
    pub prompt: &'a mut dyn Prompt,
}

/// Runs one command on the package.
pub(crate) fn execute(
    command: Command,
    cx: &mut Context<'_>,
    head_start: impl FnOnce() -> Option<crate::collector::HeadStart>,
) -> Result<()> {
    match command {
        Command::Make(args) => make::make(cx, &args, head_start),
        Command::Run(args) => run::run(cx, &args),
        Command::Revert(args) => revert::revert(cx, &args),
        Command::Status(args) => status::status(cx, &args),
        Command::Describe(args) => describe::describe(cx, &args),
        Command::Amend(args) => amend::amend(cx, &args),
        Command::Resolve(args) => resolve::resolve(cx, &args),
        Command::Snapshot => snapshot::snapshot(cx),
    }
}

impl Context<'_> {
    /// The environment of the targets' URLs: the process's, `.env` files (unless
    /// `--no-dotenv`), and `--database-url` over all.
    fn env(&self) -> Env {
        let mut env = Env::load(self.project, !self.global.no_dotenv);
        if let Some(url) = &self.global.database_url {
            env.set("DATABASE_URL", url);
        }
        env
    }

    /// Whether a person can be asked: a terminal, and no `--no-input`.
    fn can_ask(&self, no_input: bool) -> bool {
        !no_input && self.prompt.interactive()
    }
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
    cx: &Context<'_>,
    targets: &TargetArgs,
    branches: Branches,
) -> Result<(Vec<Resolved>, Runner)> {
    let targets = targets::resolve(cx.project, &targets.targets, &cx.env())?;
    let history = History::load(&cx.project.migrations)?;
    match (history.check_branches(), branches) {
        (Err(error), Branches::Refuse) => return Err(error),
        (Err(error), Branches::Warn) => cx.out.warn(&error.to_string()),
        (Ok(()), _) => {}
    }
    let runner = Runner::build(cx.project, cx.out)?;
    Ok((targets, runner))
}

/// Runs `run` on every target, reporting each; fails after all ran if any failed (a target
/// without a usable URL among them).
fn each_target(
    targets: &[Resolved],
    out: &Output,
    mut run: impl FnMut(&Target) -> Result<()>,
) -> Result<()> {
    let mut failed = Vec::new();
    for resolved in targets {
        let result = match &resolved.target {
            Ok(target) => {
                if targets.len() > 1 || out.verbose {
                    out.status(
                        "Target",
                        &format!("{} ({})", target.name, entmig_schema::redact(&target.url)),
                    );
                }
                run(target)
            }
            Err(error) => Err(Error::msg(error.to_string())),
        };
        if let Err(error) = result {
            if targets.len() > 1 {
                out.error(&format!("target {}: {error}", resolved.name));
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

/// Prints the progress of a run or revert as the runner reports it.
fn progress(out: &Output) -> impl FnMut(&entmig_schema::protocol::Event) + '_ {
    use entmig_schema::protocol::Event;
    move |event| match event {
        Event::Started {
            id,
            reverting: true,
        } => out.status("Reverting", id),
        Event::Started { id, .. } => out.status("Applying", id),
        Event::Statement { sql, .. } => out.statement(sql),
        Event::Batch { step, rows, .. } => out.status("Progress", &format!("{step}: {rows} rows")),
        Event::Finished { id, ms, .. } => out.status("Done", &format!("{id} in {ms} ms")),
        Event::LockWait { timeout_ms } => out.status(
            "Waiting",
            &format!(
                "for another migrator's lock (at most {} s)",
                timeout_ms.div_ceil(1000)
            ),
        ),
    }
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

/// The ids of the migrations that `mod.rs` lists, oldest first.
fn listed_ids(project: &Project) -> Result<Vec<String>> {
    let history = History::load(&project.migrations)?;
    Ok(history
        .modules
        .iter()
        .map(|m| crate::history::id_of(m))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_found_by_a_unique_part() {
        let ids = [
            "20261121_101500_add_email",
            "20261122_090000_add_email_index",
        ];
        assert_eq!(
            find_id(&ids, "20261121_101500_add_email").unwrap(),
            ids[0],
            "an exact id wins over the longer one that contains it"
        );
        assert_eq!(find_id(&ids, "index").unwrap(), ids[1]);
        assert_eq!(find_id(&ids, "add_email_").unwrap(), ids[1]);
        assert!(
            find_id(&ids, "email")
                .unwrap_err()
                .to_string()
                .contains("matches several migrations")
        );
        assert!(
            find_id(&ids, "nothing")
                .unwrap_err()
                .to_string()
                .contains("no migration matches `nothing`")
        );
    }
}
