//! Golden tests of the rendered SQL: every op kind, for SQLite and PostgreSQL, against the
//! checked-in files in `tests/golden/`. After an intended change, regenerate them with
//! `UPDATE_GOLDEN=1 cargo test -p entmig-schema --test golden` and read the diff.

use std::path::PathBuf;

use entmig_schema::{
    Backend, Change, Column, ColumnChanges, ColumnType, DefaultValue, Fill, ForeignKey, Index, Op,
    ReferentialAction, Schema, Table, render,
};

/// `"user"` (a reserved word) with a key, an index and a foreign key to `"group"`.
fn base() -> Schema {
    let mut group = Table::new("group");
    group.columns = vec![
        Column {
            auto_increment: true,
            ..Column::new("id", ColumnType::BigInt)
        },
        Column::new("name", ColumnType::Varchar(80)),
    ];
    group.primary_key = vec!["id".into()];

    let mut user = Table::new("user");
    user.columns = vec![
        Column {
            auto_increment: true,
            ..Column::new("id", ColumnType::BigInt)
        },
        Column::new("email", ColumnType::Varchar(255)),
        Column::new("group_id", ColumnType::BigInt).nullable(),
        Column::new("score", ColumnType::Double).default(DefaultValue::Float(0.5)),
        Column::new("created_at", ColumnType::TimestampTz)
            .default(DefaultValue::Sql("CURRENT_TIMESTAMP".into())),
    ];
    user.primary_key = vec!["id".into()];
    user.indexes = vec![Index {
        name: "uq_user_email".into(),
        columns: vec!["email".into()],
        unique: true,
    }];
    user.foreign_keys = vec![group_fk()];
    Schema::from_tables([group, user])
}

fn group_fk() -> ForeignKey {
    ForeignKey {
        name: "fk_user_group_id".into(),
        columns: vec!["group_id".into()],
        referenced_table: "group".into(),
        referenced_columns: vec!["id".into()],
        on_delete: ReferentialAction::SetNull,
        on_update: ReferentialAction::Cascade,
    }
}

fn every_type() -> Table {
    let types = [
        ColumnType::Boolean,
        ColumnType::SmallInt,
        ColumnType::Integer,
        ColumnType::BigInt,
        ColumnType::Real,
        ColumnType::Double,
        ColumnType::Decimal {
            precision: Some(12),
            scale: Some(2),
        },
        ColumnType::Decimal {
            precision: None,
            scale: None,
        },
        ColumnType::Text,
        ColumnType::Varchar(20),
        ColumnType::Bytes,
        ColumnType::Date,
        ColumnType::Time,
        ColumnType::Timestamp,
        ColumnType::TimestampTz,
        ColumnType::Uuid,
        ColumnType::Json,
        ColumnType::Custom("inet".into()),
    ];
    let mut table = Table::new("every_type");
    table.columns = types
        .iter()
        .enumerate()
        .map(|(i, ty)| Column::new(format!("c{i}"), ty.clone()).nullable())
        .collect();
    table.columns[0].default = Some(DefaultValue::Bool(true));
    table.columns[1].nullable = false;
    table.columns[1].default = Some(DefaultValue::Integer(-1));
    table.columns[8].default = Some(DefaultValue::String("it's".into()));
    table.primary_key = vec!["c1".into(), "c2".into()];
    table.columns[2].nullable = false;
    table
}

/// Each case: a name, the schema before, and the ops.
fn cases() -> Vec<(&'static str, Schema, Vec<Op>)> {
    let base = base();
    let user = |name: &str| base.tables["user"].column(name).cloned().expect("column");
    vec![
        (
            "create_table_every_type",
            Schema::new(),
            vec![Op::CreateTable {
                table: every_type(),
            }],
        ),
        (
            "create_table_with_key_index_and_foreign_key",
            Schema::from_tables([base.tables["group"].clone()]),
            vec![Op::CreateTable {
                table: base.tables["user"].clone(),
            }],
        ),
        (
            "drop_table",
            base.clone(),
            vec![Op::DropTable {
                table: base.tables["user"].clone(),
            }],
        ),
        (
            "rename_table",
            base.clone(),
            vec![Op::RenameTable {
                from: "group".into(),
                to: "team".into(),
            }],
        ),
        (
            "add_column_nullable",
            base.clone(),
            vec![Op::AddColumn {
                table: "user".into(),
                column: Column::new("bio", ColumnType::Text).nullable(),
                fill: None,
            }],
        ),
        (
            "add_column_with_default",
            base.clone(),
            vec![Op::AddColumn {
                table: "user".into(),
                column: Column::new("active", ColumnType::Boolean)
                    .default(DefaultValue::Bool(true)),
                fill: None,
            }],
        ),
        (
            "add_column_not_null_with_fill_value",
            base.clone(),
            vec![Op::AddColumn {
                table: "user".into(),
                column: Column::new("handle", ColumnType::Varchar(40)),
                fill: Some(Fill::Value(DefaultValue::String("anonymous".into()))),
            }],
        ),
        (
            "add_column_not_null_copied_from_a_column",
            base.clone(),
            vec![Op::AddColumn {
                table: "user".into(),
                column: Column::new("login", ColumnType::Varchar(255)),
                fill: Some(Fill::CopyFrom("email".into())),
            }],
        ),
        (
            "drop_column",
            base.clone(),
            vec![Op::DropColumn {
                table: "user".into(),
                column: user("score"),
            }],
        ),
        (
            "rename_column",
            base.clone(),
            vec![Op::RenameColumn {
                table: "user".into(),
                from: "email".into(),
                to: "mail".into(),
            }],
        ),
        (
            "alter_column_type_nullability_default",
            base.clone(),
            vec![Op::AlterColumn {
                table: "user".into(),
                column: "score".into(),
                changes: ColumnChanges {
                    ty: Some(Change {
                        from: ColumnType::Double,
                        to: ColumnType::Decimal {
                            precision: Some(10),
                            scale: Some(2),
                        },
                    }),
                    nullable: Some(Change {
                        from: false,
                        to: true,
                    }),
                    default: Some(Change {
                        from: Some(DefaultValue::Float(0.5)),
                        to: None,
                    }),
                    auto_increment: None,
                    fill_nulls: None,
                },
            }],
        ),
        (
            "alter_column_not_null_with_a_value_for_nulls",
            base.clone(),
            vec![Op::AlterColumn {
                table: "user".into(),
                column: "group_id".into(),
                changes: ColumnChanges::new()
                    .nullable(true, false)
                    .fill_nulls(Fill::Value(DefaultValue::Integer(1))),
            }],
        ),
        (
            // The copy reads a column added in the same migration: on SQLite a second
            // rebuild, since a rebuild copies from the table as it was before it.
            "copy_from_a_column_added_before",
            base.clone(),
            vec![
                Op::AddColumn {
                    table: "user".into(),
                    column: Column::new("fallback_group", ColumnType::BigInt),
                    fill: Some(Fill::Value(DefaultValue::Integer(1))),
                },
                Op::AlterColumn {
                    table: "user".into(),
                    column: "group_id".into(),
                    changes: ColumnChanges::new()
                        .nullable(true, false)
                        .fill_nulls(Fill::CopyFrom("fallback_group".into())),
                },
            ],
        ),
        (
            // One rebuild on SQLite, however many of the table's columns change.
            "several_changes_to_one_table",
            base.clone(),
            vec![
                Op::AddColumn {
                    table: "user".into(),
                    column: Column::new("handle", ColumnType::Varchar(40)),
                    fill: Some(Fill::CopyFrom("email".into())),
                },
                Op::AddColumn {
                    table: "user".into(),
                    column: Column::new("bio", ColumnType::Text).nullable(),
                    fill: None,
                },
                Op::AlterColumn {
                    table: "user".into(),
                    column: "group_id".into(),
                    changes: ColumnChanges::new()
                        .nullable(true, false)
                        .fill_nulls(Fill::Value(DefaultValue::Integer(1))),
                },
                Op::DropColumn {
                    table: "user".into(),
                    column: user("score"),
                },
                Op::AddIndex {
                    table: "user".into(),
                    index: Index::new("idx_user_handle", ["handle"]),
                },
            ],
        ),
        (
            "alter_column_auto_increment_off",
            base.clone(),
            vec![Op::AlterColumn {
                table: "group".into(),
                column: "id".into(),
                changes: ColumnChanges {
                    auto_increment: Some(Change {
                        from: true,
                        to: false,
                    }),
                    ..ColumnChanges::default()
                },
            }],
        ),
        (
            "add_index",
            base.clone(),
            vec![Op::AddIndex {
                table: "user".into(),
                index: Index {
                    name: "idx_user_group_id_created_at".into(),
                    columns: vec!["group_id".into(), "created_at".into()],
                    unique: false,
                },
            }],
        ),
        (
            "drop_index",
            base.clone(),
            vec![Op::DropIndex {
                table: "user".into(),
                index: base.tables["user"].indexes[0].clone(),
            }],
        ),
        (
            "add_foreign_key",
            {
                let mut schema = base.clone();
                schema
                    .tables
                    .get_mut("user")
                    .expect("user")
                    .foreign_keys
                    .clear();
                schema
            },
            vec![Op::AddForeignKey {
                table: "user".into(),
                foreign_key: group_fk(),
            }],
        ),
        (
            "drop_foreign_key",
            base.clone(),
            vec![Op::DropForeignKey {
                table: "user".into(),
                foreign_key: group_fk(),
            }],
        ),
        (
            "set_primary_key",
            base.clone(),
            vec![Op::SetPrimaryKey {
                table: "group".into(),
                from: vec!["id".into()],
                to: vec!["id".into(), "name".into()],
            }],
        ),
    ]
}

fn golden_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

fn rendered(schema: &Schema, ops: &[Op], backend: Backend) -> String {
    let mut text = String::new();
    for op in render(ops, schema, backend).expect("the case's ops apply") {
        for statement in op.statements {
            text.push_str(&statement);
            text.push_str(";\n");
        }
    }
    text
}

#[test]
fn rendered_sql_matches_the_golden_files() {
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    let mut mismatches = Vec::new();
    for (name, schema, ops) in cases() {
        for backend in Backend::ALL {
            let path = golden_dir().join(format!("{name}.{backend}.sql"));
            let actual = rendered(&schema, &ops, backend);
            if update {
                std::fs::create_dir_all(golden_dir()).expect("create tests/golden");
                std::fs::write(&path, &actual).expect("write golden file");
                continue;
            }
            let expected = std::fs::read_to_string(&path).unwrap_or_default();
            if expected != actual {
                mismatches.push(format!(
                    "--- {}\n+++ rendered\n{expected}\n=== vs ===\n{actual}",
                    path.display()
                ));
            }
        }
    }
    assert!(
        mismatches.is_empty(),
        "rendered SQL differs from the golden files (UPDATE_GOLDEN=1 regenerates them):\n{}",
        mismatches.join("\n")
    );
}

#[test]
fn every_op_kind_has_a_golden_case() {
    let kinds: std::collections::BTreeSet<String> = cases()
        .iter()
        .flat_map(|(_, _, ops)| ops.iter())
        .map(|op| {
            serde_json::to_value(op).expect("op serialises")["op"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        })
        .collect();
    assert_eq!(kinds.len(), 12, "{kinds:?}");
}
