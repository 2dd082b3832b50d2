//! Reverts on tables that hold rows, with the real `cargo entmig` binary, on SQLite and on
//! PostgreSQL alike: a `down` that cannot give rows back their values is known at `make`
//! (a value for them, or a mark that `revert` refuses before it touches anything), and one
//! migration means one thing on both backends.

use entmig_runtime::{Database, Value};
use entmig_tests::db::TestDb;
use entmig_tests::project::Project;

const ORGS_AND_USERS: &str = r#"
#[derive(Entity)]
#[entmig(table = "orgs")]
pub struct Org {
    #[entmig(primary_key)]
    pub id: i64,
}

#[derive(Entity)]
#[entmig(table = "users")]
pub struct User {
    #[entmig(primary_key)]
    pub id: i64,
    pub email: String,
    #[entmig(references = "Org")]
    pub org_id: i64,
}
"#;

/// Each backend's database for a project: SQLite (a file of the test) and PostgreSQL (a
/// fresh database, when a server is given).
fn backends() -> Vec<TestDb> {
    [Some(TestDb::sqlite()), TestDb::postgres()]
        .into_iter()
        .flatten()
        .collect()
}

fn rows(db: &mut Database, sql: &str) -> Vec<String> {
    db.query(sql, &[])
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .into_iter()
        .map(|row| {
            row.iter()
                .map(|v| match v {
                    Value::Null => "NULL".to_owned(),
                    Value::Integer(i) => i.to_string(),
                    Value::Text(t) => t.clone(),
                    other => format!("{other:?}"),
                })
                .collect::<Vec<_>>()
                .join("|")
        })
        .collect()
}

fn columns(db: &mut Database, table: &str) -> Vec<String> {
    let mut names: Vec<String> = db
        .introspect()
        .unwrap()
        .table(table)
        .map(|t| t.columns.iter().map(|c| c.name.clone()).collect())
        .unwrap_or_default();
    names.sort();
    names
}

/// A project on `db` with orgs and users that hold rows, migrated.
fn with_rows(name: &str, db: &TestDb) -> (Project, Database) {
    let mut p = Project::new(name, ORGS_AND_USERS);
    p.set_env("DATABASE_URL", db.url());
    p.entmig(&["make", "init", "--no-input"]).ok();
    p.entmig(&["run"]).ok();
    let mut live = db.open();
    live.execute("INSERT INTO orgs (id) VALUES (1), (2)", &[])
        .unwrap();
    live.execute(
        "INSERT INTO users (id, email, org_id) VALUES (1, 'ann@example.com', 1), (2, 'bob@example.com', 2)",
        &[],
    )
    .unwrap();
    (p, live)
}

fn without_org(p: &Project) {
    p.entities(&ORGS_AND_USERS.replace(
        "    #[entmig(references = \"Org\")]\n    pub org_id: i64,\n",
        "",
    ));
}

#[test]
fn a_dropped_not_null_foreign_key_is_marked_irreversible_and_revert_refuses_up_front() {
    for db in backends() {
        let (p, mut live) = with_rows("drop_fk", &db);
        without_org(&p);
        let made = p.entmig(&["make", "drop_org", "--no-input"]).ok();
        made.stderr_has(&[
            "its down is marked irreversible",
            "users.org_id is dropped by this migration and, as a foreign key to orgs no made-up value fits",
            "--down-fill users.org_id=VALUE",
        ]);
        p.entmig(&["describe", "drop_org"])
            .ok()
            .stdout_has(&["(revert refused: its down is marked irreversible)"]);
        p.entmig(&["run"]).ok();
        assert_eq!(columns(&mut live, "users"), ["email", "id"]);

        let refused = p.entmig(&["revert"]).error(&[
            "cannot be reverted: users.org_id is dropped",
            "nothing was reverted",
        ]);
        assert!(refused.contains("drop_org"), "{refused}");
        // Nothing touched: the column is still gone, the rows are there, the migration applied.
        assert_eq!(
            columns(&mut live, "users"),
            ["email", "id"],
            "{:?}",
            db.backend
        );
        assert_eq!(
            rows(&mut live, "SELECT email FROM users ORDER BY id").len(),
            2
        );
        assert_eq!(
            rows(&mut live, "SELECT count(*) FROM entmig_migrations"),
            ["2"]
        );
    }
}

#[test]
fn a_down_fill_makes_the_same_revert_work_with_rows() {
    for db in backends() {
        let (p, mut live) = with_rows("down_fill", &db);
        without_org(&p);
        p.entmig(&[
            "make",
            "drop_org",
            "--no-input",
            "--down-fill",
            "users.org_id=oops",
        ])
        .error(&["--down-fill users.org_id: `oops` is not a bigint value"]);
        p.entmig(&[
            "make",
            "drop_org",
            "--no-input",
            "--down-fill",
            "users.org_id=2",
        ])
        .ok();
        p.entmig(&["run"]).ok();
        p.entmig(&["revert"])
            .ok()
            .stderr_has(&["Reverted 1 migration(s)"]);
        assert_eq!(
            rows(&mut live, "SELECT id, org_id FROM users ORDER BY id"),
            ["1|2", "2|2"],
            "{:?}: the column is back, with the value down was given",
            db.backend
        );
        // And the foreign key with it.
        assert_eq!(
            live.introspect()
                .unwrap()
                .table("users")
                .unwrap()
                .foreign_keys
                .len(),
            1
        );
    }
}

#[test]
fn a_column_made_not_null_needs_a_value_for_its_nulls_without_a_person() {
    let p = Project::new(
        "nulls",
        &ORGS_AND_USERS.replace("pub email: String,", "pub email: Option<String>,"),
    );
    p.entmig(&["make", "init", "--no-input"]).ok();
    p.entities(ORGS_AND_USERS);
    p.entmig(&["make", "email_required", "--no-input"]).error(&[
        "users.email becomes NOT NULL, and rows that hold NULL there make the migration fail: pass --fill users.email=VALUE",
    ]);
    p.entmig(&[
        "make",
        "email_required",
        "--no-input",
        "--fill",
        "users.email=unknown",
    ])
    .ok();
}

#[test]
fn a_not_null_foreign_key_to_a_table_made_in_the_same_migration_is_refused_at_make() {
    let p = Project::new(
        "new_parent",
        r#"
#[derive(Entity)]
#[entmig(table = "users")]
pub struct User {
    #[entmig(primary_key)]
    pub id: i64,
    pub email: String,
}
"#,
    );
    p.entmig(&["make", "init", "--no-input"]).ok();
    p.entities(ORGS_AND_USERS);
    for flags in [&[][..], &["--fill", "users.org_id=1"][..]] {
        let mut args = vec!["make", "orgs", "--no-input"];
        args.extend(flags);
        p.entmig(&args).error(&[
            "users.org_id is a NOT NULL foreign key to orgs, which this migration creates empty",
            "add users.org_id as an Option, fill it in a data step",
        ]);
    }
    assert_eq!(p.migrations().len(), 1, "nothing written");
}

const CODES: &str = r#"
#[derive(Entity)]
#[entmig(table = "codes")]
pub struct Code {
    #[entmig(primary_key)]
    pub id: i64,
    pub code: i16,
}
"#;

#[test]
fn a_narrowing_revert_is_refused_alike_on_both_backends_and_changes_nothing() {
    for db in backends() {
        let mut p = Project::new("narrow", CODES);
        p.set_env("DATABASE_URL", db.url());
        p.entmig(&["make", "init", "--no-input"]).ok();
        p.entities(&CODES.replace("pub code: i16,", "pub code: String,"));
        p.entmig(&["make", "widen", "--no-input"])
            .ok()
            .stderr_has(&["back from text to smallint, which fails"]);
        p.entmig(&["run"]).ok();
        let mut live = db.open();
        live.execute(
            "INSERT INTO codes (id, code) VALUES (1, '7'), (2, 'r3'), (3, 'x9')",
            &[],
        )
        .unwrap();
        // PostgreSQL's error comes with the statement on a line of its own.
        let error = p.entmig(&["revert"]).fails().stderr;
        assert!(
            error.contains("failed at step 1 (alter column codes.code"),
            "{error}"
        );
        match db.backend {
            entmig_runtime::Backend::Sqlite => assert!(
                error.contains("2 row(s) of codes hold a value in code that does not fit smallint (for example 'r3')"),
                "{error}"
            ),
            entmig_runtime::Backend::Postgres => {
                assert!(error.contains("invalid input syntax for type smallint"), "{error}")
            }
        }
        // Rolled back: the column is still text and holds every row.
        assert_eq!(
            rows(&mut live, "SELECT code FROM codes ORDER BY id"),
            ["7", "r3", "x9"],
            "{:?}",
            db.backend
        );
        // Once the rows fit, the same revert goes through on both.
        live.execute("UPDATE codes SET code = '3' WHERE id > 1", &[])
            .unwrap();
        p.entmig(&["revert"]).ok();
        assert_eq!(
            rows(&mut live, "SELECT code FROM codes ORDER BY id"),
            ["7", "3", "3"]
        );
    }
}

#[test]
fn date_fills_are_iso_8601_or_now_on_both_backends() {
    let notes = |extra: &str| {
        format!(
            "#[derive(Entity)]\n#[entmig(table = \"notes\")]\npub struct Note {{\n    #[entmig(primary_key)]\n    pub id: i64,\n{extra}}}\n"
        )
    };
    for db in backends() {
        let mut p = Project::new("dates", &notes(""));
        p.set_env("DATABASE_URL", db.url());
        p.entmig(&["make", "init", "--no-input"]).ok();
        p.entmig(&["run"]).ok();
        let mut live = db.open();
        live.execute("INSERT INTO notes (id) VALUES (1)", &[])
            .unwrap();
        p.entities(&notes(
            "    pub published_at: chrono::DateTime<chrono::Utc>,\n    pub due: chrono::NaiveDate,\n",
        ));
        let make = |fills: &[&str]| {
            let mut args = vec!["make", "dates", "--no-input"];
            for fill in fills {
                args.extend(["--fill", fill]);
            }
            p.entmig(&args)
        };
        make(&["notes.published_at=yesterday", "notes.due=2026-12-02"]).error(&[
            "--fill notes.published_at=yesterday",
            "ISO 8601",
            "`now`",
        ]);
        make(&["notes.published_at=now", "notes.due=2026-02-30"])
            .error(&["--fill notes.due=2026-02-30", "ISO 8601"]);
        make(&["notes.published_at=now", "notes.due=2026-12-02"]).ok();
        p.entmig(&["run"]).ok();
        let due = rows(&mut live, "SELECT CAST(due AS TEXT) FROM notes");
        assert_eq!(due, ["2026-12-02"], "{:?}", db.backend);
        // The current time, not the text `now`: a year of this century on both.
        let year = rows(
            &mut live,
            match db.backend {
                entmig_runtime::Backend::Sqlite => "SELECT strftime('%Y', published_at) FROM notes",
                entmig_runtime::Backend::Postgres => {
                    "SELECT CAST(EXTRACT(YEAR FROM published_at) AS TEXT) FROM notes"
                }
            },
        );
        assert!(year[0].starts_with("20"), "{:?}: {year:?}", db.backend);
    }
}

#[test]
fn a_broken_foreign_key_names_the_migration_step_table_and_column_on_both_backends() {
    for db in backends() {
        let mut p = Project::new(
            "broken_fk",
            &ORGS_AND_USERS.replace("#[entmig(references = \"Org\")]\n", ""),
        );
        p.set_env("DATABASE_URL", db.url());
        p.entmig(&["make", "init", "--no-input"]).ok();
        p.entmig(&["run"]).ok();
        let mut live = db.open();
        live.execute("INSERT INTO orgs (id) VALUES (1)", &[])
            .unwrap();
        live.execute(
            "INSERT INTO users (id, email, org_id) VALUES (1, 'ann@example.com', 1), (2, 'bob@example.com', 99)",
            &[],
        )
        .unwrap();
        p.entities(ORGS_AND_USERS);
        p.entmig(&["make", "org_key", "--no-input"]).ok();
        let error = p.entmig(&["run"]).fails().stderr;
        assert!(
            error.contains("_org_key failed at step 1 (add foreign key"),
            "{error}"
        );
        match db.backend {
            entmig_runtime::Backend::Sqlite => assert!(
                error.contains(
                    "1 row(s) of users whose foreign key (org_id) points at a missing row of orgs"
                ),
                "{error}"
            ),
            entmig_runtime::Backend::Postgres => assert!(
                error.contains("violates foreign key constraint \"fk_users_org_id\""),
                "{error}"
            ),
        }
        assert_eq!(
            rows(&mut live, "SELECT count(*) FROM entmig_migrations"),
            ["1"],
            "{:?}: rolled back",
            db.backend
        );
    }
}
