//! SQLite: plain `ALTER TABLE` where SQLite has it, and otherwise the data-preserving table
//! rebuild of SQLite's documented procedure
//! (<https://www.sqlite.org/lang_altertable.html#otheralter>): create the new table under a
//! temporary name, copy the rows, drop the old table, rename the new one, create the indexes
//! again.
//!
//! The runtime supplies the parts of the procedure that cannot sit in a migration's statements:
//! foreign keys are switched off outside the transaction (so dropping a parent table cannot
//! cascade-delete child rows), `PRAGMA foreign_key_check` runs before commit, and triggers are
//! saved and recreated around a rebuild.

pub mod read;

use super::FitCheck;
use super::type_name;
use super::{Backend, column_def, rename_column, rename_table};
use super::{
    RenderedOp, create_index, create_table, default_sql, drop_index, drop_table, ident_list,
    quote_ident, quote_string,
};
use crate::model::{Column, ColumnType, Table};
use crate::op::{Fill, Op};

/// The prefix of the temporary table of a rebuild.
pub(crate) const REBUILD_PREFIX: &str = "__entmig_new_";

/// The declared SQLite type of a column: its [`type_name`], but for the auto-incremented key.
pub(crate) fn type_sql(column: &Column) -> String {
    if column.auto_increment {
        // The only column SQLite can generate: a rowid alias, declared exactly `INTEGER`.
        return "INTEGER".into();
    }
    type_name(&column.ty, Backend::Sqlite)
}

pub(super) fn render(op: &Op, before: Option<&Table>, after: Option<&Table>) -> RenderedOp {
    let plain = |statements: Vec<String>| RenderedOp {
        statements,
        rebuilds: None,
        checks: Vec::new(),
    };
    let b = Backend::Sqlite;
    match op {
        Op::CreateTable { table } => plain(super::create_table_and_indexes(table, b)),
        Op::DropTable { table } => plain(vec![drop_table(&table.name, b)]),
        Op::RenameTable { from, to } => plain(vec![rename_table(from, to, b)]),
        Op::RenameColumn { table, from, to } => plain(vec![rename_column(table, from, to, b)]),
        Op::AddIndex { table, index } => plain(vec![create_index(table, index, b)]),
        Op::DropIndex { index, table } => plain(vec![drop_index(table, index, b)]),
        Op::AddColumn {
            table,
            column,
            fill: None,
        } if can_add_in_place(column) => plain(vec![format!(
            "ALTER TABLE {} ADD COLUMN {}",
            quote_ident(table),
            column_def(column, b)
        )]),
        Op::AddColumn { .. }
        | Op::DropColumn { .. }
        | Op::AlterColumn { .. }
        | Op::AddForeignKey { .. }
        | Op::DropForeignKey { .. }
        | Op::SetPrimaryKey { .. } => {
            match (before, after) {
                (Some(old), Some(new)) => rebuild(old, new, &[op]),
                // `Op::apply` has checked that the table exists on both sides.
                _ => plain(Vec::new()),
            }
        }
    }
}

/// Whether an op changes a table's columns, keys or foreign keys, which a rebuild of the table
/// can do together with others of its kind (see [`rebuild_run`]).
pub(super) fn joins_a_rebuild(op: &Op) -> bool {
    matches!(
        op,
        Op::AddColumn { .. }
            | Op::DropColumn { .. }
            | Op::AlterColumn { .. }
            | Op::AddForeignKey { .. }
            | Op::DropForeignKey { .. }
            | Op::SetPrimaryKey { .. }
    )
}

/// Whether the op alone needs a rebuild (everything [`joins_a_rebuild`] takes but an
/// `ADD COLUMN` that SQLite does in place).
pub(super) fn needs_rebuild(op: &Op) -> bool {
    match op {
        Op::AddColumn {
            column, fill: None, ..
        } => !can_add_in_place(column),
        _ => joins_a_rebuild(op),
    }
}

/// How many ops from the start of `ops` one rebuild of `table` can do: consecutive ops on its
/// columns, keys and foreign keys, up to one that copies a column an earlier op of the run
/// added or changed (the rebuild copies from the table as it was before the run, so such a
/// copy must wait for the next one).
pub(super) fn rebuild_run_length(ops: &[Op], table: &str) -> usize {
    let mut changed: Vec<&str> = Vec::new();
    for (count, op) in ops.iter().enumerate() {
        if !joins_a_rebuild(op) || op.table() != table {
            return count;
        }
        let copies = match op {
            Op::AddColumn {
                fill: Some(Fill::CopyFrom(from)),
                ..
            } => Some(from.as_str()),
            Op::AlterColumn { changes, .. } => match &changes.fill_nulls {
                Some(Fill::CopyFrom(from)) => Some(from.as_str()),
                _ => None,
            },
            _ => None,
        };
        if copies.is_some_and(|from| changed.contains(&from)) {
            return count;
        }
        match op {
            Op::AddColumn { column, .. } => changed.push(&column.name),
            Op::AlterColumn { column, .. } => changed.push(column),
            _ => {}
        }
    }
    ops.len()
}

/// Consecutive ops on one table, which one rebuild of `old` into `new` does at once: each
/// rebuild copies every row, so a migration that changes four columns of a large table copies
/// it once instead of four times.
pub(super) fn rebuild_run(old: &Table, new: &Table, ops: &[&Op]) -> RenderedOp {
    rebuild(old, new, ops)
}

/// SQLite's `ADD COLUMN` refuses a NOT NULL column without default, a non-constant default
/// and a key; everything else it adds in place.
fn can_add_in_place(column: &Column) -> bool {
    let constant_default = match &column.default {
        None => true,
        Some(crate::model::DefaultValue::Sql(_)) => false,
        Some(_) => true,
    };
    !column.auto_increment && constant_default && (column.nullable || column.default.is_some())
}

/// The rebuild of `old` into `new`; `ops` say where added columns take their values and what
/// the NULLs of a column made NOT NULL become.
fn rebuild(old: &Table, new: &Table, ops: &[&Op]) -> RenderedOp {
    let b = Backend::Sqlite;
    let temporary = format!("{REBUILD_PREFIX}{}", new.name);
    let fill_sql = |fill: &Fill| match fill {
        Fill::Value(value) => default_sql(value),
        Fill::CopyFrom(from) => quote_ident(from),
    };
    let mut targets = Vec::new();
    let mut sources = Vec::new();
    let mut checks = Vec::new();
    for column in &new.columns {
        let added = ops.iter().find_map(|op| match op {
            Op::AddColumn {
                column: added,
                fill,
                ..
            } if added.name == column.name => Some(fill),
            _ => None,
        });
        let mut source = match added {
            // Nothing to copy: the column's default, or NULL, fills the rows.
            Some(fill) => fill.as_ref().map(fill_sql),
            None => old.column(&column.name).map(|_| quote_ident(&column.name)),
        };
        let fill_nulls = ops.iter().find_map(|op| match op {
            Op::AlterColumn {
                column: altered,
                changes,
                ..
            } if *altered == column.name => changes.fill_nulls.as_ref(),
            _ => None,
        });
        if let Some(fill) = fill_nulls {
            source = Some(match source {
                Some(source) => format!("COALESCE({source}, {})", fill_sql(fill)),
                None => fill_sql(fill),
            });
        }
        if let (Some(before), Some(source)) = (old.column(&column.name), &source)
            && !crate::op::is_widening(&before.ty, &column.ty)
            && let Some(fits) = fits(source, &column.ty)
        {
            checks.push(FitCheck {
                table: old.name.clone(),
                column: column.name.clone(),
                ty: column.ty.clone(),
                sql: format!(
                    "SELECT count(*), min(quote({source})) FROM {} WHERE {source} IS NOT NULL AND NOT ({fits})",
                    quote_ident(&old.name)
                ),
            });
        }
        if let Some(source) = source {
            targets.push(column.name.clone());
            sources.push(source);
        }
    }
    // No column to copy (every column of the new table is new, without a fill): the rows
    // still move, each taking its first column's default, or NULL.
    if let (true, Some(first)) = (targets.is_empty(), new.columns.first()) {
        targets.push(first.name.clone());
        sources.push(first.default.as_ref().map_or("NULL".into(), default_sql));
    }
    let mut statements = vec![create_table(new, &temporary, b)];
    if !targets.is_empty() {
        statements.push(format!(
            "INSERT INTO {} ({}) SELECT {} FROM {}",
            quote_ident(&temporary),
            ident_list(&targets),
            sources.join(", "),
            quote_ident(&old.name)
        ));
    }
    if old.columns.iter().any(|c| c.auto_increment) && new.columns.iter().any(|c| c.auto_increment)
    {
        // AUTOINCREMENT never hands out an id again, even a deleted one: its high-water mark
        // is the table's row in sqlite_sequence, which would go with the old table.
        statements.push(format!(
            "DELETE FROM sqlite_sequence WHERE name = {}",
            quote_string(&temporary)
        ));
        statements.push(format!(
            "INSERT INTO sqlite_sequence (name, seq) SELECT {}, seq FROM sqlite_sequence WHERE name = {}",
            quote_string(&temporary),
            quote_string(&old.name)
        ));
    }
    statements.push(drop_table(&old.name, b));
    // In legacy mode the rename neither checks nor rewrites the views and foreign keys that
    // name the old table: they go on naming it, and now mean the new one.
    statements.push("PRAGMA legacy_alter_table = ON".into());
    statements.push(rename_table(&temporary, &new.name, b));
    statements.push("PRAGMA legacy_alter_table = OFF".into());
    statements.extend(new.indexes.iter().map(|i| create_index(&new.name, i, b)));
    RenderedOp {
        statements,
        rebuilds: Some(new.name.clone()),
        checks,
    }
}

/// A condition that holds when `x`'s value fits `ty` as PostgreSQL's cast to it takes values
/// (text that reads as a number, a date, a boolean, a UUID; text no longer than a varchar);
/// `None` when every value fits.
fn fits(x: &str, ty: &ColumnType) -> Option<String> {
    use ColumnType as T;
    let text = format!("typeof({x}) = 'text'");
    let integer_text = format!(
        "({text} AND ltrim(trim({x}), '+-') <> '' AND ltrim(trim({x}), '+-') NOT GLOB '*[^0-9]*' \
         AND length(trim({x})) - length(ltrim(trim({x}), '+-')) <= 1)"
    );
    let hex = "[0-9a-f]";
    Some(match ty {
        T::SmallInt | T::Integer | T::BigInt => {
            let (min, max) = ty.integer_range().unwrap_or((i64::MIN, i64::MAX));
            format!(
                "(typeof({x}) IN ('integer', 'real') OR {integer_text}) \
                 AND CAST({x} AS REAL) BETWEEN {min} AND {max}"
            )
        }
        T::Real | T::Double | T::Decimal { .. } => format!(
            "typeof({x}) IN ('integer', 'real') OR ({text} AND CAST(trim({x}) AS REAL) = trim({x}))"
        ),
        T::Boolean => format!(
            "(typeof({x}) = 'integer') OR ({text} AND lower(trim({x})) IN \
             ('t', 'true', 'y', 'yes', 'on', '1', 'f', 'false', 'n', 'no', 'off', '0'))"
        ),
        T::Varchar(n) => format!("length({x}) <= {n}"),
        T::Date => format!("{text} AND date({x}) IS NOT NULL"),
        T::Time => format!("{text} AND time({x}) IS NOT NULL"),
        T::Timestamp | T::TimestampTz => format!("{text} AND datetime({x}) IS NOT NULL"),
        T::Uuid => {
            let group = |n: usize| hex.repeat(n);
            let dashed = [8, 4, 4, 4, 12].map(group).join("-");
            format!(
                "{text} AND (lower(trim({x})) GLOB '{dashed}' OR lower(trim({x})) GLOB '{}')",
                group(32)
            )
        }
        T::Json => format!("json_valid({x})"),
        T::Bytes => format!("typeof({x}) IN ('blob', 'text')"),
        T::Text | T::Custom(_) => return None,
    })
}
