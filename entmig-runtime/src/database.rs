//! A connection to one database, whatever its backend, and the transactions that change it.

use std::time::Duration;

use entmig_schema::{Backend, Op, Schema, render};

use crate::error::Result;
use crate::url::DatabaseUrl;
use crate::value::Value;
use entmig_schema::redact;

/// The primitives a backend provides; everything above them is written once.
///
/// A run holds one lock ([`Driver::lock`] .. [`Driver::unlock`]); inside it each migration is
/// one transaction ([`Driver::begin`] .. [`Driver::commit`] or [`Driver::rollback`]). On SQLite
/// the lock is an outer `BEGIN IMMEDIATE` transaction and a migration is a savepoint; on
/// PostgreSQL the lock is an advisory lock and a migration a transaction.
pub(crate) trait Driver: Send {
    /// The dialect.
    fn backend(&self) -> Backend;
    /// Runs one statement with parameters; the number of rows it changed.
    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64>;
    /// Runs one query with parameters; its rows.
    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Vec<Value>>>;
    /// Runs SQL that may hold several statements.
    fn execute_batch(&mut self, sql: &str) -> Result<()>;
    /// Reads the live schema, leaving out tables entmig never manages.
    fn introspect(&mut self) -> Result<Schema>;
    /// `true` when a table of that name exists (managed or not).
    fn has_table(&mut self, name: &str) -> Result<bool>;
    /// The names of every table, children before the tables they reference where known.
    fn all_tables(&mut self) -> Result<Vec<String>>;
    /// Takes the lock that keeps other migrators out, waiting at most `timeout`.
    fn lock(&mut self, timeout: Duration) -> Result<()>;
    /// Makes what was done under the lock durable and releases it.
    fn unlock(&mut self) -> Result<()>;
    /// Releases the lock after a failure, keeping only what was committed.
    fn abort(&mut self) -> Result<()>;
    /// Makes what was done so far durable without releasing the lock.
    fn checkpoint(&mut self) -> Result<()>;
    /// Starts one migration's transaction.
    fn begin(&mut self) -> Result<()>;
    /// Checks the changed schema and ends the migration's transaction.
    fn commit(&mut self) -> Result<()>;
    /// Undoes the migration's transaction.
    fn rollback(&mut self) -> Result<()>;
    /// Runs the statements of one rendered op, keeping what a SQLite rebuild would lose.
    fn run_rendered(&mut self, rendered: &entmig_schema::RenderedOp) -> Result<()> {
        for sql in &rendered.statements {
            self.execute(sql, &[])?;
        }
        Ok(())
    }
    /// Checks the foreign keys of `table` after a change to it, where the database does not
    /// check them itself as each statement runs (SQLite, whose keys are off during a
    /// migration); PostgreSQL checks them itself.
    fn check_foreign_keys(&mut self, _table: &str) -> Result<()> {
        Ok(())
    }
}

/// Tables entmig never manages: SQLite's own, the migrations' tracking table, and a rebuild's
/// temporary table.
pub(crate) fn is_unmanaged(name: &str) -> bool {
    name.starts_with("sqlite_") || name == "entmig_migrations" || name.starts_with("__entmig_")
}

/// How long `synchronize` and `Database::transaction` wait for another process's lock.
pub(crate) const DEFAULT_LOCK_TIMEOUT: Duration = Duration::from_secs(30);

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
    /// `sqlite::memory:`, `postgres://user:password@host:port/database?sslmode=verify-full`
    /// (or a libpq `key=value` string). A SQLite file is created when missing.
    pub fn connect(url: &str) -> Result<Database> {
        let parsed = DatabaseUrl::parse(url)?;
        #[cfg(not(all(feature = "sqlite", feature = "postgres")))]
        let missing = |feature: &str| crate::error::Error::Url {
            url: redact(url),
            reason: format!(
                "entmig-runtime was built without its `{feature}` feature; enable it in Cargo.toml"
            ),
        };
        let driver: Box<dyn Driver> = match parsed {
            #[cfg(feature = "sqlite")]
            DatabaseUrl::SqliteFile(path) => Box::new(crate::sqlite::Sqlite::open(&path, url)?),
            #[cfg(feature = "sqlite")]
            DatabaseUrl::SqliteMemory => Box::new(crate::sqlite::Sqlite::memory()?),
            #[cfg(not(feature = "sqlite"))]
            DatabaseUrl::SqliteFile(_) | DatabaseUrl::SqliteMemory => {
                return Err(missing("sqlite"));
            }
            #[cfg(feature = "postgres")]
            DatabaseUrl::Postgres(_) => Box::new(crate::postgres::PostgresThread::connect(url)?),
            #[cfg(not(feature = "postgres"))]
            DatabaseUrl::Postgres(_) => return Err(missing("postgres")),
        };
        Ok(Database {
            driver,
            url: redact(url),
        })
    }

    /// Wraps an open rusqlite connection.
    #[cfg(feature = "sqlite")]
    pub fn from_sqlite(connection: rusqlite::Connection) -> Result<Database> {
        Ok(Database {
            driver: Box::new(crate::sqlite::Sqlite::from_connection(connection)?),
            url: "sqlite (connection)".into(),
        })
    }

    /// Wraps a PostgreSQL client the caller connected (their own TLS, authentication or
    /// settings). entmig manages the first schema of the session's `search_path` (as
    /// `current_schema()` names it). Like [`Database::connect`], the client is moved to a thread
    /// of its own, so the `Database` works inside an async runtime.
    ///
    /// ```no_run
    /// let client = postgres::Client::connect("host=localhost user=app", postgres::NoTls).unwrap();
    /// let db = entmig_runtime::Database::from_postgres(client).unwrap();
    /// # drop(db);
    /// ```
    #[cfg(feature = "postgres")]
    pub fn from_postgres(client: postgres::Client) -> Result<Database> {
        Ok(Database {
            driver: Box::new(crate::postgres::PostgresThread::from_client(client)?),
            url: "postgres (client)".into(),
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

    /// The names of every table of the database, managed or not.
    pub fn all_tables(&mut self) -> Result<Vec<String>> {
        self.driver.all_tables()
    }

    /// Copies a SQLite file database aside with `VACUUM INTO`, as `<name>.<unix time>.bak`
    /// next to it (`<name>.<unix time>-2.bak` and so on when that exists already); the copy's
    /// path. `None` for databases that are not SQLite files (use the database's own backup
    /// tools).
    pub fn backup(&mut self) -> Result<Option<String>> {
        let DatabaseUrl::SqliteFile(path) = DatabaseUrl::parse(&self.url)? else {
            return Ok(None);
        };
        let seconds = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let mut copy = format!("{}.{seconds}.bak", path.display());
        for n in 2.. {
            if !std::path::Path::new(&copy).exists() {
                break;
            }
            copy = format!("{}.{seconds}-{n}.bak", path.display());
        }
        let sql = format!("VACUUM INTO {}", entmig_schema::render::quote_string(&copy));
        self.driver.execute(&sql, &[])?;
        Ok(Some(copy))
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
        self.driver.lock(DEFAULT_LOCK_TIMEOUT)?;
        let result = self.in_transaction(None, f);
        match result {
            Ok(value) => {
                self.driver.unlock()?;
                Ok(value)
            }
            Err(error) => {
                let _ = self.driver.abort();
                Err(error)
            }
        }
    }

    /// One transaction inside a held lock.
    pub(crate) fn in_transaction<T>(
        &mut self,
        progress: Option<&Progress<'_>>,
        f: impl FnOnce(&mut Transaction<'_>) -> Result<T>,
    ) -> Result<T> {
        self.driver.begin()?;
        let mut tx = Transaction {
            driver: self.driver.as_mut(),
            progress,
        };
        let result = f(&mut tx).and_then(|value| self.driver.commit().map(|()| value));
        if result.is_err() {
            let _ = self.driver.rollback();
        }
        result
    }

    /// Runs `f` under a held lock but outside any transaction (non-transactional migrations).
    pub(crate) fn outside_transaction<T>(
        &mut self,
        progress: Option<&Progress<'_>>,
        f: impl FnOnce(&mut Transaction<'_>) -> Result<T>,
    ) -> Result<T> {
        let mut tx = Transaction {
            driver: self.driver.as_mut(),
            progress,
        };
        f(&mut tx)
    }

    pub(crate) fn driver(&mut self) -> &mut dyn Driver {
        self.driver.as_mut()
    }
}

/// Where a data step reports its progress: the migration's id, the step, rows done so far.
pub(crate) type Progress<'a> = dyn Fn(&str, u64) + 'a;

/// An open transaction: what a migration's data steps are given.
pub struct Transaction<'a> {
    driver: &'a mut dyn Driver,
    progress: Option<&'a Progress<'a>>,
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

    /// The names of every table of the database, managed or not.
    pub fn all_tables(&mut self) -> Result<Vec<String>> {
        self.driver.all_tables()
    }

    /// Runs SQL that may hold several statements separated by `;`.
    pub fn execute_batch(&mut self, sql: &str) -> Result<()> {
        self.driver.execute_batch(sql)
    }

    pub(crate) fn run_rendered(&mut self, rendered: &entmig_schema::RenderedOp) -> Result<()> {
        self.driver.run_rendered(rendered)
    }

    pub(crate) fn check_foreign_keys(&mut self, table: &str) -> Result<()> {
        self.driver.check_foreign_keys(table)
    }

    /// Runs `sql` until it changes no row, reporting the running total after each run; the
    /// total. `sql` should change a bounded batch of rows each time (see `Plan::batched`).
    pub fn batched(&mut self, step: &str, sql: &str) -> Result<u64> {
        let mut total = 0;
        loop {
            let changed = self.driver.execute(sql, &[])?;
            if changed == 0 {
                return Ok(total);
            }
            total += changed;
            if let Some(progress) = self.progress {
                progress(step, total);
            }
        }
    }

    /// Applies ops to a database whose schema the caller has just read.
    pub(crate) fn apply_to(&mut self, schema: &Schema, ops: &[Op]) -> Result<()> {
        for rendered in render(ops, schema, self.driver.backend())? {
            self.driver.run_rendered(&rendered)?;
        }
        Ok(())
    }
}
