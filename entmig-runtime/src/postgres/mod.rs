//! PostgreSQL, through the `postgres` crate.
//!
//! Connections are TCP or a Unix socket, encrypted with rustls as `sslmode` says (see [`tls`]:
//! `disable`, `prefer` (the default), `require`, `verify-ca`, `verify-full`). A `schema=name`
//! parameter (default `public`) names the schema whose tables entmig manages. The client lives
//! on a thread of its own ([`thread`]), so it works inside any tokio runtime.
//!
//! Nothing relies on session state, so that a run through a pooler in transaction mode
//! (PgBouncer, Neon's `-pooler` host, Supabase's port 6543), which may hand each transaction
//! to another server connection, behaves as one on a direct connection:
//! - every query, and every statement with parameters, runs in a transaction that starts with
//!   `SET LOCAL search_path`: a migration's own, or else a short one of its own;
//! - prepared statements live only inside the transaction that prepared them (closed before
//!   it ends), so none is looked for on another server connection;
//! - the run's lock is a transaction-level advisory lock held by an open transaction on a
//!   second connection for the length of the run: an open transaction keeps its server
//!   connection under any pooler, and the lock goes when the transaction or the connection
//!   ends, also when the process dies.
//!
//! Outside a transaction a statement without parameters runs bare, in autocommit, as written,
//! so that `CREATE DATABASE`, `VACUUM` and a non-transactional migration's
//! `CREATE INDEX CONCURRENTLY` work; through a transaction pooler such a statement sees the
//! server's default `search_path`, so a non-transactional migration on a schema other than
//! `public` needs the direct connection there. A client the caller connected ([`Postgres::from_client`]) has no URL to open
//! the lock's connection with: it holds a session-level advisory lock on itself, which needs a
//! direct connection.

mod introspect;
mod thread;
mod tls;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use entmig_schema::{Backend, Schema, naming::stable_hash, redact};
use postgres::types::{FromSql, ToSql, Type};
use postgres::{Client, NoTls, SimpleQueryMessage, Statement};
use tokio_postgres_rustls::MakeRustlsConnect;

use crate::database::Driver;
use crate::error::{Error, Result};
use crate::value::Value;
pub(crate) use thread::PostgresThread;
use tls::{ConnectOptions, SslMode};

pub(crate) struct Postgres {
    client: Client,
    schema: String,
    /// `BEGIN; SET LOCAL search_path TO "schema"`: how every transaction starts.
    begin: String,
    /// The advisory-lock key of this schema, so runs on other schemas do not wait.
    lock_key: i64,
    /// How the run's lock is held.
    lock: Lock,
    /// A transaction is open: a migration's, or the one a statement outside it runs in.
    in_transaction: bool,
    /// Prepared statements of the tracking table's queries, kept for the length of the
    /// transaction that prepared them.
    prepared: HashMap<String, Statement>,
}

/// Where the run's lock lives.
enum Lock {
    /// On a second connection, opened as this one was, whose open transaction holds a
    /// transaction-level advisory lock while the run lasts (`Some` while held).
    Connection(Box<LockConnection>),
    /// A session-level advisory lock on the client itself (a client the caller connected).
    Session,
}

struct LockConnection {
    options: ConnectOptions,
    /// The URL, redacted, for messages.
    url: String,
    /// The second connection, open from the first try to take the lock to its release.
    client: Option<Client>,
    held: bool,
}

impl Postgres {
    /// Connects as the URL says (TLS by its `sslmode`, see [`tls`]) and checks its schema.
    pub(crate) fn connect(url: &str) -> Result<Self> {
        let options = ConnectOptions::parse(url).map_err(|reason| Error::Url {
            url: redact(url),
            reason,
        })?;
        let client = open(&options, url)?;
        let schema = options.schema.clone();
        let mut postgres = Postgres::new(
            client,
            schema.clone(),
            Lock::Connection(Box::new(LockConnection {
                options,
                url: redact(url),
                client: None,
                held: false,
            })),
        );
        // For a non-transactional migration's bare statements on a direct connection; every
        // other statement sets it for its own transaction.
        let set = format!(
            "SET search_path TO {}",
            entmig_schema::render::quote_ident(&schema)
        );
        postgres
            .client
            .batch_execute(&set)
            .map_err(|e| sql_error(&set, &e))?;
        let exists = postgres.query(
            "SELECT count(*) FROM pg_namespace WHERE nspname = $1",
            &[Value::from(schema.clone())],
        )?;
        if exists.first().and_then(|row| row.first()) == Some(&Value::Integer(0)) {
            return Err(Error::Connect {
                url: redact(url),
                message: format!(
                    "the schema `{schema}` does not exist; create it (CREATE SCHEMA \"{schema}\") or remove `schema=` from the URL"
                ),
            });
        }
        Ok(postgres)
    }

    /// A client the user connected, managing the first schema of its `search_path`.
    pub(crate) fn from_client(mut client: Client) -> Result<Self> {
        let sql = "SELECT current_schema()::text";
        let row = client.query_one(sql, &[]).map_err(|e| sql_error(sql, &e))?;
        let schema: Option<String> = row.get(0);
        let schema = schema.ok_or_else(|| Error::Connect {
            url: "postgres (client)".into(),
            message: "the connection's search_path names no existing schema; SET search_path TO the schema entmig should manage".into(),
        })?;
        Ok(Postgres::new(client, schema, Lock::Session))
    }

    fn new(client: Client, schema: String, lock: Lock) -> Self {
        Postgres {
            lock_key: stable_hash(format!("entmig:{schema}").as_bytes()) as i64,
            begin: format!(
                "BEGIN; SET LOCAL search_path TO {}",
                entmig_schema::render::quote_ident(&schema)
            ),
            lock,
            in_transaction: false,
            prepared: HashMap::new(),
            client,
            schema,
        }
    }

    /// Runs `f` inside a transaction: the one open, or else a short one of its own (with the
    /// schema's `search_path`), committed when `f` succeeds.
    fn in_own_transaction<T>(&mut self, f: impl FnOnce(&mut Self) -> Result<T>) -> Result<T> {
        if self.in_transaction {
            return f(self);
        }
        self.begin()?;
        let result = f(self);
        match result {
            Ok(value) => self.commit().map(|()| value),
            Err(error) => {
                let _ = self.rollback();
                Err(error)
            }
        }
    }

    /// Ends the open transaction with `sql` (`COMMIT` or `ROLLBACK`), closing its prepared
    /// statements first, inside it.
    fn end(&mut self, sql: &str) -> Result<()> {
        self.prepared.clear();
        let result = self.simple(sql).map(|_| ());
        // A failed COMMIT ends the transaction too (rolled back).
        self.in_transaction = false;
        result
    }

    /// A prepared statement, inside the open transaction. Those of the tracking table, whose
    /// columns never change, are kept until the transaction ends; any other is prepared
    /// afresh, because PostgreSQL refuses a kept plan once a migration has changed the
    /// columns it reads.
    fn prepare(&mut self, sql: &str) -> Result<Statement> {
        if let Some(statement) = self.prepared.get(sql) {
            return Ok(statement.clone());
        }
        let statement = self.client.prepare(sql).map_err(|e| sql_error(sql, &e))?;
        if sql.contains(crate::migrator::TRACKING_TABLE) {
            self.prepared.insert(sql.to_owned(), statement.clone());
        }
        Ok(statement)
    }

    fn simple(&mut self, sql: &str) -> Result<u64> {
        let messages = self
            .client
            .simple_query(sql)
            .map_err(|e| sql_error(sql, &e))?;
        Ok(messages
            .iter()
            .filter_map(|m| match m {
                SimpleQueryMessage::CommandComplete(n) => Some(*n),
                _ => None,
            })
            .last()
            .unwrap_or(0))
    }
}

/// Takes the advisory lock `key` on `client`, polled rather than waited on so that the timeout
/// holds whatever the server's settings; when it does not come, who holds it.
///
/// `transaction` takes a transaction-level lock in an open transaction, kept open once it is
/// held. Each try that fails ends its transaction before the next, so that a waiter holds no
/// server connection of a pooler while it waits (the holder's migrations may need it).
fn poll_lock(client: &mut Client, key: i64, timeout: Duration, transaction: bool) -> Result<()> {
    let start = Instant::now();
    loop {
        let held = if transaction {
            // The open transaction is the lock: no server setting may end it mid-run.
            let begin = "BEGIN; SET LOCAL idle_in_transaction_session_timeout = 0";
            client
                .batch_execute(begin)
                .map_err(|e| sql_error(begin, &e))?;
            let held = try_lock(client, "pg_try_advisory_xact_lock", key)?;
            if !held {
                client
                    .batch_execute("ROLLBACK")
                    .map_err(|e| sql_error("ROLLBACK", &e))?;
            }
            held
        } else {
            try_lock(client, "pg_try_advisory_lock", key)?
        };
        if held {
            return Ok(());
        }
        if start.elapsed() >= timeout {
            return Err(Error::LockTimeout {
                waited: timeout,
                holder: holder(client, key),
            });
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// One try of `function` (`pg_try_advisory_xact_lock` or `pg_try_advisory_lock`) on `key`.
///
/// Through the simple protocol: a statement of the extended one leaves its portal, and with it
/// a snapshot, in the open transaction, and `CREATE INDEX CONCURRENTLY` (a non-transactional
/// migration's) waits for every transaction that holds a snapshot: it would wait for the
/// lock's transaction, which waits for the run, for ever.
fn try_lock(client: &mut Client, function: &str, key: i64) -> Result<bool> {
    let sql = format!("SELECT {function}({key})");
    let messages = client.simple_query(&sql).map_err(|e| sql_error(&sql, &e))?;
    Ok(messages
        .iter()
        .any(|message| matches!(message, SimpleQueryMessage::Row(row) if row.get(0) == Some("t"))))
}

/// Who holds the advisory lock `key`, for the message of a lock that did not come. In a
/// transaction of its own, so that it is prepared and run on one server connection.
fn holder(client: &mut Client, key: i64) -> String {
    let found = client.transaction().and_then(|mut tx| {
        let row = tx.query_opt(
            "SELECT a.pid, coalesce(a.application_name, ''), coalesce(a.client_addr::text, 'local') \
             FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid \
             WHERE l.locktype = 'advisory' AND l.granted \
             AND ((l.classid::bigint << 32) | l.objid::bigint) = $1 LIMIT 1",
            &[&key],
        )?;
        tx.commit()?;
        Ok(row)
    });
    match found {
        Ok(Some(row)) => format!(
            "process {} ({} from {}) holds it",
            row.get::<_, i32>(0),
            row.get::<_, String>(1),
            row.get::<_, String>(2)
        ),
        _ => "another session holds it".into(),
    }
}

/// A client connected as `options` say: TLS by `sslmode`, errors with their fix.
fn open(options: &ConnectOptions, url: &str) -> Result<Client> {
    let failed = |message: String| Error::Connect {
        url: redact(url),
        message,
    };
    match options.ssl_mode {
        SslMode::Disable => options.config.connect(NoTls),
        _ => {
            let tls = MakeRustlsConnect::new(options.client_config().map_err(failed)?);
            options.config.connect(tls)
        }
    }
    .map_err(|e| failed(connect_error(options, &e)))
}

/// Why a connection failed, with the fix where entmig knows it: a server that takes only TLS
/// met with `sslmode=disable`, a certificate that failed verification.
fn connect_error(options: &ConnectOptions, error: &postgres::Error) -> String {
    let host = options.hosts();
    if let Some(problem) = tls::certificate_problem(error) {
        let fix = match options.ssl_mode {
            SslMode::VerifyFull => {
                "; check that sslrootcert names the CA that signed it and that the URL's host is a name the certificate holds (or use sslmode=verify-ca, which does not check the name)"
            }
            _ => "; check that sslrootcert names the CA that signed it",
        };
        return format!("the TLS certificate of {host} failed verification ({problem}){fix}");
    }
    let message = describe(error);
    let plain_refused = error.as_db_error().is_some_and(|db| {
        *db.code() == postgres::error::SqlState::INVALID_AUTHORIZATION_SPECIFICATION
            && db.message().contains("no encryption")
    });
    if options.ssl_mode == SslMode::Disable && plain_refused {
        return format!(
            "{host} accepts only encrypted connections, and sslmode=disable forbids them: use sslmode=require (or sslmode=verify-full with sslrootcert=<CA file> to check the server's certificate) [{message}]"
        );
    }
    message
}

/// The database's message with its detail and hint, or the driver's.
fn describe(error: &postgres::Error) -> String {
    match error.as_db_error() {
        Some(db) => {
            let mut text = format!("{}: {}", db.severity(), db.message());
            if let Some(detail) = db.detail() {
                text.push_str(&format!(" ({detail})"));
            }
            if let Some(hint) = db.hint() {
                text.push_str(&format!("; hint: {hint}"));
            }
            text
        }
        None => {
            let mut text = error.to_string();
            let mut source = std::error::Error::source(error);
            while let Some(cause) = source {
                text.push_str(&format!(": {cause}"));
                source = cause.source();
            }
            text
        }
    }
}

pub(crate) fn sql_error(sql: &str, error: &postgres::Error) -> Error {
    Error::Sql {
        sql: sql.to_owned(),
        message: describe(error),
    }
}

/// The parameters converted to the types the statement expects; a count that does not match
/// or an integer too large for its column is an error, never a silently changed value.
fn bind(sql: &str, statement: &Statement, params: &[Value]) -> Result<Vec<Box<dyn ToSql + Sync>>> {
    let types = statement.params();
    if types.len() != params.len() {
        return Err(Error::Sql {
            sql: sql.to_owned(),
            message: format!(
                "the statement takes {} parameter(s), but {} were given",
                types.len(),
                params.len()
            ),
        });
    }
    params
        .iter()
        .zip(types)
        .enumerate()
        .map(|(i, (value, ty))| {
            param(value, ty).ok_or_else(|| Error::Sql {
                sql: sql.to_owned(),
                message: format!(
                    "parameter ${} = {value:?} does not fit its type {ty}",
                    i + 1
                ),
            })
        })
        .collect()
}

/// A parameter converted to the type the statement expects; `None` when it does not fit.
fn param(value: &Value, ty: &Type) -> Option<Box<dyn ToSql + Sync>> {
    Some(match (value, ty) {
        (Value::Null, &Type::INT2) => Box::new(None::<i16>),
        (Value::Null, &Type::INT4) => Box::new(None::<i32>),
        (Value::Null, &Type::INT8) => Box::new(None::<i64>),
        (Value::Null, &Type::FLOAT4) => Box::new(None::<f32>),
        (Value::Null, &Type::FLOAT8) => Box::new(None::<f64>),
        (Value::Null, &Type::BOOL) => Box::new(None::<bool>),
        (Value::Null, &Type::BYTEA) => Box::new(None::<Vec<u8>>),
        (Value::Null, _) => Box::new(None::<String>),
        (Value::Integer(i), &Type::INT2) => Box::new(i16::try_from(*i).ok()?),
        (Value::Integer(i), &Type::INT4) => Box::new(i32::try_from(*i).ok()?),
        (Value::Integer(i), &Type::FLOAT4) => Box::new(*i as f32),
        (Value::Integer(i), &Type::FLOAT8) => Box::new(*i as f64),
        (Value::Integer(i), &Type::BOOL) => Box::new(*i != 0),
        (Value::Integer(i), &Type::TEXT | &Type::VARCHAR) => Box::new(i.to_string()),
        (Value::Integer(i), _) => Box::new(*i),
        (Value::Real(f), &Type::FLOAT4) => Box::new(*f as f32),
        (Value::Real(f), &Type::TEXT | &Type::VARCHAR) => Box::new(f.to_string()),
        (Value::Real(f), _) => Box::new(*f),
        (Value::Text(s), _) => Box::new(s.clone()),
        (Value::Blob(b), _) => Box::new(b.clone()),
    })
}

/// Any column, as a [`Value`]: integers, floats, booleans, text and bytes by type; JSON as
/// text; anything else as the text of its binary form (cast such columns to `text` in the
/// query to read them exactly).
struct AnyValue(Value);

impl<'a> FromSql<'a> for AnyValue {
    fn from_sql(
        ty: &Type,
        raw: &'a [u8],
    ) -> std::result::Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        Ok(AnyValue(match *ty {
            Type::INT2 => Value::Integer(i64::from(i16::from_sql(ty, raw)?)),
            Type::INT4 => Value::Integer(i64::from(i32::from_sql(ty, raw)?)),
            Type::INT8 => Value::Integer(i64::from_sql(ty, raw)?),
            Type::OID => Value::Integer(i64::from(u32::from_sql(ty, raw)?)),
            Type::FLOAT4 => Value::Real(f64::from(f32::from_sql(ty, raw)?)),
            Type::FLOAT8 => Value::Real(f64::from_sql(ty, raw)?),
            Type::BOOL => Value::Integer(i64::from(bool::from_sql(ty, raw)?)),
            Type::BYTEA => Value::Blob(raw.to_vec()),
            // JSONB's binary form is a version byte, then the text.
            Type::JSONB => {
                Value::Text(String::from_utf8_lossy(raw.get(1..).unwrap_or_default()).into_owned())
            }
            _ => Value::Text(String::from_utf8_lossy(raw).into_owned()),
        }))
    }

    fn from_sql_null(
        _: &Type,
    ) -> std::result::Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        Ok(AnyValue(Value::Null))
    }

    fn accepts(_: &Type) -> bool {
        true
    }
}

impl Driver for Postgres {
    fn backend(&self) -> Backend {
        Backend::Postgres
    }

    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64> {
        if params.is_empty() {
            // One round trip, as written: outside a transaction in autocommit, so that
            // statements that refuse a transaction block (CREATE DATABASE, VACUUM) work.
            return self.simple(sql);
        }
        self.in_own_transaction(|this| {
            let statement = this.prepare(sql)?;
            let boxed = bind(sql, &statement, params)?;
            let refs: Vec<&(dyn ToSql + Sync)> = boxed.iter().map(|b| b.as_ref()).collect();
            this.client
                .execute(&statement, &refs)
                .map_err(|e| sql_error(sql, &e))
        })
    }

    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Vec<Value>>> {
        self.in_own_transaction(|this| {
            let statement = this.prepare(sql)?;
            let boxed = bind(sql, &statement, params)?;
            let refs: Vec<&(dyn ToSql + Sync)> = boxed.iter().map(|b| b.as_ref()).collect();
            let rows = this
                .client
                .query(&statement, &refs)
                .map_err(|e| sql_error(sql, &e))?;
            rows.iter()
                .map(|row| {
                    (0..row.len())
                        .map(|i| {
                            row.try_get::<_, AnyValue>(i)
                                .map(|v| v.0)
                                .map_err(|e| sql_error(sql, &e))
                        })
                        .collect()
                })
                .collect()
        })
    }

    fn execute_batch(&mut self, sql: &str) -> Result<()> {
        self.client
            .batch_execute(sql)
            .map_err(|e| sql_error(sql, &e))
    }

    fn introspect(&mut self) -> Result<Schema> {
        self.in_own_transaction(|this| introspect::schema(&mut this.client, &this.schema.clone()))
    }

    fn has_table(&mut self, name: &str) -> Result<bool> {
        let rows = self.query(
            "SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p')",
            &[Value::from(self.schema.clone()), Value::from(name)],
        )?;
        Ok(!rows.is_empty())
    }

    fn all_tables(&mut self) -> Result<Vec<String>> {
        let rows = self.query(
            "SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') ORDER BY 1",
            &[Value::from(self.schema.clone())],
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
        let key = self.lock_key;
        match &mut self.lock {
            Lock::Connection(lock) if lock.held => Ok(()),
            Lock::Connection(lock) => {
                let client = match &mut lock.client {
                    Some(client) => client,
                    None => lock.client.insert(open(&lock.options, &lock.url)?),
                };
                poll_lock(client, key, timeout, true)?;
                lock.held = true;
                Ok(())
            }
            Lock::Session => poll_lock(&mut self.client, key, timeout, false),
        }
    }

    fn unlock(&mut self) -> Result<()> {
        match &mut self.lock {
            Lock::Connection(lock) => {
                // Ending the transaction releases the lock; the connection goes with it.
                let client = lock.client.take();
                if std::mem::take(&mut lock.held)
                    && let Some(mut client) = client
                {
                    client
                        .batch_execute("ROLLBACK")
                        .map_err(|e| sql_error("ROLLBACK (the lock's transaction)", &e))?;
                }
                Ok(())
            }
            Lock::Session => {
                let sql = "SELECT pg_advisory_unlock($1)";
                self.client
                    .query_one(sql, &[&self.lock_key])
                    .map_err(|e| sql_error(sql, &e))?;
                Ok(())
            }
        }
    }

    fn abort(&mut self) -> Result<()> {
        if self.in_transaction {
            let _ = self.rollback();
        }
        self.unlock()
    }

    fn checkpoint(&mut self) -> Result<()> {
        // Outside a migration's transaction every statement commits by itself.
        Ok(())
    }

    fn begin(&mut self) -> Result<()> {
        let begin = std::mem::take(&mut self.begin);
        let result = self.simple(&begin);
        self.begin = begin;
        result?;
        self.in_transaction = true;
        Ok(())
    }

    fn commit(&mut self) -> Result<()> {
        self.end("COMMIT")
    }

    fn rollback(&mut self) -> Result<()> {
        self.end("ROLLBACK")
    }
}
