//! Benchmark: `diff` of two 1,000-table schemas (10 columns, 2 indexes and a foreign key each),
//! the second with one change in every 20th table. Prints a table; run with
//! `cargo bench -p entmig-schema --bench diff`. Target: under 10 ms.

use std::hint::black_box;
use std::time::{Duration, Instant};

use entmig_schema::{
    Column, ColumnType, ForeignKey, Index, ReferentialAction, Schema, Table, diff, naming,
};

fn schema(tables: usize, changed_every: usize) -> Schema {
    Schema::from_tables((0..tables).map(|t| {
        let name = format!("table_{t:04}");
        let mut table = Table::new(&name);
        table.columns.push(Column {
            auto_increment: true,
            ..Column::new("id", ColumnType::BigInt)
        });
        for c in 1..10 {
            let ty = [
                ColumnType::Text,
                ColumnType::Integer,
                ColumnType::Varchar(80),
            ][c % 3]
                .clone();
            table
                .columns
                .push(Column::new(format!("column_{c}"), ty).nullable());
        }
        if changed_every > 0 && t % changed_every == 0 {
            table
                .columns
                .push(Column::new("added", ColumnType::Boolean).nullable());
            table.columns[3].ty = ColumnType::BigInt;
        }
        table.primary_key = vec!["id".into()];
        for (i, unique) in [(1, true), (2, false)] {
            let columns = vec![format!("column_{i}")];
            table.indexes.push(Index {
                name: naming::index_name(&name, &columns, unique),
                columns,
                unique,
            });
        }
        if t > 0 {
            table.foreign_keys.push(ForeignKey {
                name: naming::foreign_key_name(&name, &["column_2"]),
                columns: vec!["column_2".into()],
                referenced_table: format!("table_{:04}", t - 1),
                referenced_columns: vec!["id".into()],
                on_delete: ReferentialAction::Cascade,
                on_update: ReferentialAction::NoAction,
            });
        }
        table.sort();
        table
    }))
}

fn measure(runs: usize, mut f: impl FnMut()) -> (Duration, Duration) {
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .collect();
    times.sort();
    (times[0], times[runs / 2])
}

fn main() {
    let a = schema(1000, 0);
    let b = schema(1000, 20);
    let ops = diff(&a, &b).ops.len();
    println!("\ndiff of two 1,000-table schemas ({ops} ops between them), 50 runs\n");
    println!("| case                         | min       | median    |");
    println!("|------------------------------|-----------|-----------|");
    for (label, from, to) in [
        ("identical schemas", &a, &a),
        ("50 tables changed", &a, &b),
        ("from empty (first migration)", &Schema::new(), &b),
    ] {
        let (min, median) = measure(50, || {
            black_box(diff(black_box(from), black_box(to)));
        });
        println!(
            "| {label:<28} | {:>6.2} ms | {:>6.2} ms |",
            min.as_secs_f64() * 1e3,
            median.as_secs_f64() * 1e3
        );
    }
}
