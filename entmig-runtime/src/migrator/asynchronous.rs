//! `async` entry points (feature `tokio`), for a service that migrates from async code without
//! blocking a worker of its runtime.
//!
//! Each call moves the migrator to a thread of its own, connects there, runs the sync
//! algorithm, and completes its future with the outcome through a `tokio::sync::oneshot`
//! channel, which needs no runtime of its own: the futures work under tokio (either flavour)
//! or any other executor. A panic on that thread (a data step's) is resumed in the caller.
//!
//! The sync API works inside a runtime as well (the PostgreSQL client lives on its own
//! thread); it blocks the calling worker while it runs, which these calls do not.

use std::thread;

use super::{MigrationStatus, Migrator, Report, Revert, RunError, RunOptions};
use crate::connect::ConnectOptions;
use crate::database::Database;
use crate::error::{Error, Result};

impl Migrator {
    /// [`Migrator::run`] on the database `url` names, awaited.
    ///
    /// ```no_run
    /// # async fn start() -> Result<(), entmig_runtime::RunError> {
    /// # fn migrator() -> entmig_runtime::Migrator { entmig_runtime::Migrator::new(vec![]) }
    /// let url = std::env::var("DATABASE_URL").expect("DATABASE_URL is set");
    /// let report = migrator().run_async(&url).await?;
    /// log::info!("applied {} migration(s)", report.done.len());
    /// # Ok(())
    /// # }
    /// ```
    pub async fn run_async(self, url: &str) -> Result<Report, RunError> {
        self.run_async_with(url, ConnectOptions::default(), RunOptions::default())
            .await
    }

    /// [`Migrator::run_async`] with connection options (a timeout for a server that is still
    /// starting) and run options.
    pub async fn run_async_with(
        self,
        url: &str,
        connect: ConnectOptions,
        options: RunOptions,
    ) -> Result<Report, RunError> {
        let url = url.to_owned();
        on_a_thread(&url.clone(), move || {
            let mut db = Database::connect_with(&url, &connect)?;
            self.run_with(&mut db, &options)
        })
        .await
    }

    /// [`Migrator::revert`] on the database `url` names, awaited.
    pub async fn revert_async(self, url: &str, which: Revert) -> Result<Report, RunError> {
        let url = url.to_owned();
        on_a_thread(&url.clone(), move || {
            let mut db = Database::connect(&url)?;
            self.revert(&mut db, which)
        })
        .await
    }

    /// [`Migrator::status`] of the database `url` names, awaited.
    pub async fn status_async(self, url: &str) -> Result<Vec<MigrationStatus>> {
        let url = url.to_owned();
        on_a_thread(&url.clone(), move || {
            let mut db = Database::connect(&url)?;
            self.status(&mut db)
        })
        .await
    }
}

/// Runs `work` on a new thread; its outcome, awaited. A thread that cannot start is an error
/// (of connecting to `url`); a panic there is resumed here.
async fn on_a_thread<T, E>(
    url: &str,
    work: impl FnOnce() -> Result<T, E> + Send + 'static,
) -> Result<T, E>
where
    T: Send + 'static,
    E: From<Error> + Send + 'static,
{
    let (done, outcome) = tokio::sync::oneshot::channel();
    let spawned = thread::Builder::new()
        .name("entmig-migrate".into())
        .spawn(move || {
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(work));
            let _ = done.send(result);
        });
    let failed = |message: String| {
        E::from(Error::Connect {
            url: crate::redact(url),
            message,
        })
    };
    if let Err(error) = spawned {
        return Err(failed(format!(
            "could not start the migration's thread: {error}"
        )));
    }
    match outcome.await {
        Ok(Ok(result)) => result,
        Ok(Err(panic)) => std::panic::resume_unwind(panic),
        // The thread sends before it ends, also after a panic that unwinds.
        Err(_) => Err(failed(
            "the migration's thread ended without an outcome".into(),
        )),
    }
}
