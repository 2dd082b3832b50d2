//! Benchmark: `synchronize` of 100 tables x 10 columns into an empty `:memory:` database, as a
//! ratio to executing the same CREATE statements with rusqlite directly (one transaction).
//! Prints a table; run with `cargo bench -p entmig-runtime --bench synchronize`. Target: 1.5x
//! or less.

use std::time::{Duration, Instant};

use entmig_runtime::{
    Backend, Column, ColumnType, Database, Schema, SyncOptions, Table, diff, render,
};

fn schema() -> Schema {
    Schema::from_tables((0..100).map(|t| {
        let mut table = Table::new(format!("table_{t:03}"));
        table.columns.push(Column {
            auto_increment: true,
            ..Column::new("id", ColumnType::BigInt)
        });
        for c in 1..10 {
            let ty = [
                ColumnType::Text,
                ColumnType::BigInt,
                ColumnType::Varchar(80),
            ][c % 3]
                .clone();
            table
                .columns
                .push(Column::new(format!("column_{c}"), ty).nullable());
        }
        table.primary_key = vec!["id".into()];
        table
    }))
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn main() {
    let runs = 30;
    let schema = schema();
    // The SQL that synchronize runs, rendered once, for the direct baseline.
    let statements: Vec<String> = render(
        &diff(&Schema::new(), &schema).ops,
        &Schema::new(),
        Backend::Sqlite,
    )
    .expect("render")
    .into_iter()
    .flat_map(|op| op.statements)
    .collect();

    let direct = median(
        (0..runs)
            .map(|_| {
                let connection = rusqlite::Connection::open_in_memory().expect("memory");
                let start = Instant::now();
                connection.execute_batch("BEGIN IMMEDIATE").expect("begin");
                for sql in &statements {
                    connection.execute(sql, []).expect("create");
                }
                connection.execute_batch("COMMIT").expect("commit");
                start.elapsed()
            })
            .collect(),
    );
    let entmig = median(
        (0..runs)
            .map(|_| {
                let mut db = Database::connect("sqlite::memory:").expect("memory");
                let start = Instant::now();
                db.synchronize(&schema, SyncOptions::default())
                    .expect("synchronize");
                start.elapsed()
            })
            .collect(),
    );
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!(
        "\nsynchronize 100 tables x 10 columns into an empty :memory: database, median of {runs}\n"
    );
    println!("| how                                  | median    | ratio |");
    println!("|--------------------------------------|-----------|-------|");
    println!(
        "| rusqlite, the same CREATE statements | {:>6.2} ms | 1.00x |",
        ms(direct)
    );
    println!(
        "| Database::synchronize                | {:>6.2} ms | {:.2}x |",
        ms(entmig),
        entmig.as_secs_f64() / direct.as_secs_f64()
    );
}
