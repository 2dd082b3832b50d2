//! End to end on PostgreSQL: the real `cargo entmig` binary on temporary crates, with the
//! database named by `DATABASE_URL` or by `--target`s, and the server's catalogs checked after
//! every step. The same migrations as on SQLite (tests/cli.rs); here what PostgreSQL adds:
//! its own SQL, several targets at once, the advisory lock, and passwords that never appear in
//! any output.
//!
//! Each test gets a fresh database on the server of `ENTMIG_TEST_POSTGRES_URL`, and is skipped
//! (with a notice) without one, except in CI.

use entmig_runtime::{Database, Schema, Value, diff, snapshot};
use entmig_tests::db::{TestDb, postgres_url};
use entmig_tests::project::{ONE_USER, Output, Project, STORY_V1, STORY_V2, Sqlite, id};

const STORY_V1_USERS: [&str; 3] = [
    "id bigint NOT NULL IDENTITY",
    "handle text NOT NULL",
    "bio text NOT NULL",
];
const STORY_POSTS: [&str; 3] = [
    "id bigint NOT NULL IDENTITY",
    "author_id bigint NOT NULL",
    "title text NOT NULL",
];

/// A PostgreSQL database opened directly, to see what the commands did. Reads the server's
/// catalogs, not entmig's introspection, so the two check each other.
struct Pg(Database);

impl Pg {
    fn open(url: &str) -> Pg {
        Pg(Database::connect(url).unwrap_or_else(|e| panic!("open {url}: {e}")))
    }

    /// Runs statements.
    fn execute(&mut self, sql: &str) {
        self.0
            .execute(sql, &[])
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }

    /// Runs a statement; the error, if any.
    fn try_execute(&mut self, sql: &str) -> Result<u64, String> {
        self.0.execute(sql, &[]).map_err(|e| e.to_string())
    }

    /// The rows of a query, each value as text (`NULL` for null), columns joined with `|`.
    ///
    /// The connection keeps each query prepared, and PostgreSQL refuses a prepared `SELECT *`
    /// whose columns changed since ("cached plan must not change result type"): name the
    /// columns of a table that a command changes.
    fn rows(&mut self, sql: &str) -> Vec<String> {
        self.0
            .query(sql, &[])
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
            .into_iter()
            .map(|row| {
                row.iter()
                    .map(|value| match value {
                        Value::Null => "NULL".to_owned(),
                        Value::Integer(i) => i.to_string(),
                        Value::Real(f) => f.to_string(),
                        Value::Text(t) => t.clone(),
                        Value::Blob(b) => format!("{b:?}"),
                    })
                    .collect::<Vec<_>>()
                    .join("|")
            })
            .collect()
    }

    /// The tables of the `public` schema, sorted.
    fn tables(&mut self) -> Vec<String> {
        self.rows(
            "SELECT tablename::text FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename",
        )
    }

    /// The columns of a table, in order, each as `name type [NOT NULL] [DEFAULT x] [IDENTITY]`.
    fn columns(&mut self, table: &str) -> Vec<String> {
        self.rows(&format!(
            "SELECT a.attname::text || ' ' || format_type(a.atttypid, a.atttypmod) \
             || CASE WHEN a.attnotnull THEN ' NOT NULL' ELSE '' END \
             || COALESCE(' DEFAULT ' || pg_get_expr(d.adbin, d.adrelid), '') \
             || CASE WHEN a.attidentity <> '' THEN ' IDENTITY' ELSE '' END \
             FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum \
             WHERE a.attrelid = 'public.{table}'::regclass AND a.attnum > 0 AND NOT a.attisdropped \
             ORDER BY a.attnum"
        ))
    }

    /// The primary key's columns.
    fn primary_key(&mut self, table: &str) -> Vec<String> {
        self.rows(&format!(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint \
             WHERE conrelid = 'public.{table}'::regclass AND contype = 'p'"
        ))
    }

    /// The indexes of a table but its primary key's, each as `[UNIQUE ]name(col, ..)`, sorted.
    fn indexes(&mut self, table: &str) -> Vec<String> {
        self.rows(&format!(
            "SELECT CASE WHEN i.indisunique THEN 'UNIQUE ' ELSE '' END || c.relname::text || '(' \
             || (SELECT string_agg(a.attname::text, ', ' ORDER BY k.n) \
                 FROM unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, n) \
                 JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum) || ')' \
             FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid \
             WHERE i.indrelid = 'public.{table}'::regclass AND NOT i.indisprimary \
             ORDER BY c.relname"
        ))
    }

    /// The foreign keys of a table, each as `name: FOREIGN KEY (..) REFERENCES ..`, sorted.
    fn foreign_keys(&mut self, table: &str) -> Vec<String> {
        self.rows(&format!(
            "SELECT conname::text || ': ' || pg_get_constraintdef(oid) FROM pg_constraint \
             WHERE conrelid = 'public.{table}'::regclass AND contype = 'f' ORDER BY conname"
        ))
    }

    /// The ids recorded in `entmig_migrations`, oldest first.
    fn applied(&mut self) -> Vec<String> {
        self.rows("SELECT id FROM entmig_migrations ORDER BY id")
    }

    /// entmig's own view of the database.
    fn introspect(&mut self) -> Schema {
        self.0.introspect().expect("introspect")
    }
}

/// Asserts that the live database is the schema that the project's snapshot (the newest
/// migration's) describes: what `run` applied is what `make` recorded.
#[track_caller]
fn assert_matches_snapshot(db: &mut Pg, snapshot_text: &str) {
    let recorded = snapshot::from_str(snapshot_text).expect("a valid snapshot");
    let live = db.introspect();
    let ops = diff(&live, &recorded).ops;
    assert!(
        ops.is_empty(),
        "the database differs from the snapshot by:\n{}",
        ops.iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert_eq!(live, recorded);
}

/// Asserts that no output of a command shows `secret`.
#[track_caller]
fn hides(output: Output, secret: &str) -> Output {
    assert!(
        !output.stdout.contains(secret) && !output.stderr.contains(secret),
        "the password appears in the output of `{}`:\n--- stdout\n{}--- stderr\n{}",
        output.command,
        output.stdout,
        output.stderr
    );
    output
}

#[test]
fn the_main_story_on_postgres() {
    let Some(server) = TestDb::postgres() else {
        return;
    };
    let mut p = Project::new("pg_story", STORY_V1);
    p.set_env("DATABASE_URL", server.url());
    let mut db = Pg::open(server.url());

    // make: the first migration; no database is touched.
    p.entmig(&["make", "init", "--no-input"])
        .ok()
        .stdout_has(&["create table users", "create table posts"]);
    let [init] = <[String; 1]>::try_from(p.migrations()).expect("one migration");
    assert!(db.tables().is_empty(), "make needs no database");
    let snapshot_v1 = p.read("src/migrations/snapshot.json");

    // run
    p.entmig(&["run"])
        .ok()
        .stderr_has(&["Applied 1 migration(s) to DATABASE_URL"]);
    assert!(
        !p.db_path().exists(),
        "DATABASE_URL replaces the SQLite file"
    );
    assert_eq!(db.tables(), ["entmig_migrations", "posts", "users"]);
    assert_eq!(db.columns("users"), STORY_V1_USERS);
    assert_eq!(db.columns("posts"), STORY_POSTS);
    assert_eq!(db.primary_key("users"), ["PRIMARY KEY (id)"]);
    assert!(db.indexes("users").is_empty() && db.indexes("posts").is_empty());
    assert!(db.foreign_keys("posts").is_empty());
    assert_eq!(db.applied(), [id(&init)]);
    assert_matches_snapshot(&mut db, &snapshot_v1);

    // Rows, as the application would have written them: the ids come from the identity.
    db.execute(
        "INSERT INTO users (handle, bio) VALUES ('ann', 'likes tea'), ('bob', 'likes coffee')",
    );
    db.execute("INSERT INTO posts (author_id, title) VALUES (1, 'hello'), (2, 'world')");

    // The change. The NOT NULL column without a default is filled for the rows already there.
    // PostgreSQL checks a varchar too.
    p.entities(&STORY_V2.replace(
        "#[entmig(renamed_from = \"handle\", unique)]",
        "#[entmig(renamed_from = \"handle\", unique, max_length = 40)]",
    ));
    p.entmig(&["make", "grow", "--no-input", "--fill", "users.country=NL"])
        .ok()
        .stdout_has(&[
            "rename column users.handle to username",
            "add column users.karma",
            "add column users.country",
            "add column users.nickname",
            "drop column users.bio",
            "(destructive",
            "add unique index uq_users_username on users (username)",
            "add index idx_posts_author_id on posts (author_id)",
            "add foreign key",
        ]);
    let [_, grow] = <[String; 2]>::try_from(p.migrations()).expect("two migrations");
    assert_eq!(db.applied(), [id(&init)], "make touches no database");

    p.entmig(&["run"]).ok().stderr_has(&[
        &format!("Applying {}", id(&grow)),
        "Applied 1 migration(s) to DATABASE_URL",
    ]);
    assert_eq!(db.tables(), ["entmig_migrations", "posts", "users"]);
    assert_eq!(
        db.columns("users"),
        [
            "id bigint NOT NULL IDENTITY",
            "username character varying(40) NOT NULL",
            "karma bigint NOT NULL DEFAULT 0",
            "country text NOT NULL",
            "nickname text",
        ]
    );
    assert_eq!(db.columns("posts"), STORY_POSTS);
    assert_eq!(db.indexes("users"), ["UNIQUE uq_users_username(username)"]);
    assert_eq!(db.indexes("posts"), ["idx_posts_author_id(author_id)"]);
    let [fk] = <[String; 1]>::try_from(db.foreign_keys("posts")).expect("one foreign key");
    assert!(
        fk.ends_with(": FOREIGN KEY (author_id) REFERENCES users(id) ON DELETE CASCADE"),
        "{fk}"
    );
    assert_eq!(
        db.rows("SELECT id, username, karma, country, nickname FROM users ORDER BY id"),
        ["1|ann|0|NL|NULL", "2|bob|0|NL|NULL"],
        "the renamed column kept its values; the new ones have their default and fill"
    );
    assert_eq!(
        db.rows("SELECT * FROM posts ORDER BY id"),
        ["1|1|hello", "2|2|world"]
    );
    assert_eq!(db.applied(), [id(&init), id(&grow)]);
    let snapshot_v2 = p.read("src/migrations/snapshot.json");
    assert_matches_snapshot(&mut db, &snapshot_v2);
    // The identity goes on after the rows there, and the constraints hold.
    db.execute("INSERT INTO users (username, country) VALUES ('cy', 'BE')");
    assert_eq!(db.rows("SELECT id FROM users WHERE username = 'cy'"), ["3"]);
    db.execute("DELETE FROM users WHERE username = 'cy'");
    let duplicate = db.try_execute("INSERT INTO users (username, country) VALUES ('ann', 'BE')");
    assert!(
        duplicate
            .as_ref()
            .is_err_and(|e| e.contains("duplicate key") && e.contains("uq_users_username")),
        "{duplicate:?}"
    );
    let orphan = db.try_execute("INSERT INTO posts (author_id, title) VALUES (99, 'x')");
    assert!(
        orphan.as_ref().is_err_and(|e| e.contains("foreign key")),
        "{orphan:?}"
    );

    // Nothing left to do, and the entities still match.
    p.entmig(&["run"]).ok().stderr_has(&["nothing to apply"]);
    p.entmig(&["make", "--check"]).ok();

    // revert: the earlier schema, the rows still there (the dropped column comes back empty).
    p.entmig(&["revert"]).ok().stderr_has(&[
        &format!("Reverting {}", id(&grow)),
        "Reverted 1 migration(s) on DATABASE_URL",
    ]);
    assert_eq!(db.tables(), ["entmig_migrations", "posts", "users"]);
    assert_eq!(db.columns("users"), STORY_V1_USERS);
    assert_eq!(db.columns("posts"), STORY_POSTS);
    assert!(db.indexes("users").is_empty() && db.indexes("posts").is_empty());
    assert!(db.foreign_keys("posts").is_empty());
    assert_eq!(
        db.rows("SELECT id, handle, bio FROM users ORDER BY id"),
        ["1|ann|", "2|bob|"]
    );
    assert_eq!(
        db.rows("SELECT * FROM posts ORDER BY id"),
        ["1|1|hello", "2|2|world"]
    );
    assert_eq!(db.applied(), [id(&init)]);
    assert_matches_snapshot(&mut db, &snapshot_v1);

    // revert again: nothing but the tracking table.
    p.entmig(&["revert"])
        .ok()
        .stderr_has(&[&format!("Reverting {}", id(&init))]);
    assert_eq!(db.tables(), ["entmig_migrations"]);
    assert!(db.applied().is_empty());

    // status: both pending.
    let status = p.entmig(&["status"]).ok();
    status.stdout_has(&[
        "DATABASE_URL (postgres://",
        &format!("pending  {}", id(&init)),
        &format!("pending  {}", id(&grow)),
    ]);
    assert!(!status.stdout.contains("applied"), "{}", status.stdout);

    // The migrations still describe the entities.
    p.entmig(&["make", "--check"])
        .ok()
        .stderr_has(&["the entities match the migrations"]);
}

/// The password of the role that the targets test connects as.
const PASSWORD: &str = "s3cret-pw";

/// `url` (the test server's) as the role `entmig_pw` with a password, created if needed. The
/// server trusts loopback connections, so the password is not checked; it is there to be
/// hidden.
fn with_password(url: &str) -> String {
    let admin = postgres_url().expect("the server's URL");
    let mut db = Database::connect(&admin).expect("connect to the test server");
    // Tests run in parallel, and so may the test programs: either may create the role first.
    db.execute(
        &format!(
            "DO $$ BEGIN \
               IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'entmig_pw') THEN \
                 CREATE ROLE entmig_pw LOGIN PASSWORD '{PASSWORD}' SUPERUSER; \
               END IF; \
             EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; \
             END $$"
        ),
        &[],
    )
    .expect("create the role entmig_pw");
    let (_, server_and_database) = url
        .split_once('@')
        .expect("the test server's URL names a user");
    format!("postgres://entmig_pw:{PASSWORD}@{server_and_database}")
}

#[test]
fn several_targets_sqlite_and_postgres_and_no_password_shown() {
    let Some(server) = TestDb::postgres() else {
        return;
    };
    let main_url = with_password(server.url());
    let shown = main_url.replace(PASSWORD, "***");
    let mut p = Project::new("pg_targets", ONE_USER);
    let manifest = p.read("Cargo.toml");
    p.write(
        "Cargo.toml",
        &format!(
            "{manifest}\n[package.metadata.entmig.targets]\nlocal = \"sqlite://local.db\"\nmain = \"${{MAIN_DATABASE_URL}}\"\n"
        ),
    );
    p.set_env("MAIN_DATABASE_URL", &main_url);
    let mut main = Pg::open(&main_url);

    hides(p.entmig(&["make", "init", "--no-input"]).ok(), PASSWORD);
    let [init] = <[String; 1]>::try_from(p.migrations()).expect("one migration");

    // One run, both databases, each reported.
    let out = hides(
        p.entmig(&["run", "--target", "local", "--target", "main"])
            .ok(),
        PASSWORD,
    );
    out.stderr_has(&[
        &format!("Target local (sqlite://{})", p.path("local.db").display()),
        &format!("Target main ({shown})"),
        "Applied 1 migration(s) to local",
        "Applied 1 migration(s) to main",
    ]);
    let local = Sqlite::open(&p.path("local.db"));
    assert_eq!(local.tables(), ["entmig_migrations", "users"]);
    assert_eq!(local.applied(), [id(&init)]);
    assert_eq!(main.tables(), ["entmig_migrations", "users"]);
    assert_eq!(main.applied(), [id(&init)]);
    assert_eq!(
        main.columns("users"),
        ["id bigint NOT NULL IDENTITY", "email text NOT NULL"]
    );

    // status shows both.
    let status = hides(
        p.entmig(&["status", "--target", "local", "--target", "main"])
            .ok(),
        PASSWORD,
    );
    status.stdout_has(&[
        &format!("local (sqlite://{})", p.path("local.db").display()),
        &format!("main ({shown})"),
    ]);
    assert_eq!(
        status
            .stdout
            .matches(&format!("applied  {}", id(&init)))
            .count(),
        2,
        "{}",
        status.stdout
    );

    // Each target on its own: reverted on main only, then brought level by one run.
    hides(p.entmig(&["revert", "--target", "main"]).ok(), PASSWORD)
        .stderr_has(&["Reverted 1 migration(s) on main"]);
    assert_eq!(main.tables(), ["entmig_migrations"]);
    assert_eq!(local.applied(), [id(&init)]);
    let status = hides(
        p.entmig(&["status", "--target", "local", "--target", "main"])
            .ok(),
        PASSWORD,
    );
    let (local_part, main_part) = status
        .stdout
        .split_once(&format!("main ({shown})"))
        .expect("main's section");
    assert!(
        local_part.contains(&format!("applied  {}", id(&init))),
        "{}",
        status.stdout
    );
    assert!(
        main_part.contains(&format!("pending  {}", id(&init))),
        "{}",
        status.stdout
    );
    hides(
        p.entmig(&["run", "--target", "local", "--target", "main"])
            .ok(),
        PASSWORD,
    )
    .stderr_has(&[
        "local: up to date, nothing to apply",
        "Applied 1 migration(s) to main",
    ]);
    assert_eq!(main.applied(), [id(&init)]);

    // A target that fails does not stop the others: main is unreachable and named; local,
    // after it, is migrated all the same.
    hides(p.entmig(&["revert", "--target", "local"]).ok(), PASSWORD);
    assert!(local.applied().is_empty());
    let unreachable = format!("postgres://entmig_pw:{PASSWORD}@127.0.0.1:1/nowhere");
    let failed = hides(
        p.entmig_with(
            &["run", "--target", "main", "--target", "local"],
            &[("MAIN_DATABASE_URL", &unreachable)],
        )
        .fails(),
        PASSWORD,
    );
    failed.stderr_has(&[
        "error: target main: could not open the database postgres://entmig_pw:***@127.0.0.1:1/nowhere",
        "Applied 1 migration(s) to local",
    ]);
    assert_eq!(
        failed.stderr.lines().last(),
        Some("error: 1 of 2 targets failed: main"),
        "{}",
        failed.stderr
    );
    assert_eq!(local.applied(), [id(&init)]);

    // The same through -v with one target, and through DATABASE_URL: no password either.
    hides(
        p.entmig_with(&["status", "-v"], &[("DATABASE_URL", &main_url)])
            .ok(),
        PASSWORD,
    )
    .stdout_has(&[&format!("DATABASE_URL ({shown})")]);
    hides(
        p.entmig_with(&["run", "-v"], &[("DATABASE_URL", &unreachable)])
            .fails(),
        PASSWORD,
    )
    .stderr_has(&["postgres://entmig_pw:***@127.0.0.1:1/nowhere"]);

    // --connect-timeout: a server that is not there is tried again until the time is up.
    let start = std::time::Instant::now();
    hides(
        p.entmig_with(
            &["run", "--connect-timeout", "1"],
            &[("DATABASE_URL", &unreachable)],
        )
        .fails(),
        PASSWORD,
    )
    .stderr_has(&["still not there after waiting 1."]);
    assert!(start.elapsed() >= std::time::Duration::from_secs(1));
}

#[test]
fn dry_run_prints_postgres_sql_then_concurrent_runs_take_turns() {
    let Some(server) = TestDb::postgres() else {
        return;
    };
    let mut p = Project::new("pg_dry", ONE_USER);
    p.set_env("DATABASE_URL", server.url());
    let mut db = Pg::open(server.url());
    p.entmig(&["make", "init", "--no-input"]).ok();
    let [init] = <[String; 1]>::try_from(p.migrations()).expect("one migration");

    // Before anything ran: the whole migration, in PostgreSQL's SQL; nothing created, not even
    // the tracking table.
    let dry = p.entmig(&["run", "--dry-run"]).ok();
    dry.stdout_has(&[
        &format!("-- {} on DATABASE_URL", id(&init)),
        "CREATE TABLE \"users\"",
        "GENERATED BY DEFAULT AS IDENTITY",
    ]);
    assert!(!dry.stdout.contains("AUTOINCREMENT"), "{}", dry.stdout);
    assert!(
        db.tables().is_empty(),
        "a dry run created {:?}",
        db.tables()
    );

    // describe renders for the backend asked, without a database.
    let described = p.entmig(&["describe", "--backend", "postgres"]).ok();
    described.stdout_has(&[
        id(&init),
        "1. create table users",
        "SQL (postgres):",
        "CREATE TABLE \"users\"",
        "GENERATED BY DEFAULT AS IDENTITY",
    ]);
    let sqlite = p.entmig(&["describe"]).ok();
    sqlite.stdout_has(&["SQL (sqlite):", "AUTOINCREMENT"]);
    assert!(
        !sqlite.stdout.contains("GENERATED BY DEFAULT"),
        "{}",
        sqlite.stdout
    );

    // After a run and a change: only what is pending, rendered against the live schema.
    p.entmig(&["run"]).ok();
    p.entities(&ONE_USER.replace(
        "pub email: String,",
        "pub email: String,\n    #[entmig(unique, max_length = 255)]\n    pub login: Option<String>,",
    ));
    p.entmig(&["make", "add_login", "--no-input"]).ok();
    let [_, add_login] = <[String; 2]>::try_from(p.migrations()).expect("two migrations");
    let dry = p.entmig(&["run", "--dry-run"]).ok();
    dry.stdout_has(&[
        &format!("-- {} on DATABASE_URL", id(&add_login)),
        "ALTER TABLE \"users\" ADD COLUMN \"login\" varchar(255)",
        "CREATE UNIQUE INDEX \"uq_users_login\" ON \"users\" (\"login\")",
    ]);
    assert!(
        !dry.stdout.contains(id(&init)) && !dry.stdout.contains("CREATE TABLE"),
        "only the pending migration:\n{}",
        dry.stdout
    );
    assert_eq!(
        db.columns("users"),
        ["id bigint NOT NULL IDENTITY", "email text NOT NULL"]
    );
    assert!(db.indexes("users").is_empty());
    assert_eq!(db.applied(), [id(&init)]);

    // Three deploys at once: the advisory lock lets one apply; the others, once they hold it,
    // read the applied list again and find nothing to do.
    let runs: Vec<Output> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..3).map(|_| scope.spawn(|| p.entmig(&["run"]))).collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a run").ok())
            .collect()
    });
    let applied = runs
        .iter()
        .filter(|out| {
            out.stderr
                .contains("Applied 1 migration(s) to DATABASE_URL")
        })
        .count();
    let fresh = runs
        .iter()
        .filter(|out| out.stderr.contains("up to date, nothing to apply"))
        .count();
    assert_eq!((applied, fresh), (1, 2), "{runs:#?}");
    assert_eq!(db.applied(), [id(&init), id(&add_login)]);
    assert_eq!(db.indexes("users"), ["UNIQUE uq_users_login(login)"]);
    p.entmig(&["run", "--dry-run"])
        .ok()
        .stdout_has(&["-- DATABASE_URL: up to date"]);
}

/// What the rows get on PostgreSQL: a text fill stays text, and a column made NOT NULL has its
/// NULLs filled before `SET NOT NULL`, in the migration's transaction.
#[test]
fn fills_and_nulls_made_not_null_on_postgres() {
    let Some(server) = TestDb::postgres() else {
        return;
    };
    let nick = |ty: &str| {
        ONE_USER.replace(
            "pub email: String,",
            &format!("pub email: String,\n    pub nick: {ty},"),
        )
    };
    let mut p = Project::new("pg_fills", &nick("Option<String>"));
    p.set_env("DATABASE_URL", server.url());
    let mut db = Pg::open(server.url());
    p.entmig(&["make", "init", "--no-input"]).ok();
    p.entmig(&["run"]).ok();
    db.execute("INSERT INTO users (email, nick) VALUES ('ann@example.com', NULL), ('bob@example.com', 'bee')");

    p.entities(&nick("String").replace(
        "pub nick: String,",
        "pub nick: String,\n    pub zip: String,",
    ));
    p.entmig(&[
        "make",
        "grow",
        "--no-input",
        "--fill",
        "users.zip=01234",
        "--fill",
        "users.nick=@zip",
    ])
    .ok();
    p.entmig(&["run"]).ok();
    assert_eq!(
        db.columns("users"),
        [
            "id bigint NOT NULL IDENTITY",
            "email text NOT NULL",
            "nick text NOT NULL",
            "zip text NOT NULL",
        ]
    );
    assert_eq!(
        db.rows("SELECT email, nick, zip FROM users ORDER BY id"),
        ["ann@example.com|01234|01234", "bob@example.com|bee|01234"]
    );
    p.entmig(&["revert"]).ok();
    assert_eq!(
        db.columns("users"),
        [
            "id bigint NOT NULL IDENTITY",
            "email text NOT NULL",
            "nick text",
        ]
    );
    assert_eq!(
        db.rows("SELECT nick FROM users ORDER BY id"),
        ["01234", "bee"]
    );
}

/// A PostgreSQL-only service leaves the bundled SQLite out (`default-features = false`); the
/// runner follows the package's features, so it builds and migrates without SQLite, and a
/// SQLite URL is refused with the feature to turn on.
#[test]
fn a_postgres_only_package_migrates_without_sqlite() {
    let Some(server) = TestDb::postgres() else {
        return;
    };
    let mut p = Project::new("pg_only", ONE_USER);
    let manifest = p.read("Cargo.toml");
    let runtime = manifest
        .lines()
        .find(|line| line.starts_with("entmig-runtime = "))
        .expect("the entmig-runtime line")
        .to_owned();
    let postgres_only = runtime.replacen(
        " }",
        ", default-features = false, features = [\"postgres\"] }",
        1,
    );
    p.write("Cargo.toml", &manifest.replace(&runtime, &postgres_only));
    p.set_env("DATABASE_URL", server.url());
    p.entmig(&["make", "init", "--no-input"]).ok();
    let [init] = <[String; 1]>::try_from(p.migrations()).expect("one migration");
    p.entmig(&["run"])
        .ok()
        .stderr_has(&["Applied 1 migration(s) to DATABASE_URL"]);
    assert_eq!(Pg::open(server.url()).applied(), [id(&init)]);
    p.entmig_with(&["status"], &[("DATABASE_URL", "sqlite://app.db")])
        .fails()
        .stderr_has(&["built without its `sqlite` feature"]);
}
