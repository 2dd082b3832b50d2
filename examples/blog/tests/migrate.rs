//! The migrate command the blog ships (`blog migrate ...`), run as a container would run it:
//! the real binary, a real database (a SQLite file; PostgreSQL too when
//! `ENTMIG_TEST_POSTGRES_URL` names a server), every step checked against the database.

use std::process::Command;
use std::time::{Duration, Instant};

use entmig_runtime::{Database, Value};

/// What one run of `blog migrate ...` did.
struct Outcome {
    code: i32,
    stdout: String,
    stderr: String,
}

fn migrate(url: Option<&str>, args: &[&str]) -> Outcome {
    let mut command = Command::new(env!("CARGO_BIN_EXE_blog"));
    command.arg("migrate").args(args).env_remove("DATABASE_URL");
    if let Some(url) = url {
        command.env("DATABASE_URL", url);
    }
    let output = command.output().expect("run the blog binary");
    let outcome = Outcome {
        code: output.status.code().expect("an exit code, not a signal"),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    };
    assert!(
        !outcome.stderr.contains("panicked"),
        "{args:?}: {}",
        outcome.stderr
    );
    outcome
}

fn applied_ids(url: &str) -> Vec<String> {
    let mut db = Database::connect(url).unwrap();
    db.query("SELECT id FROM entmig_migrations ORDER BY id", &[])
        .unwrap()
        .into_iter()
        .map(|row| match &row[0] {
            Value::Text(id) => id.clone(),
            other => panic!("id {other:?}"),
        })
        .collect()
}

const FIRST: &str = "20261122_005508_create_users_and_posts";
const SECOND: &str = "20261122_005509_add_comments_and_tags";
const THIRD: &str = "20261122_005511_rename_handle_add_bio_and_views";

/// up, status, down, status, down --to, up again: each checked in the database.
fn up_status_down_status(url: &str) {
    let fresh = migrate(Some(url), &["status"]);
    assert_eq!(fresh.code, 0, "{}", fresh.stderr);
    assert_eq!(
        fresh.stdout.matches("pending").count(),
        3,
        "{}",
        fresh.stdout
    );

    let up = migrate(Some(url), &["up"]);
    assert_eq!(up.code, 0, "{}", up.stderr);
    assert!(
        up.stderr.contains(&format!("Applying {FIRST}")),
        "{}",
        up.stderr
    );
    assert!(
        up.stderr.contains("Applied 3 migration(s)"),
        "{}",
        up.stderr
    );
    assert_eq!(applied_ids(url), [FIRST, SECOND, THIRD]);
    let schema = Database::connect(url).unwrap().introspect().unwrap();
    assert!(schema.table("users").unwrap().column("bio").is_some());

    let status = migrate(Some(url), &["status"]);
    assert_eq!(status.code, 0, "{}", status.stderr);
    for id in [FIRST, SECOND, THIRD] {
        assert!(
            status
                .stdout
                .lines()
                .any(|line| line.contains("applied") && line.contains(id)),
            "{}",
            status.stdout
        );
    }

    let preview = migrate(Some(url), &["down", "--dry-run"]);
    assert_eq!(preview.code, 0, "{}", preview.stderr);
    assert!(
        preview
            .stdout
            .contains(&format!("-- revert {THIRD} (drops data)")),
        "{}",
        preview.stdout
    );
    assert_eq!(applied_ids(url).len(), 3, "a dry run changes nothing");

    let down = migrate(Some(url), &["down"]);
    assert_eq!(down.code, 0, "{}", down.stderr);
    assert!(
        down.stderr.contains(&format!("Reverting {THIRD}")),
        "{}",
        down.stderr
    );
    assert_eq!(applied_ids(url), [FIRST, SECOND]);
    let schema = Database::connect(url).unwrap().introspect().unwrap();
    assert!(schema.table("users").unwrap().column("bio").is_none());
    assert!(schema.table("users").unwrap().column("handle").is_some());

    let status = migrate(Some(url), &["status"]);
    assert_eq!(status.code, 0, "pending is fine: {}", status.stderr);
    assert!(
        status
            .stdout
            .lines()
            .any(|line| line.contains("pending") && line.contains(THIRD)),
        "{}",
        status.stdout
    );

    let to_first = migrate(Some(url), &["down", "--to", "create_users"]);
    assert_eq!(to_first.code, 0, "{}", to_first.stderr);
    assert_eq!(applied_ids(url), [FIRST]);

    let again = migrate(Some(url), &["up", "--database-url", url]);
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert_eq!(applied_ids(url), [FIRST, SECOND, THIRD]);
}

#[test]
fn up_status_down_status_on_a_sqlite_file() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("blog.db").display());
    let status = migrate(Some(&url), &["status"]);
    assert_eq!(status.code, 0, "{}", status.stderr);
    assert!(
        !dir.path().join("blog.db").exists(),
        "status creates no database"
    );
    up_status_down_status(&url);
}

#[test]
fn up_status_down_status_on_postgres() {
    let Ok(admin) = std::env::var("ENTMIG_TEST_POSTGRES_URL") else {
        assert!(
            std::env::var("CI").is_err(),
            "ENTMIG_TEST_POSTGRES_URL is not set in CI"
        );
        eprintln!("skipped: ENTMIG_TEST_POSTGRES_URL is not set");
        return;
    };
    let name = format!("entmig_blog_migrate_{}", std::process::id());
    in_a_fresh_database(&admin, &admin, &name, up_status_down_status);
}

/// Runs `test` on a fresh database `name`, created through `admin` and reached through the
/// server of `through` (the same server, or a pooler in front of it), dropped afterwards,
/// also when `test` panics.
fn in_a_fresh_database(
    admin: &str,
    through: &str,
    name: &str,
    test: impl Fn(&str) + std::panic::RefUnwindSafe,
) {
    let mut server = Database::connect(admin).unwrap();
    server
        .execute(&format!("CREATE DATABASE \"{name}\""), &[])
        .unwrap();
    let (base, _) = through.rsplit_once('/').unwrap();
    let url = format!("{base}/{name}");
    let result = std::panic::catch_unwind(|| test(&url));
    server
        .execute(&format!("DROP DATABASE \"{name}\" WITH (FORCE)"), &[])
        .unwrap();
    if let Err(panic) = result {
        std::panic::resume_unwind(panic);
    }
}

/// The same through PgBouncer in transaction mode (`scripts/test` starts it with
/// `server_round_robin`), its pool warmed to four server connections first, so that the
/// command's consecutive transactions go to different ones.
#[test]
fn up_status_down_status_through_pgbouncer() {
    let (Ok(admin), Ok(bouncer)) = (
        std::env::var("ENTMIG_TEST_POSTGRES_URL"),
        std::env::var("ENTMIG_TEST_PGBOUNCER_URL"),
    ) else {
        assert!(
            std::env::var("CI").is_err(),
            "ENTMIG_TEST_POSTGRES_URL or ENTMIG_TEST_PGBOUNCER_URL is not set in CI"
        );
        eprintln!("skipped: ENTMIG_TEST_PGBOUNCER_URL is not set");
        return;
    };
    let name = format!("entmig_blog_pgbouncer_{}", std::process::id());
    in_a_fresh_database(&admin, &bouncer, &name, |url| {
        let warm: Vec<_> = (0..4)
            .map(|_| {
                let url = url.to_owned();
                std::thread::spawn(move || {
                    let mut db = Database::connect(&url).unwrap();
                    db.execute("SELECT pg_sleep(0.3)", &[]).unwrap();
                })
            })
            .collect();
        for thread in warm {
            thread.join().unwrap();
        }
        up_status_down_status(url);
    });
}

#[test]
fn a_dirty_migration_fails_status_until_it_is_resolved() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("blog.db").display());
    assert_eq!(migrate(Some(&url), &["up"]).code, 0);
    Database::connect(&url)
        .unwrap()
        .execute(
            "UPDATE entmig_migrations SET status = 'started' WHERE id = ?",
            &[Value::from(THIRD)],
        )
        .unwrap();
    let status = migrate(Some(&url), &["status"]);
    assert_eq!(status.code, 1, "{}", status.stdout);
    assert!(
        status.stderr.contains(&format!("{THIRD} is dirty")),
        "{}",
        status.stderr
    );
    assert!(
        status.stderr.contains("then `migrate resolve` it") && !status.stderr.contains("cargo"),
        "the fix names this command: {}",
        status.stderr
    );
    let up = migrate(Some(&url), &["up"]);
    assert_eq!(up.code, 1);
    assert!(up.stderr.starts_with("error: migration "), "{}", up.stderr);
    assert!(
        up.stderr.contains("`migrate resolve ") && !up.stderr.contains("cargo"),
        "{}",
        up.stderr
    );

    let resolved = migrate(Some(&url), &["resolve", "rename_handle", "--applied"]);
    assert_eq!(resolved.code, 0, "{}", resolved.stderr);
    assert!(
        resolved
            .stderr
            .contains(&format!("Resolved {THIRD} as applied")),
        "{}",
        resolved.stderr
    );
    assert_eq!(migrate(Some(&url), &["status"]).code, 0);
}

#[test]
fn bad_input_is_one_line_and_an_exit_code() {
    let unknown = migrate(Some("sqlite::memory:"), &["sideways"]);
    assert_eq!(unknown.code, 2, "{}", unknown.stderr);
    assert!(
        unknown
            .stderr
            .contains("unrecognized subcommand 'sideways'"),
        "{}",
        unknown.stderr
    );

    let bad_url = migrate(Some("mysql://root:hunter2@localhost/blog"), &["status"]);
    assert_eq!(bad_url.code, 1);
    assert_eq!(bad_url.stderr.lines().count(), 1, "{}", bad_url.stderr);
    assert!(
        bad_url.stderr.starts_with("error: invalid database URL"),
        "{}",
        bad_url.stderr
    );
    assert!(!bad_url.stderr.contains("hunter2"), "{}", bad_url.stderr);

    let none = migrate(None, &["up"]);
    assert_eq!(none.code, 1);
    assert!(
        none.stderr
            .contains("pass --database-url URL or set DATABASE_URL"),
        "{}",
        none.stderr
    );

    let unknown_id = migrate(Some("sqlite::memory:"), &["down", "--to", "nope"]);
    assert_eq!(unknown_id.code, 1);
    assert!(
        unknown_id.stderr.contains("no migration matches `nope`"),
        "{}",
        unknown_id.stderr
    );
}

/// A port on loopback where nothing listens (bound once, then released).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[test]
fn a_server_that_is_not_there_is_retried_until_the_connect_timeout() {
    let url = format!("postgres://app:s3cret@127.0.0.1:{}/blog", free_port());
    let start = Instant::now();
    let status = migrate(Some(&url), &["status", "--connect-timeout", "2"]);
    let waited = start.elapsed();
    assert_eq!(status.code, 1);
    assert!(waited >= Duration::from_secs(2), "{waited:?}");
    assert_eq!(status.stderr.lines().count(), 1, "{}", status.stderr);
    assert!(
        status.stderr.contains("Connection refused")
            && status.stderr.contains("still not there after waiting 2."),
        "{}",
        status.stderr
    );
    assert!(!status.stderr.contains("s3cret"), "{}", status.stderr);

    // Without a timeout: one try.
    let start = Instant::now();
    let once = migrate(Some(&url), &["status"]);
    assert_eq!(once.code, 1);
    assert!(start.elapsed() < Duration::from_secs(1));
    assert!(!once.stderr.contains("still not there"), "{}", once.stderr);
}

#[test]
fn a_server_that_refuses_is_not_retried() {
    let Ok(admin) = std::env::var("ENTMIG_TEST_POSTGRES_URL") else {
        eprintln!("skipped: ENTMIG_TEST_POSTGRES_URL is not set");
        return;
    };
    let (base, database) = admin.rsplit_once('/').unwrap();
    let host = base.rsplit_once('@').map_or(base, |(_, host)| host);
    let host = host.trim_start_matches("postgres://");
    for url in [
        // A database that does not exist, and a role that does not exist.
        format!("{base}/entmig_no_such_database"),
        format!("postgres://entmig_no_such_role@{host}/{database}"),
    ] {
        let start = Instant::now();
        let status = migrate(Some(&url), &["status", "--connect-timeout", "10"]);
        assert_eq!(status.code, 1, "{url}");
        assert!(
            start.elapsed() < Duration::from_secs(1),
            "{url}: {:?}",
            start.elapsed()
        );
        assert!(
            status.stderr.contains("does not exist"),
            "{}",
            status.stderr
        );
        assert!(
            !status.stderr.contains("still not there"),
            "{}",
            status.stderr
        );
    }
}

/// A throwaway PostgreSQL cluster of this test, made the way `scripts/postgres.sh` makes the
/// suite's (as the `postgres` user when root), stopped when dropped.
struct LateCluster {
    bin: std::path::PathBuf,
    dir: tempfile::TempDir,
    as_postgres: bool,
}

impl LateCluster {
    /// The newest installed PostgreSQL's binaries, or `None`.
    fn bin() -> Option<std::path::PathBuf> {
        let mut bins: Vec<_> = std::fs::read_dir("/usr/lib/postgresql")
            .ok()?
            .filter_map(|entry| Some(entry.ok()?.path().join("bin")))
            .filter(|bin| bin.join("pg_ctl").exists())
            .collect();
        bins.sort_by_key(|bin| {
            bin.parent()
                .and_then(|v| v.file_name()?.to_str()?.parse::<u32>().ok())
        });
        bins.pop()
    }

    /// A new cluster, initialised but not started.
    fn init(bin: std::path::PathBuf) -> LateCluster {
        let dir = tempfile::tempdir().unwrap();
        let uid = Command::new("id").arg("-u").output().unwrap().stdout;
        let as_postgres = String::from_utf8_lossy(&uid).trim() == "0";
        if as_postgres {
            let chown = Command::new("chown")
                .arg("postgres")
                .arg(dir.path())
                .status()
                .unwrap();
            assert!(chown.success());
        }
        let cluster = LateCluster {
            bin,
            dir,
            as_postgres,
        };
        let data = cluster.dir.path().join("data");
        let init = cluster
            .command("initdb")
            .arg("-D")
            .arg(&data)
            .args(["-U", "entmig", "--auth=trust", "-E", "UTF8"])
            .output()
            .unwrap();
        assert!(
            init.status.success(),
            "{}",
            String::from_utf8_lossy(&init.stderr)
        );
        cluster
    }

    fn command(&self, program: &str) -> Command {
        let program = self.bin.join(program);
        if self.as_postgres {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(program);
            command
        } else {
            Command::new(program)
        }
    }

    fn pg_ctl(&self, args: &[&str]) -> std::process::Output {
        let dir = self.dir.path();
        self.command("pg_ctl")
            .arg("-D")
            .arg(dir.join("data"))
            .arg("-l")
            .arg(dir.join("log"))
            .args(args)
            .output()
            .unwrap()
    }

    fn start(&self, port: u16) {
        let options = format!(
            "-c listen_addresses=127.0.0.1 -p {port} -k {} -c fsync=off",
            self.dir.path().display()
        );
        let started = self.pg_ctl(&["-w", "-o", &options, "start"]);
        assert!(
            started.status.success(),
            "{}",
            String::from_utf8_lossy(&started.stderr)
        );
    }
}

impl Drop for LateCluster {
    fn drop(&mut self) {
        let _ = self.pg_ctl(&["-m", "immediate", "stop"]);
    }
}

#[test]
fn a_server_that_starts_two_seconds_late_is_waited_for() {
    let Some(bin) = LateCluster::bin() else {
        eprintln!("skipped: no PostgreSQL binaries under /usr/lib/postgresql");
        return;
    };
    let cluster = LateCluster::init(bin);
    let port = free_port();
    let url = format!("postgres://entmig@127.0.0.1:{port}/postgres");
    let start = Instant::now();
    let up = Command::new(env!("CARGO_BIN_EXE_blog"))
        .args(["migrate", "up", "--connect-timeout", "60"])
        .env("DATABASE_URL", &url)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_secs(2));
    cluster.start(port);
    let output = up.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(start.elapsed() >= Duration::from_secs(2));
    assert!(stderr.contains("Applied 3 migration(s)"), "{stderr}");
    assert_eq!(applied_ids(&url), [FIRST, SECOND, THIRD]);
}
