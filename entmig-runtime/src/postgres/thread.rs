//! The PostgreSQL client on a thread of its own.
//!
//! The sync `postgres::Client` owns a current-thread tokio runtime and blocks on it for every
//! call, for connecting and when it is dropped; inside another runtime that panics ("Cannot
//! start a runtime from within a runtime"). `tokio::task::block_in_place` would fix only the
//! multi-thread flavour (current-thread refuses it) and not a `Drop`, so the client instead
//! lives on a plain thread, which is never inside a runtime, and each call is sent to it and
//! waited for. That works from any thread, in either flavour, and the client is dropped on its
//! thread. The cost is a hand-off per statement, small beside the round trip to the server.
//!
//! The caller's thread blocks while it waits, as it does with any sync client: an async
//! service should migrate at start-up, before it serves.

use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

use entmig_schema::{Backend, RenderedOp, Schema, redact};

use super::Postgres;
use crate::database::Driver;
use crate::error::{Error, Result};
use crate::value::Value;

type Job = Box<dyn FnOnce(&mut Postgres) + Send>;

/// A [`Postgres`] driven from any thread: the [`Driver`] a [`crate::Database`] holds.
pub(crate) struct PostgresThread {
    jobs: Option<mpsc::Sender<Job>>,
    thread: Option<JoinHandle<()>>,
    /// For the message when the thread has gone (it panicked).
    url: String,
}

impl PostgresThread {
    /// Connects to `url` on a new thread.
    pub(crate) fn connect(url: &str) -> Result<PostgresThread> {
        let owned = url.to_owned();
        PostgresThread::spawn(url, move || Postgres::connect(&owned))
    }

    /// Moves a client the caller connected to a new thread.
    pub(crate) fn from_client(client: postgres::Client) -> Result<PostgresThread> {
        PostgresThread::spawn("postgres (client)", move || Postgres::from_client(client))
    }

    fn spawn(
        url: &str,
        open: impl FnOnce() -> Result<Postgres> + Send + 'static,
    ) -> Result<PostgresThread> {
        let url = redact(url);
        let (jobs, queue) = mpsc::channel::<Job>();
        let (ready, opened) = mpsc::sync_channel::<Result<()>>(1);
        let thread = std::thread::Builder::new()
            .name("entmig-postgres".into())
            .spawn(move || {
                let mut postgres = match open() {
                    Ok(postgres) => postgres,
                    Err(error) => {
                        let _ = ready.send(Err(error));
                        return;
                    }
                };
                let _ = ready.send(Ok(()));
                // Ends when the `PostgresThread` is dropped; the client is dropped here.
                for job in queue {
                    job(&mut postgres);
                }
            })
            .map_err(|e| Error::Connect {
                url: url.clone(),
                message: format!("cannot start the connection's thread: {e}"),
            })?;
        let mut this = PostgresThread {
            jobs: Some(jobs),
            thread: Some(thread),
            url,
        };
        match opened.recv() {
            Ok(result) => result.map(|()| this),
            Err(_) => Err(this.gone()),
        }
    }

    /// Runs `f` on the client's thread and waits for its result.
    fn call<T: Send + 'static>(
        &mut self,
        f: impl FnOnce(&mut Postgres) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let (reply, result) = mpsc::sync_channel(1);
        let job: Job = Box::new(move |postgres| {
            let _ = reply.send(f(postgres));
        });
        let sent = self
            .jobs
            .as_ref()
            .is_some_and(|jobs| jobs.send(job).is_ok());
        if !sent {
            return Err(self.gone());
        }
        result.recv().unwrap_or_else(|_| Err(self.gone()))
    }

    fn gone(&mut self) -> Error {
        self.jobs = None;
        Error::Connect {
            url: self.url.clone(),
            message: "the connection's thread stopped (it panicked); connect again".into(),
        }
    }
}

impl Drop for PostgresThread {
    fn drop(&mut self) {
        // Closing the queue ends the thread, which closes the connection; waiting for it means
        // the session is gone when the `Database` is (a `DROP DATABASE` right after succeeds).
        self.jobs = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Driver for PostgresThread {
    fn backend(&self) -> Backend {
        Backend::Postgres
    }

    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64> {
        let (sql, params) = (sql.to_owned(), params.to_vec());
        self.call(move |pg| pg.execute(&sql, &params))
    }

    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Vec<Value>>> {
        let (sql, params) = (sql.to_owned(), params.to_vec());
        self.call(move |pg| pg.query(&sql, &params))
    }

    fn execute_batch(&mut self, sql: &str) -> Result<()> {
        let sql = sql.to_owned();
        self.call(move |pg| pg.execute_batch(&sql))
    }

    fn introspect(&mut self) -> Result<Schema> {
        self.call(|pg| pg.introspect())
    }

    fn has_table(&mut self, name: &str) -> Result<bool> {
        let name = name.to_owned();
        self.call(move |pg| pg.has_table(&name))
    }

    fn all_tables(&mut self) -> Result<Vec<String>> {
        self.call(|pg| pg.all_tables())
    }

    fn lock(&mut self, timeout: Duration) -> Result<()> {
        self.call(move |pg| pg.lock(timeout))
    }

    fn unlock(&mut self) -> Result<()> {
        self.call(|pg| pg.unlock())
    }

    fn abort(&mut self) -> Result<()> {
        self.call(|pg| pg.abort())
    }

    fn checkpoint(&mut self) -> Result<()> {
        self.call(|pg| pg.checkpoint())
    }

    fn begin(&mut self) -> Result<()> {
        self.call(|pg| pg.begin())
    }

    fn commit(&mut self) -> Result<()> {
        self.call(|pg| pg.commit())
    }

    fn rollback(&mut self) -> Result<()> {
        self.call(|pg| pg.rollback())
    }

    fn run_rendered(&mut self, rendered: &RenderedOp) -> Result<()> {
        // One hand-off for all of an op's statements.
        let rendered = rendered.clone();
        self.call(move |pg| pg.run_rendered(&rendered))
    }

    fn check_foreign_keys(&mut self, table: &str) -> Result<()> {
        let table = table.to_owned();
        self.call(move |pg| pg.check_foreign_keys(&table))
    }
}
