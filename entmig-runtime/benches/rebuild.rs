//! Benchmark: one migration that changes four columns of a SQLite table with many rows (a NOT
//! NULL column added with a fill, a column made NOT NULL with a value for its NULLs, a type
//! change, a dropped column). SQLite cannot ALTER most of these, so each needs a table rebuild,
//! which copies every row; entmig does the four in one rebuild. Prints a table; run with
//! `cargo bench -p entmig-runtime --bench rebuild` (`ENTMIG_BENCH_ROWS=N` sets the rows,
//! default 200,000).
//!
//! Rows: the four steps as one migration (entmig's one rebuild); the same four steps as four
//! migrations (a rebuild each, what entmig did before it joined them); and the one rebuild's
//! SQL run through rusqlite directly, the floor.

use std::time::{Duration, Instant};

use entmig_runtime::migration::prelude::*;
use entmig_runtime::migrator::Entry;
use entmig_runtime::{Database, Migrator, Op, Schema, invert, render};

fn users() -> Table {
    Table::new("users")
        .with_column(Column::new("id", ColumnType::BigInt).auto_increment())
        .with_column(Column::new("email", ColumnType::Text))
        .with_column(Column::new("nick", ColumnType::Text).nullable())
        .with_column(Column::new("score", ColumnType::Integer))
        .with_column(Column::new("legacy", ColumnType::Text).nullable())
        .with_primary_key(["id"])
        .with_index(Index::unique("uq_users_email", ["email"]))
}

fn steps() -> Vec<Op> {
    vec![
        Op::AddColumn {
            table: "users".into(),
            column: Column::new("country", ColumnType::Text),
            fill: Some(Fill::Value(DefaultValue::String("NL".into()))),
        },
        Op::AlterColumn {
            table: "users".into(),
            column: "nick".into(),
            changes: ColumnChanges::new()
                .nullable(true, false)
                .fill_nulls(Fill::CopyFrom("email".into())),
        },
        Op::AlterColumn {
            table: "users".into(),
            column: "score".into(),
            changes: ColumnChanges::new().ty(ColumnType::Integer, ColumnType::BigInt),
        },
        Op::DropColumn {
            table: "users".into(),
            column: Column::new("legacy", ColumnType::Text).nullable(),
        },
    ]
}

struct CreateUsers;

impl MigrationTrait for CreateUsers {
    fn up(&self, m: &mut Plan) {
        m.create_table(users());
    }
    fn down(&self, m: &mut Plan) {
        m.drop_table(users());
    }
}

/// Some of the steps, as one migration.
struct Steps(Vec<Op>);

impl MigrationTrait for Steps {
    fn up(&self, m: &mut Plan) {
        for op in &self.0 {
            m.op(op.clone());
        }
    }
    fn down(&self, m: &mut Plan) {
        for op in invert(&self.0) {
            m.op(op);
        }
    }
}

fn filled(path: &std::path::Path, rows: usize) {
    let _ = std::fs::remove_file(path);
    let mut db = Database::connect(&format!("sqlite://{}", path.display())).expect("connect");
    Migrator::new(vec![Entry::new(
        "m20260101_000000_create_users",
        Box::new(CreateUsers),
    )])
    .run(&mut db)
    .expect("create");
    drop(db);
    let connection = rusqlite::Connection::open(path).expect("open");
    connection
        .execute_batch(&format!(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {rows}) \
             INSERT INTO users (email, nick, score, legacy) \
             SELECT 'user' || i || '@example.com', CASE WHEN i % 3 = 0 THEN NULL ELSE 'n' || i END, \
             i, 'old' FROM n"
        ))
        .expect("rows");
}

fn timed(f: impl FnOnce()) -> Duration {
    let start = Instant::now();
    f();
    start.elapsed()
}

fn main() {
    let rows: usize = std::env::var("ENTMIG_BENCH_ROWS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(200_000);
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("bench.db");
    let url = format!("sqlite://{}", path.display());
    let runs = 3;
    let (mut joined, mut separate, mut direct) = (Vec::new(), Vec::new(), Vec::new());
    let create = || Entry::new("m20260101_000000_create_users", Box::new(CreateUsers));
    for _ in 0..runs {
        filled(&path, rows);
        let migrator = Migrator::new(vec![
            create(),
            Entry::new("m20260102_000000_change", Box::new(Steps(steps()))),
        ]);
        let mut db = Database::connect(&url).expect("connect");
        joined.push(timed(|| {
            migrator.run(&mut db).expect("run");
        }));

        filled(&path, rows);
        let mut entries = vec![create()];
        for (i, op) in steps().into_iter().enumerate() {
            entries.push(Entry::new(
                &format!("m20260102_00000{i}_change_{i}"),
                Box::new(Steps(vec![op])),
            ));
        }
        let migrator = Migrator::new(entries);
        let mut db = Database::connect(&url).expect("connect");
        separate.push(timed(|| {
            migrator.run(&mut db).expect("run");
        }));

        filled(&path, rows);
        let sql = render(&steps(), &Schema::from_tables([users()]), Backend::Sqlite)
            .expect("render")
            .into_iter()
            .flat_map(|r| r.statements)
            .collect::<Vec<_>>()
            .join(";\n");
        let connection = rusqlite::Connection::open(&path).expect("open");
        direct.push(timed(|| {
            connection
                .execute_batch(&format!(
                    "PRAGMA foreign_keys = OFF; BEGIN IMMEDIATE; {sql}; COMMIT"
                ))
                .expect("direct");
        }));
    }
    let median = |times: &mut Vec<Duration>| {
        times.sort();
        times[times.len() / 2]
    };
    let (joined, separate, direct) = (
        median(&mut joined),
        median(&mut separate),
        median(&mut direct),
    );
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!("\nfour column changes on a SQLite table of {rows} rows, median of {runs} runs\n");
    println!("| how | median | ratio |");
    println!("|---|---|---|");
    println!(
        "| rusqlite, the one rebuild's SQL | {:.0} ms | 1.00x |",
        ms(direct)
    );
    println!(
        "| Migrator::run, one migration (one rebuild) | {:.0} ms | {:.2}x |",
        ms(joined),
        ms(joined) / ms(direct)
    );
    println!(
        "| Migrator::run, four migrations (a rebuild each) | {:.0} ms | {:.2}x |",
        ms(separate),
        ms(separate) / ms(direct)
    );
}
