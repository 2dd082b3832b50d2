//! The migrator: applies pending migrations, reverts applied ones, and says where a database
//! stands. The algorithm is written once here, above the backend primitives.
//!
//! - One lock for the whole run; the list of applied migrations is read after it is held, so
//!   several instances starting at once apply each migration exactly once.
//! - Each migration runs in its own transaction together with its row in `entmig_migrations`:
//!   a failure anywhere leaves schema, data and tracking as they were before it.
//! - Checksums are over a migration's canonical steps, never its source text.
//! - Read-only calls (`status`, `sql`) never create the tracking table.

// A failed run's error carries the report of what did apply (with the run's wall time), which
// makes it larger than clippy likes; it is returned once per run, so the size costs nothing.
#![allow(clippy::result_large_err)]

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use entmig_schema::{Backend, Op, Runs, Schema};

use crate::database::{Database, Transaction};
use crate::error::{Error, Result};
use crate::migration::{Direction, MigrationTrait, Plan, Step};

#[cfg(feature = "tokio")]
mod asynchronous;
mod preview;
mod tracking;

pub use entmig_schema::protocol::{Described, Preview};
pub use preview::plan_sql;
pub use tracking::TRACKING_TABLE;
use tracking::{Status, TrackedRow};

/// One migration as the migrator knows it: its id, its name and its code.
pub struct Entry {
    id: String,
    name: String,
    migration: Box<dyn MigrationTrait>,
}

impl Entry {
    /// An entry from a module name, `m<YYYYMMDD>_<HHMMSS>_<name>`: the id is the name without
    /// its leading `m` (`20261121_101500_create_user`), the name what follows the timestamp.
    pub fn new(module: &str, migration: Box<dyn MigrationTrait>) -> Entry {
        let id = module.strip_prefix('m').unwrap_or(module).to_owned();
        let name = id.splitn(3, '_').nth(2).unwrap_or(&id).to_owned();
        Entry {
            id,
            name,
            migration,
        }
    }

    /// The id: timestamp and name.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The name, without the timestamp.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The migration's code.
    pub fn migration(&self) -> &dyn MigrationTrait {
        self.migration.as_ref()
    }

    /// The checksum of `up`.
    pub fn checksum(&self) -> String {
        Plan::of(self.migration.as_ref(), Direction::Up).checksum()
    }
}

impl fmt::Debug for Entry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Entry").field("id", &self.id).finish()
    }
}

/// Declares the migration modules of `src/migrations/mod.rs` and defines
/// `pub fn migrator() -> Migrator` over them, in timestamp order.
///
/// ```ignore
/// // src/migrations/mod.rs, written by `cargo entmig make`
/// entmig_runtime::migrations! {
///     m20261121_101500_create_user,
///     m20261122_090000_add_email,
/// }
/// ```
#[macro_export]
macro_rules! migrations {
    ($($module:ident),* $(,)?) => {
        $(pub mod $module;)*

        /// Every migration of this crate, in order.
        pub fn migrator() -> $crate::Migrator {
            $crate::Migrator::new(::std::vec![
                $($crate::migrator::Entry::new(
                    ::core::stringify!($module),
                    ::std::boxed::Box::new($module::Migration),
                )),*
            ])
        }
    };
}

/// What happens during a run, for a progress display: the runner protocol's own events,
/// so that what a library user sees and what `cargo entmig` prints are one thing.
pub use entmig_schema::protocol::Event;

/// What [`RunOptions::on_event`] calls.
pub type EventHandler = Arc<dyn Fn(&Event) + Send + Sync>;

/// Options of [`Migrator::run_with`] and [`Migrator::revert_with`].
#[derive(Clone)]
pub struct RunOptions {
    /// Apply pending migrations older than the newest applied one (a branch merged late).
    pub force: bool,
    /// How long to wait for another migrator's lock.
    pub lock_timeout: Duration,
    /// Called as migrations start, progress and finish.
    pub on_event: Option<EventHandler>,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            force: false,
            lock_timeout: Duration::from_secs(60),
            on_event: None,
        }
    }
}

impl fmt::Debug for RunOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RunOptions")
            .field("force", &self.force)
            .field("lock_timeout", &self.lock_timeout)
            .finish()
    }
}

/// One migration applied or reverted, and how long it took.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Done {
    /// The migration.
    pub id: String,
    /// How long it took.
    pub duration: Duration,
}

/// What a run or revert did: the migrations, in the order they ran, and how long it all took.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// The migrations applied (by `run`) or reverted (by `revert`).
    pub done: Vec<Done>,
    /// The wall time of the whole run, from before the lock was taken to after it was
    /// released: more than the sum of the migrations' durations, which leave out the lock,
    /// reading what is applied and introspection.
    pub elapsed: Duration,
}

/// A failed run: what did apply before the failure, and the failure.
#[derive(Debug, thiserror::Error)]
#[error("{error}")]
pub struct RunError {
    /// The migrations that did apply (or revert) before the failure; they stay.
    pub report: Report,
    /// What went wrong.
    #[source]
    pub error: Error,
}

impl From<Error> for RunError {
    fn from(error: Error) -> Self {
        RunError {
            report: Report::default(),
            error,
        }
    }
}

/// Which migrations `revert` undoes, newest first. "Newest" is the order they were applied
/// in: a migration applied late with `force` is undone before the ones its id sorts after.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Revert {
    /// The newest `n`.
    Steps(usize),
    /// Every migration applied after this id, which stays applied.
    To(String),
}

pub use entmig_schema::protocol::{MigrationStatus, State};

/// Where each migration stands, given the tracking table's rows: the code's migrations in
/// order, then the rows the code does not have. The one place that decides states.
fn states(entries: &[Entry], applied: &BTreeMap<String, TrackedRow>) -> Vec<MigrationStatus> {
    let newest = applied.keys().next_back();
    let mut out: Vec<MigrationStatus> = entries
        .iter()
        .map(|entry| MigrationStatus {
            id: entry.id.clone(),
            state: match applied.get(&entry.id) {
                None if newest.is_some_and(|newest| entry.id < *newest) => State::Late,
                None => State::Pending,
                Some(row) if row.status == Status::Started => State::Dirty,
                Some(row) if row.checksum != entry.checksum() => State::Changed,
                Some(row) => State::Applied {
                    applied_at: row.applied_at.clone(),
                    duration_ms: row.duration_ms,
                },
            },
        })
        .collect();
    // `entries` is sorted by id (`Migrator::new`).
    for row in applied.values() {
        if entries.binary_search_by(|e| e.id.cmp(&row.id)).is_err() {
            out.push(MigrationStatus {
                id: row.id.clone(),
                state: match row.status {
                    Status::Applied => State::Missing,
                    Status::Started => State::Dirty,
                },
            });
        }
    }
    out
}

/// The error `run` (or `revert`) stops with because of a migration in `state`; `None` for a
/// state that [does not block](State::blocks_run). `newest` is the newest recorded id.
fn refusal(status: &MigrationStatus, newest: &str) -> Option<Error> {
    let id = status.id.clone();
    Some(match status.state {
        State::Dirty => Error::Dirty { id },
        State::Changed => Error::ChangedMigration { id },
        State::Missing => Error::MissingMigration { id },
        State::Late => Error::OutOfOrder {
            id,
            newest: newest.to_owned(),
        },
        State::Applied { .. } | State::Pending => return None,
    })
}

/// The migrations of an application, in order. `cargo entmig make` writes the modules and the
/// [`migrations!`](crate::migrations) list that builds it; by hand:
///
/// ```
/// use entmig_runtime::migration::prelude::*;
/// use entmig_runtime::migrator::Entry;
/// use entmig_runtime::{Database, Migrator, Revert, State};
///
/// struct CreateNotes;
/// impl MigrationTrait for CreateNotes {
///     fn up(&self, m: &mut Plan) {
///         m.create_table(Table::new("notes")
///             .with_column(Column::new("id", ColumnType::BigInt).auto_increment())
///             .with_primary_key(["id"]));
///     }
///     fn down(&self, m: &mut Plan) {
///         m.drop_table(Table::new("notes")
///             .with_column(Column::new("id", ColumnType::BigInt).auto_increment())
///             .with_primary_key(["id"]));
///     }
/// }
///
/// let migrator = Migrator::new(vec![Entry::new("m20261121_101500_create_notes", Box::new(CreateNotes))]);
/// let mut db = Database::connect("sqlite::memory:")?;
/// assert_eq!(migrator.status(&mut db)?[0].state, State::Pending);
/// let report = migrator.run(&mut db)?;
/// assert_eq!(report.done[0].id, "20261121_101500_create_notes");
/// assert!(migrator.run(&mut db)?.done.is_empty(), "nothing left to apply");
/// migrator.revert(&mut db, Revert::Steps(1))?;
/// assert!(db.introspect()?.tables.is_empty());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct Migrator {
    entries: Vec<Entry>,
}

/// What one pass of [`Migrator::migrate`] does: apply what is pending, or revert applied ones.
enum Job<'a> {
    Apply,
    Revert(&'a Revert),
}

impl Migrator {
    /// A migrator over `entries`, sorted by id (the timestamp comes first).
    pub fn new(mut entries: Vec<Entry>) -> Migrator {
        entries.sort_by(|a, b| a.id.cmp(&b.id));
        Migrator { entries }
    }

    /// The migrations, oldest first.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// Applies every pending migration, each in its own transaction.
    pub fn run(&self, db: &mut Database) -> Result<Report, RunError> {
        self.run_with(db, &RunOptions::default())
    }

    /// [`Migrator::run`] with options.
    pub fn run_with(&self, db: &mut Database, options: &RunOptions) -> Result<Report, RunError> {
        self.migrate(db, &Job::Apply, options)
    }

    /// Reverts the newest applied migration.
    pub fn revert(&self, db: &mut Database, which: Revert) -> Result<Report, RunError> {
        self.revert_with(db, which, &RunOptions::default())
    }

    /// [`Migrator::revert`] with options: runs `down` of the chosen migrations, newest first,
    /// each in its transaction with the removal of its tracking row.
    pub fn revert_with(
        &self,
        db: &mut Database,
        which: Revert,
        options: &RunOptions,
    ) -> Result<Report, RunError> {
        self.migrate(db, &Job::Revert(&which), options)
    }

    /// The one body of `run` and `revert`: lock, read what is applied, refuse a database that
    /// does not match the code, then run each chosen migration one way and record it, and
    /// unlock. The report's `elapsed` spans all of it, lock included.
    fn migrate(
        &self,
        db: &mut Database,
        job: &Job<'_>,
        options: &RunOptions,
    ) -> Result<Report, RunError> {
        let start = Instant::now();
        // One try first, so that a wait is announced while it lasts.
        let locked = match db.driver().lock(Duration::ZERO) {
            Err(Error::LockTimeout { .. }) => {
                emit(
                    options,
                    Event::LockWait {
                        timeout_ms: whole_millis(options.lock_timeout),
                    },
                );
                db.driver().lock(options.lock_timeout)
            }
            other => other,
        };
        let result = match locked {
            Ok(()) => {
                let mut report = Report::default();
                let result = self.migrate_locked(db, job, options, &mut report);
                finish_locked(db, report, result)
            }
            Err(error) => Err(RunError::from(error)),
        };
        let elapsed = start.elapsed();
        match result {
            Ok(report) => Ok(Report { elapsed, ..report }),
            Err(mut failure) => {
                failure.report.elapsed = elapsed;
                Err(failure)
            }
        }
    }

    fn migrate_locked(
        &self,
        db: &mut Database,
        job: &Job<'_>,
        options: &RunOptions,
        report: &mut Report,
    ) -> Result<()> {
        let direction = match job {
            Job::Apply => Direction::Up,
            Job::Revert(_) => Direction::Down,
        };
        let chosen = self.choose(db, job, options.force)?;
        let mut schema = if chosen.is_empty() {
            Schema::new()
        } else {
            db.introspect()?
        };
        for entry in chosen {
            emit(
                options,
                Event::Started {
                    id: entry.id.clone(),
                    reverting: direction == Direction::Down,
                },
            );
            let duration = run_one(db, entry, direction, &mut schema, options)?;
            emit(
                options,
                Event::Finished {
                    id: entry.id.clone(),
                    ms: whole_millis(duration),
                    reverting: direction == Direction::Down,
                },
            );
            report.done.push(Done {
                id: entry.id.clone(),
                duration,
            });
        }
        Ok(())
    }

    /// The migrations a job runs, in order, once the database is known to match the code:
    /// the pending ones (creating the tracking table), or the applied ones `which` reverts.
    fn choose(&self, db: &mut Database, job: &Job<'_>, force: bool) -> Result<Vec<&Entry>> {
        match job {
            Job::Apply => {
                tracking::create_if_missing(db)?;
                let applied = tracking::read(db)?;
                self.check(&applied, !force)?;
                Ok(self
                    .entries
                    .iter()
                    .filter(|e| !applied.contains_key(&e.id))
                    .collect())
            }
            Job::Revert(which) => {
                let Some(applied) = tracking::read_if_exists(db)? else {
                    return Ok(Vec::new());
                };
                self.check(&applied, false)?;
                let chosen = to_revert(&applied, which)?
                    .iter()
                    .map(|id| self.applied_entry(id))
                    .collect::<Result<Vec<_>>>()?;
                // Refused before anything is touched: none of the chosen is reverted.
                for entry in &chosen {
                    let plan = Plan::of(entry.migration(), Direction::Down);
                    if let Some(reason) = plan.irreversible_reason() {
                        return Err(Error::Irreversible {
                            id: entry.id.clone(),
                            reason: reason.to_owned(),
                        });
                    }
                }
                Ok(chosen)
            }
        }
    }

    /// Refuses to go on from a database that does not match the code: a dirty migration, an
    /// applied one that has changed or is not in the code (the first by id), and then, when
    /// `refuse_late`, a pending one older than the newest applied.
    fn check(&self, applied: &BTreeMap<String, TrackedRow>, refuse_late: bool) -> Result<()> {
        let newest = applied.keys().next_back().map_or("", String::as_str);
        let statuses = states(&self.entries, applied);
        let first = |late: bool| {
            statuses
                .iter()
                .filter(|s| s.state.blocks_run() && (s.state == State::Late) == late)
                .min_by(|a, b| a.id.cmp(&b.id))
        };
        let blocking = first(false).or_else(|| first(true).filter(|_| refuse_late));
        match blocking.and_then(|status| refusal(status, newest)) {
            Some(error) => Err(error),
            None => Ok(()),
        }
    }

    /// Where every migration stands: those of the code in order, then those recorded in the
    /// database but missing from the code. Reads only; creates nothing.
    pub fn status(&self, db: &mut Database) -> Result<Vec<MigrationStatus>> {
        let applied = tracking::read_if_exists(db)?.unwrap_or_default();
        Ok(states(&self.entries, &applied))
    }

    /// Marks a dirty migration as resolved after checking the database by hand: `applied`
    /// records it as applied, otherwise its row is removed so that `run` applies it again.
    pub fn resolve(&self, db: &mut Database, id: &str, applied: bool) -> Result<()> {
        db.transaction(|tx| tracking::resolve(tx, id, applied))
    }

    /// The migration of an id the database records, which `revert` needs the code of.
    fn applied_entry(&self, id: &str) -> Result<&Entry> {
        self.entries
            .iter()
            .find(|e| e.id == id)
            .ok_or_else(|| Error::MissingMigration { id: id.to_owned() })
    }
}

/// Runs one migration `direction` and records it, in one transaction, or, when it opts out,
/// outside one between a durable "started" mark and its final record; how long it took.
/// `schema` is the live schema before, and follows it.
fn run_one(
    db: &mut Database,
    entry: &Entry,
    direction: Direction,
    schema: &mut Schema,
    options: &RunOptions,
) -> Result<Duration> {
    let start = Instant::now();
    let backend = db.backend();
    let plan = Plan::of(entry.migration(), direction);
    let id = &entry.id;
    let progress = |step: &str, rows: u64| {
        emit(
            options,
            Event::Batch {
                id: id.clone(),
                step: step.to_owned(),
                rows,
            },
        )
    };
    let statement = |sql: &str| {
        emit(
            options,
            Event::Statement {
                id: id.clone(),
                sql: sql.to_owned(),
            },
        )
    };
    let run_plan = |tx: &mut Transaction<'_>, schema: &mut Schema| {
        run_plan(tx, id, &plan, backend, schema, &statement)
    };
    if entry.migration().transactional() {
        // On failure the run ends, so `schema` need not survive a rollback.
        db.in_transaction(Some(&progress), |tx| {
            run_plan(tx, schema)?;
            record_end(tx, direction, entry, &plan, start.elapsed(), false)
        })?;
    } else {
        // Recorded as started and made durable first: a failure or a crash part way leaves a
        // visible dirty state.
        db.in_transaction(None, |tx| record_start(tx, direction, entry, &plan))?;
        db.driver().checkpoint()?;
        let outcome = db.outside_transaction(Some(&progress), |tx| run_plan(tx, schema));
        if let Err(error) = outcome {
            db.driver().checkpoint()?;
            return Err(error);
        }
        db.in_transaction(None, |tx| {
            record_end(tx, direction, entry, &plan, start.elapsed(), true)
        })?;
    }
    Ok(start.elapsed())
}

/// The tracking row before a migration runs outside a transaction: applying records it as
/// started; reverting marks its applied row started again.
fn record_start(
    tx: &mut Transaction<'_>,
    direction: Direction,
    entry: &Entry,
    plan: &Plan,
) -> Result<()> {
    match direction {
        Direction::Up => tracking::insert(
            tx,
            &entry.id,
            &entry.name,
            &plan.checksum(),
            Duration::ZERO,
            Status::Started,
        ),
        Direction::Down => tracking::mark_started(tx, &entry.id),
    }
}

/// The tracking row once a migration has run: applied (inserted, or its started row marked
/// applied when `started`), or removed when it was reverted.
fn record_end(
    tx: &mut Transaction<'_>,
    direction: Direction,
    entry: &Entry,
    plan: &Plan,
    duration: Duration,
    started: bool,
) -> Result<()> {
    match (direction, started) {
        (Direction::Up, false) => tracking::insert(
            tx,
            &entry.id,
            &entry.name,
            &plan.checksum(),
            duration,
            Status::Applied,
        ),
        (Direction::Up, true) => tracking::mark_applied(tx, &entry.id, duration),
        (Direction::Down, _) => tracking::delete(tx, &entry.id),
    }
}

/// The applied migrations that `which` undoes, newest first — in the reverse of the order they
/// were applied, so that one applied late with `force` is newer than those its id sorts after
/// (within a second, by id).
fn to_revert(applied: &BTreeMap<String, TrackedRow>, which: &Revert) -> Result<Vec<String>> {
    let mut newest_first: Vec<&TrackedRow> = applied.values().collect();
    newest_first.sort_by(|a, b| (&b.applied_at, &b.id).cmp(&(&a.applied_at, &a.id)));
    let newest_first = newest_first.into_iter().map(|a| a.id.clone());
    Ok(match which {
        Revert::Steps(n) => newest_first.take(*n).collect(),
        Revert::To(id) => {
            if !applied.contains_key(id) {
                return Err(Error::NotApplied { id: id.clone() });
            }
            newest_first.take_while(|a| a != id).collect()
        }
    })
}

/// A plan's steps as they run: consecutive ops together (so that SQLite can rebuild a table
/// once for several of them, see [`Runs`]), every other step alone.
enum Group<'a> {
    Ops {
        /// The 0-based position of the first op among the plan's steps.
        first: usize,
        ops: Vec<Op>,
    },
    Other {
        /// Its 0-based position among the plan's steps.
        index: usize,
        step: &'a Step,
    },
}

fn groups(steps: &[Step]) -> Vec<Group<'_>> {
    let mut out: Vec<Group<'_>> = Vec::new();
    for (index, step) in steps.iter().enumerate() {
        match (step, out.last_mut()) {
            (Step::Op(op), Some(Group::Ops { ops, .. })) => ops.push(op.clone()),
            (Step::Op(op), _) => out.push(Group::Ops {
                first: index,
                ops: vec![op.clone()],
            }),
            (step, _) => out.push(Group::Other { index, step }),
        }
    }
    out
}

/// Runs the steps of a plan in `tx`. `schema` is the schema before, and follows the ops; after
/// raw SQL or a data step it is read again, since those may change it in ways ops cannot see.
/// Errors name the plan's step, numbered as [`plan_sql`] numbers it (through [`Runs`]).
fn run_plan(
    tx: &mut Transaction<'_>,
    id: &str,
    plan: &Plan,
    backend: Backend,
    schema: &mut Schema,
    statement: &dyn Fn(&str),
) -> Result<()> {
    let step_error = |index: usize, description: String, error: Error| Error::Migration {
        id: id.to_owned(),
        step: index + 1,
        description,
        source: Box::new(error),
    };
    let described = |index: usize| {
        plan.steps()
            .get(index)
            .map(ToString::to_string)
            .unwrap_or_default()
    };
    let mut stale = false;
    for group in groups(plan.steps()) {
        match group {
            Group::Ops { first, ops } => {
                if stale {
                    *schema = tx
                        .introspect()
                        .map_err(|e| step_error(first, described(first), e))?;
                    stale = false;
                }
                let mut runs = Runs::new(&ops, backend).numbered_from(first);
                while let Some(run) = runs.next(schema) {
                    let run = run.map_err(|e| {
                        let index = e.step().saturating_sub(1);
                        step_error(index, described(index), e.into())
                    })?;
                    run.rendered
                        .statements
                        .iter()
                        .for_each(|sql| statement(sql));
                    let ops = runs.ops(&run);
                    let mut tables: Vec<&str> = ops.iter().map(Op::table).collect();
                    tables.dedup();
                    tx.run_rendered(&run.rendered)
                        .and_then(|()| {
                            // SQLite checks keys at the end of a migration; here, so that the
                            // error names the step, as PostgreSQL's does.
                            tables
                                .iter()
                                .try_for_each(|table| tx.check_foreign_keys(table))
                        })
                        .map_err(|e| {
                            let (index, description) = failed_step(run.first, ops, &e);
                            step_error(index, description, e)
                        })?;
                }
            }
            Group::Other { index, step } => {
                let context = |error: Error| step_error(index, step.to_string(), error);
                match step {
                    Step::Sql { backend: only, sql } => {
                        if only.is_none_or(|b| b == backend) {
                            statement(sql);
                            tx.execute_batch(sql).map_err(context)?;
                            stale = true;
                        }
                    }
                    Step::Data { name, run } => {
                        statement(&format!("-- data step: {name}"));
                        run(tx).map_err(context)?;
                        stale = true;
                    }
                    Step::Irreversible { reason } => {
                        return Err(Error::Irreversible {
                            id: id.to_owned(),
                            reason: reason.clone(),
                        });
                    }
                    Step::Op(_) => {}
                }
            }
        }
    }
    if stale {
        *schema = tx.introspect()?;
    }
    Ok(())
}

/// The step a failed run of ops names, 0-based, and its description. A SQLite rebuild runs
/// several ops as one copy; when the database names a column (a NOT NULL or UNIQUE
/// constraint) or a foreign key's parent, the op that touches it is the step that failed,
/// otherwise the run's first.
fn failed_step(first: usize, ops: &[Op], error: &Error) -> (usize, String) {
    let Some(head) = ops.first() else {
        return (first, String::new());
    };
    if ops.len() == 1 {
        return (first, head.to_string());
    }
    let at = failing_op(ops, error).unwrap_or(0);
    let op = ops.get(at).unwrap_or(head);
    (
        first + at,
        format!(
            "{op}, rebuilding {} together with steps {} to {}",
            head.table(),
            first + 1,
            first + ops.len()
        ),
    )
}

/// Which of a rebuild's ops the database's error is about, if it says.
fn failing_op(ops: &[Op], error: &Error) -> Option<usize> {
    match error {
        Error::Sql { message, .. } => {
            let (_, names) = message.split_once("constraint failed: ")?;
            // `table.column[, table.column]`; the table is the rebuild's temporary copy.
            let columns: Vec<&str> = names
                .lines()
                .next()?
                .split(", ")
                .filter_map(|name| name.rsplit('.').next())
                .collect();
            ops.iter()
                .rposition(|op| columns.iter().any(|column| touches_column(op, column)))
        }
        Error::ValuesDoNotFit { column, .. } => ops
            .iter()
            .rposition(|op| matches!(op, Op::AlterColumn { column: c, .. } if c == column)),
        Error::ForeignKeyViolation {
            parent, columns, ..
        } => ops
            .iter()
            .rposition(|op| {
                matches!(op, Op::AddForeignKey { foreign_key, .. } if foreign_key.referenced_table == *parent)
            })
            .or_else(|| {
                ops.iter()
                    .rposition(|op| columns.iter().any(|column| touches_column(op, column)))
            }),
        _ => None,
    }
}

/// `true` when `op` gives `column` its definition, or a constraint on it.
fn touches_column(op: &Op, column: &str) -> bool {
    let has = |columns: &[String]| columns.iter().any(|c| c == column);
    match op {
        Op::AddColumn { column: c, .. } => c.name == column,
        Op::AlterColumn { column: c, .. } => c == column,
        Op::RenameColumn { to, .. } => to == column,
        Op::SetPrimaryKey { to, .. } => has(to),
        Op::AddForeignKey { foreign_key, .. } => has(&foreign_key.columns),
        Op::AddIndex { index, .. } => has(&index.columns),
        _ => false,
    }
}

/// A duration in whole milliseconds, for events.
fn whole_millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

fn finish_locked(
    db: &mut Database,
    report: Report,
    result: Result<()>,
) -> Result<Report, RunError> {
    match result {
        Ok(()) => match db.driver().unlock() {
            Ok(()) => Ok(report),
            Err(error) => Err(RunError {
                report: Report::default(),
                error,
            }),
        },
        Err(error) => {
            // What applied before the failure was committed migration by migration; keep it.
            let kept = db.driver().abort();
            match kept {
                Ok(()) => Err(RunError { report, error }),
                Err(_) => Err(RunError {
                    report: Report::default(),
                    error,
                }),
            }
        }
    }
}

/// Where every event goes: to the `log` records (target `entmig_runtime::migrator`) and to
/// the caller's handler. The one place a run reports from.
fn emit(options: &RunOptions, event: Event) {
    log_event(&event);
    if let Some(on_event) = &options.on_event {
        on_event(&event);
    }
}

/// One `log` record per event: `info` for each migration done with its duration, `debug`
/// for each start, statement and batch, `warn` while waiting for the lock.
fn log_event(event: &Event) {
    match event {
        Event::Started { id, reverting } => {
            log::debug!(
                "{} migration {id}",
                verb(*reverting, "applying", "reverting")
            );
        }
        Event::Statement { id, sql } => log::debug!("migration {id}: {sql}"),
        Event::Batch { id, step, rows } => {
            log::debug!("migration {id}: {step}: {rows} rows so far");
        }
        Event::Finished { id, ms, reverting } => {
            log::info!(
                "{} migration {id} in {ms} ms",
                verb(*reverting, "applied", "reverted")
            );
        }
        Event::LockWait { timeout_ms } => log::warn!(
            "waiting for another migrator's lock (at most {} s)",
            timeout_ms.div_ceil(1000)
        ),
    }
}

fn verb(reverting: bool, up: &'static str, down: &'static str) -> &'static str {
    if reverting { down } else { up }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Value;
    use entmig_schema::{Column, ColumnType, Table};

    /// Creates a table named after the migration, or runs its own steps.
    struct Make(&'static str);
    impl MigrationTrait for Make {
        fn up(&self, m: &mut Plan) {
            m.create_table(
                Table::new(self.0)
                    .with_column(Column::new("id", ColumnType::BigInt))
                    .with_column(Column::new("email", ColumnType::Text))
                    .with_primary_key(["id"]),
            );
        }
        fn down(&self, m: &mut Plan) {
            m.sql(&format!("DROP TABLE {}", self.0));
        }
    }

    fn migrator(names: &[&'static str]) -> Migrator {
        Migrator::new(
            names
                .iter()
                .enumerate()
                .map(|(i, name)| {
                    Entry::new(&format!("m2026010{i}_000000_{name}"), Box::new(Make(name)))
                })
                .collect(),
        )
    }

    fn memory() -> Database {
        Database::connect("sqlite::memory:").unwrap()
    }

    #[test]
    fn ids_and_names_come_from_module_names() {
        struct Nothing;
        impl MigrationTrait for Nothing {
            fn up(&self, _: &mut Plan) {}
            fn down(&self, _: &mut Plan) {}
        }
        let entry = Entry::new("m20261121_101500_create_user", Box::new(Nothing));
        assert_eq!(entry.id(), "20261121_101500_create_user");
        assert_eq!(entry.name(), "create_user");
    }

    #[test]
    fn a_pending_migration_older_than_the_newest_applied_is_late() {
        let mut db = memory();
        // Applied: 0 and 2; then 1 appears (a branch merged late).
        Migrator::new(vec![
            Entry::new("m20260100_000000_a", Box::new(Make("a"))),
            Entry::new("m20260102_000000_c", Box::new(Make("c"))),
        ])
        .run(&mut db)
        .unwrap();
        let all = migrator(&["a", "b", "c", "d"]);
        let states: Vec<State> = all
            .status(&mut db)
            .unwrap()
            .into_iter()
            .map(|s| s.state)
            .collect();
        assert!(matches!(states[0], State::Applied { .. }));
        assert_eq!(states[1], State::Late);
        assert!(matches!(states[2], State::Applied { .. }));
        assert_eq!(states[3], State::Pending);
        assert!(states[1].blocks_run() && !states[3].blocks_run());
        assert_eq!(
            states[1].fix(),
            Some("`cargo entmig run --force` applies it")
        );
        assert_eq!(
            states[1].to_string(),
            "pending",
            "late is a kind of pending"
        );

        let refused = all.run(&mut db).unwrap_err();
        assert!(
            matches!(&refused.error, Error::OutOfOrder { id, newest }
                if id == "20260101_000000_b" && newest == "20260102_000000_c"),
            "{refused}"
        );
        let pending: Vec<String> = all
            .pending_sql(&mut db)
            .unwrap()
            .into_iter()
            .map(|p| p.id)
            .collect();
        assert_eq!(pending, ["20260101_000000_b", "20260103_000000_d"]);
        let forced = RunOptions {
            force: true,
            ..RunOptions::default()
        };
        let report = all.run_with(&mut db, &forced).unwrap();
        assert_eq!(report.done.len(), 2);
        assert!(
            report.elapsed >= report.done.iter().map(|d| d.duration).sum(),
            "the wall time spans every migration"
        );
    }

    #[test]
    fn states_cross_the_process_boundary_as_plain_data() {
        let statuses = [
            MigrationStatus {
                id: "20260101_000000_a".into(),
                state: State::Applied {
                    applied_at: "2026-01-01T00:00:00Z".into(),
                    duration_ms: 3,
                },
            },
            MigrationStatus {
                id: "20260102_000000_b".into(),
                state: State::Late,
            },
        ];
        let json = serde_json::to_string(&statuses).unwrap();
        assert_eq!(
            json,
            r#"[{"id":"20260101_000000_a","state":"applied","applied_at":"2026-01-01T00:00:00Z","duration_ms":3},{"id":"20260102_000000_b","state":"late"}]"#
        );
        let back: Vec<MigrationStatus> = serde_json::from_str(&json).unwrap();
        assert_eq!(back, statuses);
    }

    #[test]
    fn a_corrupt_tracking_row_is_refused_by_name() {
        let mut db = memory();
        let all = migrator(&["a"]);
        all.run(&mut db).unwrap();
        db.execute("UPDATE entmig_migrations SET status = 'bogus'", &[])
            .unwrap();
        let error = all.status(&mut db).unwrap_err();
        assert_eq!(
            error.to_string(),
            "entmig_migrations row '20260100_000000_a' has status 'bogus'; expected 'applied' \
             or 'started': fix or delete the row"
        );
        assert!(matches!(
            all.run(&mut db).unwrap_err().error,
            Error::TrackingRow { .. }
        ));
    }

    /// Three ops on one table, which SQLite rebuilds once; the second cannot fill its NOT NULL
    /// column.
    struct Rebuild;
    impl MigrationTrait for Rebuild {
        fn up(&self, m: &mut Plan) {
            m.add_column("a", Column::new("nickname", ColumnType::Text).nullable())
                .add_column("a", Column::new("required", ColumnType::Text))
                .add_column("a", Column::new("later", ColumnType::Text).nullable());
        }
        fn down(&self, _: &mut Plan) {}
    }

    #[test]
    fn an_error_in_a_merged_rebuild_names_the_op_that_fails() {
        let mut db = memory();
        migrator(&["a"]).run(&mut db).unwrap();
        db.execute("INSERT INTO a (id, email) VALUES (1, 'x')", &[])
            .unwrap();
        let error = Migrator::new(vec![
            Entry::new("m20260100_000000_a", Box::new(Make("a"))),
            Entry::new("m20260101_000000_rebuild", Box::new(Rebuild)),
        ])
        .run(&mut db)
        .unwrap_err()
        .to_string();
        assert!(
            error.contains(
                "migration 20260101_000000_rebuild failed at step 2 (add column a.required"
            ),
            "{error}"
        );
        assert!(
            error.contains("rebuilding a together with steps 1 to 3"),
            "{error}"
        );
        assert_eq!(
            db.query("SELECT COUNT(*) FROM entmig_migrations", &[])
                .unwrap()[0][0],
            Value::Integer(1)
        );
    }

    /// Three changes to one table, one rebuild; the second narrows a type that a row's value
    /// does not fit.
    struct Narrow;
    impl MigrationTrait for Narrow {
        fn up(&self, m: &mut Plan) {
            m.add_column("a", Column::new("nickname", ColumnType::Text).nullable())
                .alter_column(
                    "a",
                    "email",
                    entmig_schema::ColumnChanges::new().ty(ColumnType::Text, ColumnType::Integer),
                )
                .add_column("a", Column::new("later", ColumnType::Text).nullable());
        }
        fn down(&self, _: &mut Plan) {}
    }

    #[test]
    fn a_value_that_does_not_fit_names_its_step_in_a_merged_rebuild() {
        let mut db = memory();
        migrator(&["a"]).run(&mut db).unwrap();
        db.execute("INSERT INTO a (id, email) VALUES (1, '12'), (2, 'r3')", &[])
            .unwrap();
        let error = Migrator::new(vec![
            Entry::new("m20260100_000000_a", Box::new(Make("a"))),
            Entry::new("m20260101_000000_narrow", Box::new(Narrow)),
        ])
        .run(&mut db)
        .unwrap_err()
        .to_string();
        assert!(
            error.contains(
                "migration 20260101_000000_narrow failed at step 2 (alter column a.email"
            ),
            "{error}"
        );
        assert!(
            error.contains(
                "1 row(s) of a hold a value in email that does not fit integer (for example 'r3')"
            ),
            "{error}"
        );
    }
}
