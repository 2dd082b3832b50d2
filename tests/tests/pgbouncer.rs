//! entmig through PgBouncer in transaction mode, started by `scripts/test` with
//! `server_round_robin`, so that consecutive transactions of one client go to different server
//! connections: whatever relied on session state (a `search_path` set once, a session-level
//! advisory lock, a statement prepared in one transaction and used in the next) fails here.
//!
//! Each test checks first that the pooler does hand out several server connections, so that
//! a pass means something. Skipped with a notice without `ENTMIG_TEST_PGBOUNCER_URL`, except in
//! CI (`CI=true`).

use std::collections::BTreeSet;
use std::time::Duration;

use entmig_runtime::migration::prelude::*;
use entmig_runtime::migrator::Entry;
use entmig_runtime::{Database, Error, Migrator, Revert, RunOptions, State, Value};
use entmig_tests::db::TestDb;

struct CreateTodos;
impl MigrationTrait for CreateTodos {
    fn up(&self, m: &mut Plan) {
        m.create_table(
            Table::new("todos")
                .with_column(Column::new("id", ColumnType::BigInt).auto_increment())
                .with_column(Column::new("title", ColumnType::Text))
                .with_primary_key(["id"]),
        );
    }
    fn down(&self, m: &mut Plan) {
        m.drop_table(Table::new("todos"));
    }
}

struct AddDone;
impl MigrationTrait for AddDone {
    fn up(&self, m: &mut Plan) {
        m.add_column(
            "todos",
            Column::new("done", ColumnType::Boolean).default(DefaultValue::Bool(false)),
        )
        .add_index("todos", Index::new("idx_todos_done", ["done"]))
        .data("first todo", |tx| {
            tx.execute(
                "INSERT INTO todos (title, done) VALUES ($1, $2)",
                &[Value::from("write the pooler note"), Value::Integer(0)],
            )?;
            Ok(())
        });
    }
    fn down(&self, m: &mut Plan) {
        m.drop_index("todos", Index::new("idx_todos_done", ["done"]))
            .drop_column("todos", Column::new("done", ColumnType::Boolean));
    }
}

/// Holds the run's lock for a while: a step that sleeps on the server.
struct Slow;
impl MigrationTrait for Slow {
    fn up(&self, m: &mut Plan) {
        m.sql("SELECT pg_sleep(1.5)");
    }
    fn down(&self, m: &mut Plan) {
        m.sql("SELECT 1");
    }
}

fn migrator() -> Migrator {
    Migrator::new(vec![
        Entry::new("m20260101_000000_create_todos", Box::new(CreateTodos)),
        Entry::new("m20260102_000000_add_done", Box::new(AddDone)),
    ])
}

/// A fresh database with a schema `app`, and its URLs: direct, and through PgBouncer for
/// schema `app` (not the server's default, so a lost `search_path` shows).
fn setup() -> Option<(TestDb, String, String)> {
    let test_db = TestDb::postgres()?;
    let bouncer = test_db.behind_pgbouncer()?;
    test_db
        .open()
        .execute("CREATE SCHEMA app", &[])
        .expect("create the schema");
    let direct = format!("{}?schema=app", test_db.url());
    let pooled = format!("{bouncer}?schema=app");
    let mut client = postgres::Client::connect(&bouncer, postgres::NoTls).unwrap();
    // The simple protocol: a statement prepared in one transaction is not there in the next.
    let backends: BTreeSet<String> = (0..8)
        .map(|_| {
            let messages = client.simple_query("SELECT pg_backend_pid()").unwrap();
            messages
                .iter()
                .find_map(|m| match m {
                    postgres::SimpleQueryMessage::Row(row) => row.get(0).map(str::to_owned),
                    _ => None,
                })
                .expect("a pid")
        })
        .collect();
    assert!(
        backends.len() > 1,
        "PgBouncer gave one client's eight transactions to one server connection ({backends:?}); the test would prove nothing"
    );
    Some((test_db, direct, pooled))
}

fn applied(status: &[entmig_runtime::MigrationStatus]) -> usize {
    status
        .iter()
        .filter(|s| matches!(s.state, State::Applied { .. }))
        .count()
}

#[test]
fn run_status_and_revert_through_the_pooler_land_in_the_schema_of_the_url() {
    let Some((_test_db, direct, pooled)) = setup() else {
        return;
    };
    let mut db = Database::connect(&pooled).expect("connect through PgBouncer");
    let report = migrator().run(&mut db).expect("run through PgBouncer");
    assert_eq!(report.done.len(), 2);
    assert_eq!(applied(&migrator().status(&mut db).unwrap()), 2);

    // What landed, seen on a direct connection: all of it in `app`, nothing in `public`.
    let mut check = Database::connect(&direct).unwrap();
    let schema = check.introspect().unwrap();
    let todos = schema.table("todos").expect("todos in schema app");
    assert!(todos.columns.iter().any(|c| c.name == "done"));
    assert_eq!(todos.indexes.len(), 1);
    let rows = check
        .query("SELECT title FROM todos WHERE NOT done", &[])
        .unwrap();
    assert_eq!(rows, vec![vec![Value::from("write the pooler note")]]);
    let public = Database::connect(_test_db.url())
        .unwrap()
        .all_tables()
        .unwrap();
    assert!(public.is_empty(), "tables leaked into public: {public:?}");

    // A second run finds nothing to do; revert goes back, a run again forward.
    assert!(migrator().run(&mut db).unwrap().done.is_empty());
    let reverted = migrator()
        .revert(&mut db, Revert::Steps(usize::MAX))
        .unwrap();
    assert_eq!(reverted.done.len(), 2);
    assert_eq!(applied(&migrator().status(&mut db).unwrap()), 0);
    assert!(check.introspect().unwrap().table("todos").is_none());
    assert_eq!(migrator().run(&mut db).unwrap().done.len(), 2);
    assert_eq!(applied(&migrator().status(&mut check).unwrap()), 2);
}

#[test]
fn concurrent_runs_through_the_pooler_apply_each_migration_once() {
    let Some((_test_db, direct, pooled)) = setup() else {
        return;
    };
    let runs: Vec<_> = (0..8)
        .map(|_| {
            let url = pooled.clone();
            std::thread::spawn(move || {
                let mut db = Database::connect(&url).expect("connect through PgBouncer");
                migrator()
                    .run(&mut db)
                    .map(|report| report.done.len())
                    .map_err(|failure| failure.error.to_string())
            })
        })
        .collect();
    let done: Vec<usize> = runs
        .into_iter()
        .map(|run| run.join().unwrap().expect("every run succeeds"))
        .collect();
    assert_eq!(done.iter().sum::<usize>(), 2, "applied: {done:?}");
    let mut check = Database::connect(&direct).unwrap();
    let rows = check
        .query("SELECT count(*) FROM entmig_migrations", &[])
        .unwrap();
    assert_eq!(rows, vec![vec![Value::Integer(2)]]);
    let todos = check.query("SELECT count(*) FROM todos", &[]).unwrap();
    assert_eq!(todos, vec![vec![Value::Integer(1)]]);
}

#[test]
fn the_lock_holds_across_server_connections_and_is_released_after_the_run() {
    let Some((_test_db, _direct, pooled)) = setup() else {
        return;
    };
    let slow = || Migrator::new(vec![Entry::new("m20260103_000000_slow", Box::new(Slow))]);
    let url = pooled.clone();
    let holder = std::thread::spawn(move || {
        let mut db = Database::connect(&url).unwrap();
        slow()
            .run(&mut db)
            .map(|report| report.done.len())
            .map_err(|failure| failure.error.to_string())
    });
    std::thread::sleep(Duration::from_millis(500));
    let mut db = Database::connect(&pooled).unwrap();
    let options = RunOptions {
        lock_timeout: Duration::from_millis(300),
        ..RunOptions::default()
    };
    let waited = slow().run_with(&mut db, &options).unwrap_err();
    assert!(
        matches!(waited.error, Error::LockTimeout { .. }),
        "{}",
        waited.error
    );
    assert!(
        waited.error.to_string().contains("entmig"),
        "names the holder: {}",
        waited.error
    );
    assert_eq!(holder.join().unwrap().expect("the holder's run"), 1);
    // Released with the holder's run, whichever server connection took it.
    let after = RunOptions {
        lock_timeout: Duration::from_secs(5),
        ..RunOptions::default()
    };
    assert!(slow().run_with(&mut db, &after).unwrap().done.is_empty());
}
