//! `cargo entmig amend`: the newest migration written again from the current entities, when
//! no database has applied it.

use super::Context;
use super::make::{Flags, collect, decided};
use crate::cli::AmendArgs;
use crate::codegen;
use crate::error::{Error, Result};
use crate::history::{self, History};
use crate::output::relative;
use crate::runner::Runner;
use crate::targets;

pub(super) fn amend(cx: &mut Context<'_>, args: &AmendArgs) -> Result<()> {
    let (project, out) = (cx.project, cx.out);
    let mut history = History::load(&project.migrations)?;
    history.check_branches()?;
    let module = history.modules.last().cloned().ok_or_else(|| {
        Error::msg("there is no migration to amend; write one with `cargo entmig make <name>`")
    })?;
    let id = history::id_of(&module);
    let runner = Runner::build(project, out)?;
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
    let env = cx.env();
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
            .and_then(|target| runner.status(&target.url).map_err(|e| e.to_string()));
        let migrations = match checked {
            Ok(migrations) => migrations,
            Err(error) => {
                out.warn(&format!(
                    "could not check target {}: {error}; make sure it has not applied {id}",
                    resolved.name
                ));
                continue;
            }
        };
        if migrations
            .iter()
            .any(|m| m.id == id && m.state.is_recorded())
        {
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
    let current = collect(project)?;
    let ask = cx.can_ask(args.no_input);
    let entmig_schema::decide::Decided { diff: d, down, .. } = decided(
        &before,
        &current,
        Flags {
            renames: &args.rename,
            fills: &args.fill,
            down_fills: &args.down_fill,
        },
        ask,
        &mut *cx.prompt,
        out,
    )?;
    if d.is_empty() {
        return Err(Error::msg(format!(
            "the entities match the schema before {id}, so amending would leave it empty; if you no longer want it, delete {} and its line in mod.rs",
            relative(&history.module_path(&module))
        )));
    }
    let name = id.splitn(3, '_').nth(2).unwrap_or("amended").to_owned();
    let after = history
        .modules
        .iter()
        .rev()
        .nth(1)
        .map(|m| history::id_of(m));
    out.line(&format!("Steps of {name} (amended):"));
    out.steps(&d);
    if !args.yes && ask && !cx.prompt.confirm("Rewrite this migration?", true) {
        return Err(Error::msg("cancelled; nothing written"));
    }
    history.remove_newest(&before)?;
    let text = codegen::module(&name, &d.ops, &down, after.as_deref());
    let path = history.add(&module, &text, &current)?;
    out.status("Amended", &relative(&path));
    Ok(())
}
