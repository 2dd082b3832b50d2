//! `Database::synchronize` on real databases (SQLite files and PostgreSQL), as a test suite
//! would use it: a fresh
//! database, entities that evolve, `drop_schema`, refusal of destructive steps, and tables that
//! entmig does not manage.

// The entities' fields describe tables; the tests never read them.
#![allow(dead_code)]

use entmig_runtime::{Database, Error, Op, Schema, SyncOptions, Value};
use entmig_tests::db::TestDb;
use entmig_tests::on_each_backend;

/// The first version of an app's entities.
mod v1 {
    use entmig_runtime::Entity;

    #[derive(Entity)]
    #[entmig(table = "users")]
    pub struct User {
        #[entmig(primary_key, auto_increment)]
        pub id: i64,
        pub email: String,
        pub handle: String,
    }

    #[derive(Entity)]
    #[entmig(table = "posts")]
    pub struct Post {
        #[entmig(primary_key, auto_increment)]
        pub id: i64,
        #[entmig(references = "User", on_delete = "cascade")]
        pub author_id: i64,
        pub title: String,
    }
}

/// The next version: a column renamed, columns added with and without default, an index, a
/// unique index, a new table with a foreign key, a type widened, and a table renamed.
mod v2 {
    use entmig_runtime::Entity;

    #[derive(Entity)]
    #[entmig(table = "users")]
    pub struct User {
        #[entmig(primary_key, auto_increment)]
        pub id: i64,
        #[entmig(unique)]
        pub email: String,
        #[entmig(renamed_from = "handle", index)]
        pub username: String,
        pub bio: Option<String>,
        #[entmig(default = true)]
        pub active: bool,
    }

    #[derive(Entity)]
    #[entmig(table = "articles", renamed_from = "posts")]
    pub struct Article {
        #[entmig(primary_key, auto_increment)]
        pub id: i64,
        #[entmig(references = "User", on_delete = "cascade", index)]
        pub author_id: i64,
        pub title: String,
    }

    #[derive(Entity)]
    #[entmig(table = "comments")]
    pub struct Comment {
        #[entmig(primary_key, auto_increment)]
        pub id: i64,
        #[entmig(references = "Article", on_delete = "cascade")]
        pub article_id: i64,
        pub body: String,
    }
}

fn v1_schema() -> Schema {
    Schema::of::<(v1::User, v1::Post)>()
}

fn v2_schema() -> Schema {
    Schema::of::<(v2::User, v2::Article, v2::Comment)>()
}

fn count(db: &mut Database, table: &str) -> i64 {
    db.query(&format!("SELECT COUNT(*) FROM \"{table}\""), &[])
        .unwrap()[0][0]
        .as_i64()
        .unwrap()
}

fn seed_v1(db: &mut Database) {
    db.execute(
        "INSERT INTO users (email, handle) VALUES ('ada@example.com', 'ada'), ('bob@example.com', 'bob')",
        &[],
    )
    .unwrap();
    db.execute(
        "INSERT INTO posts (author_id, title) VALUES (1, 'Hello'), (1, 'Again'), (2, 'Hi')",
        &[],
    )
    .unwrap();
}

on_each_backend! {
    fn a_fresh_database_gets_every_table_and_a_second_run_does_nothing(file) {
    let mut db = file.open();
    let report = db
        .synchronize(&v1_schema(), SyncOptions::default())
        .unwrap();
    assert_eq!(report.ops.len(), 2);
    assert!(
        matches!(&report.ops[0], Op::CreateTable { table } if table.name == "users"),
        "parents first"
    );
    assert_eq!(
        db.introspect().unwrap(),
        file.backend.normalize(&v1_schema())
    );

    // Reopened, the file holds the same schema and nothing is left to do.
    drop(db);
    let mut db = file.open();
    let again = db
        .synchronize(&v1_schema(), SyncOptions::default())
        .unwrap();
    assert!(again.ops.is_empty(), "{:#?}", again.ops);
    }
}

on_each_backend! {
    fn evolving_entities_keep_their_rows(file) {
    let mut db = file.open();
    db.synchronize(&v1_schema(), SyncOptions::default())
        .unwrap();
    seed_v1(&mut db);

    let report = db
        .synchronize(&v2_schema(), SyncOptions::default())
        .unwrap();
    assert!(
        report.ops.iter().any(|op| matches!(op, Op::RenameColumn { from, to, .. } if from == "handle" && to == "username")),
        "{:#?}",
        report.ops
    );
    assert!(
        report.ops.iter().all(|op| !op.is_destructive()),
        "{:#?}",
        report.ops
    );
    assert_eq!(
        db.introspect().unwrap(),
        file.backend.normalize(&v2_schema()).without_hints()
    );

    let users = db
        .query(
            "SELECT email, username, bio, active FROM users ORDER BY id",
            &[],
        )
        .unwrap();
    assert_eq!(
        users,
        vec![
            vec![
                "ada@example.com".into(),
                "ada".into(),
                Value::Null,
                Value::Integer(1)
            ],
            vec![
                "bob@example.com".into(),
                "bob".into(),
                Value::Null,
                Value::Integer(1)
            ],
        ]
    );
    assert_eq!(
        count(&mut db, "articles"),
        3,
        "the renamed table keeps its rows"
    );

    // The foreign keys hold and cascade after the change.
    db.execute(
        "INSERT INTO comments (article_id, body) VALUES (1, 'nice')",
        &[],
    )
    .unwrap();
    let orphan = db.execute(
        "INSERT INTO comments (article_id, body) VALUES (99, 'x')",
        &[],
    );
    assert!(orphan.is_err(), "foreign keys are enforced");
    db.execute("DELETE FROM users WHERE id = 1", &[]).unwrap();
    assert_eq!(count(&mut db, "articles"), 1);
    assert_eq!(count(&mut db, "comments"), 0);

    // A unique index is a unique constraint.
    let duplicate = db.execute(
        "INSERT INTO users (email, username) VALUES ('bob@example.com', 'b2')",
        &[],
    );
    assert!(duplicate.is_err());
    }
}

on_each_backend! {
    fn destructive_steps_are_refused_unless_allowed(file) {
    let mut db = file.open();
    db.synchronize(&v1_schema(), SyncOptions::default())
        .unwrap();
    seed_v1(&mut db);

    // Without `renamed_from`, dropping `handle` loses data.
    let mut target = v1_schema();
    target
        .tables
        .get_mut("users")
        .unwrap()
        .columns
        .retain(|c| c.name != "handle");
    let error = db.synchronize(&target, SyncOptions::default()).unwrap_err();
    let message = error.to_string();
    assert!(matches!(error, Error::Destructive { .. }), "{message}");
    assert!(message.contains("drop column users.handle"), "{message}");
    assert!(
        message.contains("renamed_from"),
        "the message names the fix: {message}"
    );
    assert_eq!(
        db.introspect().unwrap(),
        file.backend.normalize(&v1_schema()),
        "nothing changed"
    );

    let options = SyncOptions {
        allow_data_loss: true,
        ..SyncOptions::default()
    };
    db.synchronize(&target, options).unwrap();
    assert_eq!(db.introspect().unwrap(), file.backend.normalize(&target));
    assert_eq!(count(&mut db, "users"), 2);
    }
}

on_each_backend! {
    fn drop_schema_starts_from_empty(file) {
    let mut db = file.open();
    db.synchronize(&v1_schema(), SyncOptions::default())
        .unwrap();
    seed_v1(&mut db);
    db.execute("CREATE TABLE scratch (x INTEGER)", &[]).unwrap();

    let options = SyncOptions {
        drop_schema: true,
        ..SyncOptions::default()
    };
    let report = db.synchronize(&v1_schema(), options).unwrap();
    assert_eq!(report.dropped, ["posts", "scratch", "users"]);
    assert_eq!(
        db.introspect().unwrap(),
        file.backend.normalize(&v1_schema())
    );
    assert_eq!(count(&mut db, "users"), 0);
    }
}

on_each_backend! {
    fn tables_entmig_does_not_manage_are_left_alone(file) {
    let mut db = file.open();
    db.execute(
        "CREATE TABLE legacy (id INTEGER PRIMARY KEY, note TEXT)",
        &[],
    )
    .unwrap();
    db.execute("INSERT INTO legacy (id, note) VALUES (1, 'keep me')", &[])
        .unwrap();
    db.execute("CREATE TABLE entmig_migrations (id TEXT PRIMARY KEY)", &[])
        .unwrap();
    db.execute("INSERT INTO entmig_migrations VALUES ('m1')", &[])
        .unwrap();

    db.synchronize(&v1_schema(), SyncOptions::default())
        .unwrap();
    db.synchronize(&v2_schema(), SyncOptions::default())
        .unwrap();

    let live = db.introspect().unwrap();
    assert!(live.table("legacy").is_some(), "a user's own table stays");
    assert!(
        live.table("entmig_migrations").is_none(),
        "introspection leaves the tracking table out"
    );
    assert_eq!(count(&mut db, "legacy"), 1);
    assert_eq!(count(&mut db, "entmig_migrations"), 1);
    }
}

on_each_backend! {
    fn a_not_null_column_without_default_needs_a_fill_when_rows_exist(file) {
    let mut db = file.open();
    db.synchronize(&v1_schema(), SyncOptions::default())
        .unwrap();
    let mut target = v1_schema();
    target
        .tables
        .get_mut("users")
        .unwrap()
        .columns
        .push(entmig_runtime::Column::new(
            "country",
            entmig_runtime::ColumnType::Text,
        ));

    // An empty table takes the column as it is.
    let empty = db.synchronize(&target, SyncOptions::default());
    assert!(empty.is_ok(), "{empty:?}");

    // A table with rows cannot: the rows would have no value.
    let file = TestDb::on(file.backend).expect("the same backend");
    let mut db = file.open();
    db.synchronize(&v1_schema(), SyncOptions::default())
        .unwrap();
    seed_v1(&mut db);
    let error = db.synchronize(&target, SyncOptions::default()).unwrap_err();
    assert!(
        matches!(error, Error::NeedsFill { ref table, ref column, rows: 2 } if table == "users" && column == "country"),
        "{error}"
    );
    assert!(
        error.to_string().contains("give the field a `default`"),
        "{error}"
    );
    }
}

/// SQLite only: PostgreSQL alters tables in place and never rebuilds them.
#[test]
fn rebuilding_a_parent_table_never_deletes_child_rows() {
    // TypeORM #2584 and EF Core #329: a SQLite table rebuild dropped the parent and cascaded
    // the delete into every child table.
    let file = TestDb::sqlite();
    let mut db = file.open();
    db.synchronize(&v1_schema(), SyncOptions::default())
        .unwrap();
    seed_v1(&mut db);
    db.execute(
        "CREATE TRIGGER users_audit AFTER UPDATE ON users BEGIN SELECT 1; END",
        &[],
    )
    .unwrap();
    db.execute("CREATE VIEW user_emails AS SELECT email FROM users", &[])
        .unwrap();

    // Making users.handle nullable rebuilds users, the parent of posts (ON DELETE CASCADE).
    let mut target = v1_schema();
    target.tables.get_mut("users").unwrap().columns[2].nullable = true;
    let report = db.synchronize(&target, SyncOptions::default()).unwrap();
    assert!(
        matches!(report.ops[..], [Op::AlterColumn { .. }]),
        "{:#?}",
        report.ops
    );

    assert_eq!(count(&mut db, "users"), 2);
    assert_eq!(
        count(&mut db, "posts"),
        3,
        "child rows survive the parent's rebuild"
    );
    let triggers = db
        .query("SELECT name FROM sqlite_master WHERE type = 'trigger'", &[])
        .unwrap();
    assert_eq!(
        triggers,
        vec![vec![Value::from("users_audit")]],
        "the trigger is recreated"
    );
    assert_eq!(count(&mut db, "user_emails"), 2, "the view still works");
    // Foreign keys are back on after the change.
    let on = db.query("PRAGMA foreign_keys", &[]).unwrap();
    assert_eq!(on, vec![vec![Value::Integer(1)]]);
}

/// SQLite only: a trigger that names a column the rebuild drops would come back broken and fail
/// every later write to the table; the change is refused and undone instead.
#[test]
fn a_rebuild_refuses_to_drop_a_column_a_trigger_uses() {
    let file = TestDb::sqlite();
    let mut db = file.open();
    db.synchronize(&v1_schema(), SyncOptions::default())
        .unwrap();
    seed_v1(&mut db);
    db.execute(
        "CREATE TRIGGER keep_handle BEFORE UPDATE ON users BEGIN SELECT NEW.handle; END",
        &[],
    )
    .unwrap();
    let mut target = v1_schema();
    target
        .tables
        .get_mut("users")
        .unwrap()
        .columns
        .retain(|c| c.name != "handle");
    let options = SyncOptions {
        allow_data_loss: true,
        ..SyncOptions::default()
    };
    let error = db.synchronize(&target, options).unwrap_err().to_string();
    assert!(
        error.contains(
            "the trigger keep_handle of users uses the column handle, which this change drops"
        ),
        "{error}"
    );
    assert_eq!(
        db.introspect().unwrap(),
        file.backend.normalize(&v1_schema())
    );
    db.execute("UPDATE users SET email = email", &[]).unwrap();
}

on_each_backend! {
    fn a_change_that_fails_part_way_leaves_everything_as_before(file) {
    let mut db = file.open();
    db.synchronize(&v1_schema(), SyncOptions::default())
        .unwrap();
    seed_v1(&mut db);
    db.execute("UPDATE posts SET author_id = 2 WHERE id = 3", &[])
        .unwrap();

    // A unique index on posts.author_id cannot hold: author 1 has two posts. The new table
    // comes first in the ops, so the failure happens after some of the change was made.
    let mut target = v1_schema();
    let mut tags = entmig_runtime::Table::new("tags");
    tags.columns.push(entmig_runtime::Column::new(
        "id",
        entmig_runtime::ColumnType::BigInt,
    ));
    tags.primary_key = vec!["id".into()];
    target.tables.insert("tags".into(), tags);
    target
        .tables
        .get_mut("posts")
        .unwrap()
        .indexes
        .push(entmig_runtime::Index {
            name: "uq_posts_author_id".into(),
            columns: vec!["author_id".into()],
            unique: true,
        });
    let error = db.synchronize(&target, SyncOptions::default()).unwrap_err();
    let needle = match file.backend {
        entmig_runtime::Backend::Sqlite => "UNIQUE constraint failed",
        entmig_runtime::Backend::Postgres => "could not create unique index",
    };
    assert!(error.to_string().contains(needle), "{error}");
    assert_eq!(
        db.introspect().unwrap(),
        file.backend.normalize(&v1_schema())
    );
    assert_eq!(count(&mut db, "posts"), 3);
    }
}
