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
    /// After the change, rows point at rows that do not exist.
    #[error(
        "the change leaves {count} row(s) of {table} whose foreign key points at a missing row \
         of {parent}; nothing was changed. Delete or fix those rows first"
    )]
    ForeignKeyViolation {
        /// The referencing table.
        table: String,
        /// The referenced table.
        parent: String,
        /// How many rows violate the key.
        count: usize,
    },
}

/// `Result` with entmig's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
