//! PostgreSQL, through the `postgres` crate.
//!
//! Connections are TCP or a Unix socket, encrypted with rustls as `sslmode` says (see [`tls`]:
//! `disable`, `prefer` (the default), `require`, `verify-ca`, `verify-full`). A `schema=name`
//! parameter (default `public`) names the schema whose tables entmig manages. The client lives
//! on a thread of its own ([`thread`]), so it works inside any tokio runtime.
//!
//! A run holds a session-level advisory lock; each migration is a transaction, so DDL rolls
//! back with everything else. Non-transactional migrations run statement by statement in
//! autocommit, which `CREATE INDEX CONCURRENTLY` needs.

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
    /// The advisory-lock key of this schema, so runs on other schemas do not wait.
    lock_key: i64,
    /// A migration's transaction is open.
    in_transaction: bool,
    /// Prepared statements of the tracking table's queries, so each costs one round trip.
    prepared: HashMap<String, Statement>,
}

impl Postgres {
    /// Connects as the URL says (TLS by its `sslmode`, see [`tls`]) and checks its schema.
    pub(crate) fn connect(url: &str) -> Result<Self> {
        let failed = |message: String| Error::Connect {
            url: redact(url),
            message,
        };
        let options = ConnectOptions::parse(url).map_err(|reason| Error::Url {
            url: redact(url),
            reason,
        })?;
        let client = match options.ssl_mode {
            SslMode::Disable => options.config.connect(NoTls),
            _ => {
                let tls = MakeRustlsConnect::new(options.client_config().map_err(failed)?);
                options.config.connect(tls)
            }
        }
        .map_err(|e| failed(connect_error(&options, &e)))?;
        let mut postgres = Postgres::new(client, options.schema);
        let set = format!(
            "SET search_path TO {}",
            entmig_schema::render::quote_ident(&postgres.schema)
        );
        postgres
            .client
            .batch_execute(&set)
            .map_err(|e| sql_error(&set, &e))?;
        let schema = postgres.schema.clone();
        let exists = postgres
            .client
            .query_one(
                "SELECT count(*) FROM pg_namespace WHERE nspname = $1",
                &[&schema],
            )
            .map_err(|e| sql_error("SELECT .. FROM pg_namespace", &e))?;
        if exists.get::<_, i64>(0) == 0 {
            return Err(failed(format!(
                "the schema `{schema}` does not exist; create it (CREATE SCHEMA \"{schema}\") or remove `schema=` from the URL"
            )));
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
        Ok(Postgres::new(client, schema))
    }

    fn new(client: Client, schema: String) -> Self {
        Postgres {
            lock_key: stable_hash(format!("entmig:{schema}").as_bytes()) as i64,
            in_transaction: false,
            prepared: HashMap::new(),
            client,
            schema,
        }
    }

    /// A prepared statement. Those of the tracking table, whose columns never change, are kept
    /// (one round trip each after the first); any other is prepared afresh, because PostgreSQL
    /// refuses a kept plan once a migration has changed the columns it reads.
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
            // One round trip, and room for statements that take no parameters at all.
            return self.simple(sql);
        }
        let statement = self.prepare(sql)?;
        let boxed = bind(sql, &statement, params)?;
        let refs: Vec<&(dyn ToSql + Sync)> = boxed.iter().map(|b| b.as_ref()).collect();
        self.client
            .execute(&statement, &refs)
            .map_err(|e| sql_error(sql, &e))
    }

    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Vec<Value>>> {
        let statement = self.prepare(sql)?;
        let boxed = bind(sql, &statement, params)?;
        let refs: Vec<&(dyn ToSql + Sync)> = boxed.iter().map(|b| b.as_ref()).collect();
        let rows = self
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
    }

    fn execute_batch(&mut self, sql: &str) -> Result<()> {
        self.client
            .batch_execute(sql)
            .map_err(|e| sql_error(sql, &e))
    }

    fn introspect(&mut self) -> Result<Schema> {
        let schema = self.schema.clone();
        introspect::schema(&mut self.client, &schema)
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
        // Polled rather than waited on, so the timeout holds whatever the server's settings.
        let start = Instant::now();
        loop {
            let row = self
                .client
                .query_one("SELECT pg_try_advisory_lock($1)", &[&self.lock_key])
                .map_err(|e| sql_error("SELECT pg_try_advisory_lock($1)", &e))?;
            if row.get::<_, bool>(0) {
                return Ok(());
            }
            if start.elapsed() >= timeout {
                let holder = self
                    .client
                    .query_opt(
                        "SELECT a.pid, coalesce(a.application_name, ''), coalesce(a.client_addr::text, 'local') \
                         FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid \
                         WHERE l.locktype = 'advisory' AND l.granted \
                         AND ((l.classid::bigint << 32) | l.objid::bigint) = $1 LIMIT 1",
                        &[&self.lock_key],
                    )
                    .ok()
                    .flatten()
                    .map(|row| {
                        format!(
                            "process {} ({} from {}) holds it",
                            row.get::<_, i32>(0),
                            row.get::<_, String>(1),
                            row.get::<_, String>(2)
                        )
                    })
                    .unwrap_or_else(|| "another session holds it".into());
                return Err(Error::LockTimeout {
                    waited: timeout,
                    holder,
                });
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn unlock(&mut self) -> Result<()> {
        self.client
            .query_one("SELECT pg_advisory_unlock($1)", &[&self.lock_key])
            .map_err(|e| sql_error("SELECT pg_advisory_unlock($1)", &e))?;
        Ok(())
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
        self.simple("BEGIN")?;
        self.in_transaction = true;
        Ok(())
    }

    fn commit(&mut self) -> Result<()> {
        let result = self.simple("COMMIT").map(|_| ());
        // A failed COMMIT ends the transaction too (rolled back).
        self.in_transaction = false;
        result
    }

    fn rollback(&mut self) -> Result<()> {
        self.in_transaction = false;
        self.simple("ROLLBACK").map(|_| ())
    }
}
