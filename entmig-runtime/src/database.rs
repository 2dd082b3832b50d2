//! A connection to one database, whatever its backend, and the transactions that change it.

use entmig_schema::{Backend, Op, Schema, render};

use crate::error::{Error, Result};
use crate::url::{DatabaseUrl, redact};
use crate::value::Value;

/// The primitives a backend provides; everything above them is written once.
pub(crate) trait Driver {
    /// The dialect.
    fn backend(&self) -> Backend;
    /// Runs one statement with parameters; the number of rows it changed.
    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64>;
    /// Runs one query with parameters; its rows.
    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Vec<Value>>>;
    /// Reads the live schema, leaving out tables entmig never manages.
    fn introspect(&mut self) -> Result<Schema>;
    /// Starts a transaction that will change the schema, taking what locks it needs.
    fn begin(&mut self) -> Result<()>;
    /// Checks the changed schema and commits.
    fn commit(&mut self) -> Result<()>;
    /// Abandons the transaction.
    fn rollback(&mut self) -> Result<()>;
    /// Runs the statements of one rendered op, keeping what a SQLite rebuild would lose.
    fn run_rendered(&mut self, rendered: &entmig_schema::RenderedOp) -> Result<()> {
        for sql in &rendered.statements {
            self.execute(sql, &[])?;
        }
        Ok(())
    }
}

/// An open database: SQLite (a file or memory) or PostgreSQL.
///
/// ```
/// use entmig_runtime::Database;
/// let mut db = Database::connect("sqlite::memory:").unwrap();
/// db.execute("CREATE TABLE t (x INTEGER)", &[]).unwrap();
/// assert!(db.introspect().unwrap().table("t").is_some());
/// ```
pub struct Database {
    driver: Box<dyn Driver>,
    url: String,
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Database").field("url", &self.url).finish()
    }
}

impl Database {
    /// Opens the database a URL names: `sqlite://relative.db`, `sqlite:///absolute/path.db`,
    /// `sqlite::memory:`. A SQLite file is created when missing.
    pub fn connect(url: &str) -> Result<Database> {
        let driver: Box<dyn Driver> = match DatabaseUrl::parse(url)? {
            DatabaseUrl::SqliteFile(path) => Box::new(crate::sqlite::Sqlite::open(&path, url)?),
            DatabaseUrl::SqliteMemory => Box::new(crate::sqlite::Sqlite::memory()?),
            DatabaseUrl::Postgres(_) => {
                return Err(Error::Url {
                    url: redact(url),
                    reason: "PostgreSQL support is not built yet; use a sqlite:// URL".into(),
                });
            }
        };
        Ok(Database {
            driver,
            url: redact(url),
        })
    }

    /// Wraps an open rusqlite connection.
    pub fn from_sqlite(connection: rusqlite::Connection) -> Result<Database> {
        Ok(Database {
            driver: Box::new(crate::sqlite::Sqlite::from_connection(connection)?),
            url: "sqlite (connection)".into(),
        })
    }

    /// The URL, password removed.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The dialect.
    pub fn backend(&self) -> Backend {
        self.driver.backend()
    }

    /// Runs one statement; the number of rows it changed.
    pub fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64> {
        self.driver.execute(sql, params)
    }

    /// Runs one query; its rows.
    pub fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Vec<Value>>> {
        self.driver.query(sql, params)
    }

    /// The live schema, normalised to the model, without the tables entmig never manages
    /// (`entmig_migrations`, SQLite's own).
    pub fn introspect(&mut self) -> Result<Schema> {
        self.driver.introspect()
    }

    /// Applies ops in one transaction: all of them, or none.
    pub fn apply(&mut self, ops: &[Op]) -> Result<()> {
        self.transaction(|tx| tx.apply(ops))
    }

    /// Runs `f` in a transaction that may change the schema: committed when `f` returns `Ok`
    /// and the schema's foreign keys hold, rolled back otherwise.
    pub fn transaction<T>(
        &mut self,
        f: impl FnOnce(&mut Transaction<'_>) -> Result<T>,
    ) -> Result<T> {
        self.driver.begin()?;
        let mut tx = Transaction {
            driver: self.driver.as_mut(),
        };
        match f(&mut tx) {
            Ok(value) => match self.driver.commit() {
                Ok(()) => Ok(value),
                Err(error) => {
                    // The transaction may be open still (a failed check) or gone; either way
                    // the error is what the caller needs.
                    let _ = self.driver.rollback();
                    Err(error)
                }
            },
            Err(error) => {
                let _ = self.driver.rollback();
                Err(error)
            }
        }
    }
}

/// An open transaction: what a migration's data steps are given.
pub struct Transaction<'a> {
    driver: &'a mut dyn Driver,
}

impl Transaction<'_> {
    /// The dialect.
    pub fn backend(&self) -> Backend {
        self.driver.backend()
    }

    /// Runs one statement; the number of rows it changed.
    pub fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64> {
        self.driver.execute(sql, params)
    }

    /// Runs one query; its rows.
    pub fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Vec<Value>>> {
        self.driver.query(sql, params)
    }

    /// The schema as this transaction sees it.
    pub fn introspect(&mut self) -> Result<Schema> {
        self.driver.introspect()
    }

    /// Applies ops to the schema as it is now.
    pub fn apply(&mut self, ops: &[Op]) -> Result<()> {
        if ops.is_empty() {
            return Ok(());
        }
        let schema = self.driver.introspect()?;
        self.apply_to(&schema, ops)
    }

    /// Applies ops to a database whose schema the caller has just read.
    pub(crate) fn apply_to(&mut self, schema: &Schema, ops: &[Op]) -> Result<()> {
        for rendered in render(ops, schema, self.driver.backend())? {
            self.driver.run_rendered(&rendered)?;
        }
        Ok(())
    }
}
