//! SQLite, through rusqlite with SQLite bundled.

mod introspect;

use std::path::Path;
use std::time::Duration;

use entmig_schema::{Backend, RenderedOp, Schema};
use rusqlite::types::{Value as SqlValue, ValueRef};

use crate::database::Driver;
use crate::error::{Error, Result};
use crate::value::Value;
use entmig_schema::redact;

/// How long a statement waits for another connection's lock before failing.
pub(crate) const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

pub(crate) struct Sqlite {
    connection: rusqlite::Connection,
    /// `PRAGMA foreign_keys` before the open transaction switched it off.
    foreign_keys_were_on: bool,
}

impl Sqlite {
    pub(crate) fn open(path: &Path, url: &str) -> Result<Self> {
        let connection = rusqlite::Connection::open(path).map_err(|e| Error::Connect {
            url: redact(url),
            message: e.to_string(),
        })?;
        Self::from_connection(connection)
    }

    pub(crate) fn memory() -> Result<Self> {
        let connection = rusqlite::Connection::open_in_memory().map_err(|e| Error::Connect {
            url: "sqlite::memory:".into(),
            message: e.to_string(),
        })?;
        Self::from_connection(connection)
    }

    pub(crate) fn from_connection(connection: rusqlite::Connection) -> Result<Self> {
        connection
            .busy_timeout(BUSY_TIMEOUT)
            .map_err(|e| sql_error("PRAGMA busy_timeout", &e))?;
        // Enforce foreign keys as PostgreSQL does; SQLite leaves them off by default.
        connection
            .execute_batch("PRAGMA foreign_keys = ON")
            .map_err(|e| sql_error("PRAGMA foreign_keys = ON", &e))?;
        Ok(Sqlite {
            connection,
            foreign_keys_were_on: true,
        })
    }

    fn pragma_flag(&self, name: &str) -> Result<bool> {
        let sql = format!("PRAGMA {name}");
        self.connection
            .query_row(&sql, [], |row| row.get::<_, i64>(0))
            .map(|v| v != 0)
            .map_err(|e| sql_error(&sql, &e))
    }

    fn batch(&self, sql: &str) -> Result<()> {
        self.connection
            .execute_batch(sql)
            .map_err(|e| sql_error(sql, &e))
    }
}

pub(crate) fn sql_error(sql: &str, error: &rusqlite::Error) -> Error {
    Error::Sql {
        sql: sql.to_owned(),
        message: error.to_string(),
    }
}

fn to_sql(value: &Value) -> SqlValue {
    match value {
        Value::Null => SqlValue::Null,
        Value::Integer(i) => SqlValue::Integer(*i),
        Value::Real(f) => SqlValue::Real(*f),
        Value::Text(s) => SqlValue::Text(s.clone()),
        Value::Blob(b) => SqlValue::Blob(b.clone()),
    }
}

fn from_sql(value: ValueRef<'_>) -> Value {
    match value {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => Value::Integer(i),
        ValueRef::Real(f) => Value::Real(f),
        ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(b) => Value::Blob(b.to_vec()),
    }
}

impl Driver for Sqlite {
    fn backend(&self) -> Backend {
        Backend::Sqlite
    }

    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64> {
        let params: Vec<SqlValue> = params.iter().map(to_sql).collect();
        let mut statement = self
            .connection
            .prepare_cached(sql)
            .map_err(|e| sql_error(sql, &e))?;
        // `query`, unlike `execute`, also accepts statements that return rows (PRAGMA).
        let mut rows = statement
            .query(rusqlite::params_from_iter(params.iter()))
            .map_err(|e| sql_error(sql, &e))?;
        while rows.next().map_err(|e| sql_error(sql, &e))?.is_some() {}
        drop(rows);
        Ok(self.connection.changes())
    }

    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Vec<Value>>> {
        let params: Vec<SqlValue> = params.iter().map(to_sql).collect();
        let mut statement = self
            .connection
            .prepare_cached(sql)
            .map_err(|e| sql_error(sql, &e))?;
        let width = statement.column_count();
        let mut rows = statement
            .query(rusqlite::params_from_iter(params.iter()))
            .map_err(|e| sql_error(sql, &e))?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().map_err(|e| sql_error(sql, &e))? {
            let mut values = Vec::with_capacity(width);
            for i in 0..width {
                values.push(from_sql(row.get_ref(i).map_err(|e| sql_error(sql, &e))?));
            }
            out.push(values);
        }
        Ok(out)
    }

    fn execute_batch(&mut self, sql: &str) -> Result<()> {
        self.batch(sql)
    }

    fn introspect(&mut self) -> Result<Schema> {
        introspect::schema(&self.connection)
    }

    fn has_table(&mut self, name: &str) -> Result<bool> {
        let rows = self.query(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = $1",
            &[Value::from(name)],
        )?;
        Ok(!rows.is_empty())
    }

    fn all_tables(&mut self) -> Result<Vec<String>> {
        let rows = self.query(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
            &[],
        )?;
        Ok(rows
            .into_iter()
            .filter_map(|row| {
                row.into_iter()
                    .next()
                    .and_then(|v| v.as_str().map(str::to_owned))
            })
            .collect())
    }

    fn lock(&mut self, timeout: Duration) -> Result<()> {
        // Foreign keys cannot be switched inside a transaction; off, a rebuilt parent table
        // cannot cascade-delete its children. `commit` checks the keys before each migration
        // ends.
        self.foreign_keys_were_on = self.pragma_flag("foreign_keys")?;
        self.batch("PRAGMA foreign_keys = OFF")?;
        self.connection
            .busy_timeout(timeout)
            .map_err(|e| sql_error("PRAGMA busy_timeout", &e))?;
        // IMMEDIATE takes the write lock now and holds it to the end of the run, so two
        // migrators never interleave; the other waits up to `timeout`.
        let locked = self.batch("BEGIN IMMEDIATE");
        let _ = self.connection.busy_timeout(BUSY_TIMEOUT);
        if let Err(error) = locked {
            self.restore_foreign_keys()?;
            return Err(match error {
                Error::Sql { message, .. }
                    if message.contains("locked") || message.contains("busy") =>
                {
                    Error::LockTimeout {
                        waited: timeout,
                        holder: "another process holds the SQLite write lock".into(),
                    }
                }
                other => other,
            });
        }
        Ok(())
    }

    fn unlock(&mut self) -> Result<()> {
        self.batch("COMMIT")?;
        self.restore_foreign_keys()
    }

    fn abort(&mut self) -> Result<()> {
        let result = if self.connection.is_autocommit() {
            Ok(())
        } else {
            self.batch("COMMIT")
        };
        self.restore_foreign_keys()?;
        result
    }

    fn checkpoint(&mut self) -> Result<()> {
        self.batch("COMMIT")?;
        self.batch("BEGIN IMMEDIATE")
    }

    fn begin(&mut self) -> Result<()> {
        self.batch("SAVEPOINT entmig_migration")
    }

    fn check_foreign_keys(&mut self, table: &str) -> Result<()> {
        // A table the step dropped has no keys left to break.
        if !self.has_table(table)? {
            return Ok(());
        }
        match introspect::foreign_key_violation(&self.connection, Some(table))? {
            Some(violation) => Err(violation),
            None => Ok(()),
        }
    }

    fn commit(&mut self) -> Result<()> {
        if let Some(violation) = introspect::foreign_key_violation(&self.connection, None)? {
            return Err(violation);
        }
        self.batch("RELEASE entmig_migration")
    }

    fn rollback(&mut self) -> Result<()> {
        self.batch("ROLLBACK TO entmig_migration")?;
        self.batch("RELEASE entmig_migration")
    }

    fn run_rendered(&mut self, rendered: &RenderedOp) -> Result<()> {
        for check in &rendered.checks {
            let (count, example): (i64, Option<String>) = self
                .connection
                .query_row(&check.sql, [], |row| Ok((row.get(0)?, row.get(1)?)))
                .map_err(|e| sql_error(&check.sql, &e))?;
            if count > 0 {
                return Err(Error::ValuesDoNotFit {
                    table: check.table.clone(),
                    column: check.column.clone(),
                    ty: check.ty.to_string(),
                    count,
                    example: example.unwrap_or_default(),
                });
            }
        }
        // A rebuild drops the table and with it its triggers: keep their SQL and run it again.
        let (triggers, columns) = match &rendered.rebuilds {
            Some(table) => (
                introspect::triggers(&self.connection, table)?,
                introspect::column_names(&self.connection, table)?,
            ),
            None => (Vec::new(), Vec::new()),
        };
        for sql in &rendered.statements {
            self.execute(sql, &[])?;
        }
        if let (Some(table), false) = (&rendered.rebuilds, triggers.is_empty()) {
            // SQLite would take a trigger back that names a column the rebuild dropped, and
            // fail every later write to the table; refuse the change instead, as its own
            // DROP COLUMN does.
            let now = introspect::column_names(&self.connection, table)?;
            let dropped: Vec<&String> = columns.iter().filter(|c| !now.contains(c)).collect();
            for (name, sql) in &triggers {
                let tokens: Vec<String> = entmig_schema::render::sqlite::read::names(sql)
                    .into_iter()
                    .filter(|t| t != name)
                    .collect();
                if let Some(column) = dropped
                    .iter()
                    .find(|c| tokens.iter().any(|t| t.eq_ignore_ascii_case(c)))
                {
                    return Err(Error::TriggerUsesColumn {
                        trigger: name.clone(),
                        table: table.clone(),
                        column: (*column).clone(),
                    });
                }
            }
        }
        for (_, sql) in &triggers {
            self.batch(sql)?;
        }
        Ok(())
    }
}

impl Sqlite {
    fn restore_foreign_keys(&mut self) -> Result<()> {
        if self.foreign_keys_were_on {
            self.batch("PRAGMA foreign_keys = ON")?;
        }
        Ok(())
    }
}
