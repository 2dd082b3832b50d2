//! Connecting to a database that is still starting: docker-compose and Kubernetes start an
//! application and its database together, and the first connection often finds no server yet.
//!
//! [`Database::connect_with`] tries again, with a growing pause, while the server is not
//! there (connection refused, no route, a name that does not resolve yet, a timeout, a server
//! that says it is starting up). A refusal by a server that is there — authentication, TLS, a
//! database or schema that does not exist, a bad URL — is final at once: one error, no retry.

use std::time::{Duration, Instant};

use crate::database::Database;
use crate::error::{Error, Result};
use entmig_schema::redact;

/// The first pause between two tries; each pause doubles, up to [`MAX_PAUSE`].
const FIRST_PAUSE: Duration = Duration::from_millis(100);
/// The longest pause between two tries.
const MAX_PAUSE: Duration = Duration::from_secs(2);

/// How [`Database::connect_with`] connects.
///
/// ```
/// use std::time::Duration;
/// use entmig_runtime::{ConnectOptions, Database};
///
/// let options = ConnectOptions { timeout: Duration::from_secs(30), ..ConnectOptions::default() };
/// let db = Database::connect_with("sqlite::memory:", &options)?;
/// # Ok::<(), entmig_runtime::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConnectOptions {
    /// How long to keep trying while the server is not there yet. Zero (the default): one
    /// try, as [`Database::connect`].
    pub timeout: Duration,
}

impl Database {
    /// [`Database::connect`], trying again with backoff (100 ms doubling to 2 s) for up to
    /// `options.timeout` while the server is not there yet; each retry is a `warn` log record.
    /// Once the time is up, the last error says how long it waited. An answer from a server
    /// that is there (a failed authentication, a missing database) is returned at once.
    pub fn connect_with(url: &str, options: &ConnectOptions) -> Result<Database> {
        let start = Instant::now();
        let mut pause = FIRST_PAUSE;
        let mut tries = 1u32;
        loop {
            let error = match Database::connect(url) {
                Ok(db) => return Ok(db),
                Err(error) if !is_not_there_yet(&error) => return Err(error),
                Err(error) => error,
            };
            let waited = start.elapsed();
            let Some(left) = options.timeout.checked_sub(waited).filter(|d| !d.is_zero()) else {
                return Err(if tries == 1 {
                    error
                } else {
                    gave_up(error, waited, tries)
                });
            };
            let pause_now = pause.min(left);
            log::warn!(
                "the database {} is not accepting connections yet ({}); trying again in {} ms",
                redact(url),
                first_line(&error),
                pause_now.as_millis()
            );
            std::thread::sleep(pause_now);
            pause = (pause * 2).min(MAX_PAUSE);
            tries += 1;
        }
    }
}

/// `true` for an error that means no server answered yet (rather than a server's refusal).
///
/// The PostgreSQL driver's messages for a failed TCP connection (refused, no route, a name
/// that does not resolve, `connect_timeout`) and a connection dropped while it starts, and the
/// server's own `57P03 cannot_connect_now` while it starts or recovers.
fn is_not_there_yet(error: &Error) -> bool {
    const NOT_YET: [&str; 6] = [
        "error connecting to server",
        "timeout waiting for server",
        "error communicating with the server",
        "the database system is starting up",
        "the database system is not yet accepting connections",
        "the database system is in recovery mode",
    ];
    match error {
        Error::Connect { message, .. } => NOT_YET.iter().any(|text| message.contains(text)),
        _ => false,
    }
}

/// The last error, saying how long it was tried.
fn gave_up(error: Error, waited: Duration, tries: u32) -> Error {
    match error {
        Error::Connect { url, message } => Error::Connect {
            url,
            message: format!(
                "{message}; still not there after waiting {:.1} s ({tries} tries)",
                waited.as_secs_f64()
            ),
        },
        other => other,
    }
}

fn first_line(error: &Error) -> String {
    match error {
        Error::Connect { message, .. } => message.lines().next().unwrap_or_default().to_owned(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn connect_error(message: &str) -> Error {
        Error::Connect {
            url: "postgres://app@db/app".into(),
            message: message.into(),
        }
    }

    #[test]
    fn a_server_that_is_not_there_is_waited_for_and_one_that_refuses_is_not() {
        for message in [
            "error connecting to server: Connection refused (os error 111)",
            "error connecting to server: No route to host (os error 113)",
            "error connecting to server: failed to lookup address information: Name or service not known",
            "timeout waiting for server",
            "FATAL: the database system is starting up",
        ] {
            assert!(is_not_there_yet(&connect_error(message)), "{message}");
        }
        for message in [
            "FATAL: password authentication failed for user \"app\"",
            "FATAL: database \"app\" does not exist",
            "error performing TLS handshake: invalid peer certificate",
            "the schema `x` does not exist; create it",
        ] {
            assert!(!is_not_there_yet(&connect_error(message)), "{message}");
        }
        let url = Error::Url {
            url: "mysql://x".into(),
            reason: "no".into(),
        };
        assert!(!is_not_there_yet(&url));
    }

    #[test]
    fn a_final_error_is_returned_at_once() {
        let options = ConnectOptions {
            timeout: Duration::from_secs(10),
        };
        let start = Instant::now();
        let error = Database::connect_with("mysql://localhost/app", &options).unwrap_err();
        assert!(matches!(error, Error::Url { .. }), "{error}");
        assert!(start.elapsed() < Duration::from_secs(1));
    }
}
