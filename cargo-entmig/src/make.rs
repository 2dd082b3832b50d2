//! `cargo entmig make`: the entities against the snapshot, the differences as a new migration.
//! What the diff cannot decide — a drop and an add that may be a rename, the value existing rows
//! get in a new NOT NULL column — is asked (or given with `--rename` / `--fill`).

use entmig_schema::{
    Backend, Column, ColumnChanges, Diff, Fill, Op, PossibleRename, Schema, apply_all, diff,
    diff_accepting, render,
};

use crate::cli::MakeArgs;
use crate::codegen;
use crate::collector::{self, HeadStart};
use crate::error::{Error, Result};
use crate::history::{self, History};
use crate::package::Project;
use crate::runner::Runner;
use crate::term::{self, Term};

/// The questions `make` may ask, answered by flags or by a person.
pub struct Answers<'a> {
    /// `--rename` values.
    pub renames: &'a [String],
    /// `--fill` values.
    pub fills: &'a [String],
    /// `--no-input`, or no terminal: never ask.
    pub no_input: bool,
}

/// Runs `make`; `head_start` waits for the entities read before the project was known, if any.
pub fn make(
    project: &Project,
    args: &MakeArgs,
    term: &Term,
    head_start: impl FnOnce() -> Option<HeadStart>,
) -> Result<()> {
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
            term.warn(&problem);
        } else {
            return Err(Error::msg(format!("{problem}, and run make again")));
        }
    }
    let rebuilt = match history.stale.clone() {
        Some(stale) => {
            term.warn(&format!("{stale}; rebuilding it from the migrations"));
            history.snapshot = rebuilt_snapshot(project, &history, term)?;
            true
        }
        None => false,
    };

    if args.check {
        let d = diff(&history.snapshot, &current);
        if d.is_empty() {
            term.status("Checked", "the entities match the migrations");
            return Ok(());
        }
        println!(
            "The entities differ from the migrations in {}:",
            relative(&project.migrations)
        );
        print_steps(&d, term);
        println!(
            "(If a hand-written migration already makes these changes, `cargo entmig snapshot` records them.)"
        );
        return Err(Error::Differs);
    }

    let name = history::migration_name(args.name.as_deref().ok_or_else(|| {
        Error::msg("`make` needs a name for the migration, e.g. `cargo entmig make add_user_email`")
    })?)?;
    let answers = Answers {
        renames: &args.rename,
        fills: &args.fill,
        no_input: args.no_input || !term::interactive(),
    };
    let d = if args.empty {
        Diff::default()
    } else {
        let d = decide(&history.snapshot, &current, &answers, term)?;
        if d.is_empty() {
            if rebuilt && !args.dry_run {
                history.write_snapshot(&current)?;
                term.status("Rebuilt", &relative(&history.dir.join(history::SNAPSHOT)));
            }
            term.status(
                "Unchanged",
                "the entities match the migrations; no migration written",
            );
            return Ok(());
        }
        d
    };

    if !args.empty {
        println!("Steps of {name}:");
        print_steps(&d, term);
        warn_unknown_references(&d, &current, term);
    }
    if args.dry_run {
        print_sql(&history.snapshot, &d)?;
        return Ok(());
    }
    if !args.yes && !answers.no_input && !term::confirm("Write this migration?", true) {
        return Err(Error::msg("cancelled; nothing written"));
    }
    let snapshot = if args.empty {
        history.snapshot.clone()
    } else {
        current
    };
    let after = history.newest_id();
    let module = history::next_module(&name, after.as_deref());
    let text = codegen::module(&name, &d.ops, after.as_deref());
    let path = history.add(&module, &text, &snapshot)?;
    term.status(
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

/// The schema that the package's migrations build, read from their compiled steps (which
/// compiles the migrations runner): what the snapshot holds when it is right.
pub fn rebuilt_snapshot(project: &Project, history: &History, term: &Term) -> Result<Schema> {
    if history.modules.is_empty() {
        return Ok(Schema::new());
    }
    let runner = Runner::build(project, term)?;
    history::replay(&runner.plans()?)
}

/// The package's entities, or an error when there are none.
pub fn collect(project: &Project) -> Result<Schema> {
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

/// The diff, with renames and fill values decided.
pub fn decide(
    snapshot: &Schema,
    current: &Schema,
    answers: &Answers<'_>,
    term: &Term,
) -> Result<Diff> {
    let first = diff(snapshot, current);
    let mut accepted = Vec::new();
    for flag in answers.renames {
        let rename = parse_rename(flag)?;
        // Already a rename (`renamed_from` says so): the flag agrees, nothing to decide.
        let already = first.ops.iter().any(|op| match (op, &rename) {
            (Op::RenameTable { from, to }, PossibleRename::Table { from: f, to: t }) => {
                from == f && to == t
            }
            (
                Op::RenameColumn { table, from, to },
                PossibleRename::Column {
                    table: tb,
                    from: f,
                    to: t,
                },
            ) => table == tb && from == f && to == t,
            _ => false,
        });
        if already {
            continue;
        }
        if !first.possible_renames.contains(&rename) {
            let possible: Vec<String> = first.possible_renames.iter().map(rename_flag).collect();
            return Err(Error::msg(format!(
                "--rename {flag} matches no dropped and added {} of one type; {}",
                match rename {
                    PossibleRename::Table { .. } => "table",
                    PossibleRename::Column { .. } => "column",
                },
                if possible.is_empty() {
                    "this change has no possible renames".to_owned()
                } else {
                    format!("the possible renames are: {}", possible.join(", "))
                }
            )));
        }
        accepted.push(rename);
    }
    for rename in &first.possible_renames {
        if accepted.contains(rename) {
            continue;
        }
        let (what, old, new) = match rename {
            PossibleRename::Table { from, to } => ("table", from.clone(), to.clone()),
            PossibleRename::Column { table, from, to } => {
                ("column", format!("{table}.{from}"), format!("{table}.{to}"))
            }
        };
        if answers.no_input {
            term.warn(&format!(
                "the {what} {old} is dropped and {new} added; if it was renamed, add #[entmig(renamed_from = \"{}\")] or pass --rename {}",
                old.rsplit('.').next().unwrap_or(&old),
                rename_flag(rename)
            ));
        } else if term::confirm(
            &format!("Was the {what} {old} renamed to {new}? (no: {old} is dropped with its data)"),
            false,
        ) {
            accepted.push(rename.clone());
        }
    }
    let mut d = if accepted.is_empty() {
        first
    } else {
        diff_accepting(snapshot, current, &accepted)
    };

    let flags: Vec<(String, String, String)> = answers
        .fills
        .iter()
        .map(|f| parse_fill(f))
        .collect::<Result<_>>()?;
    let needed = d.needs_fill();
    if answers.no_input {
        let missing: Vec<String> = needed
            .iter()
            .filter(|(t, c)| !flags.iter().any(|(ft, fc, _)| ft == t && fc == c))
            .map(|(t, c)| format!("{t}.{c}"))
            .collect();
        if !missing.is_empty() {
            let example = &missing[0];
            return Err(Error::msg(format!(
                "the new column{} {} {} NOT NULL without a default, so rows already there need a value: \
                 pass --fill {example}=VALUE (one flag a column), or give the field a default or make it an Option",
                if missing.len() == 1 { "" } else { "s" },
                missing.join(", "),
                if missing.len() == 1 { "is" } else { "are" },
            )));
        }
    }
    for (table, column) in needed {
        let (position, added) = added_column(&d, &table, &column)
            .ok_or_else(|| Error::msg(format!("no added column {table}.{column}")))?;
        // The table as the added column finds it: a copied column must be there.
        let before = apply_all(snapshot, &d.ops[..position])
            .ok()
            .and_then(|s| s.tables.get(&table).cloned());
        let read = |text: &str| {
            Fill::parse_for(text, &added.ty, before.as_ref()).map_err(|e| e.to_string())
        };
        let given = flags.iter().find(|(t, c, _)| *t == table && *c == column);
        let fill = match given {
            Some((_, _, text)) => read(text)
                .map_err(|why| Error::msg(format!("--fill {table}.{column}={text}: {why}")))?,
            // Reported above, all together.
            None if answers.no_input => continue,
            None => loop {
                let answer = term::ask(&format!(
                    "{table}.{column} ({}) is NOT NULL and has no default. Value for the rows already in {table} (a literal, or @column to copy one): ",
                    added.ty
                ))
                .filter(|a| !a.trim().is_empty())
                .ok_or_else(|| Error::msg(format!("no value given for {table}.{column}; nothing written")))?;
                match read(&answer) {
                    Ok(fill) => break fill,
                    Err(why) => term.warn(&why),
                }
            },
        };
        d.set_fill(&table, &column, fill);
    }
    fill_nulls(snapshot, current, &mut d, &flags, answers, term)?;
    for (table, column, _) in &flags {
        if made_not_null(&d, table, column).is_some() {
            continue;
        }
        match added_column(&d, table, column) {
            None => {
                return Err(Error::msg(format!(
                    "--fill {table}.{column}: this change neither adds the column {table}.{column} nor makes it NOT NULL; remove the flag"
                )));
            }
            Some((_, added))
                if added.nullable || added.default.is_some() || added.auto_increment =>
            {
                return Err(Error::msg(format!(
                    "--fill {table}.{column}: the new column {table}.{column} {}, so the rows already in {table} need no fill; remove the flag",
                    if added.auto_increment {
                        "is filled by the database".to_owned()
                    } else if let Some(default) = &added.default {
                        format!("takes its default ({default})")
                    } else {
                        "is nullable and takes NULL".to_owned()
                    }
                )));
            }
            Some(_) => {}
        }
    }
    Ok(d)
}

/// A nullable column made NOT NULL fails on the rows that hold NULL: `--fill` (or the answer
/// at the prompt) gives them a value first, as Django's one-off default does. Without one, a
/// warning says how.
fn fill_nulls(
    snapshot: &Schema,
    current: &Schema,
    d: &mut Diff,
    flags: &[(String, String, String)],
    answers: &Answers<'_>,
    term: &Term,
) -> Result<()> {
    let altered: Vec<(usize, String, String)> = d
        .ops
        .iter()
        .enumerate()
        .filter_map(|(position, op)| match op {
            Op::AlterColumn {
                table,
                column,
                changes,
            } if changes.refuses_null() && changes.fill_nulls.is_none() => {
                Some((position, table.clone(), column.clone()))
            }
            _ => None,
        })
        .collect();
    for (position, table, column) in altered {
        let Some(after) = current
            .tables
            .get(&table)
            .and_then(|t| t.column(&column))
            .cloned()
        else {
            continue;
        };
        let before = apply_all(snapshot, &d.ops[..position])
            .ok()
            .and_then(|s| s.tables.get(&table).cloned());
        let read = |text: &str| {
            Fill::parse_for(text, &after.ty, before.as_ref()).map_err(|e| e.to_string())
        };
        let given = flags.iter().find(|(t, c, _)| *t == table && *c == column);
        let fill = match given {
            Some((_, _, text)) => Some(
                read(text)
                    .map_err(|why| Error::msg(format!("--fill {table}.{column}={text}: {why}")))?,
            ),
            None if answers.no_input => {
                term.warn(&format!(
                    "{table}.{column} becomes NOT NULL: rows that hold NULL there make the migration fail; pass --fill {table}.{column}=VALUE to give them a value first"
                ));
                None
            }
            None => loop {
                let answer = term::ask(&format!(
                    "{table}.{column} ({}) becomes NOT NULL. Value for its rows that hold NULL (a literal, or @column to copy one; empty: none do): ",
                    after.ty
                ))
                .unwrap_or_default();
                if answer.trim().is_empty() {
                    break None;
                }
                match read(&answer) {
                    Ok(fill) => break Some(fill),
                    Err(why) => term.warn(&why),
                }
            },
        };
        if let (Some(fill), Some(Op::AlterColumn { changes, .. })) = (fill, d.ops.get_mut(position))
        {
            changes.fill_nulls = Some(fill);
        }
    }
    Ok(())
}

/// The `AlterColumn` of `table.column` in the diff that makes it NOT NULL.
fn made_not_null<'d>(d: &'d Diff, table: &str, column: &str) -> Option<&'d ColumnChanges> {
    d.ops.iter().find_map(|op| match op {
        Op::AlterColumn {
            table: t,
            column: c,
            changes,
        } if t == table && c == column && changes.refuses_null() => Some(changes),
        _ => None,
    })
}

/// The `AddColumn` of `table.column` in the diff: its position and column.
fn added_column<'d>(d: &'d Diff, table: &str, column: &str) -> Option<(usize, &'d Column)> {
    d.ops
        .iter()
        .enumerate()
        .find_map(|(position, op)| match op {
            Op::AddColumn {
                table: t,
                column: c,
                ..
            } if t == table && c.name == column => Some((position, c)),
            _ => None,
        })
}

fn rename_flag(rename: &PossibleRename) -> String {
    match rename {
        PossibleRename::Table { from, to } => format!("{from}={to}"),
        PossibleRename::Column { table, from, to } => format!("{table}.{from}={to}"),
    }
}

/// `table.old=new` (a column) or `old=new` (a table).
fn parse_rename(flag: &str) -> Result<PossibleRename> {
    let bad = || {
        Error::msg(format!(
            "--rename {flag} is not `table.old=new` (a column) or `old=new` (a table)"
        ))
    };
    let (left, to) = flag.split_once('=').ok_or_else(bad)?;
    let to = to.trim();
    if to.is_empty() {
        return Err(bad());
    }
    Ok(match left.split_once('.') {
        Some((table, from)) if !table.is_empty() && !from.is_empty() => PossibleRename::Column {
            table: table.into(),
            from: from.into(),
            to: to.into(),
        },
        None if !left.is_empty() => PossibleRename::Table {
            from: left.into(),
            to: to.into(),
        },
        _ => return Err(bad()),
    })
}

/// `table.column=VALUE`, the value as typed: it is read once the column's type is known.
fn parse_fill(flag: &str) -> Result<(String, String, String)> {
    let bad = || {
        Error::msg(format!(
            "--fill {flag} is not `table.column=VALUE` (VALUE: a literal, or @column to copy one)"
        ))
    };
    let (left, value) = flag.split_once('=').ok_or_else(bad)?;
    let (table, column) = left.split_once('.').ok_or_else(bad)?;
    if table.is_empty() || column.is_empty() {
        return Err(bad());
    }
    Ok((table.into(), column.into(), value.into()))
}

/// Warns about a new foreign key to a table that no entity maps: fine for a table that a
/// hand-written step creates, but PostgreSQL refuses it otherwise (SQLite does not check).
fn warn_unknown_references(d: &Diff, current: &Schema, term: &Term) {
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
            term.warn(&format!(
                "the foreign key {} of {table} references the table `{}`, which no entity maps; PostgreSQL refuses it unless that table exists (created by a hand-written step)",
                fk.name, fk.referenced_table
            ));
        }
    }
}

/// One line a step; destructive steps marked.
pub fn print_steps(d: &Diff, term: &Term) {
    for op in &d.ops {
        if op.is_destructive() {
            println!("  - {op} {}", term.danger("(destructive: data is lost)"));
        } else {
            println!("  - {op}");
        }
    }
}

fn print_sql(snapshot: &Schema, d: &Diff) -> Result<()> {
    for backend in Backend::ALL {
        println!("\nSQL ({backend}):");
        let rendered = render(&d.ops, snapshot, backend).map_err(|e| Error::msg(e.to_string()))?;
        for statement in rendered.iter().flat_map(|r| &r.statements) {
            println!("{statement};");
        }
    }
    Ok(())
}

/// A path relative to the package folder, for messages.
pub fn relative(path: &std::path::Path) -> String {
    let cwd = std::env::current_dir().unwrap_or_default();
    path.strip_prefix(&cwd)
        .unwrap_or(path)
        .display()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fill_flags() {
        assert_eq!(
            parse_fill("users.country=NL").unwrap(),
            ("users".into(), "country".into(), "NL".into())
        );
        assert!(parse_fill("country=NL").is_err());
        assert!(parse_fill("users.=NL").is_err());
    }

    #[test]
    fn rename_flags() {
        assert_eq!(
            parse_rename("users.handle=username").unwrap(),
            PossibleRename::Column {
                table: "users".into(),
                from: "handle".into(),
                to: "username".into()
            }
        );
        assert_eq!(
            parse_rename("people=users").unwrap(),
            PossibleRename::Table {
                from: "people".into(),
                to: "users".into()
            }
        );
        assert!(parse_rename("users.handle").is_err());
        assert!(parse_rename(".a=b").is_err());
    }
}
