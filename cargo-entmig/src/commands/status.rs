//! `cargo entmig status`: where each migration stands on each target. Exits non-zero on what
//! `run` would refuse (the migrator's states say which), so CI can stop on it; pending is
//! normal.

use entmig_schema::protocol::State;

use super::{Branches, Context, each_target, prepare};
use crate::cli::TargetArgs;
use crate::error::{Error, Result};
use crate::history::{self, History};
use crate::output::{Output, relative};
use crate::package::Project;
use crate::runner::Runner;

pub(super) fn status(cx: &mut Context<'_>, args: &TargetArgs) -> Result<()> {
    let (targets, runner) = prepare(cx, args, Branches::Warn)?;
    let out = cx.out;
    check_snapshot(cx.project, &runner, out);
    each_target(&targets, out, |target| {
        let migrations = runner.status(&target.url)?;
        out.line(&format!(
            "{} ({})",
            target.name,
            entmig_schema::redact(&target.url)
        ));
        if migrations.is_empty() {
            out.line("  no migrations");
        }
        let mut problems = Vec::new();
        for m in &migrations {
            let name = format!("{:<8}", m.state.to_string());
            let shown = match &m.state {
                State::Applied { .. } => out.dim(&name),
                _ if m.state.blocks_run() => out.danger(&name),
                _ => name,
            };
            let detail = match &m.state {
                State::Applied {
                    applied_at,
                    duration_ms,
                } => format!("  {applied_at} ({duration_ms} ms)"),
                _ => String::new(),
            };
            out.line(&format!("  {shown} {}{detail}", m.id));
            problems.extend(m.state.problem(&m.id));
        }
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

/// Warns when the snapshot does not hold what the migrations' steps build (a hand-written
/// schema step, a merge): `make` would write a migration against the wrong schema. Only
/// warns: `status` has more to show.
fn check_snapshot(project: &Project, runner: &Runner, out: &Output) {
    let history = match History::load(&project.migrations) {
        Ok(history) => history,
        Err(error) => return out.warn(&error.to_string()),
    };
    let path = relative(&history.dir.join(history::SNAPSHOT));
    if let Some(stale) = &history.stale {
        return out.warn(&format!(
            "{stale}; `cargo entmig snapshot` (or the next `make`) rebuilds it"
        ));
    }
    let rebuilt = match runner.plans().and_then(|plans| history::replay(&plans)) {
        Ok(rebuilt) => rebuilt,
        Err(error) => return out.warn(&error.to_string()),
    };
    let d = entmig_schema::diff(&history.snapshot, &rebuilt);
    if let Some(first) = d.ops.first() {
        out.warn(&format!(
            "{path} does not hold what the migrations do ({first}{}), as after a schema step written by hand or a merge; `cargo entmig snapshot` rebuilds it",
            match d.ops.len() {
                1 => String::new(),
                n => format!(", and {} more", n - 1),
            }
        ));
    }
}
