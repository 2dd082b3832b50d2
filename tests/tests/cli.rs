//! End to end: the real `cargo entmig` binary on temporary crates, as a new user would run it,
//! with the SQLite database checked after every step.
//!
//! Every project's migrations runner builds into one shared target folder (see
//! `entmig_tests::project`), so only the first runner build of a test run compiles
//! entmig-runtime and SQLite.

use entmig_schema::snapshot;
use entmig_tests::project::{ONE_USER, Project, STORY_V1, STORY_V2, Sqlite, id};

const STORY_V1_USERS: [&str; 3] = [
    "id INTEGER NOT NULL PK",
    "handle TEXT NOT NULL",
    "bio TEXT NOT NULL",
];
const STORY_POSTS: [&str; 3] = [
    "id INTEGER NOT NULL PK",
    "author_id BIGINT NOT NULL",
    "title TEXT NOT NULL",
];

#[test]
fn the_main_story_make_run_change_run_revert() {
    let p = Project::new("story", STORY_V1);

    // make: the first migration, and no database touched.
    let made = p.entmig(&["make", "init", "--no-input"]).ok();
    made.stdout_has(&["Steps of init:", "create table users", "create table posts"]);
    let [init] = <[String; 1]>::try_from(p.migrations()).expect("one migration");
    made.stderr_has(&[&format!("Created src/migrations/{init}.rs (2 steps)")]);
    assert!(
        p.read("src/migrations/mod.rs")
            .contains(&format!("{init},"))
    );
    assert!(p.path("src/migrations/snapshot.json").is_file());
    assert!(!p.db_path().exists(), "make needs no database");

    // run
    p.entmig(&["run"])
        .ok()
        .stderr_has(&["Applied 1 migration(s) to default"]);
    let db = Sqlite::open(&p.db_path());
    assert_eq!(db.tables(), ["entmig_migrations", "posts", "users"]);
    assert_eq!(db.columns("users"), STORY_V1_USERS);
    assert_eq!(db.columns("posts"), STORY_POSTS);
    assert!(db.indexes("users").is_empty() && db.indexes("posts").is_empty());
    assert!(db.foreign_keys("posts").is_empty());
    assert_eq!(db.applied(), [id(&init)]);

    // Rows, as the application would have written them.
    db.execute(
        "INSERT INTO users (id, handle, bio) VALUES (1, 'ann', 'likes tea'), (2, 'bob', 'likes coffee');
         INSERT INTO posts (id, author_id, title) VALUES (10, 1, 'hello'), (11, 2, 'world');",
    );

    // The change. A NOT NULL column without default needs a value for the rows already there.
    p.entities(STORY_V2);
    p.entmig(&["make", "grow", "--no-input"])
        .error(&["users.country", "--fill users.country=VALUE"]);
    assert_eq!(
        p.migrations(),
        [init.as_str()],
        "a refused make writes nothing"
    );
    let made = p
        .entmig(&["make", "grow", "--no-input", "--fill", "users.country=NL"])
        .ok();
    made.stdout_has(&[
        "rename column users.handle to username",
        "add column users.karma",
        "add column users.country",
        "add column users.nickname",
        "drop column users.bio",
        "(destructive",
        "add unique index uq_users_username on users (username)",
    ]);
    let [_, grow] = <[String; 2]>::try_from(p.migrations()).expect("two migrations");
    assert!(grow.ends_with("_grow"), "{grow}");
    let code = p.read(&format!("src/migrations/{grow}.rs"));
    assert!(
        code.contains(&format!("Some(\"{}\")", id(&init))),
        "generated after init:\n{code}"
    );
    p.entmig(&["make", "--check"]).ok();
    assert_eq!(db.applied(), [id(&init)], "make touches no database");

    p.entmig(&["run"])
        .ok()
        .stderr_has(&[&format!("Applying {}", id(&grow)), "Applied 1 migration(s)"]);
    assert_eq!(db.tables(), ["entmig_migrations", "posts", "users"]);
    assert_eq!(
        db.columns("users"),
        [
            "id INTEGER NOT NULL PK",
            "username TEXT NOT NULL",
            "karma BIGINT NOT NULL DEFAULT 0",
            "country TEXT NOT NULL",
            "nickname TEXT",
        ]
    );
    assert_eq!(db.columns("posts"), STORY_POSTS);
    assert_eq!(db.indexes("users"), ["UNIQUE uq_users_username(username)"]);
    assert_eq!(db.indexes("posts"), ["idx_posts_author_id(author_id)"]);
    assert_eq!(
        db.foreign_keys("posts"),
        ["author_id -> users(id) ON DELETE CASCADE"]
    );
    assert_eq!(
        db.rows("SELECT * FROM users ORDER BY id"),
        ["1|ann|0|NL|NULL", "2|bob|0|NL|NULL"],
        "the renamed column kept its values; the new ones have their default and fill"
    );
    assert_eq!(
        db.rows("SELECT * FROM posts ORDER BY id"),
        ["10|1|hello", "11|2|world"]
    );
    assert_eq!(db.applied(), [id(&init), id(&grow)]);
    // The constraints hold.
    let duplicate = db.try_execute("INSERT INTO users (username, country) VALUES ('ann', 'BE')");
    assert!(duplicate.is_err_and(|e| e.contains("UNIQUE")));
    let orphan = db.try_execute(
        "PRAGMA foreign_keys = ON; INSERT INTO posts (author_id, title) VALUES (99, 'x')",
    );
    assert!(orphan.is_err_and(|e| e.contains("FOREIGN KEY")));
    db.execute("PRAGMA foreign_keys = OFF");

    // Nothing left to do.
    p.entmig(&["run"]).ok().stderr_has(&["nothing to apply"]);
    p.entmig(&["make", "again", "--no-input"])
        .ok()
        .stderr_has(&["no migration written"]);

    // revert: the earlier schema, the rows still there (the dropped column comes back empty).
    p.entmig(&["revert"]).ok().stderr_has(&[
        &format!("Reverting {}", id(&grow)),
        "Reverted 1 migration(s)",
    ]);
    assert_eq!(db.tables(), ["entmig_migrations", "posts", "users"]);
    assert_eq!(db.columns("users"), STORY_V1_USERS);
    assert_eq!(db.columns("posts"), STORY_POSTS);
    assert!(db.indexes("users").is_empty() && db.indexes("posts").is_empty());
    assert!(db.foreign_keys("posts").is_empty());
    assert_eq!(
        db.rows("SELECT * FROM users ORDER BY id"),
        ["1|ann|", "2|bob|"]
    );
    assert_eq!(
        db.rows("SELECT * FROM posts ORDER BY id"),
        ["10|1|hello", "11|2|world"]
    );
    assert_eq!(db.applied(), [id(&init)]);

    // revert again: nothing but the tracking table.
    p.entmig(&["revert"])
        .ok()
        .stderr_has(&[&format!("Reverting {}", id(&init))]);
    assert_eq!(db.tables(), ["entmig_migrations"]);
    assert!(db.applied().is_empty());
    p.entmig(&["revert"])
        .ok()
        .stderr_has(&["nothing to revert"]);

    // status: both pending.
    let status = p.entmig(&["status"]).ok();
    status.stdout_has(&[
        &format!("pending  {}", id(&init)),
        &format!("pending  {}", id(&grow)),
    ]);
    assert!(!status.stdout.contains("applied"), "{}", status.stdout);

    // The migrations still describe the entities, and their compiled steps build exactly the
    // schema the snapshot holds.
    p.entmig(&["make", "--check"])
        .ok()
        .stderr_has(&["the entities match the migrations"]);
    p.entmig(&["snapshot"])
        .ok()
        .stderr_has(&["matches the migrations"]);
}

#[test]
fn typeorm_example_columns_added_to_a_table_with_rows() {
    let p = Project::new(
        "typeorm",
        r#"
#[derive(Entity)]
pub struct User {
    #[entmig(primary_key, auto_increment)]
    pub id: i64,
}
"#,
    );
    p.entmig(&["make", "create_user", "--no-input"]).ok();
    p.entmig(&["run"]).ok();
    let db = Sqlite::open(&p.db_path());
    assert_eq!(db.columns("user"), ["id INTEGER NOT NULL PK"]);
    db.execute(r#"INSERT INTO "user" DEFAULT VALUES; INSERT INTO "user" DEFAULT VALUES; INSERT INTO "user" DEFAULT VALUES; DELETE FROM "user" WHERE id = 3;"#);

    p.entities(
        r#"
#[derive(Entity)]
pub struct User {
    #[entmig(primary_key, auto_increment)]
    pub id: i64,
    #[entmig(unique, max_length = 255)]
    pub email: Option<String>,
    pub password: String,
}
"#,
    );
    p.entmig(&[
        "make",
        "add_email_password",
        "--no-input",
        "--fill",
        "user.password=changeme",
    ])
    .ok()
    .stdout_has(&[
        "add column user.email",
        "add column user.password",
        "add unique index",
    ]);
    p.entmig(&["run"]).ok();
    assert_eq!(
        db.columns("user"),
        [
            "id INTEGER NOT NULL PK",
            "email VARCHAR(255)",
            "password TEXT NOT NULL",
        ]
    );
    assert_eq!(db.indexes("user"), ["UNIQUE uq_user_email(email)"]);
    assert_eq!(
        db.rows(r#"SELECT * FROM "user" ORDER BY id"#),
        ["1|NULL|changeme", "2|NULL|changeme"],
        "the rows survive the rebuild"
    );
    // AUTOINCREMENT's sequence survived too: a deleted id is not handed out again.
    db.execute(r#"INSERT INTO "user" (email, password) VALUES ('a@example.com', 'x')"#);
    assert_eq!(
        db.rows(r#"SELECT id FROM "user" WHERE email = 'a@example.com'"#),
        ["4"]
    );
    let duplicate =
        db.try_execute(r#"INSERT INTO "user" (email, password) VALUES ('a@example.com', 'y')"#);
    assert!(duplicate.is_err_and(|e| e.contains("UNIQUE")));
    p.entmig(&["make", "--check"]).ok();
}

#[test]
fn the_users_binary_runs_the_same_migrations() {
    let p = Project::new(
        "e2e_shop",
        r#"
#[derive(Entity)]
#[entmig(table = "products")]
pub struct Product {
    #[entmig(primary_key, auto_increment)]
    pub id: i64,
    pub name: String,
}
"#,
    );
    p.entmig(&["make", "init", "--no-input"]).ok();
    // The application runs its migrations at start-up. The crate declares them as a module,
    // which the collector does not read for entities.
    p.write(
        "src/main.rs",
        r#"mod entities;
mod migrations;

fn main() {
    let url = std::env::var("APP_DATABASE_URL").expect("APP_DATABASE_URL is set");
    let mut db = entmig_runtime::Database::connect(&url).expect("the database opens");
    let report = migrations::migrator().run(&mut db).expect("the migrations apply");
    println!("applied {}", report.done.len());
}
"#,
    );
    p.entities(
        r#"
#[derive(Entity)]
#[entmig(table = "products")]
pub struct Product {
    #[entmig(primary_key, auto_increment)]
    pub id: i64,
    pub name: String,
    #[entmig(default = 0)]
    pub price_cents: i64,
}
"#,
    );
    p.entmig(&["make", "add_price", "--no-input"]).ok();
    let [init, add_price] = <[String; 2]>::try_from(p.migrations()).expect("two migrations");
    let url = format!("sqlite://{}", p.db_path().display());
    let env = [("APP_DATABASE_URL", url.as_str())];

    p.cargo_run(&env).ok().stdout_has(&["applied 2"]);
    let db = Sqlite::open(&p.db_path());
    assert_eq!(
        db.columns("products"),
        [
            "id INTEGER NOT NULL PK",
            "name TEXT NOT NULL",
            "price_cents BIGINT NOT NULL DEFAULT 0",
        ]
    );
    assert_eq!(db.applied(), [id(&init), id(&add_price)]);

    // The CLI's runner agrees with the binary: same ids, same checksums.
    let status = p.entmig(&["status"]).ok();
    status.stdout_has(&[
        &format!("applied  {}", id(&init)),
        &format!("applied  {}", id(&add_price)),
    ]);
    p.entmig(&["make", "--check"]).ok();
    p.entmig(&["revert"]).ok();
    assert_eq!(
        db.columns("products"),
        ["id INTEGER NOT NULL PK", "name TEXT NOT NULL"]
    );

    // And the binary applies what the CLI reverted (no rebuild: nothing changed).
    p.cargo_run(&env).ok().stdout_has(&["applied 1"]);
    assert_eq!(db.columns("products").len(), 3);
    p.entmig(&["status"])
        .ok()
        .stdout_has(&[&format!("applied  {}", id(&add_price))]);
}

#[test]
fn bad_inputs_are_one_clear_line() {
    // No such package.
    let p = Project::new("bad", ONE_USER);
    p.entmig(&["-p", "nope", "make", "x"])
        .error(&["no package `nope`", "its packages are: bad"]);

    // No package at all, or a broken one.
    p.entmig(&[
        "--manifest-path",
        "/nonexistent-entmig-dir/Cargo.toml",
        "status",
    ])
    .error(&[
        "could not read the package with `cargo metadata`",
        "manifest path `/nonexistent-entmig-dir/Cargo.toml` does not exist",
    ]);
    let broken = Project::new("broken", ONE_USER);
    broken.write("Cargo.toml", "[package\nname = \"broken\"\n");
    broken.entmig(&["make", "x", "--no-input"]).error(&[
        "could not read the package",
        "unclosed table",
        "at Cargo.toml:1:9",
    ]);

    // An invalid migration name, and none.
    p.entmig(&["make", "Add Email", "--no-input"])
        .error(&["`Add Email` is not a valid migration name", "lowercase"]);
    p.entmig(&["make", "--no-input"])
        .error(&["needs a name", "cargo entmig make add_user_email"]);
    assert!(p.migrations().is_empty());

    // Commands that need migrations before there are any.
    p.entmig(&["run"])
        .error(&["no migrations yet", "cargo entmig make <name>"]);

    // An unknown target.
    p.entmig(&["make", "init", "--no-input"]).ok();
    p.entmig(&["status", "--target", "nope"])
        .error(&["no target `nope`", "[package.metadata.entmig.targets]"]);

    // Unreachable and invalid databases.
    p.entmig_with(
        &["run"],
        &[(
            "DATABASE_URL",
            "sqlite:///nonexistent-entmig-dir/sub/app.db",
        )],
    )
    .error(&[
        "could not open the database sqlite:///nonexistent-entmig-dir/sub/app.db",
        "the folder /nonexistent-entmig-dir/sub does not exist",
    ]);
    let line = p
        .entmig_with(
            &["run"],
            &[("DATABASE_URL", "postgres://app:s3cret@127.0.0.1:1/app")],
        )
        .error(&[
            "could not open the database postgres://app:***@127.0.0.1:1/app",
            "refused",
        ]);
    assert!(!line.contains("s3cret"), "{line}");
    let line = p
        .entmig_with(
            &["status"],
            &[("DATABASE_URL", "mysql://root:s3cret@localhost/app")],
        )
        .error(&[
            "target `DATABASE_URL`: invalid database URL `mysql://root:***@localhost/app`",
            "sqlite://app.db",
            "postgres://",
        ]);
    assert!(!line.contains("s3cret"), "{line}");

    // A corrupt snapshot.
    let snapshot = p.read("src/migrations/snapshot.json");
    p.write("src/migrations/snapshot.json", "{ \"version\": 1, \"tab");
    p.entities(&format!(
        "{ONE_USER}\n#[derive(Entity)]\npub struct Tag {{ #[entmig(primary_key)] pub id: i64 }}\n"
    ));
    p.entmig(&["make", "add_tag", "--no-input"]).error(&[
        "snapshot.json",
        "the snapshot is not valid",
        "restore",
    ]);
    p.entmig(&["make", "--check"])
        .error(&["snapshot.json", "the snapshot is not valid"]);
    p.write("src/migrations/snapshot.json", &snapshot);

    // An attribute error, at its file, line and column.
    p.entities(
        r#"
#[derive(Entity)]
#[entmig(table = "users")]
pub struct User {
    #[entmig(primary_key, uniqe)]
    pub id: i64,
}
"#,
    );
    let text = p.read("src/entities.rs");
    let (line, column) = text
        .lines()
        .enumerate()
        .find_map(|(i, l)| l.find("uniqe").map(|c| (i + 1, c + 1)))
        .expect("the typo is in the file");
    p.entmig(&["make", "x", "--no-input"]).error(&[
        &format!("src/entities.rs:{line}:{column}:"),
        "unknown entmig field attribute `uniqe`",
        "did you mean `unique`?",
    ]);
    // From another folder, the path is written from there, as cargo writes it.
    let parent = p.root().parent().expect("a parent folder");
    let manifest = p.path("Cargo.toml");
    let shown = p.root().file_name().expect("a name").to_string_lossy();
    p.entmig_in(
        parent,
        &[
            "make",
            "x",
            "--no-input",
            "--manifest-path",
            &manifest.to_string_lossy(),
        ],
        &[],
    )
    .error(&[&format!("error: {shown}/src/entities.rs:{line}:{column}:")]);

    // A file that does not parse.
    p.write("src/entities.rs", "pub struct {");
    p.entmig(&["make", "x", "--no-input"])
        .error(&["src/entities.rs:1:", "does not parse"]);

    // No entities at all.
    p.write("src/entities.rs", "pub struct NotAnEntity;\n");
    p.entmig(&["make", "x", "--no-input"])
        .error(&["found no #[derive(Entity)] struct in package `bad`"]);
}

#[test]
fn a_migration_deleted_after_it_was_applied() {
    let p = Project::new("deleted", ONE_USER);
    p.entmig(&["make", "init", "--no-input"]).ok();
    p.entmig(&["run"]).ok();
    let [init] = <[String; 1]>::try_from(p.migrations()).expect("one migration");
    let code = p.read(&format!("src/migrations/{init}.rs"));
    std::fs::remove_file(p.path(&format!("src/migrations/{init}.rs"))).expect("rm");

    // Still listed in mod.rs: every command names the missing file, from the package folder.
    for command in [&["run"][..], &["status"], &["make", "x", "--no-input"]] {
        p.entmig(command).error(&[
            &format!("src/migrations/mod.rs: lists the migration `{init}`"),
            &format!("but src/migrations/{init}.rs is missing"),
            "restore it from version control",
        ]);
    }

    // Gone from mod.rs too: the database still records it.
    let mod_rs = p.read("src/migrations/mod.rs");
    p.write(
        "src/migrations/mod.rs",
        &mod_rs.replace(&format!("    {init},\n"), ""),
    );
    let status = p.entmig(&["status"]).fails();
    status.stdout_has(&[&format!("missing  {}", id(&init))]);
    status.stderr_has(&[
        &format!("{} is missing", id(&init)),
        "`cargo entmig run` refuses until this is fixed",
    ]);
    p.entmig(&["run"]).error(&[
        &format!("migration {} is recorded as applied", id(&init)),
        "not in this build",
    ]);

    // Restored: all is well again.
    p.write("src/migrations/mod.rs", &mod_rs);
    p.write(&format!("src/migrations/{init}.rs"), &code);
    p.entmig(&["run"]).ok().stderr_has(&["nothing to apply"]);
    p.entmig(&["status"])
        .ok()
        .stdout_has(&[&format!("applied  {}", id(&init))]);

    // Edited after it was applied: status says so and exits 1, as run refuses.
    let edited = code.replace(
        "fn up(&self, m: &mut Plan) {",
        "fn up(&self, m: &mut Plan) {\n        m.sql(\"SELECT 1\");",
    );
    assert_ne!(edited, code, "the migration has an up to edit");
    p.write(&format!("src/migrations/{init}.rs"), &edited);
    let status = p.entmig(&["status"]).fails();
    status.stdout_has(&[&format!("changed  {}", id(&init))]);
    status.stderr_has(&[&format!("{} is changed", id(&init))]);
    p.entmig(&["run"]).error(&[id(&init), "changed"]);
}

#[test]
fn make_without_changes_check_and_dry_run() {
    let p = Project::new("checks", ONE_USER);

    // Before any migration: --check fails and names what differs; --dry-run writes nothing.
    p.entmig(&["make", "--check"]).error(&[
        "the entities and the migrations differ",
        "cargo entmig make",
    ]);
    let dry = p.entmig(&["make", "init", "--dry-run", "--no-input"]).ok();
    dry.stdout_has(&[
        "create table users",
        "SQL (sqlite):",
        "CREATE TABLE \"users\"",
        "SQL (postgres):",
        "GENERATED BY DEFAULT AS IDENTITY",
    ]);
    assert!(
        !p.path("src/migrations").exists(),
        "--dry-run writes nothing"
    );

    p.entmig(&["make", "init", "--no-input"]).ok();
    let written = p.migrations_folder();
    p.entmig(&["make", "--check"]).ok();

    // No changes: nothing written, and it says so.
    p.entmig(&["make", "again", "--no-input"])
        .ok()
        .stderr_has(&["the entities match the migrations; no migration written"]);
    assert_eq!(p.migrations_folder(), written);

    // A change: --check fails and lists it; --dry-run shows it and writes nothing.
    p.entities(&ONE_USER.replace(
        "pub email: String,",
        "pub email: String,\n    pub name: Option<String>,",
    ));
    let check = p.entmig(&["make", "--check"]);
    check.stdout_has(&["add column users.name"]);
    check.error(&["the entities and the migrations differ"]);
    p.entmig(&["make", "add_name", "--dry-run", "--no-input"])
        .ok()
        .stdout_has(&["ALTER TABLE \"users\" ADD COLUMN \"name\""]);
    assert_eq!(p.migrations_folder(), written);

    // --empty: a blank module for hand-written steps; the snapshot stays as it was.
    p.entities(ONE_USER);
    p.entmig(&["make", "backfill", "--empty", "--no-input"])
        .ok()
        .stderr_has(&["(0 steps)"]);
    let [_, backfill] = <[String; 2]>::try_from(p.migrations()).expect("two migrations");
    assert!(
        p.read(&format!("src/migrations/{backfill}.rs"))
            .contains("a hand-written migration")
    );
    let before = written
        .iter()
        .find(|(name, _)| name == "snapshot.json")
        .map(|(_, text)| snapshot::from_str(text).expect("a snapshot"));
    let after = snapshot::read(&p.read("src/migrations/snapshot.json")).expect("a snapshot");
    assert_eq!(Some(after.schema), before, "the same schema");
    assert_eq!(
        after.provenance,
        snapshot::Provenance::After(Some(id(&backfill).to_owned())),
        "recorded as the schema after the new migration"
    );
    p.entmig(&["make", "--check"]).ok();
}

#[test]
fn targets_from_the_settings_and_dotenv() {
    let p = Project::new("targets", ONE_USER);
    let manifest = p.read("Cargo.toml");
    p.write(
        "Cargo.toml",
        &format!(
            "{manifest}\n[package.metadata.entmig]\nmigrations = \"db/migrations\"\n\n\
             [package.metadata.entmig.targets]\ndefault = \"sqlite://data/main.db\"\nreporting = \"${{REPORTING_URL}}\"\n"
        ),
    );
    p.entmig(&["make", "init", "--no-input"])
        .ok()
        .stderr_has(&["Created db/migrations/m"]);
    assert!(p.path("db/migrations/mod.rs").is_file());
    assert!(!p.path("src/migrations").exists());

    // The default target, relative to the package; its folder must exist.
    p.entmig(&["run"])
        .error(&["data/main.db", "the folder", "does not exist"]);
    std::fs::create_dir(p.path("data")).expect("mkdir");
    p.entmig(&["run"]).ok();
    assert_eq!(
        Sqlite::open(&p.path("data/main.db")).tables(),
        ["entmig_migrations", "users"]
    );

    // A target whose URL comes from the environment, here from .env.
    p.entmig(&["run", "--target", "reporting"]).error(&[
        "target `reporting` needs the environment variable REPORTING_URL",
        ".env",
    ]);
    p.write(
        ".env",
        "# local settings\nREPORTING_URL=sqlite://reporting.db\n",
    );
    p.entmig(&["run", "--target", "reporting"]).ok();
    assert_eq!(
        Sqlite::open(&p.path("reporting.db")).tables(),
        ["entmig_migrations", "users"]
    );
    let status = p
        .entmig(&["status", "--target", "default", "--target", "reporting"])
        .ok();
    status.stdout_has(&[
        &format!("default (sqlite://{})", p.path("data/main.db").display()),
        &format!("reporting (sqlite://{})", p.path("reporting.db").display()),
    ]);
    assert_eq!(status.stdout.matches("applied  ").count(), 2);

    // DATABASE_URL, from .env too, overrides the default target.
    p.write(".env", "DATABASE_URL=\"sqlite://override.db\"\n");
    p.entmig(&["status"]).ok().stdout_has(&[
        &format!(
            "DATABASE_URL (sqlite://{})",
            p.path("override.db").display()
        ),
        "pending  ",
    ]);
}

#[test]
fn describe_prints_steps_and_sql() {
    let p = Project::new("describe", ONE_USER);
    p.entmig(&["make", "init", "--no-input"]).ok();
    let [init] = <[String; 1]>::try_from(p.migrations()).expect("one migration");
    let out = p.entmig(&["describe"]).ok();
    out.stdout_has(&[
        id(&init),
        "1. create table users",
        "SQL (sqlite):",
        "CREATE TABLE \"users\"",
    ]);
    let out = p
        .entmig(&["describe", "init", "--backend", "postgres", "--sql-only"])
        .ok();
    out.stdout_has(&[&format!("-- {}", id(&init)), "CREATE TABLE \"users\""]);
    assert!(!out.stdout.contains("1. create"), "{}", out.stdout);
    p.entmig(&["describe", "nope"])
        .error(&["no migration matches `nope`"]);
    assert!(!p.db_path().exists(), "describe needs no database");
}

#[test]
fn two_migrations_after_the_same_one_are_refused() {
    let p = Project::new("branches", ONE_USER);
    p.entmig(&["make", "init", "--no-input"]).ok();
    p.entities(&ONE_USER.replace(
        "pub email: String,",
        "pub email: String,\n    pub name: Option<String>,",
    ));
    p.entmig(&["make", "add_name", "--no-input"]).ok();
    let [_, add_name] = <[String; 2]>::try_from(p.migrations()).expect("two migrations");

    // Another branch generated its own migration after init; the merge brings both.
    let timestamp = &add_name[1..16];
    let other = format!("m{}9_other_branch", &timestamp[..timestamp.len() - 1]);
    assert!(other > add_name, "{other} sorts after {add_name}");
    std::fs::copy(
        p.path(&format!("src/migrations/{add_name}.rs")),
        p.path(&format!("src/migrations/{other}.rs")),
    )
    .expect("copy");
    let mod_rs = p.read("src/migrations/mod.rs");
    p.write(
        "src/migrations/mod.rs",
        &mod_rs.replace(
            &format!("    {add_name},\n"),
            &format!("    {add_name},\n    {other},\n"),
        ),
    );
    let both = [id(&add_name), id(&other), "two branches were merged"];
    p.entmig(&["make", "next", "--no-input"]).error(&both);
    p.entmig(&["make", "--check"]).error(&both);
    p.entmig(&["run"]).error(&both);
    assert!(!p.db_path().exists(), "nothing ran");
}

#[test]
fn amend_regenerates_the_newest_migration_until_it_is_applied() {
    let p = Project::new("amend", ONE_USER);
    p.entmig(&["make", "init", "--no-input"]).ok();
    let [init] = <[String; 1]>::try_from(p.migrations()).expect("one migration");

    // Applied nowhere: amended in place, under the same name.
    p.entities(&ONE_USER.replace(
        "pub email: String,",
        "pub email: String,\n    pub name: Option<String>,",
    ));
    p.entmig(&["amend", "--no-input"])
        .ok()
        .stderr_has(&[&format!("Amended src/migrations/{init}.rs")]);
    assert_eq!(p.migrations(), [init.as_str()]);
    let code = p.read(&format!("src/migrations/{init}.rs"));
    assert!(code.contains("Column::new(\"name\""), "{code}");
    assert!(
        p.read("src/migrations/mod.rs")
            .contains(&format!("{init},"))
    );
    p.entmig(&["make", "--check"]).ok();
    assert!(
        !p.db_path().exists(),
        "amend only read the database, and there was none"
    );

    // Applied: refused, and nothing changes.
    p.entmig(&["run"]).ok();
    let db = Sqlite::open(&p.db_path());
    assert_eq!(
        db.columns("users"),
        ["id INTEGER NOT NULL PK", "email TEXT NOT NULL", "name TEXT"]
    );
    p.entities(ONE_USER);
    let written = p.migrations_folder();
    p.entmig(&["amend", "--no-input"]).error(&[
        &format!("migration {} is applied on target default", id(&init)),
        "Revert it there first (`cargo entmig revert`)",
    ]);
    assert_eq!(p.migrations_folder(), written);
}

#[test]
fn run_backup_and_read_only_status() {
    let p = Project::new("backup", ONE_USER);
    p.entmig(&["make", "init", "--no-input"]).ok();

    // status on a fresh database creates nothing, not even the tracking table.
    let [init] = <[String; 1]>::try_from(p.migrations()).expect("one migration");
    p.entmig(&["status"])
        .ok()
        .stdout_has(&[&format!("pending  {}", id(&init))]);
    assert!(
        !p.db_path().exists(),
        "status created {}",
        p.db_path().display()
    );
    // Nor does it on an existing database without the table.
    let other = p.path("other.db");
    rusqlite::Connection::open(&other)
        .and_then(|c| c.execute_batch("CREATE TABLE notes (body TEXT)"))
        .expect("a database");
    let url = format!("sqlite://{}", other.display());
    p.entmig(&["run", "--dry-run"])
        .ok()
        .stdout_has(&["CREATE TABLE \"users\""]);
    p.entmig(&["revert"])
        .ok()
        .stderr_has(&["nothing to revert"]);
    assert!(
        !p.db_path().exists(),
        "a dry run or a revert created the database"
    );
    p.entmig_with(&["status"], &[("DATABASE_URL", &url)]).ok();
    p.entmig_with(&["run", "--dry-run"], &[("DATABASE_URL", &url)])
        .ok()
        .stdout_has(&["CREATE TABLE \"users\""]);
    p.entmig_with(&["revert"], &[("DATABASE_URL", &url)])
        .ok()
        .stderr_has(&["nothing to revert"]);
    assert_eq!(Sqlite::open(&other).tables(), ["notes"]);

    // run --backup copies the database aside before it changes; a new one has nothing to copy.
    let out = p.entmig(&["run", "--backup"]).ok();
    assert!(!out.stderr.contains("Backed up"), "{}", out.stderr);
    Sqlite::open(&p.db_path()).execute("INSERT INTO users (email) VALUES ('a@example.com')");
    p.entities(&ONE_USER.replace(
        "pub email: String,",
        "pub email: String,\n    pub name: Option<String>,",
    ));
    p.entmig(&["make", "add_name", "--no-input"]).ok();
    let out = p.entmig(&["run", "--backup"]).ok();
    out.stderr_has(&["Backed up default to"]);
    let backups: Vec<_> = std::fs::read_dir(p.root())
        .expect("ls")
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|path| path.extension().is_some_and(|x| x == "bak"))
        .collect();
    let [backup] = <[_; 1]>::try_from(backups).expect("one backup");
    assert!(
        backup
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with("backup.db.")),
        "{}",
        backup.display()
    );
    let copy = Sqlite::open(&backup);
    assert_eq!(
        copy.columns("users"),
        ["id INTEGER NOT NULL PK", "email TEXT NOT NULL"],
        "the copy is from before the run"
    );
    assert_eq!(copy.rows("SELECT email FROM users"), ["a@example.com"]);
    assert_eq!(Sqlite::open(&p.db_path()).columns("users").len(), 3);

    // Nothing pending: nothing to back up. Two backups in one second: both kept.
    let backups = || {
        std::fs::read_dir(p.root())
            .expect("ls")
            .filter_map(|e| e.ok())
            .filter(|e| e.path().extension().is_some_and(|x| x == "bak"))
            .count()
    };
    let out = p.entmig(&["run", "--backup"]).ok();
    assert!(!out.stderr.contains("Backed up"), "{}", out.stderr);
    for _ in 0..2 {
        p.entmig(&["revert"]).ok();
        p.entmig(&["run", "--backup"])
            .ok()
            .stderr_has(&["Backed up default to"]);
    }
    assert_eq!(backups(), 3);
}
