//! The migrator on real databases (SQLite files and PostgreSQL): run, revert, status, failures that roll back, checksums,
//! ordering, dirty state, and several processes migrating one database at once.

use std::sync::{Arc, Mutex};

use entmig_runtime::migration::prelude::*;
use entmig_runtime::migrator::Entry;
use entmig_runtime::{Database, Error, Event, Migrator, Revert, RunOptions, State};
use entmig_tests::db::TestDb;
use entmig_tests::on_each_backend;

struct CreateUsers;
impl MigrationTrait for CreateUsers {
    fn up(&self, m: &mut Plan) {
        m.create_table(users());
    }
    fn down(&self, m: &mut Plan) {
        m.drop_table(users());
    }
}

fn users() -> Table {
    Table::new("users")
        .with_column(Column::new("id", ColumnType::BigInt).auto_increment())
        .with_column(Column::new("email", ColumnType::Text))
        .with_primary_key(["id"])
}

struct AddName;
impl MigrationTrait for AddName {
    fn up(&self, m: &mut Plan) {
        m.add_column_filled(
            "users",
            Column::new("name", ColumnType::Text),
            Fill::Value(DefaultValue::String("anonymous".into())),
        )
        .add_index("users", Index::unique("uq_users_email", ["email"]));
    }
    fn down(&self, m: &mut Plan) {
        m.drop_index("users", Index::unique("uq_users_email", ["email"]))
            .drop_column("users", Column::new("name", ColumnType::Text));
    }
}

struct CreatePosts;
impl MigrationTrait for CreatePosts {
    fn up(&self, m: &mut Plan) {
        m.create_table(posts());
        m.data("welcome post", |tx| {
            tx.execute(
                "INSERT INTO posts (author_id, title) SELECT id, 'Welcome' FROM users",
                &[],
            )?;
            Ok(())
        });
    }
    fn down(&self, m: &mut Plan) {
        m.drop_table(posts());
    }
}

fn posts() -> Table {
    Table::new("posts")
        .with_column(Column::new("id", ColumnType::BigInt).auto_increment())
        .with_column(Column::new("author_id", ColumnType::BigInt))
        .with_column(Column::new("title", ColumnType::Text))
        .with_primary_key(["id"])
        .with_foreign_key(
            ForeignKey::new("fk_posts_author_id", ["author_id"], "users", ["id"])
                .on_delete(ReferentialAction::Cascade),
        )
}

fn entry(module: &str, migration: impl MigrationTrait + 'static) -> Entry {
    Entry::new(module, Box::new(migration))
}

fn three() -> Migrator {
    Migrator::new(vec![
        entry("m20260101_000000_create_users", CreateUsers),
        entry("m20260102_000000_add_name", AddName),
        entry("m20260103_000000_create_posts", CreatePosts),
    ])
}

fn first(n: usize) -> Migrator {
    let mut all = vec![
        entry("m20260101_000000_create_users", CreateUsers),
        entry("m20260102_000000_add_name", AddName),
        entry("m20260103_000000_create_posts", CreatePosts),
    ];
    all.truncate(n);
    Migrator::new(all)
}

fn ids(report: &entmig_runtime::Report) -> Vec<&str> {
    report.done.iter().map(|d| d.id.as_str()).collect()
}

fn tracking(db: &mut Database) -> Vec<Vec<Value>> {
    db.query(
        "SELECT id, name, checksum, status FROM entmig_migrations ORDER BY id",
        &[],
    )
    .unwrap_or_default()
}

/// Everything a failed migration must leave as it was.
fn state(db: &mut Database) -> (entmig_runtime::Schema, Vec<Vec<Value>>, Vec<Vec<Value>>) {
    let schema = db.introspect().unwrap();
    let users = db
        .query("SELECT * FROM users ORDER BY id", &[])
        .unwrap_or_default();
    (schema, users, tracking(db))
}

on_each_backend! {
    fn a_fresh_run_applies_everything_in_order_and_records_it(file) {
    let mut db = file.open();
    let report = three().run(&mut db).unwrap();
    assert_eq!(
        ids(&report),
        [
            "20260101_000000_create_users",
            "20260102_000000_add_name",
            "20260103_000000_create_posts"
        ]
    );
    let rows = tracking(&mut db);
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[1][1], Value::from("add_name"));
    assert_eq!(rows[1][3], Value::from("applied"));
    assert_eq!(rows[1][2], Value::from(three().entries()[1].checksum()));
    let schema = db.introspect().unwrap();
    assert!(schema.table("posts").is_some());
    assert!(schema.table("users").unwrap().column("name").is_some());

    // Nothing to do the second time, from a new connection.
    let mut db = file.open();
    assert!(three().run(&mut db).unwrap().done.is_empty());
    assert!(
        three()
            .status(&mut db)
            .unwrap()
            .iter()
            .all(|s| matches!(s.state, State::Applied { .. }))
    );
    }
}

on_each_backend! {
    fn an_incremental_run_applies_only_what_is_new_and_keeps_rows(file) {
    let mut db = file.open();
    first(1).run(&mut db).unwrap();
    db.execute(
        "INSERT INTO users (email) VALUES ('ada@example.com'), ('bob@example.com')",
        &[],
    )
    .unwrap();
    let report = three().run(&mut db).unwrap();
    assert_eq!(
        ids(&report),
        ["20260102_000000_add_name", "20260103_000000_create_posts"]
    );
    let users = db
        .query("SELECT email, name FROM users ORDER BY id", &[])
        .unwrap();
    assert_eq!(
        users,
        vec![
            vec![Value::from("ada@example.com"), Value::from("anonymous")],
            vec![Value::from("bob@example.com"), Value::from("anonymous")],
        ],
        "the fill value reached the existing rows"
    );
    let posts = db.query("SELECT COUNT(*) FROM posts", &[]).unwrap();
    assert_eq!(
        posts[0][0],
        Value::Integer(2),
        "the data step ran once per user"
    );
    }
}

on_each_backend! {
    fn revert_undoes_the_newest_one_or_several(file) {
    let mut db = file.open();
    three().run(&mut db).unwrap();
    let scratch_db = TestDb::on(file.backend).expect("the same backend");
    let before_add_name = {
        let mut scratch = scratch_db.open();
        first(1).run(&mut scratch).unwrap();
        scratch.introspect().unwrap()
    };

    let report = three().revert(&mut db, Revert::Steps(1)).unwrap();
    assert_eq!(ids(&report), ["20260103_000000_create_posts"]);
    assert!(db.introspect().unwrap().table("posts").is_none());
    assert_eq!(tracking(&mut db).len(), 2);

    three().run(&mut db).unwrap();
    let report = three().revert(&mut db, Revert::Steps(2)).unwrap();
    assert_eq!(
        ids(&report),
        ["20260103_000000_create_posts", "20260102_000000_add_name"]
    );
    assert_eq!(
        db.introspect().unwrap(),
        before_add_name,
        "down restores the earlier schema"
    );

    three().run(&mut db).unwrap();
    let report = three()
        .revert(&mut db, Revert::To("20260101_000000_create_users".into()))
        .unwrap();
    assert_eq!(report.done.len(), 2);
    assert_eq!(tracking(&mut db).len(), 1);

    let error = three()
        .revert(&mut db, Revert::To("20260103_000000_create_posts".into()))
        .unwrap_err();
    assert!(matches!(error.error, Error::NotApplied { .. }), "{error}");
    }
}

/// A migration that adds a column, then fails at the step given.
struct FailsAt(&'static str);
impl MigrationTrait for FailsAt {
    fn up(&self, m: &mut Plan) {
        m.add_column(
            "users",
            Column::new("nickname", ColumnType::Text).nullable(),
        );
        m.data("copy emails", |tx| {
            tx.execute("UPDATE users SET nickname = email", &[])?;
            Ok(())
        });
        match self.0 {
            "op" => {
                // Not NULL without a fill on a table with rows: the rebuild's copy fails.
                m.add_column("users", Column::new("required", ColumnType::Text));
            }
            "sql" => {
                m.sql("INSERT INTO no_such_table VALUES (1)");
            }
            "data" => {
                m.data("explode", |tx| {
                    tx.execute("UPDATE users SET email = NULL", &[])?;
                    Ok(())
                });
            }
            _ => unreachable!(),
        }
    }
    fn down(&self, _: &mut Plan) {}
}

on_each_backend! {
    fn a_failure_at_any_kind_of_step_rolls_the_migration_back_completely(file) {
    let sqlite = file.backend == Backend::Sqlite;
    for (kind, step, needle) in [
        ("op", 3, if sqlite { "NOT NULL constraint failed" } else { "contains null values" }),
        ("sql", 3, if sqlite { "no such table: no_such_table" } else { "relation \"no_such_table\" does not exist" }),
        ("data", 3, if sqlite { "NOT NULL constraint failed: users.email" } else { "null value in column \"email\"" }),
    ] {
        let file = TestDb::on(file.backend).expect("the same backend");
        let mut db = file.open();
        first(2).run(&mut db).unwrap();
        db.execute(
            "INSERT INTO users (email, name) VALUES ('ada@example.com', 'Ada')",
            &[],
        )
        .unwrap();
        let before = state(&mut db);

        let mut entries = vec![
            entry("m20260101_000000_create_users", CreateUsers),
            entry("m20260102_000000_add_name", AddName),
            entry("m20260103_000000_create_posts", CreatePosts),
        ];
        entries.push(entry("m20260104_000000_breaks", FailsAt(kind)));
        let error = Migrator::new(entries).run(&mut db).unwrap_err();

        // What came before the failing migration stays applied; the failing one left nothing.
        assert_eq!(
            ids(&error.report),
            ["20260103_000000_create_posts"],
            "{kind}"
        );
        let message = error.to_string();
        assert!(
            message.contains(&format!(
                "migration 20260104_000000_breaks failed at step {step}"
            )),
            "{kind}: {message}"
        );
        assert!(message.contains(needle), "{kind}: {message}");
        let after = state(&mut db);
        // create_posts applied before the failure; nothing of the failed migration remains.
        let scratch_db = TestDb::on(file.backend).expect("the same backend");
        let mut scratch = scratch_db.open();
        three().run(&mut scratch).unwrap();
        assert_eq!(
            after.0,
            scratch.introspect().unwrap(),
            "{kind}: schema rolled back"
        );
        assert_eq!(after.1, before.1, "{kind}: rows rolled back");
        assert_eq!(
            after.2[..2],
            before.2[..],
            "{kind}: earlier tracking rows untouched"
        );
        assert_eq!(
            after.2.len(),
            3,
            "{kind}: no tracking row for the failed migration"
        );
        if sqlite {
            let foreign_keys = file.open().query("PRAGMA foreign_keys", &[]).unwrap();
            assert_eq!(foreign_keys[0][0], Value::Integer(1), "{kind}: foreign keys back on");
        }
    }
    }
}

/// The same id as `AddName`, but with different steps: an edit after it was applied.
struct AddNameEdited;
impl MigrationTrait for AddNameEdited {
    fn up(&self, m: &mut Plan) {
        m.add_column("users", Column::new("name", ColumnType::Text).nullable());
    }
    fn down(&self, m: &mut Plan) {
        m.drop_column("users", Column::new("name", ColumnType::Text).nullable());
    }
}

on_each_backend! {
    fn an_applied_migration_that_changed_is_refused(file) {
    let mut db = file.open();
    first(2).run(&mut db).unwrap();
    let edited = Migrator::new(vec![
        entry("m20260101_000000_create_users", CreateUsers),
        entry("m20260102_000000_add_name", AddNameEdited),
        entry("m20260103_000000_create_posts", CreatePosts),
    ]);
    let error = edited.run(&mut db).unwrap_err();
    let message = error.to_string();
    assert!(
        matches!(error.error, Error::ChangedMigration { .. }),
        "{message}"
    );
    assert!(
        message.contains("migration 20260102_000000_add_name was applied but has since changed"),
        "{message}"
    );
    assert!(message.contains("revert it first"), "{message}");
    assert!(
        db.introspect().unwrap().table("posts").is_none(),
        "nothing ran"
    );
    let status = edited.status(&mut db).unwrap();
    assert_eq!(status[1].state, State::Changed);

    // A checksum tampered with in the database is the same thing.
    db.execute(
        "UPDATE entmig_migrations SET checksum = 'x' WHERE id LIKE '%create_users'",
        &[],
    )
    .unwrap();
    assert!(matches!(
        first(2).run(&mut db).unwrap_err().error,
        Error::ChangedMigration { ref id } if id == "20260101_000000_create_users"
    ));
    }
}

#[test]
fn formatting_does_not_change_a_checksum() {
    struct Spaced;
    impl MigrationTrait for Spaced {
        fn up(&self, m: &mut Plan) {
            m.sql("UPDATE users\r\n   SET email = lower(email)");
        }
        fn down(&self, _: &mut Plan) {}
    }
    struct Tight;
    impl MigrationTrait for Tight {
        fn up(&self, m: &mut Plan) {
            m.sql("UPDATE users SET email = lower(email)");
        }
        fn down(&self, _: &mut Plan) {}
    }
    assert_eq!(
        entry("m20260101_000000_x", Spaced).checksum(),
        entry("m20260101_000000_x", Tight).checksum()
    );
    assert_ne!(
        entry("m20260101_000000_x", CreateUsers).checksum(),
        entry("m20260101_000000_x", Tight).checksum()
    );
}

on_each_backend! {
    fn an_older_pending_migration_needs_force(file) {
    let mut db = file.open();
    Migrator::new(vec![
        entry("m20260101_000000_create_users", CreateUsers),
        entry("m20260103_000000_create_posts", CreatePosts),
    ])
    .run(&mut db)
    .unwrap();

    let error = three().run(&mut db).unwrap_err();
    let message = error.to_string();
    assert!(matches!(error.error, Error::OutOfOrder { .. }), "{message}");
    assert!(
        message.contains(
            "20260102_000000_add_name is pending but older than 20260103_000000_create_posts"
        ),
        "{message}"
    );
    assert!(message.contains("--force"), "{message}");

    let forced = RunOptions {
        force: true,
        ..RunOptions::default()
    };
    // create_posts was applied well before the forced add_name (not in the same second).
    db.execute(
        "UPDATE entmig_migrations SET applied_at = '2000-01-01T00:00:00Z' WHERE id <> '20260102_000000_add_name'",
        &[],
    )
    .unwrap();
    let report = three().run_with(&mut db, &forced).unwrap();
    assert_eq!(ids(&report), ["20260102_000000_add_name"]);

    // Reverting undoes what was applied last, not what sorts last.
    let reverted = three().revert(&mut db, Revert::Steps(1)).unwrap();
    assert_eq!(ids(&reverted), ["20260102_000000_add_name"]);
    }
}

on_each_backend! {
    fn a_migration_missing_from_the_code_is_reported(file) {
    let mut db = file.open();
    three().run(&mut db).unwrap();
    let status = first(2).status(&mut db).unwrap();
    assert_eq!(status.len(), 3);
    assert_eq!(status[2].id, "20260103_000000_create_posts");
    assert_eq!(status[2].state, State::Missing);
    let error = first(2).run(&mut db).unwrap_err();
    assert!(
        matches!(error.error, Error::MissingMigration { .. }),
        "{error}"
    );
    assert!(error.to_string().contains("not in this build"), "{error}");
    }
}

on_each_backend! {
    fn read_only_calls_create_nothing(file) {
    let mut db = file.open();
    let status = three().status(&mut db).unwrap();
    assert!(status.iter().all(|s| s.state == State::Pending));
    let sql = three().sql(entmig_runtime::Backend::Sqlite).unwrap();
    assert_eq!(sql.len(), 3);
    assert!(sql[0].1[0].starts_with("CREATE TABLE \"users\""), "{sql:?}");
    assert!(
        sql[2].1.iter().any(|s| s == "-- data step: welcome post"),
        "{sql:?}"
    );
    assert!(
        three()
            .revert(&mut db, Revert::Steps(1))
            .unwrap()
            .done
            .is_empty()
    );
    assert!(
        db.all_tables().unwrap().is_empty(),
        "no tracking table was created"
    );
    }
}

struct NotTransactional(bool);
impl MigrationTrait for NotTransactional {
    fn up(&self, m: &mut Plan) {
        m.add_index("users", Index::new("idx_users_email", ["email"]));
        if self.0 {
            m.sql("INSERT INTO no_such_table VALUES (1)");
        }
    }
    fn down(&self, m: &mut Plan) {
        m.drop_index("users", Index::new("idx_users_email", ["email"]));
    }
    fn transactional(&self) -> bool {
        false
    }
}

on_each_backend! {
    fn a_failed_non_transactional_migration_leaves_a_dirty_state_until_resolved(file) {
    let mut db = file.open();
    let failing = Migrator::new(vec![
        entry("m20260101_000000_create_users", CreateUsers),
        entry("m20260102_000000_index", NotTransactional(true)),
    ]);
    let error = failing.run(&mut db).unwrap_err();
    let needle = match file.backend {
        Backend::Sqlite => "no such table",
        Backend::Postgres => "does not exist",
    };
    assert!(error.to_string().contains(needle), "{error}");
    // What ran stays: the index exists, and the migration is dirty.
    let mut db = file.open();
    assert!(
        db.introspect()
            .unwrap()
            .table("users")
            .unwrap()
            .index("idx_users_email")
            .is_some()
    );
    let status = failing.status(&mut db).unwrap();
    assert_eq!(status[1].state, State::Dirty);

    let fixed = Migrator::new(vec![
        entry("m20260101_000000_create_users", CreateUsers),
        entry("m20260102_000000_index", NotTransactional(false)),
    ]);
    let refused = fixed.run(&mut db).unwrap_err();
    assert!(matches!(refused.error, Error::Dirty { .. }), "{refused}");
    assert!(
        refused.to_string().contains("check the database by hand"),
        "{refused}"
    );

    // Checked by hand: the index is there, so the migration counts as applied.
    fixed
        .resolve(&mut db, "20260102_000000_index", true)
        .unwrap();
    db.execute(
        "UPDATE entmig_migrations SET checksum = $1 WHERE id = '20260102_000000_index'",
        &[Value::from(fixed.entries()[1].checksum())],
    )
    .unwrap();
    assert!(fixed.run(&mut db).unwrap().done.is_empty());
    assert!(
        fixed
            .status(&mut db)
            .unwrap()
            .iter()
            .all(|s| matches!(s.state, State::Applied { .. }))
    );

    // A successful non-transactional migration is simply applied.
    let file = TestDb::on(file.backend).expect("the same backend");
    let mut db = file.open();
    let report = fixed.run(&mut db).unwrap();
    assert_eq!(report.done.len(), 2);
    assert_eq!(tracking(&mut db)[1][3], Value::from("applied"));
    }
}

struct Backfill;
impl MigrationTrait for Backfill {
    fn up(&self, m: &mut Plan) {
        m.add_column("users", Column::new("country", ColumnType::Text).nullable());
        m.batched(
            "fill users.country",
            "UPDATE users SET country = 'unknown' WHERE id IN \
             (SELECT id FROM users WHERE country IS NULL LIMIT {batch})",
            1000,
        );
    }
    fn down(&self, m: &mut Plan) {
        m.drop_column("users", Column::new("country", ColumnType::Text).nullable());
    }
}

on_each_backend! {
    fn a_batched_data_step_reports_progress(file) {
    let mut db = file.open();
    first(1).run(&mut db).unwrap();
    db.execute(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2500) \
         INSERT INTO users (email) SELECT 'user' || i || '@example.com' FROM n",
        &[],
    )
    .unwrap();
    let events = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&events);
    let options = RunOptions {
        on_event: Some(Arc::new(move |event: &Event| {
            seen.lock().unwrap().push(event.clone())
        })),
        ..RunOptions::default()
    };
    Migrator::new(vec![
        entry("m20260101_000000_create_users", CreateUsers),
        entry("m20260105_000000_backfill", Backfill),
    ])
    .run_with(&mut db, &options)
    .unwrap();
    let batches: Vec<u64> = events
        .lock()
        .unwrap()
        .iter()
        .filter_map(|e| match e {
            Event::Batch { rows, .. } => Some(*rows),
            _ => None,
        })
        .collect();
    assert_eq!(batches, [1000, 2000, 2500]);
    let left = db
        .query("SELECT COUNT(*) FROM users WHERE country IS NULL", &[])
        .unwrap();
    assert_eq!(left[0][0], Value::Integer(0));
    }
}

/// Logs each migration's run into a table, so the test can count how often each ran.
struct Logged(&'static str);
impl MigrationTrait for Logged {
    fn up(&self, m: &mut Plan) {
        let name = self.0;
        m.create_table(
            Table::new(name)
                .with_column(Column::new("id", ColumnType::BigInt))
                .with_primary_key(["id"]),
        );
        m.data("log the run", move |tx| {
            tx.execute(
                "CREATE TABLE IF NOT EXISTS run_log (migration TEXT NOT NULL)",
                &[],
            )?;
            tx.execute("INSERT INTO run_log VALUES ($1)", &[Value::from(name)])?;
            Ok(())
        });
    }
    fn down(&self, _: &mut Plan) {}
}

fn logged() -> Migrator {
    Migrator::new(
        ["a", "b", "c", "d", "e", "f"]
            .iter()
            .enumerate()
            .map(|(i, name)| entry(&format!("m2026010{i}_000000_table_{name}"), Logged(name)))
            .collect(),
    )
}

/// Not a test of its own: the body of each child process of the test below.
#[test]
fn child_process_runs_the_migrator() {
    let Ok(url) = std::env::var("ENTMIG_TEST_CHILD_DB") else {
        return;
    };
    let mut db = Database::connect(&url).unwrap();
    logged().run(&mut db).unwrap();
}

on_each_backend! {
    fn eight_processes_at_once_apply_each_migration_exactly_once(file) {
    let exe = std::env::current_exe().unwrap();
    let children: Vec<_> = (0..8)
        .map(|_| {
            std::process::Command::new(&exe)
                .args([
                    "--exact",
                    "child_process_runs_the_migrator",
                    "--test-threads",
                    "1",
                ])
                .env("ENTMIG_TEST_CHILD_DB", file.url())
                .stdout(std::process::Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    for mut child in children {
        assert!(child.wait().unwrap().success(), "every process succeeds");
    }
    let mut db = file.open();
    let runs = db
        .query(
            "SELECT migration, COUNT(*) FROM run_log GROUP BY migration ORDER BY migration",
            &[],
        )
        .unwrap();
    assert_eq!(runs.len(), 6);
    assert!(runs.iter().all(|r| r[1] == Value::Integer(1)), "{runs:?}");
    assert_eq!(tracking(&mut db).len(), 6);
    }
}

on_each_backend! {
    fn a_run_reports_each_statement_and_a_wait_for_the_lock(file) {
    let events: Arc<Mutex<Vec<Event>>> = Arc::default();
    let seen = Arc::clone(&events);
    let options = |lock_timeout| RunOptions {
        lock_timeout,
        on_event: Some(Arc::new({
            let seen = Arc::clone(&seen);
            move |event: &Event| seen.lock().unwrap().push(event.clone())
        })),
        ..RunOptions::default()
    };
    let migrator = Migrator::new(vec![
        entry("m20260101_000000_create_users", CreateUsers),
        entry("m20260103_000000_create_posts", CreatePosts),
    ]);
    let mut db = file.open();
    migrator
        .run_with(&mut db, &options(std::time::Duration::from_secs(5)))
        .unwrap();
    let statements: Vec<String> = events
        .lock()
        .unwrap()
        .iter()
        .filter_map(|e| match e {
            Event::Statement { sql, .. } => Some(sql.clone()),
            _ => None,
        })
        .collect();
    assert!(
        statements[0].starts_with("CREATE TABLE \"users\""),
        "{statements:?}"
    );
    assert!(
        statements.contains(&"-- data step: welcome post".to_owned()),
        "{statements:?}"
    );
    assert!(
        !events.lock().unwrap().iter().any(|e| matches!(e, Event::LockWait { .. })),
        "nobody held the lock"
    );

    // Another migrator holds the lock: the wait is announced, then times out.
    let mut holder = file.open();
    match file.backend {
        Backend::Sqlite => holder.execute("BEGIN IMMEDIATE", &[]).map(|_| ()),
        Backend::Postgres => holder
            .query(
                &format!(
                    "SELECT pg_advisory_lock({})",
                    entmig_runtime::naming::stable_hash(b"entmig:public") as i64
                ),
                &[],
            )
            .map(|_| ()),
    }
    .unwrap();
    events.lock().unwrap().clear();
    let error = migrator
        .revert_with(&mut db, Revert::Steps(1), &options(std::time::Duration::from_millis(200)))
        .unwrap_err();
    assert!(matches!(error.error, Error::LockTimeout { .. }), "{error}");
    assert_eq!(
        events.lock().unwrap().as_slice(),
        [Event::LockWait { timeout_ms: 200 }]
    );
    }
}
