//! The blog's behaviour, on a schema built by `synchronize` (as tests should build it), and the
//! invariants between its entities, its migrations and its snapshot.

use blog::entities::{Comment, Post, PostTag, Tag, User};
use entmig_runtime::{Database, Registered, Schema, SyncOptions, Value, snapshot};

fn entities() -> Schema {
    Schema::of::<(User, Post, Comment, Tag, PostTag)>()
}

fn seeded() -> Database {
    let mut db = Database::connect("sqlite::memory:").unwrap();
    db.synchronize(&entities(), SyncOptions::default()).unwrap();
    assert!(blog::app::seed(&mut db).unwrap());
    db
}

fn count(db: &mut Database, sql: &str) -> i64 {
    db.query(sql, &[]).unwrap()[0][0].as_i64().unwrap()
}

#[test]
fn every_entity_is_registered() {
    assert_eq!(Schema::registered(), entities());
}

#[test]
fn seeding_happens_once_and_the_report_reads_it() {
    let mut db = seeded();
    assert!(
        !blog::app::seed(&mut db).unwrap(),
        "a second seed writes nothing"
    );
    assert_eq!(blog::app::read(&mut db, "hello-entmig").unwrap(), 1);
    assert_eq!(
        blog::app::report(&mut db).unwrap(),
        ["\"Hello, entmig\" by Ada: 1 views, 1 comments, 2 tags"]
    );
}

#[test]
fn deleting_an_author_takes_their_posts_comments_and_tags_along() {
    let mut db = seeded();
    db.execute("DELETE FROM users WHERE email = 'ada@example.com'", &[])
        .unwrap();
    assert_eq!(count(&mut db, "SELECT COUNT(*) FROM posts"), 0);
    assert_eq!(count(&mut db, "SELECT COUNT(*) FROM comments"), 0);
    assert_eq!(count(&mut db, "SELECT COUNT(*) FROM post_tags"), 0);
    assert_eq!(
        count(&mut db, "SELECT COUNT(*) FROM tags"),
        2,
        "tags outlive their posts"
    );
}

#[test]
fn a_commenter_who_leaves_leaves_an_anonymous_comment() {
    let mut db = seeded();
    db.execute("DELETE FROM users WHERE email = 'bob@example.com'", &[])
        .unwrap();
    let comments = db
        .query("SELECT author_id, body FROM comments", &[])
        .unwrap();
    assert_eq!(comments, vec![vec![Value::Null, Value::from("Nice!")]]);
}

#[test]
fn emails_slugs_and_tag_names_are_unique() {
    let mut db = seeded();
    for sql in [
        "INSERT INTO users (email, display_name) VALUES ('ada@example.com', 'Other Ada')",
        "INSERT INTO posts (author_id, title, slug, body) VALUES (1, 'Again', 'hello-entmig', '')",
        "INSERT INTO tags (name) VALUES ('rust')",
    ] {
        let error = db.execute(sql, &[]).unwrap_err().to_string();
        assert!(error.contains("UNIQUE constraint failed"), "{sql}: {error}");
    }
    let unknown_post = db.execute(
        "INSERT INTO post_tags (post_id, tag_id) VALUES (42, 1)",
        &[],
    );
    assert!(unknown_post.is_err(), "the join table's foreign keys hold");
}

/// The migrations' history (a column renamed, columns added) and the entities describe one
/// schema: a database migrated from empty and one synchronized from the entities introspect
/// equal — on SQLite, and on PostgreSQL when a server is given.
#[test]
fn migrations_and_synchronize_build_the_same_database() {
    let mut urls = vec![("sqlite::memory:".to_string(), "sqlite::memory:".to_string())];
    if let Ok(server) = std::env::var("ENTMIG_TEST_POSTGRES_URL") {
        let mut admin = Database::connect(&server).unwrap();
        let tag = std::process::id();
        for schema in [format!("blog_migrated_{tag}"), format!("blog_synced_{tag}")] {
            admin
                .execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"), &[])
                .unwrap();
            admin
                .execute(&format!("CREATE SCHEMA {schema}"), &[])
                .unwrap();
        }
        let separator = if server.contains('?') { '&' } else { '?' };
        urls.push((
            format!("{server}{separator}schema=blog_migrated_{tag}"),
            format!("{server}{separator}schema=blog_synced_{tag}"),
        ));
    }
    for (migrated_url, synced_url) in urls {
        let mut migrated = Database::connect(&migrated_url).unwrap();
        blog::migrations::migrator().run(&mut migrated).unwrap();
        let mut synced = Database::connect(&synced_url).unwrap();
        synced
            .synchronize(&entities(), SyncOptions::default())
            .unwrap();
        // Columns added by later migrations come last; column order is not part of a schema.
        assert_eq!(
            migrated.introspect().unwrap().columns_by_name(),
            synced.introspect().unwrap().columns_by_name(),
            "{}",
            migrated.backend()
        );
        assert!(
            synced
                .synchronize(&entities(), SyncOptions::default())
                .unwrap()
                .ops
                .is_empty(),
            "nothing left to synchronize"
        );
        // The migrated database needs nothing from synchronize either.
        let report = migrated
            .synchronize(&entities(), SyncOptions::default())
            .unwrap();
        assert!(report.ops.is_empty(), "{:?}", report.ops);
    }
}

/// What `cargo entmig make` snapshotted (read from source by the collector) is what the derive
/// compiled: the collector and the derive agree.
#[test]
fn the_snapshot_equals_the_compiled_entities() {
    let text = include_str!("../src/migrations/snapshot.json");
    let snapshot = snapshot::from_str(text).unwrap();
    assert_eq!(snapshot, entities().without_hints());
}

/// Every migration's `down` undoes its `up`: reverting them all leaves an empty database.
#[test]
fn reverting_every_migration_leaves_nothing() {
    let mut db = Database::connect("sqlite::memory:").unwrap();
    let migrator = blog::migrations::migrator();
    migrator.run(&mut db).unwrap();
    blog::app::seed(&mut db).unwrap();
    let count = migrator.entries().len();
    let report = migrator
        .revert(&mut db, entmig_runtime::Revert::Steps(count))
        .unwrap();
    assert_eq!(report.done.len(), count);
    assert!(db.introspect().unwrap().tables.is_empty());
}

#[test]
fn the_checksums_of_the_migrations_never_change() {
    // Databases that applied these migrations store these checksums: a change of entmig that
    // changes one would refuse every such database.
    use entmig_runtime::migration::{Direction, Plan};
    let checksums: Vec<(String, String, String)> = blog::migrations::migrator()
        .entries()
        .iter()
        .map(|e| {
            let of = |direction| Plan::of(e.migration(), direction).checksum();
            (e.id().to_owned(), of(Direction::Up), of(Direction::Down))
        })
        .collect();
    let expected = [
        (
            "20261122_005508_create_users_and_posts",
            "82f982dfbc328de0",
            "a4634edde1252fa0",
        ),
        (
            "20261122_005509_add_comments_and_tags",
            "3f9f1fa01aab2656",
            "45aa74c4e139d183",
        ),
        (
            "20261122_005511_rename_handle_add_bio_and_views",
            "a653b5a3010cde64",
            "4ff6b6e236136638",
        ),
    ];
    let expected: Vec<(String, String, String)> = expected
        .iter()
        .map(|(id, up, down)| (id.to_string(), up.to_string(), down.to_string()))
        .collect();
    assert_eq!(checksums, expected);
}

#[test]
fn the_snapshot_is_trusted_as_written_after_the_newest_migration() {
    // Its digest hashes the canonical form, so respelling its types (`big_int` became
    // `bigint`) did not make it look edited.
    let read = snapshot::read(include_str!("../src/migrations/snapshot.json")).unwrap();
    assert_eq!(
        read.provenance,
        snapshot::Provenance::After(Some(
            "20261122_005511_rename_handle_add_bio_and_views".into()
        ))
    );
}
