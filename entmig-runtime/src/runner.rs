//! The other half of `cargo entmig run/revert/status/describe/...`: the CLI compiles the
//! crate's migrations into a small binary whose `main` calls [`main`], and talks to it through
//! [`entmig_schema::protocol`]: the request arrives whole in `ENTMIG_REQUEST`, the database URL
//! in `ENTMIG_URL` (never on the command line, where other users of the machine could read a
//! password), and the runner answers in protocol messages, one a line on stdout. Not a public
//! API; its protocol changes with entmig-runtime and the CLI together.

use std::sync::Arc;

use entmig_schema::protocol::{
    self, DoneMigration, Hello, Message, Outcome, Planned, Reply, Request, Which,
};

use crate::migration::{Direction, Plan, Step};
use crate::migrator::{Event, Migrator, Report, Revert, RunOptions};
use crate::{ConnectOptions, Database, DatabaseUrl, redact};

/// The runner's entry point: says hello, carries out the request in the environment, prints
/// the reply, and gives the process exit code (0 when the request succeeded).
pub fn main(migrator: Migrator) -> i32 {
    send(Message::Hello(Hello::new(env!("CARGO_PKG_VERSION"))));
    let reply = match request() {
        Ok(request) => answer(&migrator, request),
        Err(message) => Reply::Error { message },
    };
    let code = match reply {
        Reply::Failed { .. } | Reply::Error { .. } => 1,
        _ => 0,
    };
    send(Message::Reply(reply));
    code
}

fn send(message: Message) {
    println!("{}", message.to_line());
}

fn request() -> Result<Request, String> {
    let text = std::env::var(protocol::REQUEST_VAR).map_err(|_| {
        format!(
            "no request given ({}); this program is run by `cargo entmig`",
            protocol::REQUEST_VAR
        )
    })?;
    serde_json::from_str(&text).map_err(|e| format!("the request could not be read: {e}"))
}

fn url() -> Result<String, String> {
    std::env::var(protocol::URL_VAR)
        .map_err(|_| format!("no database URL given ({})", protocol::URL_VAR))
}

fn connect() -> Result<Database, String> {
    open(&url()?, false, &ConnectOptions::default())
}

fn connect_reading() -> Result<Database, String> {
    open(&url()?, true, &ConnectOptions::default())
}

/// The database `url` names, with a message that says which database (password hidden) and,
/// for a SQLite file in a folder that does not exist, what to do. When `reading` (`status`, a
/// preview, a revert of nothing), a SQLite file that does not exist is not created, but read
/// as the empty database it would be. Shared with the shipped migrate command (`cli`).
pub(crate) fn open(url: &str, reading: bool, options: &ConnectOptions) -> Result<Database, String> {
    if reading && missing_sqlite_file(url) {
        return Database::connect("sqlite::memory:").map_err(|e| e.to_string());
    }
    Database::connect_with(url, options).map_err(|e| {
        let mut message = e.to_string();
        // Say which database, unless the error already does (it redacts passwords).
        let shown = redact(url);
        if !message.contains(&shown) {
            message = format!("{message} (database {shown})");
        }
        if let Ok(DatabaseUrl::SqliteFile(path)) = DatabaseUrl::parse(url)
            && let Some(folder) = path.parent().filter(|f| !f.as_os_str().is_empty())
            && !folder.is_dir()
        {
            message = format!(
                "{message}; the folder {} does not exist: create it, or correct the path",
                folder.display()
            );
        }
        message
    })
}

/// `true` when `url` names a SQLite file that does not exist yet.
fn missing_sqlite_file(url: &str) -> bool {
    matches!(DatabaseUrl::parse(url), Ok(DatabaseUrl::SqliteFile(path)) if !path.exists())
}

fn millis(duration: std::time::Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

fn outcome(report: &Report) -> Outcome {
    Outcome {
        done: report
            .done
            .iter()
            .map(|d| DoneMigration {
                id: d.id.clone(),
                ms: millis(d.duration),
            })
            .collect(),
        elapsed_ms: millis(report.elapsed),
    }
}

/// Options that send each of the migrator's events on, one line each.
fn options(force: bool) -> RunOptions {
    RunOptions {
        force,
        on_event: Some(Arc::new(|event: &Event| {
            send(Message::Event(event.clone()));
        })),
        ..RunOptions::default()
    }
}

fn revert_of(which: Which) -> Revert {
    match which {
        Which::Steps(n) => Revert::Steps(n),
        Which::To(id) => Revert::To(id),
    }
}

fn answer(migrator: &Migrator, request: Request) -> Reply {
    match carry_out(migrator, request) {
        Ok(reply) => reply,
        Err(message) => Reply::Error { message },
    }
}

fn carry_out(migrator: &Migrator, request: Request) -> Result<Reply, String> {
    let started = std::time::Instant::now();
    Ok(match request {
        Request::Run {
            force,
            connect_timeout_s,
        } => {
            let patience = ConnectOptions {
                timeout: std::time::Duration::from_secs(connect_timeout_s),
            };
            let mut db = open(&url()?, false, &patience)?;
            match migrator.run_with(&mut db, &options(force)) {
                Ok(report) => Reply::Done(outcome(&report)),
                Err(failure) => Reply::Failed {
                    outcome: outcome(&failure.report),
                    message: failure.error.to_string(),
                },
            }
        }
        Request::Revert { which } => {
            let mut db = connect_reading()?;
            match migrator.revert_with(&mut db, revert_of(which), &options(false)) {
                Ok(report) => Reply::Done(outcome(&report)),
                Err(failure) => Reply::Failed {
                    outcome: outcome(&failure.report),
                    message: failure.error.to_string(),
                },
            }
        }
        Request::RevertPlan { which } => {
            let mut db = connect_reading()?;
            Reply::Preview {
                migrations: migrator
                    .revert_sql(&mut db, revert_of(which))
                    .map_err(|e| e.to_string())?,
            }
        }
        Request::Status => {
            let mut db = connect_reading()?;
            Reply::Status {
                migrations: migrator.status(&mut db).map_err(|e| e.to_string())?,
            }
        }
        Request::Describe { backend } => Reply::Describe {
            migrations: migrator.describe(backend).map_err(|e| e.to_string())?,
        },
        Request::Plan { id } => {
            // Every migration's `up` (or the one `id` names): its schema changes, and the
            // steps that are not (SQL, data), which no snapshot can follow.
            let entries: Vec<_> = migrator
                .entries()
                .iter()
                .filter(|e| id.as_deref().is_none_or(|id| e.id() == id))
                .collect();
            if let (Some(id), true) = (&id, entries.is_empty()) {
                return Err(format!("no migration {id}"));
            }
            Reply::Plan {
                migrations: entries
                    .iter()
                    .map(|entry| {
                        let plan = Plan::of(entry.migration(), Direction::Up);
                        let mut ops = Vec::new();
                        let mut other_steps = Vec::new();
                        for step in plan.steps() {
                            match step {
                                Step::Op(op) => ops.push(op.clone()),
                                other => other_steps.push(other.to_string()),
                            }
                        }
                        Planned {
                            id: entry.id().to_owned(),
                            ops,
                            other_steps,
                        }
                    })
                    .collect(),
            }
        }
        Request::PendingSql => {
            let mut db = connect_reading()?;
            Reply::Preview {
                migrations: migrator.pending_sql(&mut db).map_err(|e| e.to_string())?,
            }
        }
        Request::Backup => {
            // A database that does not exist yet has nothing to back up.
            if url().is_ok_and(|url| missing_sqlite_file(&url)) {
                return Ok(Reply::Backup { path: None });
            }
            let mut db = connect()?;
            Reply::Backup {
                path: db.backup().map_err(|e| e.to_string())?,
            }
        }
        Request::Resolve { id, applied } => {
            let mut db = connect()?;
            migrator
                .resolve(&mut db, &id, applied)
                .map_err(|e| e.to_string())?;
            Reply::Done(Outcome {
                done: Vec::new(),
                elapsed_ms: millis(started.elapsed()),
            })
        }
    })
}
