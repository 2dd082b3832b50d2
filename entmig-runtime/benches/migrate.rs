//! Benchmark: applying 1,000 generated migrations (one table each) to a SQLite file, as a ratio
//! to executing the same SQL with rusqlite in one process, each in its own transaction.
//! Prints a table; run with `cargo bench -p entmig-runtime --bench migrate`. Target: 1.3x or less.
//!
//! The migrator holds one write-locked transaction for the whole run and gives each migration a
//! savepoint, so it makes one durable commit where the baseline makes 1,000; the middle row, the
//! same SQL in entmig's shape, shows what entmig itself adds.

use std::time::{Duration, Instant};

use entmig_runtime::migration::prelude::*;
use entmig_runtime::migrator::Entry;
use entmig_runtime::{Database, Migrator};

const COUNT: usize = 1000;

struct CreateTable(usize);

impl MigrationTrait for CreateTable {
    fn up(&self, m: &mut Plan) {
        m.create_table(table(self.0));
    }
    fn down(&self, m: &mut Plan) {
        m.drop_table(table(self.0));
    }
}

fn table(i: usize) -> Table {
    Table::new(format!("table_{i:04}"))
        .with_column(Column::new("id", ColumnType::BigInt).auto_increment())
        .with_column(Column::new("name", ColumnType::Varchar(80)))
        .with_column(Column::new("created_at", ColumnType::Timestamp).nullable())
        .with_primary_key(["id"])
        .with_index(Index::new(format!("idx_table_{i:04}_name"), ["name"]))
}

fn migrator() -> Migrator {
    Migrator::new(
        (0..COUNT)
            .map(|i| {
                Entry::new(
                    &format!("m20260101_{i:06}_table_{i}"),
                    Box::new(CreateTable(i)),
                )
            })
            .collect(),
    )
}

fn main() {
    sqlite();
    match std::env::var("ENTMIG_TEST_POSTGRES_URL") {
        Ok(url) => postgres(&url),
        Err(_) => println!(
            "\n(PostgreSQL: set ENTMIG_TEST_POSTGRES_URL to a server to compare there too)"
        ),
    }
    if let Ok(url) = std::env::var("ENTMIG_TEST_POSTGRES_URL") {
        ways_to_run(&url);
    }
    match std::env::var("ENTMIG_TEST_POSTGRES_TLS_URL") {
        Ok(url) => tls(&url),
        Err(_) => println!(
            "\n(TLS: set ENTMIG_TEST_POSTGRES_TLS_URL to a server that offers TLS, as scripts/postgres.sh's start_postgres_tls does)"
        ),
    }
}

/// `Migrator::run` over plain TCP (the plain server) and over TLS (scripts/postgres.sh's TLS
/// cluster, set up as the plain one but for `ssl=on`); each run in a fresh schema.
fn tls(url: &str) {
    let runs = 3;
    let with = |url: &str, params: &str| {
        let separator = if url.contains('?') { '&' } else { '?' };
        format!("{url}{separator}{params}")
    };
    let mut rows = Vec::new();
    if let Ok(plain) = std::env::var("ENTMIG_TEST_POSTGRES_URL") {
        rows.push((
            "plain TCP (sslmode=disable)",
            with(&plain, "sslmode=disable"),
        ));
    }
    rows.push(("TLS (sslmode=require)", with(url, "sslmode=require")));
    if let Ok(ca) = std::env::var("ENTMIG_TEST_POSTGRES_TLS_CA") {
        rows.push((
            "TLS (sslmode=verify-full)",
            with(url, &format!("sslmode=verify-full&sslrootcert={ca}")),
        ));
    }
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!("\nMigrator::run of {COUNT} migrations, plain and over TLS, median of {runs}\n");
    println!("| connection                   | median      | ratio |");
    println!("|------------------------------|-------------|-------|");
    let mut first = None;
    for (n, (how, url)) in rows.iter().enumerate() {
        let mut admin = Database::connect(url).expect("connect");
        let mut times = Vec::new();
        for run in 0..runs {
            let schema = format!("bench_tls_{n}_{run}");
            let reset = format!("DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}");
            admin.execute(&reset, &[]).expect("schema");
            let mut db =
                Database::connect(&with(url, &format!("schema={schema}"))).expect("connect");
            let start = Instant::now();
            let report = migrator().run(&mut db).expect("run");
            times.push(start.elapsed());
            assert_eq!(report.done.len(), COUNT);
            drop(db);
            admin
                .execute(&format!("DROP SCHEMA {schema} CASCADE"), &[])
                .expect("drop schema");
        }
        times.sort();
        let median = times[times.len() / 2];
        let base = *first.get_or_insert(median);
        println!(
            "| {how:<28} | {:>8.1} ms | {:.2}x |",
            ms(median),
            median.as_secs_f64() / base.as_secs_f64()
        );
    }
}

/// `Migrator::run` against the ways a service runs it: `run_async` (with the `tokio` feature,
/// `--features tokio`), awaited in a current-thread runtime, and `run` through PgBouncer in
/// transaction mode (`ENTMIG_TEST_PGBOUNCER_URL`, as scripts/postgres.sh's start_pgbouncer
/// sets it). Each run in a fresh schema.
fn ways_to_run(admin: &str) {
    let runs = 3;
    let with = |url: &str, params: &str| {
        let separator = if url.contains('?') { '&' } else { '?' };
        format!("{url}{separator}{params}")
    };
    type Way = Box<dyn Fn(&str) -> usize>;
    let mut ways: Vec<(&str, String, Way)> = vec![(
        "Migrator::run",
        admin.to_owned(),
        Box::new(|url| {
            migrator()
                .run(&mut Database::connect(url).unwrap())
                .unwrap()
                .done
                .len()
        }),
    )];
    #[cfg(feature = "tokio")]
    ways.push((
        "Migrator::run_async, awaited in tokio",
        admin.to_owned(),
        Box::new(|url| {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .build()
                .unwrap();
            runtime
                .block_on(migrator().run_async(url))
                .unwrap()
                .done
                .len()
        }),
    ));
    if let Ok(bouncer) = std::env::var("ENTMIG_TEST_PGBOUNCER_URL") {
        ways.push((
            "Migrator::run through PgBouncer",
            bouncer,
            Box::new(|url| {
                migrator()
                    .run(&mut Database::connect(url).unwrap())
                    .unwrap()
                    .done
                    .len()
            }),
        ));
    }
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!(
        "\n{COUNT} migrations on PostgreSQL, the ways a service runs them, median of {runs}\n"
    );
    println!("| how                                   | median      | ratio |");
    println!("|---------------------------------------|-------------|-------|");
    let mut admin_db = Database::connect(admin).expect("connect");
    let mut first = None;
    for (n, (how, url, run)) in ways.iter().enumerate() {
        let mut times = Vec::new();
        for round in 0..runs {
            let schema = format!("bench_way_{n}_{round}");
            let reset = format!("DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}");
            admin_db.execute(&reset, &[]).expect("schema");
            let start = Instant::now();
            assert_eq!(run(&with(url, &format!("schema={schema}"))), COUNT);
            times.push(start.elapsed());
            admin_db
                .execute(&format!("DROP SCHEMA {schema} CASCADE"), &[])
                .expect("drop schema");
        }
        times.sort();
        let median = times[times.len() / 2];
        let base = *first.get_or_insert(median);
        println!(
            "| {how:<37} | {:>8.1} ms | {:.2}x |",
            ms(median),
            median.as_secs_f64() / base.as_secs_f64()
        );
    }
    #[cfg(not(feature = "tokio"))]
    println!("(run_async: bench with --features tokio)");
}

/// The same comparison on PostgreSQL: each run in a fresh schema.
fn postgres(admin: &str) {
    let runs = 3;
    let mut direct = Vec::new();
    let mut entmig = Vec::new();
    let sql = migrator().sql(Backend::Postgres).expect("render");
    let mut client = postgres::Client::connect(admin, postgres::NoTls).expect("connect");
    for run in 0..runs {
        for (schema, times) in [
            (format!("bench_direct_{run}"), &mut direct),
            (format!("bench_entmig_{run}"), &mut entmig),
        ] {
            client
                .batch_execute(&format!(
                    "DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}"
                ))
                .expect("schema");
            let separator = if admin.contains('?') { '&' } else { '?' };
            if schema.starts_with("bench_direct") {
                let mut direct_client =
                    postgres::Client::connect(admin, postgres::NoTls).expect("connect");
                direct_client
                    .batch_execute(&format!("SET search_path TO {schema}"))
                    .expect("search_path");
                let start = Instant::now();
                for (_, statements) in &sql {
                    let mut tx = direct_client.transaction().expect("begin");
                    for statement in statements {
                        tx.batch_execute(statement).expect("statement");
                    }
                    tx.commit().expect("commit");
                }
                times.push(start.elapsed());
            } else {
                let mut db = Database::connect(&format!("{admin}{separator}schema={schema}"))
                    .expect("connect");
                let start = Instant::now();
                let report = migrator().run(&mut db).expect("run");
                times.push(start.elapsed());
                assert_eq!(report.done.len(), COUNT);
            }
            client
                .batch_execute(&format!("DROP SCHEMA {schema} CASCADE"))
                .expect("drop schema");
        }
    }
    let median = |mut v: Vec<Duration>| {
        v.sort();
        v[v.len() / 2]
    };
    let (direct, entmig) = (median(direct), median(entmig));
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!("\napplying {COUNT} migrations to PostgreSQL, median of {runs}\n");
    println!("| how                                                     | median      | ratio |");
    println!("|---------------------------------------------------------|-------------|-------|");
    println!(
        "| postgres crate, same SQL, one transaction per migration | {:>8.1} ms | 1.00x |",
        ms(direct)
    );
    println!(
        "| Migrator::run (tracking, checksums, advisory lock)      | {:>8.1} ms | {:.2}x |",
        ms(entmig),
        entmig.as_secs_f64() / direct.as_secs_f64()
    );
}

fn sqlite() {
    let runs = 5;
    let sql = migrator().sql(Backend::Sqlite).expect("render");
    let mut direct = Vec::new();
    let mut savepoints = Vec::new();
    let mut entmig = Vec::new();
    for _ in 0..runs {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("direct.db");
        let connection = rusqlite::Connection::open(&path).expect("open");
        let start = Instant::now();
        for (_, statements) in &sql {
            let tx = connection.unchecked_transaction().expect("begin");
            for statement in statements {
                tx.execute(statement, []).expect("statement");
            }
            tx.commit().expect("commit");
        }
        direct.push(start.elapsed());

        // entmig's own shape: one write-locked transaction, a savepoint per migration.
        let connection =
            rusqlite::Connection::open(dir.path().join("savepoints.db")).expect("open");
        let start = Instant::now();
        connection.execute_batch("BEGIN IMMEDIATE").expect("begin");
        for (_, statements) in &sql {
            connection.execute_batch("SAVEPOINT m").expect("savepoint");
            for statement in statements {
                connection.execute(statement, []).expect("statement");
            }
            connection.execute_batch("RELEASE m").expect("release");
        }
        connection.execute_batch("COMMIT").expect("commit");
        savepoints.push(start.elapsed());

        let url = format!("sqlite://{}", dir.path().join("entmig.db").display());
        let mut db = Database::connect(&url).expect("open");
        let migrator = migrator();
        let start = Instant::now();
        let report = migrator.run(&mut db).expect("run");
        entmig.push(start.elapsed());
        assert_eq!(report.done.len(), COUNT);
    }
    let median = |mut v: Vec<Duration>| {
        v.sort();
        v[v.len() / 2]
    };
    let (direct, savepoints, entmig) = (median(direct), median(savepoints), median(entmig));
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!(
        "\napplying {COUNT} migrations (one table and index each) to a SQLite file, median of {runs}\n"
    );
    println!("| how                                               | median      | ratio |");
    println!("|---------------------------------------------------|-------------|-------|");
    println!(
        "| rusqlite, same SQL, one transaction per migration | {:>8.1} ms | 1.00x |",
        ms(direct)
    );
    println!(
        "| rusqlite, same SQL, one lock, savepoint each      | {:>8.1} ms | {:.2}x |",
        ms(savepoints),
        savepoints.as_secs_f64() / direct.as_secs_f64()
    );
    println!(
        "| Migrator::run (tracking, checksums, lock)         | {:>8.1} ms | {:.2}x |",
        ms(entmig),
        entmig.as_secs_f64() / direct.as_secs_f64()
    );
}
