//! The runtime's `log` records, caught by a logger of this test (one process, one logger): an
//! `info` per migration applied or reverted with its duration, a `debug` per statement, a
//! `warn` while waiting for the lock or for a database that is not there yet. And the library
//! prints nothing to stdout itself.

use std::sync::Mutex;
use std::time::Duration;

use entmig_runtime::migration::prelude::*;
use entmig_runtime::migrator::Entry;
use entmig_runtime::{ConnectOptions, Database, Migrator, Revert, RunOptions};

/// Every record, as `level target: message`.
static RECORDS: Mutex<Vec<(log::Level, String, String)>> = Mutex::new(Vec::new());

struct Catch;

impl log::Log for Catch {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }
    fn log(&self, record: &log::Record<'_>) {
        RECORDS.lock().unwrap().push((
            record.level(),
            record.target().to_owned(),
            record.args().to_string(),
        ));
    }
    fn flush(&self) {}
}

fn install() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        log::set_logger(&Catch).unwrap();
        log::set_max_level(log::LevelFilter::Trace);
    });
}

/// The records whose message contains `text`, at `level`.
fn records(level: log::Level, text: &str) -> Vec<(String, String)> {
    RECORDS
        .lock()
        .unwrap()
        .iter()
        .filter(|(l, _, message)| *l == level && message.contains(text))
        .map(|(_, target, message)| (target.clone(), message.clone()))
        .collect()
}

struct CreateNotes;
impl MigrationTrait for CreateNotes {
    fn up(&self, m: &mut Plan) {
        m.create_table(notes());
    }
    fn down(&self, m: &mut Plan) {
        m.drop_table(notes());
    }
}

fn notes() -> Table {
    Table::new("log_notes")
        .with_column(Column::new("id", ColumnType::BigInt).auto_increment())
        .with_primary_key(["id"])
}

fn migrator() -> Migrator {
    Migrator::new(vec![Entry::new(
        "m20261201_000000_create_log_notes",
        Box::new(CreateNotes),
    )])
}

#[test]
fn each_migration_is_an_info_record_and_each_statement_a_debug_one() {
    install();
    let mut db = Database::connect("sqlite::memory:").unwrap();
    migrator().run(&mut db).unwrap();
    migrator().revert(&mut db, Revert::Steps(1)).unwrap();
    let applied = records(
        log::Level::Info,
        "applied migration 20261201_000000_create_log_notes in ",
    );
    assert_eq!(applied.len(), 1, "{applied:?}");
    assert!(applied[0].1.ends_with(" ms"), "{applied:?}");
    assert!(
        applied[0].0.starts_with("entmig_runtime"),
        "{}",
        applied[0].0
    );
    assert_eq!(
        records(
            log::Level::Info,
            "reverted migration 20261201_000000_create_log_notes"
        )
        .len(),
        1
    );
    let statements = records(
        log::Level::Debug,
        "migration 20261201_000000_create_log_notes: CREATE TABLE \"log_notes\"",
    );
    assert_eq!(statements.len(), 1, "{statements:?}");
    assert_eq!(
        records(log::Level::Debug, "DROP TABLE \"log_notes\"").len(),
        1
    );
}

#[test]
fn waiting_for_the_lock_is_a_warning() {
    install();
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("app.db").display());
    let mut holder = Database::connect(&url).unwrap();
    let mut waiter = Database::connect(&url).unwrap();
    let (held, release) = std::sync::mpsc::channel();
    std::thread::scope(|scope| {
        scope.spawn(move || {
            holder
                .transaction(|_| {
                    held.send(()).unwrap();
                    std::thread::sleep(Duration::from_millis(500));
                    Ok(())
                })
                .unwrap();
        });
        release.recv().unwrap();
        let options = RunOptions {
            lock_timeout: Duration::from_secs(10),
            ..RunOptions::default()
        };
        migrator().run_with(&mut waiter, &options).unwrap();
    });
    let waits = records(log::Level::Warn, "waiting for another migrator's lock");
    assert_eq!(waits.len(), 1, "{waits:?}");
}

#[test]
fn retrying_a_connection_is_a_warning() {
    install();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("postgres://app:s3cret@127.0.0.1:{port}/app");
    let options = ConnectOptions {
        timeout: Duration::from_millis(400),
    };
    let error = Database::connect_with(&url, &options).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("still not there after waiting 0."),
        "{error}"
    );
    let retries = records(log::Level::Warn, "is not accepting connections yet");
    assert!(retries.len() >= 2, "{retries:?}");
    assert!(
        retries
            .iter()
            .all(|(_, message)| !message.contains("s3cret")),
        "{retries:?}"
    );
}

/// The library's own output goes to `log` or to the caller's event handler; only the runner's
/// protocol (`runner.rs`) and the migrate command (`cli.rs`) write to stdout.
#[test]
fn the_library_prints_nothing_to_stdout() {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut offenders = Vec::new();
    let mut folders = vec![src.clone()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                folders.push(path);
                continue;
            }
            let allowed = path == src.join("runner.rs") || path == src.join("cli.rs");
            let text = std::fs::read_to_string(&path).unwrap();
            let prints = text.lines().any(|line| {
                let line = line.replace("eprintln!", "").replace("eprint!", "");
                line.contains("println!") || line.contains("print!(")
            });
            if !allowed && prints {
                offenders.push(path.display().to_string());
            }
        }
    }
    assert!(offenders.is_empty(), "{offenders:?}");
}
