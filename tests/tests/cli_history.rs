//! End to end: the migrations' history as it goes wrong in real projects — two branches merged,
//! a `make` interrupted, schema steps written by hand, migrations applied late — and the way
//! out that each message gives, followed to the letter on real crates and SQLite files.

use entmig_schema::snapshot;
use entmig_tests::project::{ONE_USER, Project, Sqlite, id};

/// `ONE_USER` with more fields after `email`.
fn user_with(fields: &str) -> String {
    ONE_USER.replace(
        "pub email: String,",
        &format!("pub email: String,\n    {fields}"),
    )
}

fn module(p: &Project, name: &str) -> String {
    p.read(&format!("src/migrations/{name}.rs"))
}

#[test]
fn merged_branches_are_untangled_as_the_message_says() {
    let p = Project::new("merge", ONE_USER);
    p.entmig(&["make", "init", "--no-input"]).ok();
    let at_init = p.read("src/migrations/snapshot.json");
    let index_at_init = p.read("src/migrations/mod.rs");

    // One branch adds a nickname...
    p.entities(&user_with("pub nick: Option<String>,"));
    p.entmig(&["make", "add_nick", "--no-input"]).ok();
    let [init, add_nick] = <[String; 2]>::try_from(p.migrations()).expect("two migrations");
    let nick_module = module(&p, &add_nick);

    // ...the other, started from init, a name.
    std::fs::remove_file(p.path(&format!("src/migrations/{add_nick}.rs"))).expect("rm");
    p.write("src/migrations/snapshot.json", &at_init);
    p.write("src/migrations/mod.rs", &index_at_init);
    p.entities(&user_with("pub name: Option<String>,"));
    p.entmig(&["make", "add_name", "--no-input"]).ok();
    let [_, add_name] = <[String; 2]>::try_from(p.migrations()).expect("two migrations");

    // The merge: both modules, both fields, and a snapshot whose tables git merged line by
    // line while the lines that record the migration and the digest conflicted (and the
    // conflict was resolved as this branch's).
    p.write(&format!("src/migrations/{add_nick}.rs"), &nick_module);
    p.write(
        "src/migrations/mod.rs",
        &format!(
            "entmig_runtime::migrations! {{\n    {init},\n    {add_nick},\n    {add_name},\n}}\n"
        ),
    );
    let ours: serde_json::Value =
        serde_json::from_str(&p.read("src/migrations/snapshot.json")).expect("json");
    let mut merged = ours.clone();
    merged["tables"][0]["columns"]
        .as_array_mut()
        .expect("columns")
        .push(serde_json::json!({ "name": "nick", "type": "text", "nullable": true }));
    p.write(
        "src/migrations/snapshot.json",
        &serde_json::to_string_pretty(&merged).expect("json"),
    );
    p.entities(&user_with(
        "pub nick: Option<String>,\n    pub name: Option<String>,",
    ));

    let both = [id(&add_nick), id(&add_name), "two branches were merged"];
    p.entmig(&["make", "next", "--no-input"]).error(&both);
    p.entmig(&["make", "--check"]).error(&both);
    p.entmig(&["run"]).error(&both);
    assert!(!p.db_path().exists(), "nothing ran");
    // Where it is applied is what status shows, so status only warns.
    p.entmig(&["status"])
        .ok()
        .stderr_has(&["two branches were merged"]);

    // The way out: delete the later one, and make it again.
    let later = p
        .entmig(&["run"])
        .error(&[])
        .split("revert ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .expect("the message names the migration to revert")
        .to_owned();
    // Made in the same second, the two sort by name; the message names whichever is later.
    let (kept, later, column) = if later == id(&add_name) {
        (add_nick, add_name, "name")
    } else {
        (add_name, add_nick, "nick")
    };
    let other_column = if column == "name" { "nick" } else { "name" };
    std::fs::remove_file(p.path(&format!("src/migrations/{later}.rs"))).expect("rm");
    p.write(
        "src/migrations/mod.rs",
        &format!("entmig_runtime::migrations! {{\n    {init},\n    {kept},\n}}\n"),
    );
    let made = p.entmig(&["make", "again", "--no-input"]).ok();
    made.stderr_has(&[
        "snapshot.json was changed since entmig wrote it",
        "rebuilding it from the migrations",
    ]);
    made.stdout_has(&[&format!("add column users.{column}")]);
    assert!(
        !made.stdout.contains(&format!("users.{other_column}")),
        "the other column came with its own migration: {}",
        made.stdout
    );
    let [_, _, again] = <[String; 3]>::try_from(p.migrations()).expect("three migrations");
    assert!(module(&p, &again).contains(&format!("Some(\"{}\")", id(&kept))));

    p.entmig(&["run"]).ok();
    assert_eq!(
        Sqlite::open(&p.db_path()).columns("users"),
        [
            "id INTEGER NOT NULL PK".to_owned(),
            "email TEXT NOT NULL".to_owned(),
            format!("{other_column} TEXT"),
            format!("{column} TEXT"),
        ]
    );
    p.entmig(&["make", "--check"]).ok();
    p.entmig(&["snapshot"])
        .ok()
        .stderr_has(&["matches the migrations"]);
}

#[test]
fn an_interrupted_make_is_noticed_and_repaired() {
    let p = Project::new("interrupted", ONE_USER);
    p.entmig(&["make", "init", "--no-input"]).ok();
    let at_init = p.read("src/migrations/snapshot.json");
    p.entities(&user_with("pub name: Option<String>,"));
    p.entmig(&["make", "add_name", "--no-input"]).ok();
    let [init, add_name] = <[String; 2]>::try_from(p.migrations()).expect("two migrations");

    // Killed after the module and mod.rs, before the snapshot: it still describes init.
    p.write("src/migrations/snapshot.json", &at_init);
    let check = p.entmig(&["make", "--check"]).ok();
    check.stderr_has(&[&format!(
        "snapshot.json holds the schema after {}, but the newest migration is {}",
        id(&init),
        id(&add_name)
    )]);
    assert_eq!(
        p.read("src/migrations/snapshot.json"),
        at_init,
        "--check writes nothing"
    );
    let made = p.entmig(&["make", "again", "--no-input"]).ok();
    made.stderr_has(&["Rebuilt src/migrations/snapshot.json", "Unchanged"]);
    assert_eq!(p.migrations().len(), 2, "no second add_name");
    let repaired = snapshot::read(&p.read("src/migrations/snapshot.json")).expect("snapshot");
    assert_eq!(
        repaired.provenance,
        snapshot::Provenance::After(Some(id(&add_name).to_owned()))
    );

    // Killed before mod.rs listed the module: it is named, not silently ignored.
    let stray = "m29990101_000000_stray";
    p.write(
        &format!("src/migrations/{stray}.rs"),
        &module(&p, &add_name),
    );
    p.entmig(&["make", "--check"]).ok().stderr_has(&[&format!(
        "src/migrations/{stray}.rs is a migration module that mod.rs does not list"
    )]);
    p.entities(&user_with(
        "pub name: Option<String>,\n    pub age: Option<i32>,",
    ));
    p.entmig(&["make", "add_age", "--no-input"]).error(&[
        &format!("src/migrations/{stray}.rs is a migration module that mod.rs does not list"),
        "list it in mod.rs, or delete it, and run make again",
    ]);
    assert_eq!(p.migrations().len(), 3, "nothing written beside it");
}

#[test]
fn a_merge_left_in_conflict_and_a_broken_snapshot() {
    let p = Project::new("conflicted", ONE_USER);
    p.entmig(&["make", "init", "--no-input"]).ok();
    p.entities(&user_with("pub name: Option<String>,"));
    p.entmig(&["make", "add_name", "--no-input"]).ok();
    let [init, add_name] = <[String; 2]>::try_from(p.migrations()).expect("two migrations");
    let good = p.read("src/migrations/snapshot.json");

    // git left both sides of the snapshot in the file: it is rebuilt, not read.
    p.write(
        "src/migrations/snapshot.json",
        &format!("<<<<<<< HEAD\n{good}=======\n{good}>>>>>>> other\n"),
    );
    p.entmig(&["status"])
        .ok()
        .stderr_has(&["snapshot.json holds a merge's conflict markers"]);
    p.entmig(&["make", "--check"])
        .ok()
        .stderr_has(&["rebuilding it from the migrations"]);
    p.entmig(&["snapshot"])
        .ok()
        .stderr_has(&["Rebuilt src/migrations/snapshot.json"]);
    p.entmig(&["make", "--check"])
        .ok()
        .stderr_has(&["the entities match the migrations"]);

    // Not JSON at all: an error that says how out, and `snapshot` is that way.
    p.write("src/migrations/snapshot.json", "{ not json");
    p.entmig(&["make", "x", "--no-input"]).error(&[
        "src/migrations/snapshot.json: the snapshot is not valid",
        "`cargo entmig snapshot`",
    ]);
    p.entmig(&["snapshot"])
        .ok()
        .stderr_has(&["snapshot.json cannot be read", "Rebuilt"]);
    p.entmig(&["make", "--check"]).ok();

    // mod.rs in conflict: what to keep.
    p.write(
        "src/migrations/mod.rs",
        &format!(
            "entmig_runtime::migrations! {{\n    {init},\n<<<<<<< HEAD\n    {add_name},\n=======\n    m29990101_000000_other,\n>>>>>>> other\n}}\n"
        ),
    );
    p.entmig(&["status"]).error(&[
        "src/migrations/mod.rs holds a merge's conflict markers",
        "keep the migrations of both sides",
    ]);
}

#[test]
fn schema_steps_written_by_hand_reach_the_snapshot() {
    let p = Project::new("handwritten", ONE_USER);
    p.entmig(&["make", "init", "--no-input"]).ok();
    p.entmig(&["run"]).ok();
    Sqlite::open(&p.db_path()).execute("INSERT INTO users (email) VALUES ('ann@example.com')");

    // The data migration of the README, written by hand: a column and a backfill.
    p.entmig(&["make", "add_region", "--empty", "--no-input"])
        .ok();
    let [_, add_region] = <[String; 2]>::try_from(p.migrations()).expect("two migrations");
    let blank = module(&p, &add_region);
    let written = blank
        .replace(
            "fn up(&self, _m: &mut Plan) {}",
            "fn up(&self, m: &mut Plan) {\n        \
             m.add_column(\"users\", Column::new(\"region\", ColumnType::Text).nullable());\n        \
             m.sql(\"UPDATE users SET region = 'eu'\");\n    }",
        )
        .replace(
            "fn down(&self, _m: &mut Plan) {}",
            "fn down(&self, m: &mut Plan) {\n        \
             m.drop_column(\"users\", Column::new(\"region\", ColumnType::Text).nullable());\n    }",
        );
    assert_ne!(
        written, blank,
        "the blank module has an up and a down to fill in"
    );
    p.write(&format!("src/migrations/{add_region}.rs"), &written);
    p.entities(&user_with("pub region: Option<String>,"));

    // The snapshot does not know the hand-written column, but the module changed since make
    // wrote it: each command that reads the snapshot notices, and make rebuilds it.
    let edited = format!(
        "the newest migration, {}, was edited since `make` wrote snapshot.json",
        id(&add_region)
    );
    p.entmig(&["make", "--check"])
        .ok()
        .stderr_has(&[&edited, "rebuilding it from the migrations"]);
    p.entmig(&["status"]).ok().stderr_has(&[
        &edited,
        "`cargo entmig snapshot` (or the next `make`) rebuilds it",
    ]);
    // amend would regenerate the module and lose its SQL.
    p.entmig(&["amend", "--no-input"]).error(&[
        &format!(
            "migration {} has steps that were written by hand",
            id(&add_region)
        ),
        "sql: UPDATE users SET region = 'eu'",
    ]);
    assert_eq!(module(&p, &add_region), written);

    let rebuilt = p.entmig(&["snapshot"]).ok();
    rebuilt.stdout_has(&["add column users.region"]);
    rebuilt.stderr_has(&["Rebuilt src/migrations/snapshot.json"]);
    p.entmig(&["make", "--check"]).ok();
    p.entmig(&["snapshot"])
        .ok()
        .stderr_has(&["matches the migrations"]);

    // A schema step the entities do not have is a difference, as soon as it is written.
    let more = written.replace(
        "m.sql(\"UPDATE",
        "m.add_column(\"users\", Column::new(\"country\", ColumnType::Text).nullable());\n        m.sql(\"UPDATE",
    );
    p.write(&format!("src/migrations/{add_region}.rs"), &more);
    p.entmig(&["make", "--check"])
        .fails()
        .stdout_has(&["drop column users.country"]);
    p.write(&format!("src/migrations/{add_region}.rs"), &written);
    // cargo fmt is not an edit.
    p.write(
        &format!("src/migrations/{add_region}.rs"),
        &written.replace("    ", "  ").replace('\n', "\r\n"),
    );
    let quiet = p.entmig(&["make", "--check"]).ok();
    assert!(!quiet.stderr.contains("was edited"), "{}", quiet.stderr);

    p.entmig(&["run"]).ok();
    assert_eq!(
        Sqlite::open(&p.db_path()).rows("SELECT email || ' ' || region FROM users"),
        ["ann@example.com eu"]
    );
}

#[test]
fn fill_values_are_read_by_the_column_type_and_nulls_get_one_too() {
    let p = Project::new("fills", &user_with("pub nick: Option<String>,"));
    p.entmig(&["make", "init", "--no-input"]).ok();
    p.entmig(&["run"]).ok();
    Sqlite::open(&p.db_path()).execute(
        "INSERT INTO users (email, nick) VALUES ('ann@example.com', NULL), ('bob@example.com', 'bee')",
    );

    // Two NOT NULL columns without default, and the nickname made NOT NULL.
    p.entities(&user_with(
        "pub nick: String,\n    pub zip: String,\n    pub score: i32,",
    ));
    p.entmig(&["make", "grow", "--no-input"]).error(&[
        "users.zip, users.score are NOT NULL without a default",
        "--fill users.zip=VALUE",
    ]);
    let fill = |flags: &[&str]| {
        let mut args = vec!["make", "grow", "--no-input"];
        for flag in flags {
            args.extend(["--fill", flag]);
        }
        p.entmig(&args)
    };
    fill(&["users.zip=01234", "users.score=abc"]).error(&[
        "--fill users.score=abc: `abc` is not an integer value",
        "give a value of the column's type (integer)",
    ]);
    fill(&["users.zip=01234", "users.score=70000000000"])
        .error(&["does not fit in an integer column"]);
    fill(&["users.zip=01234", "users.score=7", "users.nick=@nosuch"]).error(&[
        "--fill users.nick=@nosuch: users has no column `nosuch` to copy",
        "its columns are: id, email, nick",
    ]);
    fill(&["users.zip=1", "users.score=7", "users.email=x"])
        .error(&["--fill users.email", "neither adds the column"]);
    // Without a value for the NULLs and without a person to ask: refused as a new NOT NULL
    // column without a value is, since `run` would fail on the rows that hold NULL.
    fill(&["users.zip=1", "users.score=7"]).error(&[
        "users.nick becomes NOT NULL, and rows that hold NULL there make the migration fail: pass --fill users.nick=VALUE",
    ]);
    assert_eq!(p.migrations().len(), 1, "nothing written yet");

    // A copy must fit the column's type...
    fill(&["users.zip=01234", "users.score=@email"]).error(&[
        "--fill users.score=@email: `@email` is a text column, which does not fit the column's type (integer)",
    ]);
    // ...and may read a column the same migration adds (SQLite then rebuilds twice).
    let made = fill(&["users.zip=01234", "users.score=7", "users.nick=@zip"]).ok();
    made.stdout_has(&[
        "(existing rows: '01234')",
        "alter column users.nick: NULL -> NOT NULL (rows with NULL: copy of zip)",
    ]);
    let [_, grow] = <[String; 2]>::try_from(p.migrations()).expect("two migrations");
    let code = module(&p, &grow);
    assert!(
        code.contains("Fill::Value(DefaultValue::String(\"01234\".into()))"),
        "a text column's fill stays text, leading zero and all:\n{code}"
    );
    assert!(
        code.contains(".fill_nulls(Fill::CopyFrom(\"zip\".into()))"),
        "{code}"
    );

    p.entmig(&["run"]).ok();
    assert_eq!(
        Sqlite::open(&p.db_path()).rows(
            "SELECT email || ' ' || nick || ' ' || zip || ' ' || score FROM users ORDER BY id"
        ),
        [
            "ann@example.com 01234 01234 7",
            "bob@example.com bee 01234 7"
        ]
    );
    p.entmig(&["snapshot"])
        .ok()
        .stderr_has(&["matches the migrations"]);
    // down is the inverse: the nickname accepts NULL again (its values stay).
    p.entmig(&["revert"]).ok();
    let db = Sqlite::open(&p.db_path());
    assert_eq!(
        db.columns("users"),
        ["id INTEGER NOT NULL PK", "email TEXT NOT NULL", "nick TEXT"]
    );
    assert_eq!(
        db.rows("SELECT nick FROM users ORDER BY id"),
        ["01234", "bee"]
    );
}

#[test]
fn a_late_migration_needs_force_and_is_reverted_first() {
    let p = Project::new("late", ONE_USER);
    p.entmig(&["make", "init", "--no-input"]).ok();
    p.entities(&user_with("pub name: Option<String>,"));
    p.entmig(&["make", "add_name", "--no-input"]).ok();
    p.entmig(&["run"]).ok();
    let [init, add_name] = <[String; 2]>::try_from(p.migrations()).expect("two migrations");

    // A hand-written migration from a branch merged late: it sorts between the two.
    let late = format!("{}_late", init.trim_end_matches("_init"));
    assert!(late > init && late < add_name, "{late}");
    p.write(
        &format!("src/migrations/{late}.rs"),
        "use entmig_runtime::migration::prelude::*;\n\npub struct Migration;\n\n\
         impl MigrationTrait for Migration {\n    \
         fn up(&self, m: &mut Plan) {\n        m.sql(\"CREATE TABLE late (id INTEGER)\");\n    }\n\n    \
         fn down(&self, m: &mut Plan) {\n        m.sql(\"DROP TABLE late\");\n    }\n}\n",
    );
    p.write(
        "src/migrations/mod.rs",
        &format!("entmig_runtime::migrations! {{\n    {init},\n    {late},\n    {add_name},\n}}\n"),
    );

    let status = p.entmig(&["status"]).fails();
    status.stdout_has(&[&format!("pending  {}", id(&late))]);
    status.stderr_has(&[&format!(
        "{} is pending but older than an applied one (`cargo entmig run --force` applies it)",
        id(&late)
    )]);
    p.entmig(&["run"]).error(&[id(&late), "--force"]);
    // Applied a while ago, so that the order of application is plain to see.
    Sqlite::open(&p.db_path())
        .execute("UPDATE entmig_migrations SET applied_at = '2000-01-01T00:00:00Z'");
    p.entmig(&["run", "--force"]).ok();
    assert!(
        Sqlite::open(&p.db_path())
            .tables()
            .contains(&"late".to_owned())
    );

    // revert undoes what was applied last, which is not what sorts last.
    p.entmig(&["revert"])
        .ok()
        .stderr_has(&[&format!("Reverting {}", id(&late))]);
    let db = Sqlite::open(&p.db_path());
    assert!(!db.tables().contains(&"late".to_owned()));
    assert_eq!(db.columns("users").len(), 3, "add_name stays");

    // --to takes part of an id, and undoes everything applied after it.
    p.entmig(&["run", "--force"]).ok();
    p.entmig(&["revert", "--to", "nosuch"])
        .error(&["no migration matches `nosuch`"]);
    p.entmig(&["revert", "--to", "_init"]).ok();
    let db = Sqlite::open(&p.db_path());
    assert_eq!(db.applied(), [id(&init)]);
    assert_eq!(db.tables(), ["entmig_migrations", "users"]);
    assert_eq!(db.columns("users").len(), 2);
}

#[test]
fn amend_checks_every_target_and_one_bad_target_fails_alone() {
    let p = Project::new("amendall", ONE_USER);
    let manifest = p.read("Cargo.toml");
    p.write(
        "Cargo.toml",
        &format!(
            "{manifest}\n[package.metadata.entmig.targets]\ndefault = \"sqlite://app.db\"\n\
             second = \"sqlite://second.db\"\nbroken = \"${{ENTMIG_TEST_NOT_SET}}\"\n"
        ),
    );
    p.entmig(&["make", "init", "--no-input"]).ok();
    let [init] = <[String; 1]>::try_from(p.migrations()).expect("one migration");

    // One target without a URL fails; the others are migrated, and the command fails at the end.
    let out = p
        .entmig(&["run", "--target", "second", "--target", "broken"])
        .fails();
    out.stderr_has(&[
        "error: target broken: target `broken` needs the environment variable ENTMIG_TEST_NOT_SET",
        "error: 1 of 2 targets failed: broken",
    ]);
    assert_eq!(Sqlite::open(&p.path("second.db")).applied(), [id(&init)]);

    // Applied on `second`, though not on the default: amend refuses, naming it.
    p.entities(&user_with("pub name: Option<String>,"));
    let written = p.migrations_folder();
    let refused = p.entmig(&["amend", "--no-input"]);
    refused.stderr_has(&["could not check target broken"]);
    refused.error(&[
        &format!("migration {} is applied on target second", id(&init)),
        "`cargo entmig revert --target second`",
    ]);
    assert_eq!(p.migrations_folder(), written);

    // Reverted there: amended.
    p.entmig(&["revert", "--target", "second"]).ok();
    p.entmig(&["amend", "--no-input"])
        .ok()
        .stderr_has(&[&format!("Amended src/migrations/{init}.rs")]);
    assert!(module(&p, &init).contains("Column::new(\"name\""));

    // Entities back where the newest migration started: amending would leave it empty.
    p.entities(&user_with(
        "pub name: Option<String>,\n    pub age: Option<i32>,",
    ));
    p.entmig(&["make", "add_age", "--no-input"]).ok();
    let [_, add_age] = <[String; 2]>::try_from(p.migrations()).expect("two migrations");
    p.entities(&user_with("pub name: Option<String>,"));
    let written = p.migrations_folder();
    p.entmig(&["amend", "--no-input"]).error(&[
        &format!(
            "the entities match the schema before {}, so amending would leave it empty",
            id(&add_age)
        ),
        &format!("delete src/migrations/{add_age}.rs and its line in mod.rs"),
    ]);
    assert_eq!(p.migrations_folder(), written);
}

/// Every column type, every kind of default and every kind of column change goes through the
/// code writer, the compiler and the runner's plan, and comes back as the snapshot it was.
#[test]
fn generated_code_compiles_back_to_the_same_schema() {
    const EVERY_TYPE: &str = r#"
#[derive(Entity)]
#[entmig(table = "everything", index(columns = "small, whole", unique))]
pub struct Everything {
    #[entmig(primary_key, auto_increment)]
    pub id: i64,
    #[entmig(default = true)]
    pub flag: bool,
    #[entmig(default = -3)]
    pub small: i16,
    #[entmig(default = 2147483647)]
    pub whole: i32,
    #[entmig(default = 1.5)]
    pub ratio: f32,
    #[entmig(default = -2.25e10)]
    pub wide: f64,
    #[entmig(sql_type = "NUMERIC(12, 3)")]
    pub exact: Option<String>,
    #[entmig(default = "it's \"quoted\"\nand two lines", index)]
    pub note: String,
    #[entmig(max_length = 12, default = "short")]
    pub code: String,
    pub bytes: Option<Vec<u8>>,
    #[entmig(default_sql = "CURRENT_TIMESTAMP")]
    pub at: String,
    #[entmig(sql_type = "citext")]
    pub custom: Option<String>,
    #[entmig(default = "{\"a\": [1, 2]}")]
    pub doc: serde_json::Value,
    #[entmig(references = "Self", on_delete = "set_null", on_update = "cascade")]
    pub parent: Option<i64>,
}
"#;
    let p = Project::new("everything", EVERY_TYPE);
    p.entmig(&["make", "init", "--no-input"]).ok();
    p.entmig(&["snapshot"])
        .ok()
        .stderr_has(&["matches the migrations"]);

    // Every property of columns changes at once, and the key.
    let changed = EVERY_TYPE
        .replace(
            "#[entmig(default = true)]\n    pub flag: bool,",
            "pub flag: Option<bool>,",
        )
        .replace(
            "#[entmig(default = -3)]\n    pub small: i16,",
            "#[entmig(default = 9)]\n    pub small: i64,",
        )
        .replace(
            "#[entmig(max_length = 12, default = \"short\")]",
            "#[entmig(max_length = 40)]",
        )
        .replace("pub exact: Option<String>,", "pub exact: String,")
        .replace(
            "index(columns = \"small, whole\", unique)",
            "primary_key(columns = \"id, whole\")",
        )
        .replace("#[entmig(primary_key, auto_increment)]", "")
        .replace(
            "#[entmig(references = \"Self\", on_delete = \"set_null\", on_update = \"cascade\")]",
            "",
        );
    assert_ne!(changed, EVERY_TYPE);
    p.entities(&changed);
    p.entmig(&[
        "make",
        "change_everything",
        "--no-input",
        "--fill",
        "everything.exact=0",
    ])
    .ok();
    p.entmig(&["snapshot"])
        .ok()
        .stderr_has(&["matches the migrations"]);
    p.entmig(&["run"]).ok();
    p.entmig(&["make", "--check"]).ok();
    p.entmig(&["revert", "--steps", "2"]).ok();
    assert_eq!(Sqlite::open(&p.db_path()).tables(), ["entmig_migrations"]);
}

/// The questions `make` and `revert` ask at a terminal, answered as a person would: a rename
/// confirmed, a bad fill value asked again, a revert that drops data declined and then accepted.
#[test]
fn questions_at_a_terminal() {
    let p = Project::new("asks", &user_with("pub handle: String,"));
    p.entmig(&["make", "init", "--no-input"]).ok();
    p.entmig(&["run"]).ok();
    Sqlite::open(&p.db_path())
        .execute("INSERT INTO users (email, handle) VALUES ('ann@example.com', 'ann')");

    p.entities(&user_with("pub username: String,\n    pub score: i32,"));
    // Renamed? yes. score for the rows there: `abc` (refused), then 5. Write it? (enter: yes)
    let made = p.entmig_at_a_terminal(&["make", "grow"], "y\nabc\n5\n\n");
    assert_eq!(made.code, Some(0), "{made:?}");
    for asked in [
        "Was the column users.handle renamed to users.username?",
        "users.score (integer) is NOT NULL and has no default.",
        "`abc` is not an integer value",
        "rename column users.handle to username",
        "add column users.score integer NOT NULL (existing rows: 5)",
        "Write this migration? [Y/n]",
    ] {
        assert!(
            made.stdout.contains(asked),
            "`{asked}` in:\n{}",
            made.stdout
        );
    }
    p.entmig(&["run"]).ok();
    assert_eq!(
        Sqlite::open(&p.db_path()).rows("SELECT username || ' ' || score FROM users"),
        ["ann 5"]
    );

    // Reverting drops users.score: asked first, and no is no.
    let declined = p.entmig_at_a_terminal(&["revert"], "n\n");
    assert_eq!(declined.code, Some(1), "{declined:?}");
    assert!(
        declined.stdout.contains("drop column users.score")
            && declined
                .stdout
                .contains("drop data. Revert on default? [y/N]")
            && declined
                .stdout
                .contains("cancelled; nothing reverted on default"),
        "{}",
        declined.stdout
    );
    assert_eq!(Sqlite::open(&p.db_path()).columns("users").len(), 4);
    p.entmig(&["revert", "--dry-run"]).ok().stdout_has(&[
        "-- revert ",
        "ALTER TABLE \"users\" RENAME COLUMN \"username\" TO \"handle\"",
    ]);
    let accepted = p.entmig_at_a_terminal(&["revert"], "y\n");
    assert_eq!(accepted.code, Some(0), "{accepted:?}");
    assert_eq!(
        Sqlite::open(&p.db_path()).rows("SELECT handle FROM users"),
        ["ann"]
    );
}

/// What `make` says without a database: a foreign key to a table no entity maps is a warning
/// (PostgreSQL refuses it unless a hand-written step makes the table), and a `--rename` that
/// `renamed_from` already says is no conflict.
#[test]
fn make_warns_of_unknown_tables_and_takes_a_rename_said_twice() {
    let p = Project::new(
        "make_notes",
        &user_with(
            "pub handle: String,\n    #[entmig(references = \"accounts(id)\")]\n    pub account_id: i64,",
        ),
    );
    p.entmig(&["make", "init", "--no-input"]).ok().stderr_has(&[
        "the foreign key fk_users_account_id of users references the table `accounts`, which no entity maps",
    ]);
    p.entities(&user_with(
        "#[entmig(renamed_from = \"handle\")]\n    pub username: String,\n    #[entmig(references = \"accounts(id)\")]\n    pub account_id: i64,",
    ));
    let made = p
        .entmig(&[
            "make",
            "rename",
            "--no-input",
            "--rename",
            "users.handle=username",
        ])
        .ok();
    made.stdout_has(&["rename column users.handle to username"]);
    assert!(
        !made.stderr.contains("accounts"),
        "the key was not added again: {}",
        made.stderr
    );
}
