//! `cargo entmig make`: the entities against the snapshot, the differences as a new migration.
//! What the diff cannot decide — a drop and an add that may be a rename, the value existing
//! rows get in a column that becomes NOT NULL — is asked (or given with `--rename` /
//! `--fill`), and decided by [`entmig_schema::decide`].

use entmig_schema::decide::{self, Answers, Decided, Down, FillReason, GivenFill};
use entmig_schema::{Backend, Diff, Op, PossibleRename, Schema, diff, render};

use super::Context;
use crate::cli::MakeArgs;
use crate::codegen;
use crate::collector::{self, HeadStart};
use crate::error::{Error, Result};
use crate::history::{self, History};
use crate::output::{Output, relative};
use crate::package::Project;
use crate::prompt::Prompt;
use crate::runner::Runner;

/// Runs `make`; `head_start` waits for the entities read before the project was known, if any.
pub(super) fn make(
    cx: &mut Context<'_>,
    args: &MakeArgs,
    head_start: impl FnOnce() -> Option<HeadStart>,
) -> Result<()> {
    let (project, out) = (cx.project, cx.out);
    // The snapshot is read while the head start may still be reading entities; an entity
    // error still comes first.
    let history = History::load(&project.migrations);
    let current = match head_start().and_then(|h| h.result_for(&project.roots, &project.migrations))
    {
        Some(result) => non_empty(project, result?)?,
        None => collect(project)?,
    };
    let mut history = history?;
    history.check_branches()?;
    for path in &history.unlisted {
        let problem = format!(
            "{} is a migration module that mod.rs does not list (an interrupted make?); list it in mod.rs, or delete it",
            relative(path)
        );
        // Writing beside it could repeat its steps in a second module.
        if args.check || args.dry_run {
            out.warn(&problem);
        } else {
            return Err(Error::msg(format!("{problem}, and run make again")));
        }
    }
    let rebuilt = match history.stale.clone() {
        Some(stale) => {
            out.warn(&format!("{stale}; rebuilding it from the migrations"));
            history.snapshot = rebuilt_snapshot(project, &history, out)?;
            true
        }
        None => false,
    };

    if args.check {
        let d = diff(&history.snapshot, &current);
        if d.is_empty() {
            out.status("Checked", "the entities match the migrations");
            return Ok(());
        }
        out.line(&format!(
            "The entities differ from the migrations in {}:",
            relative(&project.migrations)
        ));
        out.steps(&d);
        out.line(
            "(If a hand-written migration already makes these changes, `cargo entmig snapshot` records them.)",
        );
        return Err(Error::Differs);
    }

    let name = history::migration_name(args.name.as_deref().ok_or_else(|| {
        Error::msg("`make` needs a name for the migration, e.g. `cargo entmig make add_user_email`")
    })?)?;
    let ask = cx.can_ask(args.no_input);
    let (d, down) = if args.empty {
        (Diff::default(), Down::default())
    } else {
        let Decided { diff: d, down, .. } = decided(
            &history.snapshot,
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
            if rebuilt && !args.dry_run {
                history.write_snapshot(&current)?;
                out.status("Rebuilt", &relative(&history.dir.join(history::SNAPSHOT)));
            }
            out.status(
                "Unchanged",
                "the entities match the migrations; no migration written",
            );
            return Ok(());
        }
        (d, down)
    };

    if !args.empty {
        out.line(&format!("Steps of {name}:"));
        out.steps(&d);
        warn_unknown_references(&d, &current, out);
    }
    if args.dry_run {
        return print_sql(&history.snapshot, &d, out);
    }
    if !args.yes && ask && !cx.prompt.confirm("Write this migration?", true) {
        return Err(Error::msg("cancelled; nothing written"));
    }
    let snapshot = if args.empty {
        history.snapshot.clone()
    } else {
        current
    };
    let after = history.newest_id();
    let module = history::next_module(&name, after.as_deref());
    let text = codegen::module(&name, &d.ops, &down, after.as_deref());
    let path = history.add(&module, &text, &snapshot)?;
    out.status(
        "Created",
        &format!(
            "{} ({} step{})",
            relative(&path),
            d.ops.len(),
            if d.ops.len() == 1 { "" } else { "s" }
        ),
    );
    Ok(())
}

/// The answers that flags give: `--rename`, `--fill`, `--down-fill`.
pub(super) struct Flags<'a> {
    pub renames: &'a [String],
    pub fills: &'a [String],
    pub down_fills: &'a [String],
}

/// The diff from `snapshot` to `current` and its `down`, decided: the flags' answers, then,
/// when `ask`, a person's for what they leave open; the warnings printed, every problem in
/// one error.
pub(super) fn decided(
    snapshot: &Schema,
    current: &Schema,
    flags: Flags<'_>,
    ask: bool,
    prompt: &mut dyn Prompt,
    out: &Output,
) -> Result<Decided> {
    let mut answers = Answers::from_flags(flags.renames, flags.fills)
        .and_then(|answers| answers.with_down_fills(flags.down_fills))
        .map_err(|problem| Error::msg(problem.to_string()))?;
    if ask {
        ask_open_questions(snapshot, current, &mut answers, prompt, out)?;
    }
    match decide::decide(snapshot, current, &answers) {
        Ok(decided) => {
            for warning in &decided.warnings {
                out.warn(warning);
            }
            Ok(decided)
        }
        Err(problems) => {
            let problems: Vec<String> = problems.iter().map(ToString::to_string).collect();
            Err(Error::msg(problems.join("; ")))
        }
    }
}

/// Asks about every possible rename, then about every column whose rows need a value, that
/// the flags left open. A value that does not fit is asked again.
fn ask_open_questions(
    snapshot: &Schema,
    current: &Schema,
    answers: &mut Answers,
    prompt: &mut dyn Prompt,
    out: &Output,
) -> Result<()> {
    for rename in decide::open_renames(snapshot, current, answers) {
        let (what, old, new) = match &rename {
            PossibleRename::Table { from, to } => ("table", from.clone(), to.clone()),
            PossibleRename::Column { table, from, to } => {
                ("column", format!("{table}.{from}"), format!("{table}.{to}"))
            }
        };
        let question =
            format!("Was the {what} {old} renamed to {new}? (no: {old} is dropped with its data)");
        if prompt.confirm(&question, false) {
            answers.renames.push(rename);
        } else {
            answers.declined.push(rename);
        }
    }
    for question in decide::open_fills(snapshot, current, answers) {
        let (table, column) = (&question.table, &question.column);
        let text = loop {
            let answer = prompt
                .ask(&question.prompt())
                .filter(|a| !a.trim().is_empty());
            let Some(answer) = answer else {
                match question.reason {
                    FillReason::NewColumn => {
                        return Err(Error::msg(format!(
                            "no value given for {table}.{column}; nothing written"
                        )));
                    }
                    // None of its rows hold NULL, says the person.
                    FillReason::NullRows => break None,
                }
            };
            match question.read(&answer) {
                Ok(_) => break Some(answer),
                Err(why) => out.warn(&why),
            }
        };
        answers.fills.push(GivenFill {
            table: table.clone(),
            column: column.clone(),
            text,
            from_flag: false,
        });
    }
    for question in decide::open_down_fills(snapshot, current, answers) {
        let text = loop {
            let Some(answer) = prompt
                .ask(&question.prompt())
                .filter(|a| !a.trim().is_empty())
            else {
                break None;
            };
            match question.read(&answer) {
                Ok(_) => break Some(answer),
                Err(why) => out.warn(&why),
            }
        };
        answers.down_fills.push(GivenFill {
            table: question.table.clone(),
            column: question.column.clone(),
            text,
            from_flag: false,
        });
    }
    Ok(())
}

/// The schema that the package's migrations build, read from their compiled steps (which
/// compiles the migrations runner): what the snapshot holds when it is right.
pub(super) fn rebuilt_snapshot(
    project: &Project,
    history: &History,
    out: &Output,
) -> Result<Schema> {
    if history.modules.is_empty() {
        return Ok(Schema::new());
    }
    let runner = Runner::build(project, out)?;
    history::replay(&runner.plans()?)
}

/// The package's entities, or an error when there are none.
pub(super) fn collect(project: &Project) -> Result<Schema> {
    non_empty(
        project,
        collector::collect(&project.roots, &project.migrations)?,
    )
}

fn non_empty(project: &Project, current: Schema) -> Result<Schema> {
    if current.tables.is_empty() {
        let roots: Vec<String> = project.roots.iter().map(|r| relative(r)).collect();
        return Err(Error::msg(format!(
            "found no #[derive(Entity)] struct in package `{}` (read from {}); derive Entity on a struct in a module the crate declares",
            project.name,
            roots.join(", ")
        )));
    }
    Ok(current)
}

/// Warns about a new foreign key to a table that no entity maps: fine for a table that a
/// hand-written step creates, but PostgreSQL refuses it otherwise (SQLite does not check).
fn warn_unknown_references(d: &Diff, current: &Schema, out: &Output) {
    let added = d.ops.iter().flat_map(|op| match op {
        Op::CreateTable { table } => table
            .foreign_keys
            .iter()
            .map(|fk| (table.name.as_str(), fk))
            .collect::<Vec<_>>(),
        Op::AddForeignKey { table, foreign_key } => vec![(table.as_str(), foreign_key)],
        _ => Vec::new(),
    });
    for (table, fk) in added {
        if !current.tables.contains_key(&fk.referenced_table) {
            out.warn(&format!(
                "the foreign key {} of {table} references the table `{}`, which no entity maps; PostgreSQL refuses it unless that table exists (created by a hand-written step)",
                fk.name, fk.referenced_table
            ));
        }
    }
}

fn print_sql(snapshot: &Schema, d: &Diff, out: &Output) -> Result<()> {
    for backend in Backend::ALL {
        out.line(&format!("\nSQL ({backend}):"));
        let rendered = render(&d.ops, snapshot, backend).map_err(|e| Error::msg(e.to_string()))?;
        let statements: Vec<String> = rendered.into_iter().flat_map(|r| r.statements).collect();
        out.script(&statements);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prompt::Scripted;
    use entmig_schema::{Column, ColumnType, Table};

    fn users(extra: &[(&str, bool)]) -> Schema {
        let mut table = Table::new("users").with_column(Column::new("id", ColumnType::BigInt));
        for (name, nullable) in extra {
            let mut column = Column::new(*name, ColumnType::Integer);
            column.nullable = *nullable;
            table = table.with_column(column);
        }
        Schema::from_tables([table.with_primary_key(["id"])])
    }

    fn no_flags() -> Flags<'static> {
        Flags {
            renames: &[],
            fills: &[],
            down_fills: &[],
        }
    }

    fn out() -> Output {
        Output {
            quiet: true,
            verbose: false,
        }
    }

    #[test]
    fn a_yes_takes_the_rename_and_asks_nothing_more() {
        let (before, after) = (users(&[("score", false)]), users(&[("points", false)]));
        let mut prompt = Scripted::new(&["y"]);
        let d = decided(&before, &after, no_flags(), true, &mut prompt, &out())
            .unwrap()
            .diff;
        assert!(
            matches!(&d.ops[..], [Op::RenameColumn { from, to, .. }] if from == "score" && to == "points")
        );
        assert_eq!(prompt.asked.len(), 1, "{:?}", prompt.asked);
        assert!(prompt.asked[0].starts_with("Was the column users.score renamed to users.points?"));
    }

    #[test]
    fn a_no_drops_and_adds_and_asks_for_the_rows_value_again_after_a_bad_one() {
        let (before, after) = (users(&[("score", false)]), users(&[("points", false)]));
        let mut prompt = Scripted::new(&["", "lots", "7"]);
        let d = decided(&before, &after, no_flags(), true, &mut prompt, &out())
            .unwrap()
            .diff;
        assert_eq!(prompt.asked.len(), 3, "{:?}", prompt.asked);
        assert!(prompt.asked[1].starts_with("users.points (integer) is NOT NULL"));
        assert_eq!(prompt.asked[1], prompt.asked[2], "asked again after `lots`");
        assert!(
            d.ops
                .iter()
                .any(|op| matches!(op, Op::AddColumn { fill: Some(_), .. }))
        );
    }

    #[test]
    fn no_value_for_a_new_column_writes_nothing() {
        let (before, after) = (users(&[]), users(&[("score", false)]));
        let mut prompt = Scripted::new(&[]);
        let error = decided(&before, &after, no_flags(), true, &mut prompt, &out()).unwrap_err();
        assert_eq!(
            error.to_string(),
            "no value given for users.score; nothing written"
        );
    }

    #[test]
    fn an_empty_answer_for_null_rows_means_none_hold_null() {
        let (before, after) = (users(&[("score", true)]), users(&[("score", false)]));
        let mut prompt = Scripted::new(&[""]);
        let d = decided(&before, &after, no_flags(), true, &mut prompt, &out())
            .unwrap()
            .diff;
        assert!(prompt.asked[0].contains("becomes NOT NULL"));
        assert!(
            matches!(&d.ops[..], [Op::AlterColumn { changes, .. }] if changes.fill_nulls.is_none())
        );
        let mut prompt = Scripted::new(&["0"]);
        let d = decided(&before, &after, no_flags(), true, &mut prompt, &out())
            .unwrap()
            .diff;
        assert!(
            matches!(&d.ops[..], [Op::AlterColumn { changes, .. }] if changes.fill_nulls.is_some())
        );
    }

    #[test]
    fn flags_answer_before_the_prompt_and_without_a_person() {
        let (before, after) = (users(&[]), users(&[("score", false)]));
        let fills = ["users.score=3".to_owned()];
        let mut prompt = Scripted::new(&[]);
        decided(
            &before,
            &after,
            Flags {
                fills: &fills,
                ..no_flags()
            },
            true,
            &mut prompt,
            &out(),
        )
        .unwrap();
        assert!(prompt.asked.is_empty(), "{:?}", prompt.asked);
        let error = decided(&before, &after, no_flags(), false, &mut prompt, &out()).unwrap_err();
        assert!(
            error.to_string().contains("pass --fill users.score=VALUE"),
            "{error}"
        );
    }

    #[test]
    fn a_person_says_what_down_fills_or_lets_it_be_marked_irreversible() {
        use entmig_schema::ForeignKey;
        let with_org = |org: bool| {
            let mut users = Table::new("users").with_column(Column::new("id", ColumnType::BigInt));
            if org {
                users = users
                    .with_column(Column::new("org_id", ColumnType::BigInt))
                    .with_foreign_key(ForeignKey::new(
                        "fk_users_org_id",
                        ["org_id"],
                        "orgs",
                        ["id"],
                    ));
            }
            let orgs = Table::new("orgs").with_column(Column::new("id", ColumnType::BigInt));
            Schema::from_tables([
                users.with_primary_key(["id"]),
                orgs.with_primary_key(["id"]),
            ])
        };
        let (before, after) = (with_org(true), with_org(false));
        // `x` is refused and asked again; `2` is what down gives the rows.
        let mut prompt = Scripted::new(&["x", "2"]);
        let made = decided(&before, &after, no_flags(), true, &mut prompt, &out()).unwrap();
        assert_eq!(prompt.asked.len(), 2, "{:?}", prompt.asked);
        assert!(
            prompt.asked[0].starts_with(
                "users.org_id (bigint) is dropped here; reverting restores it NOT NULL"
            )
        );
        assert_eq!(made.down.irreversible, None);
        assert!(
            made.down
                .ops
                .iter()
                .any(|op| matches!(op, Op::AddColumn { fill: Some(_), .. }))
        );
        // An empty answer: down is marked, and revert will refuse it.
        let mut prompt = Scripted::new(&[""]);
        let made = decided(&before, &after, no_flags(), true, &mut prompt, &out()).unwrap();
        assert!(made.down.irreversible.is_some());
    }
}
