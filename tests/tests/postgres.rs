//! What only PostgreSQL has: non-transactional migrations for `CREATE INDEX CONCURRENTLY`, the
//! advisory lock and its timeout, the `schema` setting, and passwords kept out of errors.

use std::time::Duration;

use entmig_runtime::migration::prelude::*;
use entmig_runtime::migrator::Entry;
use entmig_runtime::{Database, Error, Migrator, RunOptions, State};
use entmig_tests::db::{TestDb, postgres_url};

struct CreateUsers;
impl MigrationTrait for CreateUsers {
    fn up(&self, m: &mut Plan) {
        m.create_table(
            Table::new("users")
                .with_column(Column::new("id", ColumnType::BigInt).auto_increment())
                .with_column(Column::new("email", ColumnType::Text))
                .with_primary_key(["id"]),
        );
    }
    fn down(&self, m: &mut Plan) {
        m.sql("DROP TABLE users");
    }
}

struct IndexConcurrently(bool);
impl MigrationTrait for IndexConcurrently {
    fn up(&self, m: &mut Plan) {
        m.sql_for(
            Backend::Postgres,
            "CREATE INDEX CONCURRENTLY idx_users_email ON users (email)",
        );
    }
    fn down(&self, m: &mut Plan) {
        m.sql_for(Backend::Postgres, "DROP INDEX CONCURRENTLY idx_users_email");
    }
    fn transactional(&self) -> bool {
        self.0
    }
}

fn migrator(transactional: bool) -> Migrator {
    Migrator::new(vec![
        Entry::new("m20260101_000000_create_users", Box::new(CreateUsers)),
        Entry::new(
            "m20260102_000000_index",
            Box::new(IndexConcurrently(transactional)),
        ),
    ])
}

#[test]
fn create_index_concurrently_needs_a_non_transactional_migration() {
    let Some(file) = TestDb::postgres() else {
        return;
    };
    let mut db = file.open();
    let error = migrator(true).run(&mut db).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("cannot run inside a transaction block"),
        "{error}"
    );
    assert_eq!(
        migrator(true).status(&mut db).unwrap()[1].state,
        State::Pending
    );

    let report = migrator(false).run(&mut db).unwrap();
    assert_eq!(report.done.len(), 1);
    let live = db.introspect().unwrap();
    assert!(
        live.table("users")
            .unwrap()
            .index("idx_users_email")
            .is_some()
    );
    assert!(matches!(
        migrator(false).status(&mut db).unwrap()[1].state,
        State::Applied { .. }
    ));
    migrator(false)
        .revert(&mut db, entmig_runtime::Revert::Steps(1))
        .unwrap();
    assert!(
        db.introspect()
            .unwrap()
            .table("users")
            .unwrap()
            .indexes
            .is_empty()
    );
}

#[test]
fn a_held_lock_times_out_with_a_message_that_names_the_holder() {
    let Some(file) = TestDb::postgres() else {
        return;
    };
    // Another session holds entmig's lock: a run that waits inside, at its first migration.
    let url = file.url().to_owned();
    let (started_tx, started_rx) = std::sync::mpsc::channel();
    let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
    let release_rx = std::sync::Mutex::new(release_rx);
    let started_tx = std::sync::Mutex::new(started_tx);
    struct Slow;
    impl MigrationTrait for Slow {
        fn up(&self, m: &mut Plan) {
            m.sql("CREATE TABLE slow (id BIGINT PRIMARY KEY)");
        }
        fn down(&self, _: &mut Plan) {}
    }
    let waiter = std::thread::spawn(move || {
        let mut db = Database::connect(&url).unwrap();
        let options = RunOptions {
            on_event: Some(std::sync::Arc::new(move |event: &entmig_runtime::Event| {
                if matches!(event, entmig_runtime::Event::Started { .. }) {
                    let _ = started_tx.lock().unwrap().send(());
                    let _ = release_rx.lock().unwrap().recv();
                }
            })),
            ..RunOptions::default()
        };
        Migrator::new(vec![Entry::new("m20260101_000000_slow", Box::new(Slow))])
            .run_with(&mut db, &options)
            .map(|r| r.done.len())
            .map_err(|e| e.to_string())
    });
    started_rx.recv_timeout(Duration::from_secs(10)).unwrap();

    let mut db = file.open();
    let options = RunOptions {
        lock_timeout: Duration::from_millis(300),
        ..RunOptions::default()
    };
    let error = migrator(false).run_with(&mut db, &options).unwrap_err();
    assert!(matches!(error.error, Error::LockTimeout { .. }), "{error}");
    let message = error.to_string();
    assert!(
        message.contains("waited 300ms for the migration lock"),
        "{message}"
    );
    assert!(message.contains("holds it"), "{message}");
    assert!(
        message.contains("another instance may be migrating"),
        "{message}"
    );

    release_tx.send(()).unwrap();
    assert_eq!(waiter.join().unwrap(), Ok(1));
    // Once the holder is done, the lock is free again.
    assert!(migrator(false).status(&mut db).is_ok());
}

#[test]
fn the_schema_setting_chooses_where_tables_live() {
    let Some(file) = TestDb::postgres() else {
        return;
    };
    file.open().execute("CREATE SCHEMA app", &[]).unwrap();
    let mut in_app = Database::connect(&format!("{}?schema=app", file.url())).unwrap();
    migrator(false).run(&mut in_app).unwrap();
    assert!(in_app.introspect().unwrap().table("users").is_some());
    let mut in_public = file.open();
    assert!(
        in_public.introspect().unwrap().tables.is_empty(),
        "public is untouched"
    );
    assert!(
        migrator(false)
            .status(&mut in_public)
            .unwrap()
            .iter()
            .all(|s| s.state == State::Pending)
    );

    let missing = Database::connect(&format!("{}?schema=nope", file.url())).unwrap_err();
    assert!(
        missing
            .to_string()
            .contains("the schema `nope` does not exist"),
        "{missing}"
    );
}

#[test]
fn passwords_never_appear_in_errors() {
    // A closed port: the connection fails, and the error shows the URL without its password.
    let url = "postgres://app:s3cr3t-pa55@127.0.0.1:1/app";
    let error = Database::connect(url).unwrap_err().to_string();
    assert!(!error.contains("s3cr3t-pa55"), "{error}");
    assert!(
        error.contains("postgres://app:***@127.0.0.1:1/app"),
        "{error}"
    );

    // Passwords in a query parameter, or holding a `/`, are hidden too.
    for url in [
        "postgres://app@127.0.0.1:1/app?password=pw-in-query",
        "postgres://app:pw/with/slash@127.0.0.1:1/app",
    ] {
        let error = Database::connect(url).unwrap_err().to_string();
        assert!(
            !error.contains("pw-in-query") && !error.contains("pw/with/slash"),
            "{error}"
        );
    }

    // A wrong password for the test server's user.
    let Some(admin) = postgres_url() else { return };
    let with_password = admin.replacen("postgres://entmig@", "postgres://nobody:hunter2-x@", 1);
    if let Err(error) = Database::connect(&with_password) {
        assert!(!error.to_string().contains("hunter2-x"), "{error}");
    }
}

#[test]
fn a_query_reads_the_new_columns_after_a_migration_changes_them() {
    // PostgreSQL refuses a kept plan whose result type changed ("cached plan must not change
    // result type"); entmig keeps plans only for its own tracking table.
    let Some(file) = TestDb::postgres() else {
        return;
    };
    let mut db = file.open();
    migrator(false).run(&mut db).unwrap();
    db.execute("INSERT INTO users (email) VALUES ('ada@example.com')", &[])
        .unwrap();
    assert_eq!(db.query("SELECT * FROM users", &[]).unwrap()[0].len(), 2);
    db.execute("ALTER TABLE users ADD COLUMN name TEXT", &[])
        .unwrap();
    assert_eq!(db.query("SELECT * FROM users", &[]).unwrap()[0].len(), 3);
}

#[test]
fn parameters_that_do_not_fit_are_errors_not_changed_values() {
    let Some(file) = TestDb::postgres() else {
        return;
    };
    let mut db = file.open();
    db.execute("CREATE TABLE small (n SMALLINT)", &[]).unwrap();
    let too_big = db
        .execute("INSERT INTO small VALUES ($1)", &[70_000.into()])
        .unwrap_err();
    assert!(
        too_big.to_string().contains("does not fit its type int2"),
        "{too_big}"
    );
    let extra = db
        .execute("INSERT INTO small VALUES ($1)", &[1.into(), 2.into()])
        .unwrap_err();
    assert!(
        extra
            .to_string()
            .contains("takes 1 parameter(s), but 2 were given"),
        "{extra}"
    );
    assert!(
        db.query("SELECT n FROM small", &[]).unwrap().is_empty(),
        "nothing was written"
    );
}
