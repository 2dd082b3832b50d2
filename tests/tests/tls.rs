//! TLS on a real PostgreSQL server that takes only encrypted connections (`hostssl`), with a
//! throwaway CA, started by `scripts/test` (`start_postgres_tls` in scripts/postgres.sh): each
//! `sslmode`, a wrong host name, a plain attempt, and a client certificate.
//!
//! Skipped with a notice without `ENTMIG_TEST_POSTGRES_TLS_URL`, except in CI (`CI=true`).

use std::sync::atomic::{AtomicUsize, Ordering};

use entmig_runtime::migration::prelude::*;
use entmig_runtime::migrator::Entry;
use entmig_runtime::{Database, Migrator, Revert, Value};

/// The TLS server: its URL (host `localhost`, no `sslmode`) and its files.
struct Server {
    url: String,
    ca: String,
    cert: String,
    key: String,
}

fn server() -> Option<Server> {
    let url = entmig_tests::db::required_url(
        "ENTMIG_TEST_POSTGRES_TLS_URL",
        "this TLS test",
        "scripts/test starts a TLS server and sets it",
    )?;
    let var = |name: &str| {
        std::env::var(name)
            .ok()
            .filter(|v| !v.is_empty())
            .unwrap_or_else(|| panic!("{name} is not set beside ENTMIG_TEST_POSTGRES_TLS_URL"))
    };
    Some(Server {
        url,
        ca: var("ENTMIG_TEST_POSTGRES_TLS_CA"),
        cert: var("ENTMIG_TEST_POSTGRES_TLS_CERT"),
        key: var("ENTMIG_TEST_POSTGRES_TLS_KEY"),
    })
}

impl Server {
    /// The server's URL with another host and these parameters.
    fn url(&self, host: &str, params: &str) -> String {
        let url = self.url.replacen("@localhost:", &format!("@{host}:"), 1);
        format!("{url}?{params}")
    }

    /// `sslrootcert=` this server's CA.
    fn root(&self) -> String {
        format!("sslrootcert={}", self.ca)
    }
}

/// A fresh database on the TLS server, dropped at the end.
struct Fresh<'a> {
    server: &'a Server,
    name: String,
}

impl<'a> Fresh<'a> {
    fn new(server: &'a Server) -> Fresh<'a> {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let name = format!(
            "entmig_tls_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let mut admin = Database::connect(&server.url("localhost", "sslmode=require"))
            .expect("connect to the TLS server");
        admin
            .execute(&format!("CREATE DATABASE \"{name}\""), &[])
            .expect("create a database");
        Fresh { server, name }
    }

    /// Its URL on `host` with `params`.
    fn url(&self, host: &str, params: &str) -> String {
        let url = self.server.url(host, params);
        url.replacen("/entmig_tls?", &format!("/{}?", self.name), 1)
    }
}

impl Drop for Fresh<'_> {
    fn drop(&mut self) {
        if let Ok(mut admin) = Database::connect(&self.server.url("localhost", "sslmode=require")) {
            let _ = admin.execute(
                &format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", self.name),
                &[],
            );
        }
    }
}

struct CreateNotes;
impl MigrationTrait for CreateNotes {
    fn up(&self, m: &mut Plan) {
        m.create_table(notes());
    }
    fn down(&self, m: &mut Plan) {
        m.drop_table(notes());
    }
}

fn notes() -> Table {
    Table::new("notes")
        .with_column(Column::new("id", ColumnType::BigInt).auto_increment())
        .with_column(Column::new("body", ColumnType::Text))
        .with_primary_key(["id"])
}

fn migrator() -> Migrator {
    Migrator::new(vec![Entry::new(
        "m20260101_000000_create_notes",
        Box::new(CreateNotes),
    )])
}

/// Connects, checks that the session is encrypted, runs, checks, reverts.
fn migrate_over_tls(url: &str) {
    let mut db = Database::connect(url).unwrap_or_else(|e| panic!("connect {url}: {e}"));
    let ssl = db
        .query(
            "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
            &[],
        )
        .unwrap();
    assert_eq!(ssl, vec![vec![Value::Integer(1)]], "not encrypted: {url}");
    let report = migrator().run(&mut db).unwrap();
    assert_eq!(report.done.len(), 1);
    assert!(db.introspect().unwrap().table("notes").is_some());
    migrator().revert(&mut db, Revert::Steps(1)).unwrap();
    assert!(db.introspect().unwrap().table("notes").is_none());
}

#[test]
fn require_encrypts_without_checking_the_certificate() {
    let Some(server) = server() else { return };
    let db = Fresh::new(&server);
    migrate_over_tls(&db.url("127.0.0.1", "sslmode=require"));
}

#[test]
fn prefer_encrypts_when_the_server_offers_it() {
    let Some(server) = server() else { return };
    let db = Fresh::new(&server);
    // No sslmode: `prefer`, libpq's default.
    migrate_over_tls(db.url("localhost", "").trim_end_matches('?'));
}

#[test]
fn verify_ca_checks_the_chain_but_not_the_name() {
    let Some(server) = server() else { return };
    let db = Fresh::new(&server);
    // The certificate names only `localhost`.
    migrate_over_tls(&db.url("127.0.0.1", &format!("sslmode=verify-ca&{}", server.root())));
}

#[test]
fn verify_full_checks_the_chain_and_the_name() {
    let Some(server) = server() else { return };
    let db = Fresh::new(&server);
    migrate_over_tls(&db.url(
        "localhost",
        &format!("sslmode=verify-full&{}", server.root()),
    ));
}

#[test]
fn verify_full_against_another_name_fails_naming_the_host() {
    let Some(server) = server() else { return };
    let url = server.url(
        "127.0.0.1",
        &format!("sslmode=verify-full&{}", server.root()),
    );
    let err = Database::connect(&url).unwrap_err().to_string();
    assert!(
        err.contains("the TLS certificate of 127.0.0.1 failed verification"),
        "{err}"
    );
    assert!(err.contains("verify-ca"), "{err}");
}

#[test]
fn verify_ca_without_the_ca_fails_naming_the_reason() {
    let Some(server) = server() else { return };
    // Without sslrootcert the webpki roots are trusted, and they did not sign this server.
    let err = Database::connect(&server.url("localhost", "sslmode=verify-ca"))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("the TLS certificate of localhost failed verification (UnknownIssuer)")
            || err.contains("the TLS certificate of localhost failed verification (unknown"),
        "{err}"
    );
}

#[test]
fn disable_against_a_tls_only_server_names_the_fix() {
    let Some(server) = server() else { return };
    let url = server
        .url("127.0.0.1", "sslmode=disable")
        .replacen("entmig@", "entmig:s3cret@", 1);
    let err = Database::connect(&url).unwrap_err().to_string();
    assert!(
        err.contains("accepts only encrypted connections, and sslmode=disable forbids them: use sslmode=require"),
        "{err}"
    );
    assert!(!err.contains("s3cret"), "{err}");
}

#[test]
fn a_client_certificate_logs_in() {
    let Some(server) = server() else { return };
    let db = Fresh::new(&server);
    let files = format!(
        "sslmode=verify-full&{}&sslcert={}&sslkey={}",
        server.root(),
        server.cert,
        server.key
    );
    let url = db
        .url("localhost", &files)
        .replacen("entmig@", "entmig_cert@", 1);
    migrate_over_tls(&url);
    let mut session = Database::connect(&url).unwrap();
    let user = session.query("SELECT current_user::text", &[]).unwrap();
    assert_eq!(user, vec![vec![Value::from("entmig_cert")]]);
    drop(session);

    // The role authenticates by certificate only.
    let without = db
        .url(
            "localhost",
            &format!("sslmode=verify-full&{}", server.root()),
        )
        .replacen("entmig@", "entmig_cert@", 1);
    let err = Database::connect(&without).unwrap_err().to_string();
    assert!(err.contains("certificate"), "{err}");
}

#[test]
fn key_value_strings_connect_too() {
    let Some(server) = server() else { return };
    let port = server
        .url
        .rsplit_once(':')
        .and_then(|(_, rest)| rest.split('/').next())
        .expect("a port")
        .to_owned();
    let text = format!(
        "host=localhost port={port} user=entmig dbname=entmig_tls sslmode=verify-full sslrootcert={}",
        server.ca
    );
    let mut db = Database::connect(&text).unwrap_or_else(|e| panic!("{text}: {e}"));
    let name = db
        .query(
            "SELECT application_name::text FROM pg_stat_activity WHERE pid = pg_backend_pid()",
            &[],
        )
        .unwrap();
    assert_eq!(name, vec![vec![Value::from("entmig")]]);
}
