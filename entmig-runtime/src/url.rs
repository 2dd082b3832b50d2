//! Database URLs: which backend, where, and a form safe to print.

use std::path::PathBuf;

use entmig_schema::redact;

use crate::error::{Error, Result};

/// A parsed database URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// `sqlite://relative.db`, `sqlite:///absolute/path.db`, `sqlite:relative.db`.
    SqliteFile(PathBuf),
    /// `sqlite::memory:`: a private in-memory database.
    SqliteMemory,
    /// `postgres://user:password@host:port/database` (or `postgresql://`), or a libpq
    /// `key=value` string (`host=db user=app`), kept whole.
    Postgres(String),
}

impl DatabaseUrl {
    /// Parses a URL, or says how to write one.
    ///
    /// ```
    /// use entmig_runtime::DatabaseUrl;
    /// assert_eq!(DatabaseUrl::parse("sqlite://app.db").unwrap(), DatabaseUrl::SqliteFile("app.db".into()));
    /// assert_eq!(DatabaseUrl::parse("sqlite:///var/app.db").unwrap(), DatabaseUrl::SqliteFile("/var/app.db".into()));
    /// assert_eq!(DatabaseUrl::parse("sqlite::memory:").unwrap(), DatabaseUrl::SqliteMemory);
    /// assert!(DatabaseUrl::parse("mysql://localhost/app").is_err());
    /// ```
    pub fn parse(url: &str) -> Result<DatabaseUrl> {
        let url = url.trim();
        let invalid = |reason: &str| Error::Url {
            url: redact(url),
            reason: reason.to_owned(),
        };
        if url == "sqlite::memory:" || url == "sqlite://:memory:" {
            return Ok(DatabaseUrl::SqliteMemory);
        }
        if let Some(rest) = url.strip_prefix("sqlite:") {
            let path = rest.strip_prefix("//").unwrap_or(rest);
            let path = path.split('?').next().unwrap_or_default();
            if path.is_empty() {
                return Err(invalid(
                    "no file; write sqlite://app.db (relative), sqlite:///var/app.db (absolute) or sqlite::memory:",
                ));
            }
            return Ok(DatabaseUrl::SqliteFile(PathBuf::from(path)));
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") || is_key_value(url) {
            return Ok(DatabaseUrl::Postgres(url.to_owned()));
        }
        Err(invalid(
            "entmig supports sqlite://path.db, sqlite::memory: and postgres://user@host/database",
        ))
    }
}

/// A libpq `key=value` connection string (`host=db user=app sslmode=require`).
fn is_key_value(text: &str) -> bool {
    text.split_once('=').is_some_and(|(key, _)| {
        !key.is_empty() && key.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_show() {
        let url = "postgres://app:p@ss:w0rd@localhost:5433/db?sslmode=disable";
        let shown = redact(url);
        assert!(!shown.contains("w0rd"), "{shown}");
        assert_eq!(
            shown,
            "postgres://app:***@localhost:5433/db?sslmode=disable"
        );
        let err = DatabaseUrl::parse("mysql://root:hunter2@localhost/db").unwrap_err();
        assert!(!err.to_string().contains("hunter2"), "{err}");
    }

    #[test]
    fn key_value_strings_are_postgres() {
        let text = "host=db user=app sslmode=verify-full";
        assert_eq!(
            DatabaseUrl::parse(text).unwrap(),
            DatabaseUrl::Postgres(text.into())
        );
    }

    #[test]
    fn empty_sqlite_path_says_how() {
        let err = DatabaseUrl::parse("sqlite://").unwrap_err().to_string();
        assert!(err.contains("sqlite:///var/app.db"), "{err}");
    }
}
