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
        Ok(url) => {
            postgres(&url);
            ways_to_run(&url);
        }
        Err(_) => println!(
            "\n(PostgreSQL: set ENTMIG_TEST_POSTGRES_URL to a server to compare there too)"
        ),
    }
}

/// A URL with one more parameter.
fn with(url: &str, params: &str) -> String {
    let separator = if url.contains('?') { '&' } else { '?' };
    format!("{url}{separator}{params}")
}

/// `Migrator::run` of 1,000 migrations against the ways a service runs it, as ratios to a run
/// over plain TCP: `run_async` (the `tokio` feature: `--features tokio`) awaited in a
/// current-thread runtime; `run` through PgBouncer in transaction mode
/// (`ENTMIG_TEST_PGBOUNCER_URL`); over TLS with `require` and `verify-full`
/// (`ENTMIG_TEST_POSTGRES_TLS_URL` and `_CA`, a cluster set up as the plain one but for
/// `ssl=on`). scripts/postgres.sh's start_* functions set them all. Each run in a fresh schema,
/// made on the server the way reaches; the ways take turns, round by round.
fn ways_to_run(plain: &str) {
    let runs = 5;
    type Way = Box<dyn Fn(&str) -> usize>;
    let run: fn() -> Way = || {
        Box::new(|url| {
            migrator()
                .run(&mut Database::connect(url).unwrap())
                .unwrap()
                .done
                .len()
        })
    };
    // (how, the server's admin URL, the URL the way connects with, the way)
    let mut ways: Vec<(&str, String, String, Way)> = vec![(
        "Migrator::run, plain TCP",
        plain.to_owned(),
        with(plain, "sslmode=disable"),
        run(),
    )];
    #[cfg(feature = "tokio")]
    ways.push((
        "Migrator::run_async, awaited in tokio",
        plain.to_owned(),
        with(plain, "sslmode=disable"),
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
            plain.to_owned(),
            bouncer,
            run(),
        ));
    }
    if let Ok(tls) = std::env::var("ENTMIG_TEST_POSTGRES_TLS_URL") {
        ways.push((
            "Migrator::run, TLS (sslmode=require)",
            tls.clone(),
            with(&tls, "sslmode=require"),
            run(),
        ));
        if let Ok(ca) = std::env::var("ENTMIG_TEST_POSTGRES_TLS_CA") {
            ways.push((
                "Migrator::run, TLS (sslmode=verify-full)",
                tls.clone(),
                with(&tls, &format!("sslmode=verify-full&sslrootcert={ca}")),
                run(),
            ));
        }
    }
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!(
        "\n{COUNT} migrations on PostgreSQL, the ways a service runs them, median of {runs}\n"
    );
    println!("| how                                      | median      | ratio |");
    println!("|------------------------------------------|-------------|-------|");
    // Round by round, every way in each, so that a machine that drifts (another load, a cache
    // warming) weighs on all of them alike.
    let mut admins: Vec<Database> = ways
        .iter()
        .map(|(_, admin, _, _)| Database::connect(admin).expect("connect"))
        .collect();
    let mut times = vec![Vec::new(); ways.len()];
    for round in 0..runs {
        for (n, (_, _, url, run)) in ways.iter().enumerate() {
            let schema = format!("bench_way_{n}_{round}");
            let reset = format!("DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}");
            admins[n].execute(&reset, &[]).expect("schema");
            let start = Instant::now();
            assert_eq!(run(&with(url, &format!("schema={schema}"))), COUNT);
            times[n].push(start.elapsed());
            admins[n]
                .execute(&format!("DROP SCHEMA {schema} CASCADE"), &[])
                .expect("drop schema");
        }
    }
    let mut first = None;
    for ((how, ..), mut times) in ways.iter().zip(times) {
        times.sort();
        let median = times[times.len() / 2];
        let base = *first.get_or_insert(median);
        println!(
            "| {how:<40} | {:>8.1} ms | {:.2}x |",
            ms(median),
            median.as_secs_f64() / base.as_secs_f64()
        );
    }
    #[cfg(not(feature = "tokio"))]
    println!("(run_async: bench with --features tokio)");
    if std::env::var("ENTMIG_TEST_POSTGRES_TLS_URL").is_err() {
        println!("(TLS: set ENTMIG_TEST_POSTGRES_TLS_URL, as start_postgres_tls does)");
    }
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
                let mut db =
                    Database::connect(&with(admin, &format!("schema={schema}"))).expect("connect");
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
