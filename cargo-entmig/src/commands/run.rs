//! `cargo entmig run`: apply pending migrations to each target.

use entmig_schema::protocol::Request;

use super::{Branches, Context, each_target, prepare, progress};
use crate::cli::RunArgs;
use crate::error::{Error, Result};
use crate::runner::Applied;

pub(super) fn run(cx: &mut Context<'_>, args: &RunArgs) -> Result<()> {
    let (targets, runner) = prepare(cx, &args.targets, Branches::Refuse)?;
    let out = cx.out;
    each_target(&targets, out, |target| {
        if args.dry_run {
            let pending = runner.preview(&Request::PendingSql, &target.url)?;
            if pending.is_empty() {
                out.line(&format!("-- {}: up to date", target.name));
            }
            for migration in pending {
                out.line(&format!("-- {} on {}", migration.id, target.name));
                out.script(&migration.sql);
            }
            return Ok(());
        }
        if args.backup
            && runner
                .status(&target.url)?
                .iter()
                .any(|m| !m.state.is_recorded())
            && let Some(path) = runner.backup(&target.url)?
        {
            out.status("Backed up", &format!("{} to {path}", target.name));
        }
        let request = Request::Run {
            force: args.force,
            connect_timeout_s: args.connect_timeout,
        };
        let outcome = match runner.apply(&request, &target.url, progress(out))? {
            Applied::Done(outcome) => outcome,
            Applied::Failed { outcome, message } if outcome.done.is_empty() => {
                return Err(Error::msg(message));
            }
            Applied::Failed { outcome, message } => {
                let kept: Vec<&str> = outcome.done.iter().map(|d| d.id.as_str()).collect();
                return Err(Error::msg(format!(
                    "{message}\n(applied before the failure, and kept: {})",
                    kept.join(", ")
                )));
            }
        };
        if outcome.done.is_empty() {
            out.status(
                "Fresh",
                &format!("{}: up to date, nothing to apply", target.name),
            );
        } else {
            out.status(
                "Applied",
                &format!(
                    "{} migration(s) to {} in {} ms",
                    outcome.done.len(),
                    target.name,
                    outcome.elapsed_ms
                ),
            );
        }
        Ok(())
    })
}
