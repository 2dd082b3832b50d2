//! The round-trip invariants on real databases — SQLite, and PostgreSQL when `scripts/test`
//! started one — for random schemas and edit scripts:
//!
//! - applying `diff(A, B)` to a database built from A gives a database that introspects as B,
//!   and every row survives (columns that were not dropped keep their values);
//! - reverting it — with the `down` that `make` writes (`entmig_schema::decide::down`), run
//!   by the migrator — either gives A again, rows and all, or is refused by `down`'s
//!   irreversible mark before anything is touched; never a failure part way, and the same
//!   outcome on SQLite and PostgreSQL for the same case;
//! - `diff(introspect(create(S)), S)` is empty: no spurious migrations.

use entmig_runtime::migration::prelude::*;
use entmig_runtime::migrator::Entry;
use entmig_runtime::{Backend, Database, Error, Fill, Migrator, Op, Revert, Schema, diff};
use entmig_schema::decide::{self, Down};
use entmig_schema::zero_value;
use entmig_tests::db::postgres_url;
use entmig_tests::generate::{self, Rng};
use proptest::prelude::*;

/// A database to build a case in: SQLite in memory, or a fresh schema of the test server's
/// database (much cheaper than a database per case), dropped afterwards.
struct Scratch {
    db: Database,
    drop_schema: Option<(String, String)>,
}

impl Scratch {
    fn new(backend: Backend) -> Option<Scratch> {
        match backend {
            Backend::Sqlite => Some(Scratch {
                db: Database::connect("sqlite::memory:").expect("memory database"),
                drop_schema: None,
            }),
            Backend::Postgres => {
                let admin = postgres_url()?;
                let name = format!("case_{:016x}", Rng::new(rand_seed()).next_u64());
                admin_execute(&admin, &format!("CREATE SCHEMA \"{name}\""));
                let separator = if admin.contains('?') { '&' } else { '?' };
                Some(Scratch {
                    db: Database::connect(&format!("{admin}{separator}schema={name}"))
                        .expect("connect to the scratch schema"),
                    drop_schema: Some((admin, name)),
                })
            }
        }
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if let Some((admin, name)) = &self.drop_schema {
            admin_execute(admin, &format!("DROP SCHEMA \"{name}\" CASCADE"));
        }
    }
}

/// Runs a statement on one shared connection to the test server: a connection per statement
/// would cost more than the cases themselves.
fn admin_execute(admin: &str, sql: &str) {
    use std::sync::Mutex;
    static ADMIN: Mutex<Option<Database>> = Mutex::new(None);
    let mut guard = ADMIN
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if guard.is_none() {
        *guard = Some(Database::connect(admin).expect("connect to the test server"));
    }
    if let Some(db) = guard.as_mut() {
        db.execute(sql, &[])
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
}

fn rand_seed() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    nanos ^ (u64::from(std::process::id()) << 32) ^ NEXT.fetch_add(1, Ordering::Relaxed)
}

fn build(schema: &Schema, backend: Backend) -> Option<Scratch> {
    let mut scratch = Scratch::new(backend)?;
    scratch
        .db
        .apply(&diff(&Schema::new(), schema).ops)
        .expect("create the source schema");
    Some(scratch)
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

/// A migration of drawn ops, with the `down` that `make` would write for them.
struct Drawn {
    up: Vec<Op>,
    down: Down,
}

impl MigrationTrait for Drawn {
    fn up(&self, m: &mut Plan) {
        for op in &self.up {
            m.op(op.clone());
        }
    }
    fn down(&self, m: &mut Plan) {
        if let Some(reason) = &self.down.irreversible {
            m.irreversible(reason);
        }
        for op in &self.down.ops {
            m.op(op.clone());
        }
    }
}

/// How a case's revert ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reverted {
    /// Back to A, rows kept.
    Restored,
    /// Refused up front by the irreversible mark; nothing touched.
    Refused,
}

/// The case of `seed` on `backend`: `None` without a server for it.
fn round_trip(seed: u64, backend: Backend) -> Option<Reverted> {
    let mut rng = Rng::new(seed);
    let a = generate::schema(&mut rng);
    let (b, edits) = generate::edit(&mut rng, &a);
    let mut scratch = build(&a, backend)?;
    let db = &mut scratch.db;
    assert_eq!(
        db.introspect().unwrap(),
        backend.normalize(&a),
        "create(A) introspects as A"
    );

    for statement in generate::rows(&mut rng, &a, &edits.made_not_null, backend) {
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
            let rows = generate::snapshot_rows(db, &a.tables[&source], &old);
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
    // A column made NOT NULL holds no NULL here (the rows were made so); a value for NULLs
    // must change nothing then, with or without a type change beside it.
    for op in &mut d.ops {
        let Op::AlterColumn {
            table,
            column,
            changes,
        } = op
        else {
            continue;
        };
        if changes.refuses_null() && rng.below(2) == 0 {
            let ty = &b.tables[table.as_str()]
                .column(column)
                .expect("an altered column is in B")
                .ty;
            changes.fill_nulls = zero_value(ty).map(Fill::Value);
        }
    }
    let down = decide::down(&a, &d.ops, &[])
        .unwrap_or_else(|problems| panic!("make's down: {problems:?}\nops: {:#?}", d.ops));
    let migrator = Migrator::new(vec![Entry::new(
        "m20260101_000000_drawn",
        Box::new(Drawn {
            up: d.ops.clone(),
            down: down.clone(),
        }),
    )]);
    migrator
        .run(db)
        .unwrap_or_else(|e| panic!("apply diff(A, B) on {backend}: {e}\nops: {:#?}", d.ops));
    assert_eq!(
        db.introspect().unwrap().columns_by_name(),
        backend.normalize(&b).columns_by_name(),
        "diff(A, B) applied to A introspects as B on {backend}; ops: {:#?}",
        d.ops
    );
    for (table, cols, rows) in &before {
        let new: Vec<String> = cols.iter().map(|(_, n)| n.clone()).collect();
        assert_eq!(
            &generate::snapshot_rows(db, &b.tables[table], &new),
            rows,
            "rows of {table} survive on {backend}; ops: {:#?}",
            d.ops
        );
    }

    let down_ops = &down.ops;
    match migrator.revert(db, Revert::Steps(1)) {
        Ok(_) => {}
        Err(failure) => match failure.error {
            Error::Irreversible { .. } if down.irreversible.is_some() => {
                assert_eq!(
                    db.introspect().unwrap().columns_by_name(),
                    backend.normalize(&b).columns_by_name(),
                    "a refused revert touches nothing on {backend}"
                );
                return Some(Reverted::Refused);
            }
            error => {
                panic!("the revert failed part way on {backend}: {error}\ndown: {down_ops:#?}")
            }
        },
    }
    assert!(down.irreversible.is_none(), "an irreversible down ran");
    assert_eq!(
        db.introspect().unwrap().columns_by_name(),
        backend.normalize(&a).columns_by_name(),
        "the inverse restores A on {backend}; ops: {down_ops:#?}"
    );
    for (table, cols, rows) in &before {
        let (source, _) = surviving_columns(&a, &b, table).unwrap();
        let old: Vec<String> = cols.iter().map(|(o, _)| o.clone()).collect();
        assert_eq!(
            generate::snapshot_rows(db, &a.tables[&source], &old).len(),
            rows.len(),
            "rows of {source} survive the inverse on {backend}"
        );
    }
    Some(Reverted::Restored)
}

/// 500 cases by default on SQLite; `PROPTEST_CASES=20000` explores further.
fn sqlite_config() -> ProptestConfig {
    ProptestConfig::with_cases(500)
}

/// 200 cases by default on PostgreSQL, where each case is a schema on a real server (about
/// 70 ms of connecting and DDL); `PROPTEST_CASES` raises it too.
fn postgres_config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(200);
    ProptestConfig::with_cases(cases)
}

proptest! {
    #![proptest_config(sqlite_config())]

    #[test]
    fn diff_applies_and_inverts_on_sqlite(seed in any::<u64>()) {
        round_trip(seed, Backend::Sqlite);
    }

    #[test]
    fn no_spurious_diffs_on_sqlite(seed in any::<u64>()) {
        no_spurious_diffs(seed, Backend::Sqlite)?;
    }
}

proptest! {
    #![proptest_config(postgres_config())]

    /// The same case on both backends ends the same way.
    #[test]
    fn diff_applies_and_inverts_on_postgres_as_on_sqlite(seed in any::<u64>()) {
        if let Some(postgres) = round_trip(seed, Backend::Postgres) {
            prop_assert_eq!(Some(postgres), round_trip(seed, Backend::Sqlite));
        }
    }

    #[test]
    fn no_spurious_diffs_on_postgres(seed in any::<u64>()) {
        no_spurious_diffs(seed, Backend::Postgres)?;
    }
}

fn no_spurious_diffs(seed: u64, backend: Backend) -> Result<(), TestCaseError> {
    let schema = generate::schema(&mut Rng::new(seed));
    let Some(mut scratch) = build(&schema, backend) else {
        return Ok(());
    };
    let live = scratch.db.introspect().unwrap();
    let d = diff(&live, &backend.normalize(&schema));
    prop_assert!(d.is_empty(), "spurious ops on {}: {:#?}", backend, d.ops);
    Ok(())
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
    assert_eq!(counts.len(), 12, "every op kind appears: {counts:?}");
    assert!(
        counts.values().all(|n| *n >= 10),
        "each at least 10 times: {counts:?}"
    );
}

/// The drawn migrations reach both ends of the revert invariant: downs that restore rows
/// with made-up values, and downs marked irreversible.
#[test]
fn drawn_downs_include_fills_and_irreversible_marks() {
    let (mut marked, mut filled) = (0, 0);
    for seed in 0..500 {
        let mut rng = Rng::new(seed);
        let a = generate::schema(&mut rng);
        let (b, _) = generate::edit(&mut rng, &a);
        let down = decide::down(&a, &diff(&a, &b).ops, &[]).expect("a down");
        marked += usize::from(down.irreversible.is_some());
        filled += down
            .ops
            .iter()
            .filter(|op| match op {
                Op::AddColumn { fill, .. } => fill.is_some(),
                Op::AlterColumn { changes, .. } => changes.fill_nulls.is_some(),
                _ => false,
            })
            .count();
    }
    eprintln!("of 500 drawn migrations: {marked} downs marked irreversible, {filled} fills");
    assert!(
        marked >= 5 && filled >= 10,
        "{marked} marked, {filled} filled"
    );
}

/// Found by a long run: a table whose only column is dropped while another is added is
/// rebuilt with nothing to copy, and its rows must still move.
#[test]
fn a_rebuild_with_no_column_to_copy_keeps_the_rows() {
    assert_eq!(
        round_trip(4355012856414300029, Backend::Sqlite),
        Some(Reverted::Restored)
    );
}
