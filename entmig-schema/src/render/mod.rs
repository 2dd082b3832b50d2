//! Rendering: ops to SQL statements for SQLite and PostgreSQL, and beside each dialect's
//! writer its reader of the same text (`sqlite::read`, `postgres::read`: type names and
//! defaults as the database reports them), over one [`tokens`] tokenizer.
//!
//! Statements that sea-query writes the way we want (indexes, drops, renames, PostgreSQL's
//! foreign keys) come from sea-query. Column definitions and `CREATE TABLE` are written here:
//! sea-query leaves constraint names out of SQLite's `CREATE TABLE`, and introspection reads
//! those names back; and it wraps defaults in parentheses, which SQLite then reports back as
//! part of the default.
//!
//! Rendering tracks the schema as the ops change it, because SQLite's table rebuild needs the
//! whole table as it is before and after each op.

pub mod postgres;
pub mod sqlite;
pub mod tokens;

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::column_type::Shape;
use crate::model::{Column, ColumnType, DefaultValue, ForeignKey, Index, Schema, Table};
use crate::op::{ApplyError, Op};

/// A database dialect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Backend {
    /// SQLite 3.35 or newer.
    Sqlite,
    /// PostgreSQL 12 or newer.
    Postgres,
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        })
    }
}

impl Backend {
    /// Both backends.
    pub const ALL: [Backend; 2] = [Backend::Sqlite, Backend::Postgres];

    /// The schema as this backend stores it, so that it compares equal with what introspection
    /// reads back. SQLite's only auto-increment column is `INTEGER PRIMARY KEY`, a 64-bit
    /// integer: an auto-incremented `smallint` or `integer` reads back as `bigint`. Rename hints
    /// are kept, so the result can still be diffed against a live schema.
    pub fn normalize(&self, schema: &Schema) -> Schema {
        let mut schema = schema.clone();
        if *self == Backend::Sqlite {
            for table in schema.tables.values_mut() {
                for column in &mut table.columns {
                    if column.auto_increment {
                        column.ty = ColumnType::BigInt;
                    }
                }
            }
        }
        schema
    }
}

/// The SQL of one op.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedOp {
    /// The statements, in order, to run in the migration's transaction.
    pub statements: Vec<String>,
    /// On SQLite, the table this op rebuilds (copies into a new table), if it does. A rebuild
    /// drops the table's triggers, so the runtime saves and recreates them around it.
    pub rebuilds: Option<String>,
    /// On SQLite, checks that the rows' values fit the types the rebuild gives their columns,
    /// to run before the statements: SQLite would copy `'r3'` into a `SMALLINT` column, where
    /// PostgreSQL's cast refuses it, and one migration must mean one thing on both.
    pub checks: Vec<FitCheck>,
}

/// A query that finds the rows whose value in `column` does not fit `ty`, the way
/// PostgreSQL's cast to that type would refuse it: it gives their number and the smallest of
/// their values, quoted (`NULL` when every row fits).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FitCheck {
    /// The table, as it is before the change.
    pub table: String,
    /// The column.
    pub column: String,
    /// The type its values must fit.
    pub ty: crate::model::ColumnType,
    /// `SELECT count(*), min(quote(..)) FROM .. WHERE <does not fit>`.
    pub sql: String,
}

/// Why ops could not be rendered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RenderError {
    /// An op does not fit the schema it is applied to.
    #[error("step {step} ({op}) does not apply: {source}")]
    Apply {
        /// The 1-based position of the op.
        step: usize,
        /// The op, as one line.
        op: String,
        /// What is wrong.
        source: ApplyError,
    },
}

/// Renders `ops`, applied in order to a database whose schema is `schema`.
///
/// ```
/// use entmig_schema::{render, Backend, Column, ColumnType, Op, Schema, Table};
/// let mut users = Table::new("users");
/// users.columns.push(Column::new("id", ColumnType::BigInt));
/// let sql = render(&[Op::CreateTable { table: users }], &Schema::new(), Backend::Postgres).unwrap();
/// assert_eq!(sql[0].statements, ["CREATE TABLE \"users\" (\n  \"id\" bigint NOT NULL\n)"]);
/// ```
pub fn render(
    ops: &[Op],
    schema: &Schema,
    backend: Backend,
) -> Result<Vec<RenderedOp>, RenderError> {
    render_into(ops, &mut schema.clone(), backend)
}

/// [`render`], with `schema` following the ops: afterwards it is the schema they leave, so a
/// caller rendering several lists in turn keeps one schema instead of applying each twice.
pub fn render_into(
    ops: &[Op],
    schema: &mut Schema,
    backend: Backend,
) -> Result<Vec<RenderedOp>, RenderError> {
    let mut out = Vec::with_capacity(ops.len());
    let mut runs = Runs::new(ops, backend);
    while let Some(run) = runs.next(schema) {
        out.push(run?.rendered);
    }
    Ok(out)
}

/// Ops rendered together by [`render_run`] (one op, or a SQLite rebuild of several), and where
/// they sit in the list being rendered: the one place that numbers a statement's op.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedRun {
    /// The 0-based position of the run's first op, counted from [`Runs::numbered_from`].
    pub first: usize,
    /// How many ops it takes: more than one only for a SQLite table rebuild.
    pub count: usize,
    /// Their SQL.
    pub rendered: RenderedOp,
}

/// A list of ops rendered run by run ([`RenderedRun`]), each numbered by its first op. The
/// schema is passed to each call rather than held, so that a caller that executes each run may
/// read the schema again between runs.
///
/// ```
/// use entmig_schema::{Backend, Column, ColumnType, Op, Runs, Schema, Table};
/// let ops = [
///     Op::CreateTable { table: Table::new("a").with_column(Column::new("id", ColumnType::BigInt)) },
///     Op::CreateTable { table: Table::new("b").with_column(Column::new("id", ColumnType::BigInt)) },
/// ];
/// let mut schema = Schema::new();
/// // The ops are steps 3 and 4 (0-based 2 and 3) of a longer plan.
/// let mut runs = Runs::new(&ops, Backend::Sqlite).numbered_from(2);
/// let mut firsts = Vec::new();
/// while let Some(run) = runs.next(&mut schema) {
///     firsts.push(run.unwrap().first);
/// }
/// assert_eq!(firsts, [2, 3]);
/// assert!(schema.table("b").is_some());
/// ```
#[derive(Debug, Clone)]
pub struct Runs<'a> {
    ops: &'a [Op],
    done: usize,
    offset: usize,
    backend: Backend,
}

impl<'a> Runs<'a> {
    /// The runs of `ops` for `backend`, numbered from 0.
    pub fn new(ops: &'a [Op], backend: Backend) -> Self {
        Runs {
            ops,
            done: 0,
            offset: 0,
            backend,
        }
    }

    /// Numbers the ops from `offset`: where they start in a longer list of steps (a migration's
    /// plan, whose other steps are not ops). Runs and errors then name the step in that list.
    pub fn numbered_from(mut self, offset: usize) -> Self {
        self.offset = offset;
        self
    }

    /// The ops of a run this iterator returned.
    pub fn ops(&self, run: &RenderedRun) -> &'a [Op] {
        let start = run.first.saturating_sub(self.offset).min(self.ops.len());
        let end = (start + run.count).min(self.ops.len());
        &self.ops[start..end]
    }

    /// The next run, rendered against `schema`, which then follows it; `None` after the last.
    /// An error's step is the failing op's 1-based number, counted as [`RenderedRun::first`] is.
    pub fn next(&mut self, schema: &mut Schema) -> Option<Result<RenderedRun, RenderError>> {
        if self.done >= self.ops.len() {
            return None;
        }
        let done = self.done;
        let first = self.offset + done;
        Some(match render_run(&self.ops[done..], schema, self.backend) {
            Ok((count, rendered)) => {
                // Never stall, whatever a run reports.
                self.done += count.max(1);
                Ok(RenderedRun {
                    first,
                    count,
                    rendered,
                })
            }
            Err(error) => {
                self.done = self.ops.len();
                Err(error.after(first))
            }
        })
    }
}

/// Renders the first op of `ops` against `schema` — or, on SQLite, the run of ops at the start
/// that change one table's columns, keys and foreign keys, as one table rebuild — and applies
/// them to `schema`; how many ops it took, and their SQL. Each rebuild copies every row, so a
/// migration that changes four columns of a large table copies it once instead of four times.
pub fn render_run(
    ops: &[Op],
    schema: &mut Schema,
    backend: Backend,
) -> Result<(usize, RenderedOp), RenderError> {
    let Some(first) = ops.first() else {
        return Ok((
            0,
            RenderedOp {
                statements: Vec::new(),
                rebuilds: None,
                checks: Vec::new(),
            },
        ));
    };
    if backend == Backend::Sqlite && sqlite::joins_a_rebuild(first) {
        let table = first.table();
        let run = sqlite::rebuild_run_length(ops, table);
        if run > 1 && ops[..run].iter().any(sqlite::needs_rebuild) {
            let before = schema.table(table).cloned();
            for (i, op) in ops[..run].iter().enumerate() {
                op.apply(schema).map_err(|source| RenderError::Apply {
                    step: i + 1,
                    op: op.to_string(),
                    source,
                })?;
            }
            if let (Some(old), Some(new)) = (before.as_ref(), schema.table(table)) {
                let run_ops: Vec<&Op> = ops[..run].iter().collect();
                return Ok((run, sqlite::rebuild_run(old, new, &run_ops)));
            }
        }
    }
    render_op(first, schema, backend).map(|rendered| (1, rendered))
}

/// Renders one op against `schema`, then applies it to `schema`, so that a caller rendering a
/// long list keeps one schema up to date instead of copying it.
pub fn render_op(
    op: &Op,
    schema: &mut Schema,
    backend: Backend,
) -> Result<RenderedOp, RenderError> {
    // Only the table the op changes is needed as it was; copying the whole schema for every op
    // would make rendering quadratic in the number of tables.
    let name_before = match op {
        Op::RenameTable { from, .. } => from.as_str(),
        _ => op.table(),
    };
    let before = schema.table(name_before).cloned();
    op.apply(schema).map_err(|source| RenderError::Apply {
        step: 1,
        op: op.to_string(),
        source,
    })?;
    let after = schema.table(op.table());
    Ok(match backend {
        Backend::Sqlite => sqlite::render(op, before.as_ref(), after),
        Backend::Postgres => postgres::render(op, before.as_ref()),
    })
}

impl RenderError {
    /// The 1-based position of the op that does not apply.
    pub fn step(&self) -> usize {
        match self {
            RenderError::Apply { step, .. } => *step,
        }
    }

    /// The error of a list of ops of which `skipped` came before the list it was found in.
    fn after(self, skipped: usize) -> Self {
        match self {
            RenderError::Apply { step, op, source } => RenderError::Apply {
                step: step + skipped,
                op,
                source,
            },
        }
    }
}

/// `"name"`, with inner quotes doubled.
pub fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// `"a", "b"`.
pub(crate) fn ident_list(names: &[String]) -> String {
    names
        .iter()
        .map(|n| quote_ident(n))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `'text'`, with inner quotes doubled.
pub fn quote_string(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// A default as SQL: literals quoted, SQL expressions as written.
pub(crate) fn default_sql(default: &DefaultValue) -> String {
    match default {
        DefaultValue::String(s) => quote_string(s),
        DefaultValue::Integer(i) => i.to_string(),
        DefaultValue::Float(f) => format!("{f:?}"),
        DefaultValue::Bool(true) => "TRUE".into(),
        DefaultValue::Bool(false) => "FALSE".into(),
        DefaultValue::Sql(sql) => sql.clone(),
    }
}

/// `"name" TYPE [NOT NULL] [DEFAULT ..]` plus the backend's auto-increment words.
pub(crate) fn column_def(column: &Column, backend: Backend) -> String {
    let mut sql = format!(
        "{} {}",
        quote_ident(&column.name),
        type_sql(column, backend)
    );
    if !column.nullable {
        sql.push_str(" NOT NULL");
    }
    if let Some(default) = &column.default {
        sql.push_str(" DEFAULT ");
        sql.push_str(&default_sql(default));
    }
    if column.auto_increment {
        sql.push_str(match backend {
            Backend::Sqlite => " PRIMARY KEY AUTOINCREMENT",
            Backend::Postgres => " GENERATED BY DEFAULT AS IDENTITY",
        });
    }
    sql
}

/// The column's SQL type in `backend`.
pub(crate) fn type_sql(column: &Column, backend: Backend) -> String {
    match backend {
        Backend::Sqlite => sqlite::type_sql(column),
        Backend::Postgres => type_name(&column.ty, backend),
    }
}

/// The SQL name of a column type in `backend`: the table's spelling of a plain type
/// ([`Names`](crate::column_type::Names)); a parameterised type is spelt alike in both, in
/// upper case on SQLite. Each dialect's `read::column_type` reads these names back.
pub(crate) fn type_name(ty: &ColumnType, backend: Backend) -> String {
    let name = match ty.shape() {
        Shape::Plain(names) => match backend {
            Backend::Sqlite => return names.sqlite.into(),
            Backend::Postgres => return names.postgres.into(),
        },
        Shape::Decimal {
            precision: Some(p),
            scale,
        } => format!("numeric({p}, {})", scale.unwrap_or(0)),
        Shape::Decimal { .. } => "numeric".into(),
        Shape::Varchar(n) => format!("varchar({n})"),
        Shape::Custom(name) => return name.into(),
    };
    match backend {
        Backend::Sqlite => name.to_ascii_uppercase(),
        Backend::Postgres => name,
    }
}

/// `CONSTRAINT "fk" FOREIGN KEY ("a") REFERENCES "t" ("id") [ON DELETE ..] [ON UPDATE ..]`.
pub(crate) fn foreign_key_clause(fk: &ForeignKey) -> String {
    let mut sql = format!(
        "CONSTRAINT {} FOREIGN KEY ({}) REFERENCES {} ({})",
        quote_ident(&fk.name),
        ident_list(&fk.columns),
        quote_ident(&fk.referenced_table),
        ident_list(&fk.referenced_columns)
    );
    if !fk.on_delete.is_no_action() {
        sql.push_str(&format!(" ON DELETE {}", fk.on_delete.sql()));
    }
    if !fk.on_update.is_no_action() {
        sql.push_str(&format!(" ON UPDATE {}", fk.on_update.sql()));
    }
    sql
}

/// `CREATE TABLE` with columns, key and foreign keys, one definition a line.
/// A new table's `CREATE TABLE` and its `CREATE INDEX`es, on either backend.
pub(crate) fn create_table_and_indexes(table: &Table, backend: Backend) -> Vec<String> {
    let mut statements = vec![create_table(table, &table.name, backend)];
    statements.extend(
        table
            .indexes
            .iter()
            .map(|i| create_index(&table.name, i, backend)),
    );
    statements
}

pub(crate) fn create_table(table: &Table, name: &str, backend: Backend) -> String {
    let mut lines: Vec<String> = table
        .columns
        .iter()
        .map(|c| column_def(c, backend))
        .collect();
    let key_in_column =
        table.columns.iter().any(|c| c.auto_increment) && backend == Backend::Sqlite;
    if !table.primary_key.is_empty() && !key_in_column {
        lines.push(match backend {
            Backend::Sqlite => format!("PRIMARY KEY ({})", ident_list(&table.primary_key)),
            Backend::Postgres => format!(
                "CONSTRAINT {} PRIMARY KEY ({})",
                quote_ident(&postgres::primary_key_name(name)),
                ident_list(&table.primary_key)
            ),
        });
    }
    lines.extend(table.foreign_keys.iter().map(foreign_key_clause));
    format!(
        "CREATE TABLE {} (\n  {}\n)",
        quote_ident(name),
        lines.join(",\n  ")
    )
}

/// `CREATE [UNIQUE] INDEX`, through sea-query.
pub(crate) fn create_index(table: &str, index: &Index, backend: Backend) -> String {
    let mut statement = sea_query::Index::create();
    statement
        .name(&index.name)
        .table(sea_query::Alias::new(table));
    for column in &index.columns {
        statement.col(sea_query::Alias::new(column));
    }
    if index.unique {
        statement.unique();
    }
    build(&statement, backend)
}

/// `DROP INDEX`, through sea-query.
pub(crate) fn drop_index(table: &str, index: &Index, backend: Backend) -> String {
    let statement = sea_query::Index::drop()
        .name(&index.name)
        .table(sea_query::Alias::new(table))
        .to_owned();
    build(&statement, backend)
}

/// `DROP TABLE`, through sea-query.
pub(crate) fn drop_table(table: &str, backend: Backend) -> String {
    build(
        &sea_query::Table::drop()
            .table(sea_query::Alias::new(table))
            .to_owned(),
        backend,
    )
}

/// `ALTER TABLE .. RENAME TO ..`, through sea-query.
pub(crate) fn rename_table(from: &str, to: &str, backend: Backend) -> String {
    build(
        &sea_query::Table::rename()
            .table(sea_query::Alias::new(from), sea_query::Alias::new(to))
            .to_owned(),
        backend,
    )
}

/// `ALTER TABLE .. RENAME COLUMN .. TO ..`, through sea-query.
pub(crate) fn rename_column(table: &str, from: &str, to: &str, backend: Backend) -> String {
    build(
        &sea_query::Table::alter()
            .table(sea_query::Alias::new(table))
            .rename_column(sea_query::Alias::new(from), sea_query::Alias::new(to))
            .to_owned(),
        backend,
    )
}

fn build(statement: &impl sea_query::SchemaStatementBuilder, backend: Backend) -> String {
    match backend {
        Backend::Sqlite => statement.to_string(sea_query::SqliteQueryBuilder),
        Backend::Postgres => statement.to_string(sea_query::PostgresQueryBuilder),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_and_strings_are_quoted() {
        assert_eq!(quote_ident("user"), "\"user\"");
        assert_eq!(quote_ident("a\"b"), "\"a\"\"b\"");
        assert_eq!(quote_string("it's"), "'it''s'");
    }

    #[test]
    fn defaults_render_as_literals() {
        assert_eq!(default_sql(&DefaultValue::Float(1.0)), "1.0");
        assert_eq!(default_sql(&DefaultValue::Float(-2.5e-7)), "-2.5e-7");
        assert_eq!(default_sql(&DefaultValue::Integer(-3)), "-3");
        assert_eq!(default_sql(&DefaultValue::Bool(true)), "TRUE");
        assert_eq!(
            default_sql(&DefaultValue::Sql("CURRENT_TIMESTAMP".into())),
            "CURRENT_TIMESTAMP"
        );
    }
}
