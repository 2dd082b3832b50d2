//! The sync API inside async applications: `Database::connect`, `Migrator::run`, `status`,
//! `revert`, `synchronize` and dropping the `Database`, on PostgreSQL, inside a tokio runtime
//! of either flavour (the sync `postgres` client alone panics there: "Cannot start a runtime
//! from within a runtime"). Also `Database::from_postgres`, and the `async` entry points
//! (`run_async`, `status_async`, `revert_async`), which leave the runtime's workers free.

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

/// A migration whose data step takes a while, as a backfill does.
struct Backfill;
impl MigrationTrait for Backfill {
    fn up(&self, m: &mut Plan) {
        m.data("backfill", |_| {
            std::thread::sleep(std::time::Duration::from_millis(600));
            Ok(())
        });
    }
    fn down(&self, _: &mut Plan) {}
}

fn with_backfill() -> Migrator {
    Migrator::new(vec![
        Entry::new("m20260101_000000_create_todos", Box::new(CreateTodos)),
        Entry::new("m20260102_000000_backfill", Box::new(Backfill)),
    ])
}

/// The async API on `url`, inside a current-thread runtime: the one worker keeps running other
/// tasks while the migrations run (the sync API would hold it the whole time).
async fn run_status_revert_async(url: &str) {
    let ticks = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = ticks.clone();
    let ticker = tokio::spawn(async move {
        loop {
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
            counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
    });
    let report = with_backfill().run_async(url).await.expect("run_async");
    assert_eq!(report.done.len(), 2);
    let during = ticks.load(std::sync::atomic::Ordering::Relaxed);
    assert!(
        during >= 20,
        "the runtime's only worker ran {during} ticks of 10 ms during a 600 ms migration"
    );
    ticker.abort();
    let status = with_backfill().status_async(url).await.unwrap();
    assert!(
        status
            .iter()
            .all(|s| matches!(s.state, State::Applied { .. }))
    );
    let reverted = with_backfill()
        .revert_async(url, Revert::Steps(usize::MAX))
        .await
        .expect("revert_async");
    assert_eq!(reverted.done.len(), 2);
    let mut db = Database::connect(url).unwrap();
    assert!(db.introspect().unwrap().table("todos").is_none());
    // An error comes back as the sync API's would.
    let failure = with_backfill()
        .run_async("postgres://nobody@127.0.0.1:1/none?connect_timeout=1")
        .await
        .unwrap_err();
    assert!(
        failure.error.to_string().contains("127.0.0.1:1"),
        "{}",
        failure.error
    );
}

#[tokio::test(flavor = "current_thread")]
async fn the_async_api_leaves_the_worker_free_on_postgres() {
    let Some(test_db) = TestDb::postgres() else {
        return;
    };
    run_status_revert_async(test_db.url()).await;
}

#[tokio::test(flavor = "current_thread")]
async fn the_async_api_leaves_the_worker_free_on_sqlite() {
    let test_db = TestDb::sqlite();
    run_status_revert_async(test_db.url()).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_async_api_inside_a_multi_thread_runtime() {
    let Some(test_db) = TestDb::postgres() else {
        return;
    };
    let url = test_db.url().to_owned();
    let runs: Vec<_> = (0..4)
        .map(|_| {
            let url = url.clone();
            tokio::spawn(async move { migrator().run_async(&url).await.map(|r| r.done.len()) })
        })
        .collect();
    let mut applied = 0;
    for run in runs {
        applied += run.await.unwrap().expect("each run succeeds");
    }
    assert_eq!(applied, 1, "four services starting at once apply it once");
}
