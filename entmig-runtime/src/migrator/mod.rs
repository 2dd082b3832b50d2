//! The migrator: applies pending migrations, reverts applied ones, and says where a database
//! stands. The algorithm is written once here, above the backend primitives.
//!
//! - One lock for the whole run; the list of applied migrations is read after it is held, so
//!   several instances starting at once apply each migration exactly once.
//! - Each migration runs in its own transaction together with its row in `entmig_migrations`:
//!   a failure anywhere leaves schema, data and tracking as they were before it.
//! - Checksums are over a migration's canonical steps, never its source text.
//! - Read-only calls (`status`, `sql`) never create the tracking table.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use entmig_schema::{Backend, Op, Schema, render_into, render_run};

use crate::database::Database;
use crate::error::{Error, Result};
use crate::migration::{Direction, MigrationTrait, Plan, Step};
use crate::value::Value;

/// The table that records applied migrations.
pub const TRACKING_TABLE: &str = "entmig_migrations";

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

/// What happens during a run, for a progress display.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// A migration starts (`up` or `down`).
    Started {
        /// Its id.
        id: String,
        /// Which way.
        reverting: bool,
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
        /// How long it took.
        duration: Duration,
    },
}

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

/// What a run or revert did: the migrations, in the order they ran.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// The migrations applied (by `run`) or reverted (by `revert`).
    pub done: Vec<Done>,
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

/// Where one migration stands in one database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationStatus {
    /// The id.
    pub id: String,
    /// The state.
    pub state: State,
}

/// The state of a migration in a database.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum State {
    /// Applied, as it is in the code.
    Applied {
        /// When, as recorded (UTC, RFC 3339).
        applied_at: String,
        /// How long it took.
        duration_ms: i64,
    },
    /// Not applied yet.
    Pending,
    /// Applied, but its steps have changed in the code since.
    Changed,
    /// Applied, but not in the code.
    Missing,
    /// A non-transactional migration started and never finished: check the database.
    Dirty,
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            State::Applied { .. } => "applied",
            State::Pending => "pending",
            State::Changed => "changed",
            State::Missing => "missing",
            State::Dirty => "dirty",
        })
    }
}

/// A row of the tracking table.
#[derive(Debug, Clone)]
struct Applied {
    id: String,
    checksum: String,
    applied_at: String,
    duration_ms: i64,
    finished: bool,
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
        db.driver().lock(options.lock_timeout)?;
        let mut report = Report::default();
        let result = self.run_locked(db, options, &mut report);
        finish_locked(db, report, result)
    }

    fn run_locked(
        &self,
        db: &mut Database,
        options: &RunOptions,
        report: &mut Report,
    ) -> Result<()> {
        ensure_tracking_table(db)?;
        let applied = read_applied(db)?;
        self.check_applied(&applied)?;
        let newest = applied.keys().next_back().cloned();
        let pending: Vec<&Entry> = self
            .entries
            .iter()
            .filter(|e| !applied.contains_key(&e.id))
            .collect();
        if let (Some(newest), false) = (&newest, options.force) {
            if let Some(old) = pending.iter().find(|e| e.id < *newest) {
                return Err(Error::OutOfOrder {
                    id: old.id.clone(),
                    newest: newest.clone(),
                });
            }
        }
        let backend = db.backend();
        let mut schema = if pending.is_empty() {
            Schema::new()
        } else {
            db.introspect()?
        };
        for entry in pending {
            emit(
                options,
                Event::Started {
                    id: entry.id.clone(),
                    reverting: false,
                },
            );
            let start = Instant::now();
            let plan = Plan::of(entry.migration(), Direction::Up);
            let checksum = plan.checksum();
            let progress = |step: &str, rows: u64| {
                emit(
                    options,
                    Event::Batch {
                        id: entry.id.clone(),
                        step: step.to_owned(),
                        rows,
                    },
                )
            };
            if entry.migration().transactional() {
                // On failure the run ends, so `schema` need not survive a rollback.
                db.in_transaction(Some(&progress), |tx| {
                    run_plan(tx, &entry.id, &plan, backend, &mut schema)?;
                    record(tx, entry, &checksum, start.elapsed(), true)
                })?;
            } else {
                // Recorded as started and made durable first: a crash leaves it visibly dirty.
                db.in_transaction(None, |tx| {
                    record(tx, entry, &checksum, Duration::ZERO, false)
                })?;
                db.driver().checkpoint()?;
                let outcome = db.outside_transaction(Some(&progress), |tx| {
                    run_plan(tx, &entry.id, &plan, backend, &mut schema)
                });
                if let Err(error) = outcome {
                    db.driver().checkpoint()?;
                    return Err(error);
                }
                db.in_transaction(None, |tx| {
                    tx.execute(
                        &format!(
                            "UPDATE {TRACKING_TABLE} SET status = 'applied', duration_ms = $1 WHERE id = $2"
                        ),
                        &[Value::Integer(millis(start.elapsed())), Value::from(entry.id.as_str())],
                    )
                    .map(|_| ())
                })?;
            }
            let duration = start.elapsed();
            emit(
                options,
                Event::Finished {
                    id: entry.id.clone(),
                    duration,
                },
            );
            report.done.push(Done {
                id: entry.id.clone(),
                duration,
            });
        }
        Ok(())
    }

    /// Refuses to go on from a database that does not match the code: a dirty migration, an
    /// applied migration that has changed, or one that is not in the code.
    fn check_applied(&self, applied: &BTreeMap<String, Applied>) -> Result<()> {
        for row in applied.values() {
            if !row.finished {
                return Err(Error::Dirty { id: row.id.clone() });
            }
            match self.entries.iter().find(|e| e.id == row.id) {
                None => return Err(Error::MissingMigration { id: row.id.clone() }),
                Some(entry) if entry.checksum() != row.checksum => {
                    return Err(Error::ChangedMigration { id: row.id.clone() });
                }
                Some(_) => {}
            }
        }
        Ok(())
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
        db.driver().lock(options.lock_timeout)?;
        let mut report = Report::default();
        let result = self.revert_locked(db, which, options, &mut report);
        finish_locked(db, report, result)
    }

    fn revert_locked(
        &self,
        db: &mut Database,
        which: Revert,
        options: &RunOptions,
        report: &mut Report,
    ) -> Result<()> {
        if !db.driver().has_table(TRACKING_TABLE)? {
            return Ok(());
        }
        let applied = read_applied(db)?;
        self.check_applied(&applied)?;
        let chosen = to_revert(&applied, &which)?;
        let chosen: Vec<&String> = chosen.iter().collect();
        let backend = db.backend();
        let mut schema = if chosen.is_empty() {
            Schema::new()
        } else {
            db.introspect()?
        };
        for id in chosen {
            let entry = self.applied_entry(id)?;
            emit(
                options,
                Event::Started {
                    id: id.clone(),
                    reverting: true,
                },
            );
            let start = Instant::now();
            let plan = Plan::of(entry.migration(), Direction::Down);
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
            let forget = |tx: &mut crate::Transaction<'_>| {
                tx.execute(
                    &format!("DELETE FROM {TRACKING_TABLE} WHERE id = $1"),
                    &[Value::from(id.as_str())],
                )
                .map(|_| ())
            };
            if entry.migration().transactional() {
                db.in_transaction(Some(&progress), |tx| {
                    run_plan(tx, id, &plan, backend, &mut schema)?;
                    forget(tx)
                })?;
            } else {
                // As when applying: marked started and made durable first, so a failure part
                // way leaves a visible dirty state.
                db.in_transaction(None, |tx| {
                    tx.execute(
                        &format!("UPDATE {TRACKING_TABLE} SET status = 'started' WHERE id = $1"),
                        &[Value::from(id.as_str())],
                    )
                    .map(|_| ())
                })?;
                db.driver().checkpoint()?;
                let outcome = db.outside_transaction(Some(&progress), |tx| {
                    run_plan(tx, id, &plan, backend, &mut schema)
                });
                if let Err(error) = outcome {
                    db.driver().checkpoint()?;
                    return Err(error);
                }
                db.in_transaction(None, forget)?;
            }
            let duration = start.elapsed();
            emit(
                options,
                Event::Finished {
                    id: id.clone(),
                    duration,
                },
            );
            report.done.push(Done {
                id: id.clone(),
                duration,
            });
        }
        Ok(())
    }

    /// Where every migration stands: those of the code in order, then those recorded in the
    /// database but missing from the code. Reads only; creates nothing.
    pub fn status(&self, db: &mut Database) -> Result<Vec<MigrationStatus>> {
        let applied = if db.driver().has_table(TRACKING_TABLE)? {
            read_applied(db)?
        } else {
            BTreeMap::new()
        };
        let mut out: Vec<MigrationStatus> = self
            .entries
            .iter()
            .map(|entry| {
                let state = match applied.get(&entry.id) {
                    None => State::Pending,
                    Some(row) if !row.finished => State::Dirty,
                    Some(row) if row.checksum != entry.checksum() => State::Changed,
                    Some(row) => State::Applied {
                        applied_at: row.applied_at.clone(),
                        duration_ms: row.duration_ms,
                    },
                };
                MigrationStatus {
                    id: entry.id.clone(),
                    state,
                }
            })
            .collect();
        for row in applied.values() {
            if !self.entries.iter().any(|e| e.id == row.id) {
                out.push(MigrationStatus {
                    id: row.id.clone(),
                    state: if row.finished {
                        State::Missing
                    } else {
                        State::Dirty
                    },
                });
            }
        }
        Ok(out)
    }

    /// Marks a dirty migration as resolved after checking the database by hand: `applied`
    /// records it as applied, otherwise its row is removed so that `run` applies it again.
    pub fn resolve(&self, db: &mut Database, id: &str, applied: bool) -> Result<()> {
        let sql = if applied {
            format!(
                "UPDATE {TRACKING_TABLE} SET status = 'applied' WHERE id = $1 AND status = 'started'"
            )
        } else {
            format!("DELETE FROM {TRACKING_TABLE} WHERE id = $1 AND status = 'started'")
        };
        db.transaction(|tx| tx.execute(&sql, &[Value::from(id)]))?;
        Ok(())
    }

    /// The migration of an id the database records, which `revert` needs the code of.
    fn applied_entry(&self, id: &str) -> Result<&Entry> {
        self.entries
            .iter()
            .find(|e| e.id == id)
            .ok_or_else(|| Error::MissingMigration { id: id.to_owned() })
    }

    /// What `revert` would undo on `db` now, newest first: each migration's `down`, its steps
    /// and its SQL rendered against the live schema as the reverts before it leave it. Reads
    /// only.
    pub fn revert_sql(&self, db: &mut Database, which: Revert) -> Result<Vec<Undo>> {
        if !db.driver().has_table(TRACKING_TABLE)? {
            return Ok(Vec::new());
        }
        let applied = read_applied(db)?;
        self.check_applied(&applied)?;
        let chosen = to_revert(&applied, &which)?;
        let backend = db.backend();
        let mut schema = db.introspect()?;
        let mut out = Vec::new();
        for id in chosen {
            let entry = self.applied_entry(&id)?;
            let plan = Plan::of(entry.migration(), Direction::Down);
            let destructive_steps: Vec<bool> = plan
                .steps()
                .iter()
                .map(|s| matches!(s, Step::Op(op) if op.is_destructive()))
                .collect();
            out.push(Undo {
                id: id.clone(),
                steps: plan.steps().iter().map(ToString::to_string).collect(),
                destructive: destructive_steps.contains(&true),
                destructive_steps,
                sql: plan_sql(&plan, backend, &mut schema)?,
            });
        }
        Ok(out)
    }

    /// The SQL that `run` would execute on `db` now: each pending migration's `up`, rendered
    /// against the live schema as the migrations before it leave it. Reads only.
    pub fn pending_sql(&self, db: &mut Database) -> Result<Vec<(String, Vec<String>)>> {
        let pending: Vec<String> = self
            .status(db)?
            .into_iter()
            .filter(|s| s.state == State::Pending)
            .map(|s| s.id)
            .collect();
        let backend = db.backend();
        let mut schema = db.introspect()?;
        let mut out = Vec::new();
        for entry in self.entries.iter().filter(|e| pending.contains(&e.id)) {
            let plan = Plan::of(entry.migration(), Direction::Up);
            out.push((entry.id.clone(), plan_sql(&plan, backend, &mut schema)?));
        }
        Ok(out)
    }

    /// The SQL of every migration's `up` for `backend`, each rendered against the schema the
    /// migrations before it build: what `run` would execute on a fresh database. Needs no
    /// database.
    pub fn sql(&self, backend: Backend) -> Result<Vec<(String, Vec<String>)>> {
        let mut schema = Schema::new();
        let mut out = Vec::new();
        for entry in &self.entries {
            let plan = Plan::of(entry.migration(), Direction::Up);
            out.push((entry.id.clone(), plan_sql(&plan, backend, &mut schema)?));
        }
        Ok(out)
    }
}

/// One migration that `revert` would undo ([`Migrator::revert_sql`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Undo {
    /// Its id.
    pub id: String,
    /// The steps of its `down`, one line each.
    pub steps: Vec<String>,
    /// Whether a step of its `down` loses data (drops a table or a column).
    pub destructive: bool,
    /// For each step, whether it loses data.
    pub destructive_steps: Vec<bool>,
    /// Their SQL.
    pub sql: Vec<String>,
}

/// The applied migrations that `which` undoes, newest first — in the reverse of the order they
/// were applied, so that one applied late with `force` is newer than those its id sorts after
/// (within a second, by id).
fn to_revert(applied: &BTreeMap<String, Applied>, which: &Revert) -> Result<Vec<String>> {
    let mut newest_first: Vec<&Applied> = applied.values().collect();
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

/// The statements of a plan for `backend`, rendered against `schema`, which follows along.
pub fn plan_sql(plan: &Plan, backend: Backend, schema: &mut Schema) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for group in groups(plan.steps()) {
        match group {
            Group::Ops { ops, .. } => out.extend(
                render_into(&ops, schema, backend)?
                    .into_iter()
                    .flat_map(|rendered| rendered.statements),
            ),
            Group::Other {
                step: Step::Sql { backend: only, sql },
                ..
            } if only.is_none_or(|b| b == backend) => out.push(sql.clone()),
            Group::Other {
                step: Step::Data { name, .. },
                ..
            } => out.push(format!("-- data step: {name}")),
            Group::Other { .. } => {}
        }
    }
    Ok(out)
}

/// A plan's steps as they run: consecutive ops together (so that SQLite can rebuild a table
/// once for several of them, see [`render_run`]), every other step alone.
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
fn run_plan(
    tx: &mut crate::Transaction<'_>,
    id: &str,
    plan: &Plan,
    backend: Backend,
    schema: &mut Schema,
) -> Result<()> {
    let mut stale = false;
    for group in groups(plan.steps()) {
        match group {
            Group::Ops { first, ops } => {
                let mut done = 0;
                while done < ops.len() {
                    let op = &ops[done];
                    // Errors name the step where the run of ops starts, and the ones with it.
                    let context = |error: Error, count: usize| Error::Migration {
                        id: id.to_owned(),
                        step: first + done + 1,
                        description: match count {
                            0 | 1 => op.to_string(),
                            n => format!(
                                "{op}, rebuilding {} together with the {} steps after it",
                                op.table(),
                                n - 1
                            ),
                        },
                        source: Box::new(error),
                    };
                    if stale {
                        *schema = tx.introspect().map_err(|e| context(e, 1))?;
                        stale = false;
                    }
                    let (count, rendered) = render_run(&ops[done..], schema, backend)
                        .map_err(|e| context(e.into(), 1))?;
                    tx.run_rendered(&rendered).map_err(|e| context(e, count))?;
                    done += count;
                }
            }
            Group::Other { index, step } => {
                let context = |error: Error| Error::Migration {
                    id: id.to_owned(),
                    step: index + 1,
                    description: step.to_string(),
                    source: Box::new(error),
                };
                match step {
                    Step::Sql { backend: only, sql } => {
                        if only.is_none_or(|b| b == backend) {
                            tx.execute_batch(sql).map_err(context)?;
                            stale = true;
                        }
                    }
                    Step::Data { run, .. } => {
                        run(tx).map_err(context)?;
                        stale = true;
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

fn record(
    tx: &mut crate::Transaction<'_>,
    entry: &Entry,
    checksum: &str,
    duration: Duration,
    finished: bool,
) -> Result<()> {
    tx.execute(
        &format!(
            "INSERT INTO {TRACKING_TABLE} (id, name, checksum, applied_at, duration_ms, status) \
             VALUES ($1, $2, $3, $4, $5, $6)"
        ),
        &[
            Value::from(entry.id.as_str()),
            Value::from(entry.name.as_str()),
            Value::from(checksum),
            Value::from(entmig_schema::clock::UtcTime::now().rfc3339()),
            Value::Integer(millis(duration)),
            Value::from(if finished { "applied" } else { "started" }),
        ],
    )?;
    Ok(())
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

fn emit(options: &RunOptions, event: Event) {
    if let Some(on_event) = &options.on_event {
        on_event(&event);
    }
}

fn millis(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

fn ensure_tracking_table(db: &mut Database) -> Result<()> {
    if db.driver().has_table(TRACKING_TABLE)? {
        return Ok(());
    }
    db.execute(
        &format!(
            "CREATE TABLE {TRACKING_TABLE} (\n  \
             id VARCHAR(255) NOT NULL PRIMARY KEY,\n  \
             name TEXT NOT NULL,\n  \
             checksum TEXT NOT NULL,\n  \
             applied_at TEXT NOT NULL,\n  \
             duration_ms BIGINT NOT NULL,\n  \
             status TEXT NOT NULL\n)"
        ),
        &[],
    )?;
    Ok(())
}

fn read_applied(db: &mut Database) -> Result<BTreeMap<String, Applied>> {
    let rows = db.query(
        &format!(
            "SELECT id, checksum, applied_at, duration_ms, status FROM {TRACKING_TABLE} ORDER BY id"
        ),
        &[],
    )?;
    Ok(rows
        .into_iter()
        .filter_map(|row| {
            let mut values = row.into_iter();
            let text = |v: Option<Value>| {
                v.and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default()
            };
            let id = text(values.next());
            let checksum = text(values.next());
            let applied_at = text(values.next());
            let duration_ms = values.next().and_then(|v| v.as_i64()).unwrap_or(0);
            let finished = text(values.next()) == "applied";
            (!id.is_empty()).then(|| {
                (
                    id.clone(),
                    Applied {
                        id,
                        checksum,
                        applied_at,
                        duration_ms,
                        finished,
                    },
                )
            })
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
