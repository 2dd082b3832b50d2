//! The one boundary between `cargo entmig` and the migrations runner it compiles from a
//! package's migrations: a [`Request`] goes in (whole, as JSON in the `ENTMIG_REQUEST`
//! environment variable, never as positional arguments), and the runner writes one
//! [`Message`] a line on stdout: a [`Hello`] first, then [`Event`]s while it works, then one
//! [`Reply`].
//!
//! Both sides depend on this module through entmig-schema, so a field added here is seen by
//! both at once. A globally installed CLI can still meet a runner built from another
//! entmig-runtime (the one in the package's lock file): the hello says which protocol the
//! runner speaks, and the CLI refuses another with the install command that matches.
//!
//! The database URL travels apart from the request, in `ENTMIG_URL`, so that a request can be
//! shown or logged without a password in it.

use serde::{Deserialize, Serialize};

use crate::op::Op;
use crate::render::Backend;

/// The protocol this build speaks. Bump it on any change that an older reader would misread
/// (a renamed or removed field, a new required one); adding an optional field needs no bump.
pub const VERSION: u32 = 1;

/// The environment variable that carries the request.
pub const REQUEST_VAR: &str = "ENTMIG_REQUEST";

/// The environment variable that carries the database URL.
pub const URL_VAR: &str = "ENTMIG_URL";

/// What the CLI asks the runner to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "request", rename_all = "kebab-case")]
pub enum Request {
    /// Apply every pending migration.
    Run {
        /// Apply pending migrations older than the newest applied one too.
        force: bool,
        /// How long to keep trying, in seconds, while the database is not there yet (still
        /// starting); 0: one try. Optional on the wire, so no protocol bump (a runner before it
        /// tries once).
        #[serde(default)]
        connect_timeout_s: u64,
    },
    /// Undo applied migrations, newest first.
    Revert {
        /// Which.
        which: Which,
    },
    /// What [`Request::Revert`] would undo, with its SQL, changing nothing.
    RevertPlan {
        /// Which.
        which: Which,
    },
    /// Where every migration stands in the database.
    Status,
    /// Every migration's steps and SQL for a backend, on a fresh database (no database needed).
    Describe {
        /// The SQL dialect.
        backend: Backend,
    },
    /// Every migration's `up` as ops (or the one `id` names): what the snapshot is rebuilt from.
    Plan {
        /// One migration, by its full id.
        id: Option<String>,
    },
    /// The SQL that [`Request::Run`] would execute now, changing nothing.
    PendingSql,
    /// Copy a SQLite database aside before a run.
    Backup,
    /// Mark a dirty migration as applied or as rolled back.
    Resolve {
        /// The migration's full id.
        id: String,
        /// `true`: it did apply; `false`: forget it so that `run` applies it again.
        applied: bool,
    },
}

/// Which migrations a revert undoes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Which {
    /// The newest `n`, in the order they were applied.
    Steps(usize),
    /// Every migration applied after this id, which stays applied.
    To(String),
}

/// One line of the runner's output.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Message {
    /// The first line.
    Hello(Hello),
    /// Progress.
    Event(Event),
    /// The last line.
    Reply(Reply),
}

/// The runner's first line: which protocol it speaks and which entmig-runtime it was built
/// with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hello {
    /// [`VERSION`] of the runner's entmig-schema.
    pub protocol: u32,
    /// The runner's entmig-runtime version, e.g. `0.1.0`.
    pub runtime: String,
}

impl Hello {
    /// The hello of this build, with the runtime's version.
    pub fn new(runtime: &str) -> Hello {
        Hello {
            protocol: VERSION,
            runtime: runtime.to_owned(),
        }
    }

    /// Whether a reader of this build can read the rest of this runner's lines.
    pub fn is_compatible(&self) -> bool {
        self.protocol == VERSION
    }
}

/// Progress while a run or revert works.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "kebab-case")]
pub enum Event {
    /// A migration starts (`up`, or `down` when `reverting`).
    Started {
        /// Its id.
        id: String,
        /// Which way.
        reverting: bool,
    },
    /// A statement of a migration is about to run.
    Statement {
        /// The migration.
        id: String,
        /// The statement.
        sql: String,
    },
    /// A batched data step changed more rows.
    Batch {
        /// The migration.
        id: String,
        /// The step's name.
        step: String,
        /// Rows changed so far.
        rows: u64,
    },
    /// A migration is done.
    Finished {
        /// Its id.
        id: String,
        /// How long it took, in milliseconds.
        ms: u64,
        /// Which way it ran: `down` when `true`. Optional on the wire (a runner before it
        /// sent none), so no protocol bump.
        #[serde(default)]
        reverting: bool,
    },
    /// Another migrator holds the lock; this one waits for it.
    LockWait {
        /// How long it will wait at most, in milliseconds.
        timeout_ms: u64,
    },
}

/// The runner's answer to a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "result", rename_all = "kebab-case")]
pub enum Reply {
    /// A run, revert or resolve finished; what it did.
    Done(Outcome),
    /// A run or revert failed part way: what it did before (kept), and the failure.
    Failed {
        /// What did apply (or revert) before the failure.
        outcome: Outcome,
        /// The failure.
        message: String,
    },
    /// The request could not be carried out at all.
    Error {
        /// What went wrong, and what to do.
        message: String,
    },
    /// The answer to [`Request::Status`].
    Status {
        /// Every migration of the code in order, then those recorded but not in the code.
        migrations: Vec<MigrationStatus>,
    },
    /// The answer to [`Request::Describe`].
    Describe {
        /// Every migration, oldest first.
        migrations: Vec<Described>,
    },
    /// The answer to [`Request::Plan`].
    Plan {
        /// The migrations asked for, oldest first.
        migrations: Vec<Planned>,
    },
    /// The answer to [`Request::PendingSql`] and [`Request::RevertPlan`].
    Preview {
        /// The migrations that would run, in the order they would.
        migrations: Vec<Preview>,
    },
    /// The answer to [`Request::Backup`].
    Backup {
        /// Where the copy went; `None` when there was nothing to copy.
        path: Option<String>,
    },
}

/// What a run or a revert did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    /// The migrations applied or reverted, in the order they ran.
    pub done: Vec<DoneMigration>,
    /// The run's wall time in milliseconds, lock and checks included.
    pub elapsed_ms: u64,
}

/// One migration applied or reverted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DoneMigration {
    /// Its id.
    pub id: String,
    /// How long it took, in milliseconds.
    pub ms: u64,
}

/// Where one migration stands in one database.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MigrationStatus {
    /// The id.
    pub id: String,
    /// The state.
    #[serde(flatten)]
    pub state: State,
}

/// The state of a migration in a database. The rules that give it are the migrator's
/// (`Migrator::status` in entmig-runtime, for its own refusals and for every display of
/// them); a reader only shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
// Exhaustive on purpose: a new state must be decided by every match that acts on one (the
// migrator's refusals, the CLI's display), and it needs a protocol version anyway.
#[serde(tag = "state", rename_all = "snake_case")]
pub enum State {
    /// Applied, as it is in the code.
    Applied {
        /// When, as recorded (UTC, RFC 3339).
        applied_at: String,
        /// How long it took, in milliseconds.
        duration_ms: i64,
    },
    /// Not applied yet.
    Pending,
    /// Not applied yet, but older than the newest migration the database records (a branch
    /// merged late): `run` refuses it unless forced.
    Late,
    /// Applied, but its steps have changed in the code since.
    Changed,
    /// Applied, but not in the code.
    Missing,
    /// A non-transactional migration started and never finished: check the database.
    Dirty,
}

impl State {
    /// The state's own name (`late` for [`State::Late`]).
    pub fn name(&self) -> &'static str {
        match self {
            State::Applied { .. } => "applied",
            State::Pending => "pending",
            State::Late => "late",
            State::Changed => "changed",
            State::Missing => "missing",
            State::Dirty => "dirty",
        }
    }

    /// `true` when `run` refuses to go on because of this migration (a late one only without
    /// `force`).
    ///
    /// ```
    /// use entmig_schema::protocol::State;
    /// assert!(State::Late.blocks_run());
    /// assert!(!State::Pending.blocks_run());
    /// ```
    pub fn blocks_run(&self) -> bool {
        matches!(
            self,
            State::Late | State::Changed | State::Missing | State::Dirty
        )
    }

    /// `true` for a migration `run` would apply: pending, or late (with `force`).
    pub fn is_pending(&self) -> bool {
        matches!(self, State::Pending | State::Late)
    }

    /// Whether the migration's row is in the tracking table (applied, changed, missing or
    /// dirty): a database that holds it has run it, or part of it.
    pub fn is_recorded(&self) -> bool {
        !self.is_pending()
    }

    /// What to do about a state that [blocks `run`](State::blocks_run), in a few words.
    pub fn fix(&self) -> Option<&'static str> {
        Some(match self {
            State::Late => "`cargo entmig run --force` applies it",
            State::Changed => "restore its module, or revert it where it is applied",
            State::Missing => "restore its module from version control",
            State::Dirty => "check the database, then `cargo entmig resolve` it",
            State::Applied { .. } | State::Pending => return None,
        })
    }

    /// For a state that blocks `run`: the problem with migration `id`, and what to do.
    ///
    /// ```
    /// use entmig_schema::protocol::State;
    /// assert_eq!(
    ///     State::Dirty.problem("20261121_101500_a").unwrap(),
    ///     "20261121_101500_a is dirty (check the database, then `cargo entmig resolve` it)"
    /// );
    /// ```
    pub fn problem(&self, id: &str) -> Option<String> {
        let fix = self.fix()?;
        Some(match self {
            State::Late => format!("{id} is pending but older than an applied one ({fix})"),
            _ => format!("{id} is {} ({fix})", self.name()),
        })
    }
}

impl std::fmt::Display for State {
    /// One word, as `status` shows it. A late migration is pending too and shows as
    /// `pending`; [`State::blocks_run`] tells the two apart.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            State::Late => "pending",
            other => other.name(),
        })
    }
}

/// A step of a migration, one line, and whether it loses data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepLine {
    /// The step as a person reads it.
    pub text: String,
    /// Whether it drops a table or a column (data is lost).
    pub destructive: bool,
    /// Whether it is the mark of a direction that cannot run (`Plan::irreversible`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub irreversible: bool,
}

/// One migration's `up` as [`Request::Describe`] shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Described {
    /// Its id.
    pub id: String,
    /// Whether it runs in a transaction.
    pub transactional: bool,
    /// Its steps.
    pub steps: Vec<StepLine>,
    /// Its SQL for the backend asked for, on a database built by the migrations before it.
    pub sql: Vec<String>,
    /// Why its `down` cannot run, when it is marked irreversible.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub irreversible: Option<String>,
}

/// One migration's `up` as ops, as [`Request::Plan`] gives it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Planned {
    /// Its id.
    pub id: String,
    /// Its schema changes.
    pub ops: Vec<Op>,
    /// Its other steps (SQL, data), one line each: changes no snapshot can follow.
    pub other_steps: Vec<String>,
}

/// One migration that a run or revert would execute, with its steps and SQL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Preview {
    /// Its id.
    pub id: String,
    /// The steps that would run (`up` for a run, `down` for a revert).
    pub steps: Vec<StepLine>,
    /// Their SQL, rendered against the live schema as the migrations before leave it.
    pub sql: Vec<String>,
}

impl Preview {
    /// Whether a step loses data.
    pub fn is_destructive(&self) -> bool {
        self.steps.iter().any(|s| s.destructive)
    }

    /// The irreversible mark's line, when the steps cannot run.
    pub fn irreversible(&self) -> Option<&StepLine> {
        self.steps.iter().find(|s| s.irreversible)
    }
}

impl Message {
    /// The message as one line of JSON.
    pub fn to_line(&self) -> String {
        // Plain data with string keys: serialising does not fail; if it ever did, the reader
        // still gets a reply.
        serde_json::to_string(self).unwrap_or_else(|e| {
            let fallback = Message::Reply(Reply::Error {
                message: format!("the runner could not write its reply: {e}"),
            });
            serde_json::to_string(&fallback).unwrap_or_default()
        })
    }

    /// A line of the runner's output; `None` for a line that is not a message (a migration
    /// may print to stdout).
    pub fn from_line(line: &str) -> Option<Message> {
        serde_json::from_str(line).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Column, ColumnType, Table};

    fn round_trip(message: Message) {
        let line = message.to_line();
        assert!(!line.contains('\n'), "one line: {line}");
        assert_eq!(Message::from_line(&line), Some(message), "{line}");
    }

    #[test]
    fn every_message_round_trips() {
        round_trip(Message::Hello(Hello::new("0.1.0")));
        for event in [
            Event::Started {
                id: "20261121_101500_create_user".into(),
                reverting: true,
            },
            Event::Statement {
                id: "a".into(),
                sql: "CREATE TABLE \"x\" (\n  id BIGINT\n)".into(),
            },
            Event::Batch {
                id: "a".into(),
                step: "backfill".into(),
                rows: 10_000,
            },
            Event::Finished {
                id: "a".into(),
                ms: 12,
                reverting: false,
            },
            Event::LockWait { timeout_ms: 60_000 },
        ] {
            round_trip(Message::Event(event));
        }
        let outcome = Outcome {
            done: vec![DoneMigration {
                id: "a".into(),
                ms: 3,
            }],
            elapsed_ms: 7,
        };
        let steps = vec![
            StepLine {
                text: "drop column users.email".into(),
                destructive: true,
                irreversible: false,
            },
            StepLine {
                text: "raw SQL".into(),
                destructive: false,
                irreversible: false,
            },
            StepLine {
                text: "irreversible: users.org_id cannot be restored".into(),
                destructive: false,
                irreversible: true,
            },
        ];
        let table = Table::new("users").with_column(Column::new("id", ColumnType::BigInt));
        for reply in [
            Reply::Done(outcome.clone()),
            Reply::Done(Outcome::default()),
            Reply::Failed {
                outcome,
                message: "migration b failed at step 2".into(),
            },
            Reply::Error {
                message: "no database".into(),
            },
            Reply::Status {
                migrations: [
                    State::Applied {
                        applied_at: "2026-11-21T10:15:00Z".into(),
                        duration_ms: 4,
                    },
                    State::Pending,
                    State::Late,
                    State::Changed,
                    State::Missing,
                    State::Dirty,
                ]
                .into_iter()
                .map(|state| MigrationStatus {
                    id: "a".into(),
                    state,
                })
                .collect(),
            },
            Reply::Describe {
                migrations: vec![Described {
                    id: "a".into(),
                    transactional: false,
                    steps: steps.clone(),
                    sql: vec!["DROP TABLE x".into()],
                    irreversible: Some("users.org_id cannot be restored".into()),
                }],
            },
            Reply::Plan {
                migrations: vec![Planned {
                    id: "a".into(),
                    ops: vec![Op::CreateTable { table }],
                    other_steps: vec!["data step: backfill".into()],
                }],
            },
            Reply::Preview {
                migrations: vec![Preview {
                    id: "a".into(),
                    steps,
                    sql: vec![],
                }],
            },
            Reply::Backup {
                path: Some("/tmp/app.db.bak".into()),
            },
            Reply::Backup { path: None },
        ] {
            round_trip(Message::Reply(reply));
        }
    }

    #[test]
    fn a_run_request_without_a_connect_timeout_tries_once() {
        let request: Request = serde_json::from_str(r#"{"request":"run","force":false}"#).unwrap();
        assert_eq!(
            request,
            Request::Run {
                force: false,
                connect_timeout_s: 0
            }
        );
    }

    #[test]
    fn every_request_round_trips() {
        for request in [
            Request::Run {
                force: true,
                connect_timeout_s: 30,
            },
            Request::Revert {
                which: Which::Steps(2),
            },
            Request::RevertPlan {
                which: Which::To("20261121_101500_create_user".into()),
            },
            Request::Status,
            Request::Describe {
                backend: Backend::Postgres,
            },
            Request::Plan { id: None },
            Request::Plan {
                id: Some("a".into()),
            },
            Request::PendingSql,
            Request::Backup,
            Request::Resolve {
                id: "a".into(),
                applied: false,
            },
        ] {
            let json = serde_json::to_string(&request).unwrap();
            assert_eq!(
                serde_json::from_str::<Request>(&json).unwrap(),
                request,
                "{json}"
            );
        }
    }

    /// The hello is the one line every version must read: its shape is fixed.
    #[test]
    fn the_hello_line_is_fixed() {
        assert_eq!(
            Message::Hello(Hello::new("0.1.0")).to_line(),
            r#"{"kind":"hello","protocol":1,"runtime":"0.1.0"}"#
        );
        let other: Message =
            serde_json::from_str(r#"{"kind":"hello","protocol":7,"runtime":"0.9.0"}"#).unwrap();
        match other {
            Message::Hello(hello) => assert!(!hello.is_compatible()),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_line_that_is_no_message_is_skipped() {
        assert_eq!(Message::from_line("hello from a data step"), None);
        assert_eq!(Message::from_line(r#"{"debug": 1}"#), None);
    }
}
