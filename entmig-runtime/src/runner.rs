//! The other half of `cargo entmig run/revert/status/describe`: the CLI compiles the crate's
//! migrations into a small binary whose `main` calls [`main`], and talks to it in JSON lines
//! on stdout. Not a public API; its protocol changes with entmig-runtime and the CLI together.
//!
//! The database URL arrives in the `ENTMIG_URL` environment variable, never on the command
//! line, where other users of the machine could read a password.

use std::sync::Arc;

use entmig_schema::Backend;
use serde_json::{Value as Json, json};

use crate::migration::{Direction, Plan};
use crate::migrator::{Event, Migrator, Report, Revert, RunOptions, State};
use crate::{Database, DatabaseUrl, redact};

/// The runner's entry point: runs the command in `std::env::args`, prints JSON lines, and
/// gives the process exit code.
pub fn main(migrator: Migrator) -> i32 {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match command(&migrator, &args) {
        Ok(()) => 0,
        Err(message) => {
            if !message.is_empty() {
                print(json!({ "result": "error", "message": message, "done": [] }));
            }
            1
        }
    }
}

fn print(line: Json) {
    println!("{line}");
}

fn url() -> Result<String, String> {
    std::env::var("ENTMIG_URL").map_err(|_| "no database URL given (ENTMIG_URL)".to_string())
}

fn connect() -> Result<Database, String> {
    let url = url()?;
    Database::connect(&url).map_err(|e| {
        let mut message = e.to_string();
        // Say which database, unless the error already does (it redacts passwords).
        let shown = redact(&url);
        if !message.contains(&shown) {
            message = format!("{message} (database {shown})");
        }
        if let Ok(DatabaseUrl::SqliteFile(path)) = DatabaseUrl::parse(&url) {
            if let Some(folder) = path.parent().filter(|f| !f.as_os_str().is_empty()) {
                if !folder.is_dir() {
                    message = format!(
                        "{message}; the folder {} does not exist: create it, or correct the path",
                        folder.display()
                    );
                }
            }
        }
        message
    })
}

/// The database, for a command that only reads it (`status`, `sql-pending`, `revert` of
/// nothing): a SQLite file that does not exist is not created, but read as the empty database
/// it would be.
fn connect_reading() -> Result<Database, String> {
    if let Ok(DatabaseUrl::SqliteFile(path)) = DatabaseUrl::parse(&url()?) {
        if !path.exists() {
            return Database::connect("sqlite::memory:").map_err(|e| e.to_string());
        }
    }
    connect()
}

/// `true` when the URL names a SQLite file that does not exist yet.
fn missing_sqlite_file() -> bool {
    url().ok().is_some_and(|url| {
        matches!(DatabaseUrl::parse(&url), Ok(DatabaseUrl::SqliteFile(path)) if !path.exists())
    })
}

fn done(report: &Report) -> Json {
    Json::Array(
        report
            .done
            .iter()
            .map(|d| json!({ "id": d.id, "ms": d.duration.as_millis() as u64 }))
            .collect(),
    )
}

fn options(force: bool) -> RunOptions {
    RunOptions {
        force,
        on_event: Some(Arc::new(|event: &Event| {
            let line = match event {
                Event::Started { id, reverting } => {
                    json!({ "event": "started", "id": id, "reverting": reverting })
                }
                Event::Batch { id, step, rows } => {
                    json!({ "event": "batch", "id": id, "step": step, "rows": rows })
                }
                Event::Finished { id, duration } => {
                    json!({ "event": "finished", "id": id, "ms": duration.as_millis() as u64 })
                }
            };
            print(line);
        })),
        ..RunOptions::default()
    }
}

fn command(migrator: &Migrator, args: &[String]) -> Result<(), String> {
    let flag = |name: &str| args.iter().any(|a| a == name);
    let value = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    match args.first().map(String::as_str) {
        Some("run") => {
            let mut db = connect()?;
            match migrator.run_with(&mut db, &options(flag("--force"))) {
                Ok(report) => print(json!({ "result": "ok", "done": done(&report) })),
                Err(failure) => {
                    print(
                        json!({ "result": "error", "message": failure.error.to_string(), "done": done(&failure.report) }),
                    );
                    return Err(FAILED.into());
                }
            }
        }
        Some("revert-plan") => {
            let mut db = connect_reading()?;
            let undo = migrator
                .revert_sql(&mut db, which(&value))
                .map_err(|e| e.to_string())?;
            let rows: Vec<Json> = undo
                .iter()
                .map(|u| json!({ "id": u.id, "steps": u.steps, "destructive": u.destructive, "destructive_steps": u.destructive_steps, "sql": u.sql }))
                .collect();
            print(json!({ "result": "revert-plan", "migrations": rows }));
        }
        Some("revert") => {
            let mut db = connect_reading()?;
            let which = which(&value);
            match migrator.revert_with(&mut db, which, &options(false)) {
                Ok(report) => print(json!({ "result": "ok", "done": done(&report) })),
                Err(failure) => {
                    print(
                        json!({ "result": "error", "message": failure.error.to_string(), "done": done(&failure.report) }),
                    );
                    return Err(FAILED.into());
                }
            }
        }
        Some("status") => {
            let mut db = connect_reading()?;
            let status = migrator.status(&mut db).map_err(|e| e.to_string())?;
            let rows: Vec<Json> = status
                .iter()
                .map(|s| {
                    let (applied_at, ms) = match &s.state {
                        State::Applied { applied_at, duration_ms } => (Some(applied_at.clone()), Some(*duration_ms)),
                        _ => (None, None),
                    };
                    json!({ "id": s.id, "state": s.state.to_string(), "applied_at": applied_at, "ms": ms })
                })
                .collect();
            print(json!({ "result": "status", "migrations": rows }));
        }
        Some("describe") => {
            let backend = match value("--backend").as_deref() {
                Some("postgres") => Backend::Postgres,
                _ => Backend::Sqlite,
            };
            let sql = migrator.sql(backend).map_err(|e| e.to_string())?;
            let rows: Vec<Json> = migrator
                .entries()
                .iter()
                .zip(sql)
                .map(|(entry, (_, statements))| {
                    let plan = Plan::of(entry.migration(), Direction::Up);
                    let steps: Vec<String> = plan.steps().iter().map(ToString::to_string).collect();
                    json!({
                        "id": entry.id(),
                        "transactional": entry.migration().transactional(),
                        "steps": steps,
                        "destructive": plan.steps().iter().map(|s| matches!(s, crate::migration::Step::Op(op) if op.is_destructive())).collect::<Vec<_>>(),
                        "sql": statements,
                    })
                })
                .collect();
            print(json!({ "result": "describe", "migrations": rows }));
        }
        Some("plan") => {
            // Every migration's `up` (or the one `--id` names): its schema changes, and the
            // steps that are not (SQL, data), which no snapshot can follow.
            let id = value("--id");
            let entries: Vec<_> = migrator
                .entries()
                .iter()
                .filter(|e| id.as_deref().is_none_or(|id| e.id() == id))
                .collect();
            if let (Some(id), true) = (&id, entries.is_empty()) {
                return Err(format!("no migration {id}"));
            }
            let rows: Vec<Json> = entries
                .iter()
                .map(|entry| {
                    let plan = Plan::of(entry.migration(), Direction::Up);
                    let (ops, other): (Vec<_>, Vec<_>) = plan
                        .steps()
                        .iter()
                        .partition(|s| matches!(s, crate::migration::Step::Op(_)));
                    let ops: Vec<Json> = ops
                        .iter()
                        .filter_map(|s| match s {
                            crate::migration::Step::Op(op) => serde_json::to_value(op).ok(),
                            _ => None,
                        })
                        .collect();
                    let other: Vec<String> = other.iter().map(ToString::to_string).collect();
                    json!({ "id": entry.id(), "ops": ops, "other_steps": other })
                })
                .collect();
            print(json!({ "result": "plan", "migrations": rows }));
        }
        Some("sql-pending") => {
            let mut db = connect_reading()?;
            let pending = migrator.pending_sql(&mut db).map_err(|e| e.to_string())?;
            let rows: Vec<Json> = pending
                .into_iter()
                .map(|(id, sql)| json!({ "id": id, "sql": sql }))
                .collect();
            print(json!({ "result": "sql", "migrations": rows }));
        }
        Some("backup") => {
            // A database that does not exist yet has nothing to back up.
            if missing_sqlite_file() {
                print(json!({ "result": "ok" }));
                return Ok(());
            }
            let mut db = connect()?;
            match db.backup().map_err(|e| e.to_string())? {
                Some(path) => print(json!({ "result": "ok", "path": path })),
                None => print(json!({ "result": "ok" })),
            }
        }
        Some("resolve") => {
            let mut db = connect()?;
            let id = value("--id").ok_or("resolve needs --id")?;
            migrator
                .resolve(&mut db, &id, flag("--applied"))
                .map_err(|e| e.to_string())?;
            print(json!({ "result": "ok", "done": [] }));
        }
        other => return Err(format!("unknown runner command {other:?}")),
    }
    Ok(())
}

/// `--to ID` or `--steps N` (default 1).
fn which(value: &dyn Fn(&str) -> Option<String>) -> Revert {
    match value("--to") {
        Some(id) => Revert::To(id),
        None => Revert::Steps(value("--steps").and_then(|s| s.parse().ok()).unwrap_or(1)),
    }
}

/// The failure was printed with its report already.
const FAILED: &str = "";
