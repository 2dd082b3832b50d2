//! The canonical JSON is a format: migration checksums stored in users' databases and the
//! digests in snapshot files hash it. These tests pin it byte for byte against files written by
//! entmig 0.1, before column types were spelt `bigint` in snapshots.

use entmig_schema::{Column, ColumnChanges, ColumnType, Op, Schema, Table, canonical, snapshot};

fn every_type() -> Vec<ColumnType> {
    vec![
        ColumnType::Boolean,
        ColumnType::SmallInt,
        ColumnType::Integer,
        ColumnType::BigInt,
        ColumnType::Real,
        ColumnType::Double,
        ColumnType::Decimal {
            precision: None,
            scale: None,
        },
        ColumnType::Decimal {
            precision: Some(10),
            scale: Some(2),
        },
        ColumnType::Text,
        ColumnType::Varchar(255),
        ColumnType::Bytes,
        ColumnType::Date,
        ColumnType::Time,
        ColumnType::Timestamp,
        ColumnType::TimestampTz,
        ColumnType::Uuid,
        ColumnType::Json,
        ColumnType::Custom("citext".into()),
    ]
}

fn table() -> Table {
    let mut table = Table::new("every_type");
    for (i, ty) in every_type().into_iter().enumerate() {
        table.columns.push(Column::new(format!("c{i}"), ty));
    }
    table
}

/// Every column type in a column and on both sides of a type change.
fn ops() -> Vec<Op> {
    let types = every_type();
    let mut ops = vec![Op::CreateTable { table: table() }];
    for (i, ty) in types.iter().enumerate() {
        ops.push(Op::AlterColumn {
            table: "every_type".into(),
            column: format!("c{i}"),
            changes: ColumnChanges::new().ty(ty.clone(), types[(i + 1) % types.len()].clone()),
        });
    }
    ops.push(Op::AddColumn {
        table: "every_type".into(),
        column: Column::new("added", ColumnType::BigInt).nullable(),
        fill: None,
    });
    ops.push(Op::DropColumn {
        table: "every_type".into(),
        column: Column::new("dropped", ColumnType::TimestampTz),
    });
    ops
}

#[test]
fn the_checksum_input_of_ops_is_what_entmig_0_1_hashed() {
    let pinned = include_str!("canonical/every_type_ops.jsonl");
    let written: Vec<String> = ops().iter().map(canonical::json).collect();
    assert_eq!(written, pinned.lines().collect::<Vec<_>>());
    // And the ops read back from it.
    for (line, op) in pinned.lines().zip(ops()) {
        assert_eq!(serde_json::from_str::<Op>(line).unwrap(), op);
    }
}

#[test]
fn a_snapshot_of_entmig_0_1_reads_as_written_by_entmig() {
    let old = include_str!("canonical/every_type_snapshot_0_1.json");
    assert!(old.contains("\"big_int\"") && old.contains("\"timestamp_tz\""));
    let read = snapshot::read(old).unwrap();
    let schema = Schema::from_tables([table()]);
    assert_eq!(read.schema, schema);
    assert_eq!(read.provenance, snapshot::Provenance::After(None));

    // Written again: the spelling of messages, and the same digest.
    let new = snapshot::to_string(&schema);
    assert!(new.contains("\"bigint\"") && new.contains("\"timestamptz\""));
    assert!(!new.contains("\"big_int\""));
    let digest = |text: &str| {
        text.lines()
            .find(|l| l.contains("\"digest\""))
            .map(str::to_owned)
    };
    assert_eq!(digest(&new), digest(old));
    assert_eq!(
        snapshot::read(&new).unwrap().provenance,
        snapshot::Provenance::After(None)
    );
}
