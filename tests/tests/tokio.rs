//! The sync API inside async applications: `Database::connect`, `Migrator::run`, `status`,
//! `revert`, `synchronize` and dropping the `Database`, on PostgreSQL, inside a tokio runtime
//! of either flavour (the sync `postgres` client alone panics there: "Cannot start a runtime
//! from within a runtime"). Also `Database::from_postgres`.

use entmig_runtime::migration::prelude::*;
use entmig_runtime::migrator::Entry;
use entmig_runtime::{Database, Migrator, Revert, State, SyncOptions};
use entmig_tests::db::TestDb;

struct CreateTodos;
impl MigrationTrait for CreateTodos {
    fn up(&self, m: &mut Plan) {
        m.create_table(todos());
    }
    fn down(&self, m: &mut Plan) {
        m.drop_table(todos());
    }
}

fn todos() -> Table {
    Table::new("todos")
        .with_column(Column::new("id", ColumnType::BigInt).auto_increment())
        .with_column(Column::new("title", ColumnType::Text))
        .with_primary_key(["id"])
}

fn migrator() -> Migrator {
    Migrator::new(vec![Entry::new(
        "m20260101_000000_create_todos",
        Box::new(CreateTodos),
    )])
}

/// What a service writes at start-up, and the rest of the sync API, then a drop.
fn connect_run_revert_drop(test_db: &TestDb) {
    let mut db = Database::connect(test_db.url()).expect("connect inside the runtime");
    assert_eq!(migrator().run(&mut db).unwrap().done.len(), 1);
    let status = migrator().status(&mut db).unwrap();
    assert!(matches!(status[0].state, State::Applied { .. }));
    migrator().revert(&mut db, Revert::Steps(1)).unwrap();
    assert!(db.introspect().unwrap().table("todos").is_none());
    let schema = entmig_runtime::Schema::from_tables([todos()]);
    db.synchronize(&schema, SyncOptions::default()).unwrap();
    assert!(db.introspect().unwrap().table("todos").is_some());
    drop(db);
}

#[tokio::test(flavor = "multi_thread")]
async fn inside_a_multi_thread_runtime() {
    let Some(test_db) = TestDb::postgres() else {
        return;
    };
    connect_run_revert_drop(&test_db);
    // And from a task on a worker thread.
    let url = test_db.url().to_owned();
    tokio::spawn(async move {
        let mut db = Database::connect(&url).unwrap();
        db.execute("DROP TABLE todos", &[]).unwrap();
        migrator().run(&mut db).unwrap();
        assert!(db.introspect().unwrap().table("todos").is_some());
    })
    .await
    .unwrap();
}

#[tokio::test(flavor = "current_thread")]
async fn inside_a_current_thread_runtime() {
    let Some(test_db) = TestDb::postgres() else {
        return;
    };
    connect_run_revert_drop(&test_db);
}

#[test]
fn from_a_client_the_user_connected() {
    let Some(test_db) = TestDb::postgres() else {
        return;
    };
    let client = postgres::Client::connect(test_db.url(), postgres::NoTls).unwrap();
    let mut db = Database::from_postgres(client).unwrap();
    migrator().run(&mut db).unwrap();
    assert!(db.introspect().unwrap().table("todos").is_some());
    migrator().revert(&mut db, Revert::Steps(1)).unwrap();
}
