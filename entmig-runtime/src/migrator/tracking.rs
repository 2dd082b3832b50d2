//! The `entmig_migrations` table, which records what is applied: every statement that touches
//! it is here, and every row read from it becomes a typed [`TrackedRow`] or an error that names
//! the row.
//!
//! The table's definition is fixed (users' databases hold it already). The statements that read
//! and change rows are written once, with sea-query, and rendered for the database's backend
//! with their values bound as parameters.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use entmig_schema::Backend;
use entmig_schema::clock::UtcTime;
use sea_query::{Expr, ExprTrait, Order, Query, QueryStatementWriter};

use crate::database::{Database, Transaction};
use crate::error::{Error, Result};
use crate::value::Value;

/// The table that records applied migrations.
pub const TRACKING_TABLE: &str = "entmig_migrations";

/// The columns, in the order [`read`] selects them.
const COLUMNS: [&str; 6] = [
    "id",
    "name",
    "checksum",
    "applied_at",
    "duration_ms",
    "status",
];

/// The table as entmig has always created it; changing it would split users' databases in two.
fn create_sql() -> String {
    format!(
        "CREATE TABLE {TRACKING_TABLE} (\n  \
         id VARCHAR(255) NOT NULL PRIMARY KEY,\n  \
         name TEXT NOT NULL,\n  \
         checksum TEXT NOT NULL,\n  \
         applied_at TEXT NOT NULL,\n  \
         duration_ms BIGINT NOT NULL,\n  \
         status TEXT NOT NULL\n)"
    )
}

/// Whether a migration's row records it as finished.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Status {
    /// Recorded before a non-transactional migration (or revert) ran; still there after a
    /// failure or a crash, which makes the migration dirty.
    Started,
    /// Applied completely.
    Applied,
}

impl Status {
    /// As stored in the `status` column.
    fn as_str(self) -> &'static str {
        match self {
            Status::Started => "started",
            Status::Applied => "applied",
        }
    }

    fn parse(text: &str) -> Option<Status> {
        match text {
            "started" => Some(Status::Started),
            "applied" => Some(Status::Applied),
            _ => None,
        }
    }
}

/// One row of the tracking table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TrackedRow {
    /// The migration's id (`20261121_101500_create_user`).
    pub(crate) id: String,
    /// Its name, without the timestamp; only informative, so a NULL is tolerated.
    pub(crate) name: Option<String>,
    /// The checksum of its `up` when it was applied.
    pub(crate) checksum: String,
    /// When it was applied (UTC, RFC 3339).
    pub(crate) applied_at: String,
    /// How long it took, in milliseconds.
    pub(crate) duration_ms: i64,
    /// Finished, or started and never finished.
    pub(crate) status: Status,
}

/// `true` when the table exists.
pub(crate) fn exists(db: &mut Database) -> Result<bool> {
    db.driver().has_table(TRACKING_TABLE)
}

/// Creates the table if it is missing, in a transaction of its own (under the run's lock), so
/// that it lands in the managed schema through a pooler too.
pub(crate) fn create_if_missing(db: &mut Database) -> Result<()> {
    if !exists(db)? {
        db.in_transaction(None, |tx| tx.execute(&create_sql(), &[]).map(|_| ()))?;
    }
    Ok(())
}

/// Every row, by id. The table must exist.
pub(crate) fn read(db: &mut Database) -> Result<BTreeMap<String, TrackedRow>> {
    let (sql, params) = build(
        Query::select()
            .columns(COLUMNS)
            .from(TRACKING_TABLE)
            .order_by("id", Order::Asc),
        db.backend(),
    )?;
    let mut out = BTreeMap::new();
    for (position, row) in db.query(&sql, &params)?.into_iter().enumerate() {
        let row = parse_row(position, row)?;
        out.insert(row.id.clone(), row);
    }
    Ok(out)
}

/// Every row, or `None` when there is no table (read-only callers create nothing).
pub(crate) fn read_if_exists(db: &mut Database) -> Result<Option<BTreeMap<String, TrackedRow>>> {
    if exists(db)? {
        read(db).map(Some)
    } else {
        Ok(None)
    }
}

/// Records a migration as applied now (or started, with no duration yet).
pub(crate) fn insert(
    tx: &mut Transaction<'_>,
    id: &str,
    name: &str,
    checksum: &str,
    duration: Duration,
    status: Status,
) -> Result<()> {
    let mut insert = Query::insert();
    insert.into_table(TRACKING_TABLE).columns(COLUMNS);
    insert
        .values([
            Expr::val(id),
            Expr::val(name),
            Expr::val(checksum),
            Expr::val(now_rfc3339()),
            Expr::val(millis(duration)),
            Expr::val(status.as_str()),
        ])
        .map_err(|e| Error::Sql {
            sql: format!("INSERT INTO {TRACKING_TABLE}"),
            message: e.to_string(),
        })?;
    execute(tx, &insert)
}

/// Marks a started migration as applied, with how long it took.
pub(crate) fn mark_applied(tx: &mut Transaction<'_>, id: &str, duration: Duration) -> Result<()> {
    execute(
        tx,
        Query::update()
            .table(TRACKING_TABLE)
            .value("status", Status::Applied.as_str())
            .value("duration_ms", millis(duration))
            .and_where(Expr::col("id").eq(id)),
    )
}

/// Marks an applied migration as started again: a non-transactional revert is about to run.
pub(crate) fn mark_started(tx: &mut Transaction<'_>, id: &str) -> Result<()> {
    execute(
        tx,
        Query::update()
            .table(TRACKING_TABLE)
            .value("status", Status::Started.as_str())
            .and_where(Expr::col("id").eq(id)),
    )
}

/// Removes a migration's row: it is reverted.
pub(crate) fn delete(tx: &mut Transaction<'_>, id: &str) -> Result<()> {
    execute(
        tx,
        Query::delete()
            .from_table(TRACKING_TABLE)
            .and_where(Expr::col("id").eq(id)),
    )
}

/// Settles a dirty (started) migration after a check by hand: `applied` marks it applied,
/// otherwise its row goes, so that `run` applies it again. A row that is not started is left.
pub(crate) fn resolve(tx: &mut Transaction<'_>, id: &str, applied: bool) -> Result<()> {
    let is_started = Expr::col("id")
        .eq(id)
        .and(Expr::col("status").eq(Status::Started.as_str()));
    if applied {
        execute(
            tx,
            Query::update()
                .table(TRACKING_TABLE)
                .value("status", Status::Applied.as_str())
                .and_where(is_started),
        )
    } else {
        execute(
            tx,
            Query::delete()
                .from_table(TRACKING_TABLE)
                .and_where(is_started),
        )
    }
}

fn execute(tx: &mut Transaction<'_>, statement: &impl QueryStatementWriter) -> Result<()> {
    let (sql, params) = build(statement, tx.backend())?;
    tx.execute(&sql, &params)?;
    Ok(())
}

/// The statement for `backend` (`$1` placeholders on PostgreSQL, `?` on SQLite) and its
/// parameters.
fn build(statement: &impl QueryStatementWriter, backend: Backend) -> Result<(String, Vec<Value>)> {
    let (sql, values) = match backend {
        Backend::Sqlite => statement.build(sea_query::SqliteQueryBuilder),
        Backend::Postgres => statement.build(sea_query::PostgresQueryBuilder),
    };
    let params = values
        .into_iter()
        .map(|value| parameter(value).ok_or_else(|| unbindable(&sql)))
        .collect::<Result<Vec<Value>>>()?;
    Ok((sql, params))
}

/// A sea-query value as entmig binds it; `None` for kinds the tracking table never stores.
fn parameter(value: sea_query::Value) -> Option<Value> {
    use sea_query::Value as V;
    Some(match value {
        V::String(text) => Value::from(text),
        V::BigInt(n) => Value::from(n),
        V::Int(n) => Value::from(n),
        V::Bool(b) => Value::from(b),
        _ => return None,
    })
}

fn unbindable(sql: &str) -> Error {
    Error::Sql {
        sql: sql.to_owned(),
        message: "entmig cannot bind a parameter of this kind".into(),
    }
}

/// A row as the database returned it, checked column by column. `position` is its 0-based
/// place in id order, to name a row that has no id.
fn parse_row(position: usize, row: Vec<Value>) -> Result<TrackedRow> {
    let corrupt = |row: String, problem: String| Error::TrackingRow { row, problem };
    let Ok([id, name, checksum, applied_at, duration_ms, status]) = <[Value; 6]>::try_from(row)
    else {
        return Err(corrupt(
            format!("#{}", position + 1),
            format!(
                "has the wrong number of columns; expected {}",
                COLUMNS.join(", ")
            ),
        ));
    };
    let id = match id {
        Value::Text(id) if !id.is_empty() => id,
        other => {
            return Err(corrupt(
                format!("#{} (in id order)", position + 1),
                format!("has id {}; expected the migration's id", shown(&other)),
            ));
        }
    };
    let named = format!("'{id}'");
    let text = |column: &str, value: Value| match value {
        Value::Text(text) => Ok(text),
        other => Err(corrupt(
            named.clone(),
            format!("has {column} {}; expected text", shown(&other)),
        )),
    };
    let name = match name {
        Value::Null => None,
        other => Some(text("name", other)?),
    };
    let checksum = text("checksum", checksum)?;
    let applied_at = text("applied_at", applied_at)?;
    let Value::Integer(duration_ms) = duration_ms else {
        return Err(corrupt(
            named,
            format!(
                "has duration_ms {}; expected a whole number of milliseconds",
                shown(&duration_ms)
            ),
        ));
    };
    let status = match &status {
        Value::Text(text) => Status::parse(text),
        _ => None,
    }
    .ok_or_else(|| {
        corrupt(
            named.clone(),
            format!(
                "has status {}; expected 'applied' or 'started'",
                shown(&status)
            ),
        )
    })?;
    Ok(TrackedRow {
        id,
        name,
        checksum,
        applied_at,
        duration_ms,
        status,
    })
}

/// A value as an error message shows it.
fn shown(value: &Value) -> String {
    match value {
        Value::Null => "NULL".into(),
        Value::Integer(n) => n.to_string(),
        Value::Real(f) => f.to_string(),
        Value::Text(text) => format!("'{text}'"),
        Value::Blob(bytes) => format!("a blob of {} bytes", bytes.len()),
    }
}

/// Now, as `applied_at` records it. The clock is read here, not in the pure entmig-schema.
fn now_rfc3339() -> String {
    let seconds = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    UtcTime::from_unix(seconds).rfc3339()
}

/// Whole milliseconds, as `duration_ms` records them.
fn millis(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(values: Vec<Value>) -> Result<TrackedRow> {
        parse_row(2, values)
    }

    fn good() -> Vec<Value> {
        vec![
            Value::from("20260101_000000_x"),
            Value::from("x"),
            Value::from("abc"),
            Value::from("2026-01-01T00:00:00Z"),
            Value::Integer(12),
            Value::from("applied"),
        ]
    }

    #[test]
    fn a_good_row_reads_into_its_fields() {
        let read = row(good()).unwrap();
        assert_eq!(read.id, "20260101_000000_x");
        assert_eq!(read.name.as_deref(), Some("x"));
        assert_eq!(read.duration_ms, 12);
        assert_eq!(read.status, Status::Applied);
    }

    #[test]
    fn a_corrupt_row_is_an_error_that_names_it() {
        let with = |index: usize, value: Value| {
            let mut values = good();
            values[index] = value;
            row(values).unwrap_err().to_string()
        };
        assert_eq!(
            with(5, Value::from("bogus")),
            "entmig_migrations row '20260101_000000_x' has status 'bogus'; expected 'applied' or \
             'started': fix or delete the row"
        );
        assert!(
            with(4, Value::from("12")).contains("has duration_ms '12'; expected a whole number"),
            "{}",
            with(4, Value::from("12"))
        );
        assert!(
            with(0, Value::Null).starts_with("entmig_migrations row #3 (in id order) has id NULL")
        );
        assert!(with(0, Value::from("")).contains("has id ''"));
        assert!(with(2, Value::Null).contains("has checksum NULL; expected text"));
        let mut short = good();
        short.pop();
        assert!(
            row(short)
                .unwrap_err()
                .to_string()
                .contains("has the wrong number of columns")
        );
    }

    #[test]
    fn statements_bind_their_values_for_each_backend() {
        let update = Query::update()
            .table(TRACKING_TABLE)
            .value("status", "applied")
            .and_where(Expr::col("id").eq("a'b"))
            .to_owned();
        let (sql, params) = build(&update, Backend::Postgres).unwrap();
        assert_eq!(
            sql,
            "UPDATE \"entmig_migrations\" SET \"status\" = $1 WHERE \"id\" = $2"
        );
        assert_eq!(params, [Value::from("applied"), Value::from("a'b")]);
        let (sql, _) = build(&update, Backend::Sqlite).unwrap();
        assert_eq!(
            sql,
            "UPDATE \"entmig_migrations\" SET \"status\" = ? WHERE \"id\" = ?"
        );
    }
}
