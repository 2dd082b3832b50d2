//! The round-trip invariants on a real SQLite database, for random schemas and edit scripts:
//!
//! - applying `diff(A, B)` to a database built from A gives a database that introspects as B,
//!   and every row survives (columns that were not dropped keep their values);
//! - applying the inverse gives A again, rows and all;
//! - `diff(introspect(create(S)), S)` is empty: no spurious migrations.

use entmig_runtime::{Backend, Database, Fill, Op, Schema, diff, invert};
use entmig_schema::zero_value;
use entmig_tests::generate::{self, Rng};
use proptest::prelude::*;

fn build(schema: &Schema) -> Database {
    let mut db = Database::connect("sqlite::memory:").expect("memory database");
    db.apply(&diff(&Schema::new(), schema).ops)
        .expect("create the source schema");
    db
}

/// The column names of `table` in the target that come from the source, with their source names.
fn surviving_columns(
    a: &Schema,
    b: &Schema,
    table: &str,
) -> Option<(String, Vec<(String, String)>)> {
    let tb = &b.tables[table];
    let source = tb.renamed_from.clone().unwrap_or_else(|| tb.name.clone());
    let ta = a.tables.get(&source)?;
    let pairs = tb
        .columns
        .iter()
        .filter_map(|c| {
            let old = c.renamed_from.clone().unwrap_or_else(|| c.name.clone());
            ta.column(&old).map(|_| (old, c.name.clone()))
        })
        .collect();
    Some((source, pairs))
}

fn round_trip(seed: u64) {
    let mut rng = Rng::new(seed);
    let a = generate::schema(&mut rng);
    let (b, edits) = generate::edit(&mut rng, &a);
    let mut db = build(&a);
    assert_eq!(
        db.introspect().unwrap(),
        Backend::Sqlite.normalize(&a),
        "create(A) introspects as A"
    );

    for statement in generate::rows(&mut rng, &a, &edits.made_not_null, Backend::Sqlite) {
        db.execute(&statement, &[])
            .unwrap_or_else(|e| panic!("{e}"));
    }
    let before: Vec<_> = b
        .tables
        .keys()
        .filter_map(|t| {
            surviving_columns(&a, &b, t).map(|(source, cols)| (t.clone(), source, cols))
        })
        .map(|(t, source, cols)| {
            let old: Vec<String> = cols.iter().map(|(o, _)| o.clone()).collect();
            let rows = generate::snapshot_rows(&mut db, &source, &old);
            (t, cols, rows)
        })
        .collect();

    let mut d = diff(&a, &b);
    for (table, column) in d.needs_fill() {
        let ty = b.tables[&table].column(&column).unwrap().ty.clone();
        d.set_fill(
            &table,
            &column,
            Fill::Value(zero_value(&ty).expect("generated types have a zero")),
        );
    }
    db.apply(&d.ops)
        .unwrap_or_else(|e| panic!("apply diff(A, B): {e}\nops: {:#?}", d.ops));
    assert_eq!(
        generate::columns_by_name(&db.introspect().unwrap()),
        generate::columns_by_name(&Backend::Sqlite.normalize(&b)),
        "diff(A, B) applied to A introspects as B; ops: {:#?}",
        d.ops
    );
    for (table, cols, rows) in &before {
        let new: Vec<String> = cols.iter().map(|(_, n)| n.clone()).collect();
        assert_eq!(
            &generate::snapshot_rows(&mut db, table, &new),
            rows,
            "rows of {table} survive"
        );
    }

    let down: Vec<Op> = invert(&d.ops);
    db.apply(&down)
        .unwrap_or_else(|e| panic!("apply the inverse: {e}\nops: {down:#?}"));
    assert_eq!(
        generate::columns_by_name(&db.introspect().unwrap()),
        generate::columns_by_name(&Backend::Sqlite.normalize(&a)),
        "the inverse restores A; ops: {down:#?}"
    );
    for (table, cols, rows) in &before {
        let (source, _) = surviving_columns(&a, &b, table).unwrap();
        let old: Vec<String> = cols.iter().map(|(o, _)| o.clone()).collect();
        assert_eq!(
            generate::snapshot_rows(&mut db, &source, &old).len(),
            rows.len(),
            "rows of {source} survive the inverse"
        );
    }
}

/// 500 cases by default; `PROPTEST_CASES=20000` explores further.
fn config() -> ProptestConfig {
    ProptestConfig::with_cases(500)
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn diff_applies_and_inverts_on_sqlite(seed in any::<u64>()) {
        round_trip(seed);
    }

    #[test]
    fn no_spurious_diffs_on_sqlite(seed in any::<u64>()) {
        let schema = generate::schema(&mut Rng::new(seed));
        let mut db = build(&schema);
        let live = db.introspect().unwrap();
        let d = diff(&live, &Backend::Sqlite.normalize(&schema));
        prop_assert!(d.is_empty(), "spurious ops: {:#?}", d.ops);
    }
}

/// The generator reaches every kind of op, renames included, so the properties above cover
/// them all.
#[test]
fn edit_scripts_cover_every_op_kind() {
    let mut counts = std::collections::BTreeMap::<&str, usize>::new();
    for seed in 0..500 {
        let mut rng = Rng::new(seed);
        let a = generate::schema(&mut rng);
        let (b, _) = generate::edit(&mut rng, &a);
        for op in diff(&a, &b).ops {
            let kind = match op {
                Op::CreateTable { .. } => "create table",
                Op::DropTable { .. } => "drop table",
                Op::RenameTable { .. } => "rename table",
                Op::AddColumn { .. } => "add column",
                Op::DropColumn { .. } => "drop column",
                Op::RenameColumn { .. } => "rename column",
                Op::AlterColumn { .. } => "alter column",
                Op::AddIndex { .. } => "add index",
                Op::DropIndex { .. } => "drop index",
                Op::AddForeignKey { .. } => "add foreign key",
                Op::DropForeignKey { .. } => "drop foreign key",
                Op::SetPrimaryKey { .. } => "set primary key",
            };
            *counts.entry(kind).or_default() += 1;
        }
    }
    println!("{counts:#?}");
    assert_eq!(counts.len(), 12, "every op kind appears: {counts:?}");
    assert!(
        counts.values().all(|n| *n >= 10),
        "each at least 10 times: {counts:?}"
    );
}
