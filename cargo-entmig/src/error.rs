//! The CLI's one error path: every failure becomes one message that says what is wrong,
//! where, and what to do; `main` prints it (and its causes) and exits non-zero.

use std::path::{Path, PathBuf};

/// A failure of a command.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A problem stated in full.
    #[error("{0}")]
    Message(String),
    /// A file could not be read or written.
    #[error("{path}: {message}")]
    File {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// An entity's source has a problem: `file:line:column: message`.
    #[error("{path}:{line}:{column}: {message}")]
    Source {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// The parser's message.
        message: String,
    },
    /// The runtime reported an error.
    #[error(transparent)]
    Runtime(#[from] entmig_schema::snapshot::SnapshotError),
    /// `make --check` found differences; they have been printed.
    #[error(
        "the entities and the migrations differ; run `cargo entmig make <name>` to write a migration"
    )]
    Differs,
}

impl Error {
    /// An error stated in full.
    pub fn msg(message: impl Into<String>) -> Error {
        Error::Message(message.into())
    }

    /// A file error.
    pub fn file(path: &Path, error: impl std::fmt::Display) -> Error {
        Error::File {
            path: path.to_owned(),
            message: error.to_string(),
        }
    }

    /// A syn error in `path`, at its span's position.
    pub fn syn(path: &Path, error: &syn::Error) -> Error {
        let start = error.span().start();
        Error::Source {
            path: path.to_owned(),
            line: start.line,
            column: start.column + 1,
            message: error.to_string(),
        }
    }
}

/// `Result` with the CLI's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
