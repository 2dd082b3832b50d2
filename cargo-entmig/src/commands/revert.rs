//! `cargo entmig revert`: undo the newest migrations (their `down`) on each target.

use entmig_schema::protocol::{Request, Which};

use super::{Branches, Context, each_target, find_id, listed_ids, prepare, progress};
use crate::cli::RevertArgs;
use crate::error::{Error, Result};
use crate::runner::Applied;

pub(super) fn revert(cx: &mut Context<'_>, args: &RevertArgs) -> Result<()> {
    let (targets, runner) = prepare(cx, &args.targets, Branches::Warn)?;
    let which = match &args.to {
        Some(wanted) => {
            let ids = listed_ids(cx.project)?;
            let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
            Which::To(find_id(&ids, wanted)?)
        }
        None => Which::Steps(args.steps.unwrap_or(1)),
    };
    let ask = cx.can_ask(args.no_input) && !args.yes;
    let (out, prompt) = (cx.out, &mut *cx.prompt);
    each_target(&targets, out, |target| {
        // What would be undone: printed for --dry-run, and asked about when it loses data.
        let undo = runner.preview(
            &Request::RevertPlan {
                which: which.clone(),
            },
            &target.url,
        )?;
        if args.dry_run {
            if undo.is_empty() {
                out.line(&format!("-- {}: nothing to revert", target.name));
            }
            for m in &undo {
                out.line(&format!("-- revert {} on {}", m.id, target.name));
                out.script(&m.sql);
            }
            return Ok(());
        }
        // Refused before a question is asked or anything runs (the migrator refuses too).
        if let Some((m, mark)) = undo.iter().find_map(|m| m.irreversible().map(|s| (m, s))) {
            let reason = mark
                .text
                .strip_prefix("irreversible: ")
                .unwrap_or(&mark.text);
            return Err(Error::msg(format!(
                "migration {} cannot be reverted: {reason}; nothing was reverted on {} (write a migration that makes the change you want instead)",
                m.id, target.name
            )));
        }
        let losing: Vec<&str> = undo
            .iter()
            .filter(|m| m.is_destructive())
            .map(|m| m.id.as_str())
            .collect();
        if !losing.is_empty() && ask {
            for m in &undo {
                out.line(&format!("Reverting {} on {}:", m.id, target.name));
                for step in &m.steps {
                    out.step("  - ", &step.text, step.destructive);
                }
            }
            if !prompt.confirm(
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
        let request = Request::Revert {
            which: which.clone(),
        };
        let outcome = match runner.apply(&request, &target.url, progress(out))? {
            Applied::Done(outcome) => outcome,
            Applied::Failed { message, .. } => return Err(Error::msg(message)),
        };
        if outcome.done.is_empty() {
            out.status("Unchanged", &format!("{}: nothing to revert", target.name));
        } else {
            out.status(
                "Reverted",
                &format!(
                    "{} migration(s) on {} in {} ms",
                    outcome.done.len(),
                    target.name,
                    outcome.elapsed_ms
                ),
            );
        }
        Ok(())
    })
}
