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
