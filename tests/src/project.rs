//! Temporary crates that use entmig the way a new user's crate does, and the real
//! `cargo entmig` binary run on them.
//!
//! A [`Project`] is a folder with a `Cargo.toml` that depends on this workspace's
//! entmig-runtime by path, the workspace's `Cargo.lock` (so every version is pinned and nothing
//! is resolved again), and a `src/main.rs` that declares `mod entities;`. [`Project::entmig`]
//! runs `cargo-entmig`, built once per test process from this workspace.
//!
//! Speed: every project's migrations runner builds into one shared target directory
//! (`ENTMIG_RUNNER_TARGET_DIR`), so entmig-runtime and the bundled SQLite compile once for the
//! whole suite; the runner's name is per migrations folder, so parallel tests do not clash.
//! [`Project::cargo_run`] builds the projects' own binaries there too, with the runner's
//! `[profile.dev]`, so they reuse the same builds of the dependencies.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

/// The root of this workspace.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the tests crate is inside the workspace")
        .to_owned()
}

/// The workspace's target directory: `$CARGO_TARGET_DIR` when set (as the test run's cargo
/// had it), else `<workspace>/target`.
pub fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) if !dir.is_empty() => workspace_root().join(dir),
        _ => workspace_root().join("target"),
    }
}

/// The cargo that runs the tests.
pub fn cargo() -> OsString {
    std::env::var_os("CARGO").unwrap_or_else(|| OsString::from("cargo"))
}

/// Where every project's migrations runner is built.
pub fn runner_target_dir() -> PathBuf {
    target_dir().join("e2e-runner")
}

/// Where the projects' own binaries are built by [`Project::cargo_run`]: the runners' folder,
/// so that entmig-runtime and SQLite compile once for both (the projects' `[profile.dev]` is
/// the runner's).
pub fn app_target_dir() -> PathBuf {
    runner_target_dir()
}

/// The `cargo-entmig` binary of this workspace, built on first use.
///
/// It is not a dependency of this crate (a dependency's binaries are not built for its
/// dependents), so it is built here, once per test process.
pub fn entmig_binary() -> &'static Path {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY.get_or_init(|| {
        let status = Command::new(cargo())
            .args([
                "build",
                "--quiet",
                "-p",
                "cargo-entmig",
                "--bin",
                "cargo-entmig",
            ])
            .current_dir(workspace_root())
            .env("CARGO_TARGET_DIR", target_dir())
            .stdin(Stdio::null())
            .status()
            .expect("run cargo build");
        assert!(status.success(), "cargo build -p cargo-entmig failed");
        let binary = target_dir()
            .join("debug")
            .join(format!("cargo-entmig{}", std::env::consts::EXE_SUFFIX));
        assert!(binary.is_file(), "{} was not built", binary.display());
        binary
    })
}

/// What a command did.
#[derive(Debug)]
pub struct Output {
    /// The command line, for messages.
    pub command: String,
    /// The exit code (`None`: killed by a signal).
    pub code: Option<i32>,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl Output {
    fn dump(&self) -> String {
        format!(
            "$ {}\nexit code: {:?}\n--- stdout\n{}--- stderr\n{}---",
            self.command, self.code, self.stdout, self.stderr
        )
    }

    /// Asserts that the command succeeded.
    #[track_caller]
    pub fn ok(self) -> Output {
        assert_eq!(self.code, Some(0), "the command failed:\n{}", self.dump());
        self.no_panic()
    }

    /// Asserts that the command failed with exit code 1 and without a panic.
    #[track_caller]
    pub fn fails(self) -> Output {
        assert_eq!(
            self.code,
            Some(1),
            "the command should fail with exit code 1:\n{}",
            self.dump()
        );
        self.no_panic()
    }

    #[track_caller]
    fn no_panic(self) -> Output {
        for sign in ["panicked", "stack backtrace", "RUST_BACKTRACE"] {
            assert!(
                !self.stdout.contains(sign) && !self.stderr.contains(sign),
                "a panic or backtrace ({sign}):\n{}",
                self.dump()
            );
        }
        self
    }

    /// Asserts that the command failed with one error, on one line (the last of stderr),
    /// that contains each of `words`; the line.
    #[track_caller]
    pub fn error(self, words: &[&str]) -> String {
        let output = self.fails();
        let lines: Vec<&str> = output.stderr.lines().collect();
        let errors: Vec<&&str> = lines.iter().filter(|l| l.starts_with("error")).collect();
        assert_eq!(
            errors.len(),
            1,
            "expected exactly one error line:\n{}",
            output.dump()
        );
        let line = *errors[0];
        assert_eq!(
            lines.last(),
            Some(&line),
            "the error should be one line, the last of stderr:\n{}",
            output.dump()
        );
        for word in words {
            assert!(
                line.contains(word),
                "the error should say `{word}`:\n{}",
                output.dump()
            );
        }
        line.to_owned()
    }

    /// Asserts that standard output contains each of `words`.
    #[track_caller]
    pub fn stdout_has(&self, words: &[&str]) -> &Output {
        for word in words {
            assert!(
                self.stdout.contains(word),
                "stdout should contain `{word}`:\n{}",
                self.dump()
            );
        }
        self
    }

    /// Asserts that standard error contains each of `words`.
    #[track_caller]
    pub fn stderr_has(&self, words: &[&str]) -> &Output {
        for word in words {
            assert!(
                self.stderr.contains(word),
                "stderr should contain `{word}`:\n{}",
                self.dump()
            );
        }
        self
    }
}

/// A temporary crate that uses entmig, removed when dropped.
pub struct Project {
    dir: tempfile::TempDir,
    name: String,
    env: Vec<(String, String)>,
}

impl Project {
    /// A binary crate named `name` whose `src/main.rs` declares `mod entities;` and whose
    /// `src/entities.rs` is `entities`.
    pub fn new(name: &str, entities: &str) -> Project {
        let dir = tempfile::Builder::new()
            .prefix(&format!("entmig-e2e-{name}-"))
            .tempdir()
            .expect("a temporary folder");
        let project = Project {
            dir,
            name: name.to_owned(),
            env: Vec::new(),
        };
        let runtime = workspace_root().join("entmig-runtime");
        project.write(
            "Cargo.toml",
            &format!(
                "[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2024\"\npublish = false\n\n\
                 [dependencies]\nentmig-runtime = {{ path = \"{}\" }}\n\n\
                 # As the migrations runner's: the two share their dependencies' builds.\n\
                 [profile.dev]\ndebug = false\n\n\
                 # Its own workspace, wherever the temporary folder is.\n[workspace]\n",
                runtime.display()
            ),
        );
        std::fs::copy(
            workspace_root().join("Cargo.lock"),
            project.path("Cargo.lock"),
        )
        .expect("copy Cargo.lock");
        project.write(
            "src/main.rs",
            "mod entities;\n\nfn main() {\n    println!(\"hello\");\n}\n",
        );
        project.entities(entities);
        project
    }

    /// The crate's folder.
    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    /// The package name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// A path inside the crate.
    pub fn path(&self, relative: &str) -> PathBuf {
        self.root().join(relative)
    }

    /// Writes a file, creating its folders.
    pub fn write(&self, relative: &str, text: &str) {
        let path = self.path(relative);
        std::fs::create_dir_all(path.parent().expect("a file in a folder")).expect("mkdir");
        std::fs::write(&path, text).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
    }

    /// Reads a file.
    pub fn read(&self, relative: &str) -> String {
        let path = self.path(relative);
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
    }

    /// Replaces `src/entities.rs`.
    pub fn entities(&self, text: &str) {
        self.write(
            "src/entities.rs",
            &format!("#![allow(dead_code)]\n\nuse entmig_runtime::Entity;\n\n{text}"),
        );
    }

    /// The migration modules in `src/migrations`, oldest first (file names without `.rs`).
    pub fn migrations(&self) -> Vec<String> {
        let Ok(entries) = std::fs::read_dir(self.path("src/migrations")) else {
            return Vec::new();
        };
        let mut names: Vec<String> = entries
            .filter_map(|e| e.ok())
            .filter_map(|e| e.file_name().into_string().ok())
            .filter(|n| n.starts_with('m') && n.ends_with(".rs") && n != "mod.rs")
            .map(|n| n.trim_end_matches(".rs").to_owned())
            .collect();
        names.sort();
        names
    }

    /// Every file under `src/migrations` with its text: to check that a command wrote
    /// nothing.
    pub fn migrations_folder(&self) -> Vec<(String, String)> {
        let Ok(entries) = std::fs::read_dir(self.path("src/migrations")) else {
            return Vec::new();
        };
        let mut files: Vec<(String, String)> = entries
            .filter_map(|e| e.ok())
            .map(|e| {
                (
                    e.file_name().to_string_lossy().into_owned(),
                    std::fs::read_to_string(e.path()).unwrap_or_default(),
                )
            })
            .collect();
        files.sort();
        files
    }

    /// The default database of the crate: `<crate>/<name>.db`.
    pub fn db_path(&self) -> PathBuf {
        self.path(&format!("{}.db", self.name))
    }

    /// Sets an environment variable for every later command.
    pub fn set_env(&mut self, key: &str, value: &str) {
        self.env.retain(|(k, _)| k != key);
        self.env.push((key.to_owned(), value.to_owned()));
    }

    /// Runs `cargo-entmig <args> --color never` in the crate's folder, with stdin closed.
    pub fn entmig(&self, args: &[&str]) -> Output {
        self.entmig_with(args, &[])
    }

    /// [`Project::entmig`] with more environment variables.
    pub fn entmig_with(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        self.entmig_in(self.root(), args, env)
    }

    /// [`Project::entmig_with`], run in the folder `dir`.
    pub fn entmig_in(&self, dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
        let mut command = self.command(Command::new(entmig_binary()), env);
        command
            .args(args)
            .args(["--color", "never"])
            .current_dir(dir);
        run(
            command,
            format!("cargo entmig {} --color never", args.join(" ")),
        )
    }

    /// `cargo-entmig <args>` as [`Project::entmig_with`] runs it, but without `--color never`:
    /// the colour is the CLI's own choice, from `env` and whether its streams are terminals.
    pub fn entmig_colored(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        let mut command = self.command(Command::new(entmig_binary()), env);
        command.args(args).current_dir(self.root());
        run(command, format!("cargo entmig {}", args.join(" ")))
    }

    /// The environment every run of the CLI gets: the runner's shared target folder, this
    /// cargo, no `DATABASE_URL` of the test run, then the project's variables and `env`.
    fn command(&self, mut command: Command, env: &[(&str, &str)]) -> Command {
        command
            .env("ENTMIG_RUNNER_TARGET_DIR", runner_target_dir())
            .env("CARGO", cargo())
            .env("RUST_BACKTRACE", "1")
            // The crate's own target folder, not the one of this test run.
            .env_remove("CARGO_TARGET_DIR")
            .env_remove("DATABASE_URL")
            // Colour as a person's terminal has it: anstream colours a terminal in CI even
            // with TERM=dumb.
            .env_remove("NO_COLOR")
            .env_remove("CLICOLOR_FORCE")
            .env_remove("CLICOLOR")
            .env_remove("CI");
        for (key, value) in self
            .env
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .chain(env.iter().copied())
        {
            command.env(key, value);
        }
        command
    }

    /// [`Project::entmig`] at a terminal, as a person runs it: under `script`, which gives it
    /// a pseudo-terminal and types `answers` (one line a question). What it printed, its
    /// questions and the echoed answers among it, is all in `stdout`.
    pub fn entmig_at_a_terminal(&self, args: &[&str], answers: &str) -> Output {
        let quote = |word: &str| format!("'{}'", word.replace('\'', "'\\''"));
        let mut line = vec!["\"$ENTMIG\"".to_owned()];
        line.extend(args.iter().map(|a| quote(a)));
        line.extend(["--color", "never"].map(String::from));
        self.shell_at_a_terminal(&line.join(" "), answers, &[])
    }

    /// A shell command line at a terminal (under `script`, as [`Project::entmig_at_a_terminal`]),
    /// in the crate's folder, with `$ENTMIG` naming the CLI and `env` set; `answers` typed.
    pub fn shell_at_a_terminal(&self, line: &str, answers: &str, env: &[(&str, &str)]) -> Output {
        let mut command = self.command(Command::new("script"), env);
        command
            .args(["-qec", line, "/dev/null"])
            .current_dir(self.root())
            .env("ENTMIG", entmig_binary())
            .env_remove("RUST_BACKTRACE")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = command.spawn().expect("script (util-linux) runs");
        {
            use std::io::Write;
            let mut stdin = child.stdin.take().expect("stdin");
            stdin
                .write_all(answers.as_bytes())
                .expect("type the answers");
        }
        let output = child.wait_with_output().expect("script ends");
        Output {
            command: format!("{line} (at a terminal, answering {answers:?})"),
            code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).replace("\r\n", "\n"),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// `cargo run --quiet` of the crate itself, built into one shared target folder, with
    /// `env`.
    pub fn cargo_run(&self, env: &[(&str, &str)]) -> Output {
        let mut command = Command::new(cargo());
        command
            .args(["run", "--quiet"])
            .current_dir(self.root())
            .env("CARGO_TARGET_DIR", app_target_dir())
            .env_remove("DATABASE_URL");
        for (key, value) in env {
            command.env(key, value);
        }
        run(command, "cargo run --quiet".to_owned())
    }
}

fn run(mut command: Command, line: String) -> Output {
    let output = command
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("{line}: {e}"));
    Output {
        command: line,
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// A SQLite database opened directly, to see what the commands did.
pub struct Sqlite(rusqlite::Connection);

impl Sqlite {
    /// Opens an existing file; panics when it does not exist.
    pub fn open(path: &Path) -> Sqlite {
        assert!(path.is_file(), "{} does not exist", path.display());
        Sqlite(
            rusqlite::Connection::open_with_flags(
                path,
                rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE,
            )
            .unwrap_or_else(|e| panic!("open {}: {e}", path.display())),
        )
    }

    /// Runs statements.
    pub fn execute(&self, sql: &str) {
        self.0
            .execute_batch(sql)
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }

    /// Runs statements; the error, if any.
    pub fn try_execute(&self, sql: &str) -> Result<(), String> {
        self.0.execute_batch(sql).map_err(|e| e.to_string())
    }

    /// The rows of a query, each value as text (`NULL` for null), columns joined with `|`.
    pub fn rows(&self, sql: &str) -> Vec<String> {
        let mut statement = self.0.prepare(sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
        let width = statement.column_count();
        statement
            .query_map([], |row| {
                (0..width)
                    .map(|i| {
                        Ok(match row.get_ref(i)? {
                            rusqlite::types::ValueRef::Null => "NULL".to_owned(),
                            rusqlite::types::ValueRef::Integer(i) => i.to_string(),
                            rusqlite::types::ValueRef::Real(f) => f.to_string(),
                            rusqlite::types::ValueRef::Text(t) => {
                                String::from_utf8_lossy(t).into_owned()
                            }
                            rusqlite::types::ValueRef::Blob(b) => format!("{b:?}"),
                        })
                    })
                    .collect::<rusqlite::Result<Vec<String>>>()
                    .map(|values| values.join("|"))
            })
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
            .collect::<rusqlite::Result<_>>()
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
    }

    /// The tables, SQLite's own left out, sorted.
    pub fn tables(&self) -> Vec<String> {
        self.rows(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
        )
    }

    /// The columns of a table, in order, each as `name TYPE [NOT NULL] [DEFAULT x] [PK]`.
    pub fn columns(&self, table: &str) -> Vec<String> {
        self.rows(&format!(
            "SELECT name || ' ' || type || CASE WHEN \"notnull\" THEN ' NOT NULL' ELSE '' END \
             || CASE WHEN dflt_value IS NOT NULL THEN ' DEFAULT ' || dflt_value ELSE '' END \
             || CASE WHEN pk > 0 THEN ' PK' ELSE '' END \
             FROM pragma_table_info('{table}') ORDER BY cid"
        ))
    }

    /// The indexes of a table that a statement created (not SQLite's automatic ones), each
    /// as `[UNIQUE ]name(col, ..)`, sorted.
    pub fn indexes(&self, table: &str) -> Vec<String> {
        let names = self.rows(&format!(
            "SELECT name || '|' || \"unique\" FROM pragma_index_list('{table}') WHERE origin = 'c' ORDER BY name"
        ));
        names
            .into_iter()
            .map(|row| {
                let (name, unique) = row.split_once('|').expect("name|unique");
                let columns = self.rows(&format!(
                    "SELECT name FROM pragma_index_info('{name}') ORDER BY seqno"
                ));
                format!(
                    "{}{name}({})",
                    if unique == "1" { "UNIQUE " } else { "" },
                    columns.join(", ")
                )
            })
            .collect()
    }

    /// The foreign keys of a table, each as `col -> table(col) ON DELETE action`, sorted.
    pub fn foreign_keys(&self, table: &str) -> Vec<String> {
        self.rows(&format!(
            "SELECT \"from\" || ' -> ' || \"table\" || '(' || \"to\" || ') ON DELETE ' || on_delete \
             FROM pragma_foreign_key_list('{table}') ORDER BY \"from\""
        ))
    }

    /// The ids recorded in `entmig_migrations`, oldest first.
    pub fn applied(&self) -> Vec<String> {
        self.rows("SELECT id FROM entmig_migrations ORDER BY id")
    }
}

/// The id of a migration module: `m20261121_101500_init` → `20261121_101500_init`.
pub fn id(module: &str) -> &str {
    module.strip_prefix('m').unwrap_or(module)
}

/// The smallest entity: a users table with a key and an email.
pub const ONE_USER: &str = r#"
#[derive(Entity)]
#[entmig(table = "users")]
pub struct User {
    #[entmig(primary_key, auto_increment)]
    pub id: i64,
    pub email: String,
}
"#;

/// The entities of the end-to-end tests' main story, before the change.
pub const STORY_V1: &str = r#"
#[derive(Entity)]
#[entmig(table = "users")]
pub struct User {
    #[entmig(primary_key, auto_increment)]
    pub id: i64,
    pub handle: String,
    pub bio: String,
}

#[derive(Entity)]
#[entmig(table = "posts")]
pub struct Post {
    #[entmig(primary_key, auto_increment)]
    pub id: i64,
    pub author_id: i64,
    pub title: String,
}
"#;

/// After the change: a column added with a default, one NOT NULL without a default (filled),
/// one nullable, a rename, a unique, an index, a foreign key, and a dropped column.
pub const STORY_V2: &str = r#"
#[derive(Entity)]
#[entmig(table = "users")]
pub struct User {
    #[entmig(primary_key, auto_increment)]
    pub id: i64,
    #[entmig(renamed_from = "handle", unique)]
    pub username: String,
    #[entmig(default = 0)]
    pub karma: i64,
    pub country: String,
    pub nickname: Option<String>,
}

#[derive(Entity)]
#[entmig(table = "posts")]
pub struct Post {
    #[entmig(primary_key, auto_increment)]
    pub id: i64,
    #[entmig(references = "User", on_delete = "cascade", index)]
    pub author_id: i64,
    pub title: String,
}
"#;
