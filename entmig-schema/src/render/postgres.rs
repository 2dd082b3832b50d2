//! PostgreSQL: every op is an `ALTER` in place, in the cheapest form. `ADD COLUMN .. DEFAULT`
//! with a constant is metadata-only, so a fill value is added as a default and dropped again
//! instead of rewriting the table with an `UPDATE`.

pub mod read;

use super::type_name;
use super::{
    Backend, RenderedOp, column_def, create_index, default_sql, drop_index, drop_table, ident_list,
};
use super::{foreign_key_clause, quote_ident, quote_string, rename_column, rename_table};
use crate::model::Table;
use crate::naming;
use crate::op::{Fill, Op};

/// The name of a table's primary-key constraint, PostgreSQL's own default: `<table>_pkey`.
pub(crate) fn primary_key_name(table: &str) -> String {
    naming::fit(&format!("{table}_pkey"))
}

pub(super) fn render(op: &Op, before: Option<&Table>) -> RenderedOp {
    let b = Backend::Postgres;
    let alter =
        |table: &str, action: String| format!("ALTER TABLE {} {action}", quote_ident(table));
    let statements = match op {
        Op::CreateTable { table } => super::create_table_and_indexes(table, b),
        Op::DropTable { table } => vec![drop_table(&table.name, b)],
        Op::RenameTable { from, to } => {
            let mut statements = vec![rename_table(from, to, b)];
            // Keep the key's name `<table>_pkey`, so later key changes can name it.
            if before.is_some_and(|t| !t.primary_key.is_empty()) {
                statements.push(alter(
                    to,
                    format!(
                        "RENAME CONSTRAINT {} TO {}",
                        quote_ident(&primary_key_name(from)),
                        quote_ident(&primary_key_name(to))
                    ),
                ));
            }
            statements
        }
        Op::AddColumn {
            table,
            column,
            fill,
        } => match fill {
            None => vec![alter(
                table,
                format!("ADD COLUMN {}", column_def(column, b)),
            )],
            Some(Fill::Value(value)) => {
                let mut with_fill = column.clone();
                with_fill.default = Some(value.clone());
                let reset = match &column.default {
                    Some(default) => format!("SET DEFAULT {}", default_sql(default)),
                    None => "DROP DEFAULT".into(),
                };
                vec![
                    alter(table, format!("ADD COLUMN {}", column_def(&with_fill, b))),
                    alter(
                        table,
                        format!("ALTER COLUMN {} {reset}", quote_ident(&column.name)),
                    ),
                ]
            }
            Some(Fill::CopyFrom(source)) => {
                let mut open = column.clone();
                open.nullable = true;
                let mut statements = vec![
                    alter(table, format!("ADD COLUMN {}", column_def(&open, b))),
                    format!(
                        "UPDATE {} SET {} = {}",
                        quote_ident(table),
                        quote_ident(&column.name),
                        quote_ident(source)
                    ),
                ];
                if !column.nullable {
                    statements.push(alter(
                        table,
                        format!("ALTER COLUMN {} SET NOT NULL", quote_ident(&column.name)),
                    ));
                }
                statements
            }
        },
        Op::DropColumn { table, column } => {
            vec![alter(
                table,
                format!("DROP COLUMN {}", quote_ident(&column.name)),
            )]
        }
        Op::RenameColumn { table, from, to } => vec![rename_column(table, from, to, b)],
        Op::AlterColumn {
            table,
            column,
            changes,
        } => {
            let col = quote_ident(column);
            let mut statements = Vec::new();
            let step = |action: &str| alter(table, format!("ALTER COLUMN {col} {action}"));
            if changes.auto_increment.as_ref().is_some_and(|c| c.from) {
                statements.push(step("DROP IDENTITY"));
            }
            if let Some(change) = &changes.default
                && change.from.is_some()
            {
                statements.push(step("DROP DEFAULT"));
            }
            if let Some(change) = &changes.ty {
                let ty = type_name(&change.to, b);
                statements.push(step(&format!("TYPE {ty} USING {col}::{ty}")));
            }
            if let Some(change) = &changes.nullable {
                if let (false, Some(fill)) = (change.to, &changes.fill_nulls) {
                    // The NULLs get their value (in the new type) before NULL is refused.
                    let value = match fill {
                        Fill::Value(value) => default_sql(value),
                        Fill::CopyFrom(source) => quote_ident(source),
                    };
                    statements.push(format!(
                        "UPDATE {} SET {col} = {value} WHERE {col} IS NULL",
                        quote_ident(table)
                    ));
                }
                statements.push(step(if change.to {
                    "DROP NOT NULL"
                } else {
                    "SET NOT NULL"
                }));
            }
            if let Some(Some(default)) = changes.default.as_ref().map(|c| &c.to) {
                statements.push(step(&format!("SET DEFAULT {}", default_sql(default))));
            }
            if changes.auto_increment.as_ref().is_some_and(|c| c.to) {
                statements.push(step("ADD GENERATED BY DEFAULT AS IDENTITY"));
                // Existing rows already hold keys: start the sequence after the largest.
                statements.push(format!(
                    "SELECT setval(pg_get_serial_sequence({}, {}), COALESCE(MAX({col}), 0) + 1, false) FROM {}",
                    quote_string(&quote_ident(table)),
                    quote_string(column),
                    quote_ident(table)
                ));
            }
            statements
        }
        Op::AddIndex { table, index } => vec![create_index(table, index, b)],
        Op::DropIndex { table, index } => vec![drop_index(table, index, b)],
        Op::AddForeignKey { table, foreign_key } => {
            vec![alter(
                table,
                format!("ADD {}", foreign_key_clause(foreign_key)),
            )]
        }
        Op::DropForeignKey { table, foreign_key } => vec![alter(
            table,
            format!("DROP CONSTRAINT {}", quote_ident(&foreign_key.name)),
        )],
        Op::SetPrimaryKey { table, from, to } => {
            let name = quote_ident(&primary_key_name(table));
            let mut statements = Vec::new();
            if !from.is_empty() {
                statements.push(alter(table, format!("DROP CONSTRAINT {name}")));
            }
            if !to.is_empty() {
                statements.push(alter(
                    table,
                    format!("ADD CONSTRAINT {name} PRIMARY KEY ({})", ident_list(to)),
                ));
            }
            statements
        }
    };
    RenderedOp {
        statements,
        rebuilds: None,
        checks: Vec::new(),
    }
}
