//! The runtime's errors: each names what failed, where, and what to do.

use entmig_schema::RenderError;

/// Everything that can go wrong in entmig-runtime.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The database URL cannot be used.
    #[error("invalid database URL `{url}`: {reason}")]
    Url {
        /// The URL, password removed.
        url: String,
        /// What is wrong and how to write it.
        reason: String,
    },
    /// The database could not be opened.
    #[error("could not open the database {url}: {message}")]
    Connect {
        /// The URL, password removed.
        url: String,
        /// The driver's message.
        message: String,
    },
    /// A statement failed.
    #[error("{message}\n  while running: {sql}")]
    Sql {
        /// The statement.
        sql: String,
        /// The database's message.
        message: String,
    },
    /// Ops do not fit the database's schema.
    #[error(transparent)]
    Render(#[from] RenderError),
    /// `synchronize` would lose data and was not allowed to.
    #[error(
        "synchronize refuses to lose data; these steps are destructive:\n{}\n  \
         mark renamed tables and columns with `renamed_from`, or pass \
         `SyncOptions {{ allow_data_loss: true, .. }}`",
        steps.iter().map(|s| format!("  - {s}")).collect::<Vec<_>>().join("\n")
    )]
    Destructive {
        /// The destructive steps, one line each.
        steps: Vec<String>,
    },
    /// A NOT NULL column without default was added to a table that holds rows.
    #[error(
        "column {table}.{column} is NOT NULL and has no default, but {table} holds {rows} row(s) \
         that would have no value; give the field a `default`, make it an `Option`, or write a \
         migration with a fill value"
    )]
    NeedsFill {
        /// The table.
        table: String,
        /// The column.
        column: String,
        /// How many rows the table holds.
        rows: i64,
    },
    /// Another migrator held the lock for longer than the timeout.
    #[error(
        "waited {waited:?} for the migration lock, but {holder}; another instance may be \
         migrating: wait for it, or raise the lock timeout"
    )]
    LockTimeout {
        /// How long it waited.
        waited: std::time::Duration,
        /// Who holds it, as far as the database says.
        holder: String,
    },
    /// A step of a migration failed; the migration's transaction was rolled back.
    #[error("migration {id} failed at step {step} ({description}): {source}")]
    Migration {
        /// The migration.
        id: String,
        /// The 1-based step.
        step: usize,
        /// The step, as one line.
        description: String,
        /// What went wrong.
        source: Box<Error>,
    },
    /// An applied migration's steps differ from the code's.
    #[error(
        "migration {id} was applied but has since changed; revert it first (with the code it was \
         applied with) or undo the edit, and put new changes in a new migration"
    )]
    ChangedMigration {
        /// The migration.
        id: String,
    },
    /// The database records a migration that the code does not have.
    #[error(
        "migration {id} is recorded as applied but is not in this build; run a build that has it, \
         or revert it with that build first"
    )]
    MissingMigration {
        /// The migration.
        id: String,
    },
    /// A pending migration is older than the newest applied one.
    #[error(
        "migration {id} is pending but older than {newest}, which is applied (a branch merged \
         late?); check that it does not conflict, then run again with force (`--force`)"
    )]
    OutOfOrder {
        /// The pending migration.
        id: String,
        /// The newest applied migration.
        newest: String,
    },
    /// A non-transactional migration started and did not finish.
    #[error(
        "migration {id} started outside a transaction and did not finish, so part of it may have \
         run; check the database by hand, then mark it resolved (`cargo entmig resolve {id} \
         --applied` or `--rolled-back`)"
    )]
    Dirty {
        /// The migration.
        id: String,
    },
    /// A row of the tracking table cannot be read: a NULL or empty id, a value of the wrong
    /// kind, an unknown status. entmig never guesses what such a row meant.
    #[error(
        "{} row {row} {problem}: fix or delete the row",
        crate::migrator::TRACKING_TABLE
    )]
    TrackingRow {
        /// Which row: its id, quoted, or its place in id order when it has none.
        row: String,
        /// What is wrong with it and what was expected.
        problem: String,
    },
    /// The direction asked for is marked irreversible ([`Plan::irreversible`]); nothing ran.
    ///
    /// [`Plan::irreversible`]: crate::Plan::irreversible
    #[error(
        "migration {id} cannot be reverted: {reason}; nothing was reverted (write a migration that makes the change you want instead)"
    )]
    Irreversible {
        /// The migration.
        id: String,
        /// Why, as its module says.
        reason: String,
    },
    /// `revert --to` names a migration that is not applied.
    #[error(
        "migration {id} is not applied, so there is nothing to revert to; see `cargo entmig status`"
    )]
    NotApplied {
        /// The migration.
        id: String,
    },
    /// On SQLite, a table's trigger names a column that the change drops.
    #[error(
        "the trigger {trigger} of {table} uses the column {column}, which this change drops; \
         drop or rewrite the trigger first, in a step before this one \
         (m.sql(\"DROP TRIGGER {trigger}\"))"
    )]
    TriggerUsesColumn {
        /// The trigger.
        trigger: String,
        /// Its table.
        table: String,
        /// The dropped column.
        column: String,
    },
    /// Rows hold values that the column's new type cannot take (checked on SQLite the way
    /// PostgreSQL's cast refuses them).
    #[error(
        "{count} row(s) of {table} hold a value in {column} that does not fit {ty} (for example \
         {example}); nothing was changed. Change or delete those rows first, or convert them in a \
         data step before this one"
    )]
    ValuesDoNotFit {
        /// The table.
        table: String,
        /// The column.
        column: String,
        /// Its new type.
        ty: String,
        /// How many rows.
        count: i64,
        /// One of the values, quoted as SQL.
        example: String,
    },
    /// After the change, rows point at rows that do not exist.
    #[error(
        "the change leaves {count} row(s) of {table} whose foreign key ({}) points at a missing row \
         of {parent}; nothing was changed. Delete or fix those rows first",
        columns.join(", ")
    )]
    ForeignKeyViolation {
        /// The referencing table.
        table: String,
        /// Its columns of the key.
        columns: Vec<String>,
        /// The referenced table.
        parent: String,
        /// How many rows violate the key.
        count: usize,
    },
}

/// `Result` with entmig's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
