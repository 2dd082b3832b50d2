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

    /// The error with every path inside `root` written relative to it (the CLI passes the
    /// current folder). A root of `/` changes nothing.
    pub fn relative_to(self, root: &Path) -> Error {
        if root.parent().is_none() {
            return self;
        }
        let strip = |path: PathBuf| match path.strip_prefix(root) {
            Ok(relative) => relative.to_owned(),
            Err(_) => path,
        };
        match self {
            Error::Message(message) => Error::Message(relative_paths(&message, root)),
            Error::File { path, message } => Error::File {
                path: strip(path),
                message: relative_paths(&message, root),
            },
            Error::Source {
                path,
                line,
                column,
                message,
            } => Error::Source {
                path: strip(path),
                line,
                column,
                message: relative_paths(&message, root),
            },
            other => other,
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

/// `text` with each path that starts with `root/` written from there on; a path is one that starts
/// the text or follows a space, quote, backtick or parenthesis (so `sqlite:///root/x.db` keeps
/// its form).
fn relative_paths(text: &str, root: &Path) -> String {
    let prefix = format!("{}{}", root.display(), std::path::MAIN_SEPARATOR);
    if root.as_os_str().is_empty() || !text.contains(&prefix) {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(&prefix) {
        let starts_path = rest[..at]
            .chars()
            .next_back()
            .map_or(out.is_empty(), |c| " \t\n'\"`(".contains(c));
        out.push_str(&rest[..at]);
        if !starts_path {
            out.push_str(&prefix);
        }
        rest = &rest[at + prefix.len()..];
    }
    out.push_str(rest);
    out
}

/// `Result` with the CLI's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_shown_from_the_current_folder() {
        let root = Path::new("/work/app");
        let error = Error::msg(
            "/work/app/src/migrations/mod.rs: lists the migration `m1`, but /work/app/src/migrations/m1.rs is missing; (see `/work/app/README`) /work/apple/x and sqlite:///work/app/app.db stay",
        )
        .relative_to(root);
        assert_eq!(
            error.to_string(),
            "src/migrations/mod.rs: lists the migration `m1`, but src/migrations/m1.rs is missing; (see `README`) /work/apple/x and sqlite:///work/app/app.db stay"
        );
        let file = Error::file(
            Path::new("/work/app/src/migrations/snapshot.json"),
            "denied",
        )
        .relative_to(root);
        assert_eq!(file.to_string(), "src/migrations/snapshot.json: denied");
        let at_the_top = Error::file(Path::new("/tmp/x.db"), "denied").relative_to(Path::new("/"));
        assert_eq!(at_the_top.to_string(), "/tmp/x.db: denied");
    }
}
