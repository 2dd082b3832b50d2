//! Test databases on each backend: a SQLite file in a temporary folder, or a fresh database on
//! the PostgreSQL server that `scripts/test` starts (`ENTMIG_TEST_POSTGRES_URL`).
//!
//! Without that variable, PostgreSQL tests are skipped with a printed notice, except in CI
//! (`CI=true`), where a missing server is a failure.

use std::sync::atomic::{AtomicUsize, Ordering};

use entmig_runtime::{Backend, Database};

/// A database for one test, removed when dropped.
pub struct TestDb {
    /// Its dialect.
    pub backend: Backend,
    url: String,
    _dir: Option<tempfile::TempDir>,
    postgres: Option<(String, String)>,
}

impl TestDb {
    /// A SQLite file in a fresh temporary folder.
    pub fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().expect("temp dir");
        TestDb {
            backend: Backend::Sqlite,
            url: format!("sqlite://{}", dir.path().join("app.db").display()),
            _dir: Some(dir),
            postgres: None,
        }
    }

    /// A fresh, empty PostgreSQL database, or `None` (with a notice) when no server is given.
    pub fn postgres() -> Option<TestDb> {
        let admin = postgres_url()?;
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let name = format!(
            "entmig_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let mut db = Database::connect(&admin).expect("connect to the test server");
        db.execute(&format!("CREATE DATABASE \"{name}\""), &[])
            .expect("create a test database");
        let url = match admin.rsplit_once('/') {
            Some((server, _)) => format!("{server}/{name}"),
            None => panic!("ENTMIG_TEST_POSTGRES_URL has no database part: {admin}"),
        };
        Some(TestDb {
            backend: Backend::Postgres,
            url,
            _dir: None,
            postgres: Some((admin, name)),
        })
    }

    /// The database on `backend` (`None`: PostgreSQL without a server).
    pub fn on(backend: Backend) -> Option<TestDb> {
        match backend {
            Backend::Sqlite => Some(TestDb::sqlite()),
            Backend::Postgres => TestDb::postgres(),
        }
    }

    /// Its URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The URL of this PostgreSQL database through the test PgBouncer (transaction mode,
    /// `server_round_robin`), with its pool warmed to several server connections so that
    /// consecutive transactions of one client go to different ones; `None` (with a notice)
    /// when no PgBouncer is given, except in CI.
    pub fn behind_pgbouncer(&self) -> Option<String> {
        let (_, name) = self.postgres.as_ref()?;
        let bouncer = required_url(
            "ENTMIG_TEST_PGBOUNCER_URL",
            "this PgBouncer test",
            "scripts/test starts one and sets it",
        )?;
        let url = match bouncer.rsplit_once('/') {
            Some((server, _)) => format!("{server}/{name}"),
            None => panic!("ENTMIG_TEST_PGBOUNCER_URL has no database part: {bouncer}"),
        };
        // Four transactions at once make the pool open four server connections.
        let clients: Vec<_> = (0..4)
            .map(|_| {
                let url = url.clone();
                std::thread::spawn(move || {
                    let mut client = postgres::Client::connect(&url, postgres::NoTls)
                        .expect("connect through PgBouncer");
                    client
                        .batch_execute("BEGIN; SELECT pg_sleep(0.3); COMMIT")
                        .expect("a transaction through PgBouncer");
                })
            })
            .collect();
        for client in clients {
            client.join().expect("warm the pool");
        }
        Some(url)
    }

    /// A new connection.
    pub fn open(&self) -> Database {
        Database::connect(&self.url).expect("open the test database")
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let (Some((admin, name)), true) = (&self.postgres, true)
            && let Ok(mut db) = Database::connect(admin)
        {
            let _ = db.execute(
                &format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"),
                &[],
            );
        }
    }
}

/// The test server's URL, or `None` with a notice; in CI a missing server fails the test.
pub fn postgres_url() -> Option<String> {
    required_url(
        "ENTMIG_TEST_POSTGRES_URL",
        "this PostgreSQL test",
        "scripts/test starts a server and sets it",
    )
}

/// The URL in `variable`, or `None` with a notice that `what` is skipped and `how` to run it;
/// in CI (`CI=true`) a missing one fails the test, so that nothing is skipped there.
pub fn required_url(variable: &str, what: &str, how: &str) -> Option<String> {
    match std::env::var(variable) {
        Ok(url) if !url.is_empty() => Some(url),
        _ if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!(
                "{variable} is not set: in CI {what} must run; run it through scripts/test ({how})"
            )
        }
        _ => {
            eprintln!("note: {variable} is not set, so {what} is skipped; {how}");
            None
        }
    }
}

/// Defines each test twice, `sqlite` and `postgres`, in a module named after it. The body gets
/// `db: TestDb`; the PostgreSQL one is skipped when there is no server.
#[macro_export]
macro_rules! on_each_backend {
    ($(#[$meta:meta])* fn $name:ident($db:ident) $body:block $($rest:tt)*) => {
        $(#[$meta])*
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            fn run($db: $crate::db::TestDb) $body

            #[test]
            fn sqlite() {
                run($crate::db::TestDb::sqlite());
            }

            #[test]
            fn postgres() {
                if let Some(db) = $crate::db::TestDb::postgres() {
                    run(db);
                }
            }
        }
        $crate::on_each_backend! { $($rest)* }
    };
    () => {};
}
