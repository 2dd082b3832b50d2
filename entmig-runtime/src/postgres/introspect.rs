//! Reading a live PostgreSQL schema into the model: queries on pg_catalog and the handling of
//! their rows. The text in them (types through `format_type`, defaults through `pg_get_expr`)
//! is read by `entmig_schema::render::postgres::read`, beside the writer of that text.

use std::collections::BTreeMap;

use entmig_schema::render::postgres::read;
use entmig_schema::{Column, ForeignKey, Index, ReferentialAction, Schema, Table};
use postgres::Client;

use super::sql_error;
use crate::error::Result;

const TABLES: &str = "\
SELECT c.oid, c.relname::text
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = $1 AND c.relkind IN ('r', 'p')
ORDER BY c.relname";

const COLUMNS: &str = "\
SELECT a.attrelid, a.attname::text, format_type(a.atttypid, a.atttypmod), a.attnotnull,
       pg_get_expr(d.adbin, d.adrelid), a.attidentity::text
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attrelid, a.attnum";

// Keys and foreign keys, their columns in key order.
const CONSTRAINTS: &str = "\
SELECT con.conrelid, con.conname::text, con.contype::text,
       ARRAY(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY k(num, i)
             JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.num ORDER BY k.i),
       coalesce(ref.relname::text, ''),
       ARRAY(SELECT a.attname::text FROM unnest(con.confkey) WITH ORDINALITY k(num, i)
             JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.num ORDER BY k.i),
       con.confdeltype::text, con.confupdtype::text
FROM pg_constraint con
JOIN pg_class c ON c.oid = con.conrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_class ref ON ref.oid = con.confrelid
WHERE n.nspname = $1 AND con.contype IN ('p', 'f')
ORDER BY con.conrelid, con.conname";

// Indexes that are not a key's or a unique constraint's, on plain columns (not expressions). A
// foreign key also names an index (the referenced table's, which it relies on): that one stays.
const INDEXES: &str = "\
SELECT i.indrelid, ic.relname::text, i.indisunique,
       ARRAY(SELECT a.attname::text FROM unnest(i.indkey::int2[]) WITH ORDINALITY k(num, o)
             JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.num ORDER BY k.o)
FROM pg_index i
JOIN pg_class ic ON ic.oid = i.indexrelid
JOIN pg_class c ON c.oid = i.indrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = $1 AND NOT i.indisprimary AND i.indexprs IS NULL AND i.indpred IS NULL
  AND NOT EXISTS (SELECT 1 FROM pg_constraint con WHERE con.conindid = i.indexrelid
                  AND con.conrelid = i.indrelid AND con.contype IN ('p', 'u', 'x'))
ORDER BY i.indrelid, ic.relname";

pub(crate) fn schema(client: &mut Client, namespace: &str) -> Result<Schema> {
    let tables = client
        .query(TABLES, &[&namespace])
        .map_err(|e| sql_error(TABLES, &e))?;
    let mut by_oid: BTreeMap<u32, Table> = BTreeMap::new();
    for row in &tables {
        let name: String = row.get(1);
        if crate::database::is_unmanaged(&name) {
            continue;
        }
        by_oid.insert(row.get(0), Table::new(name));
    }

    for row in client
        .query(COLUMNS, &[&namespace])
        .map_err(|e| sql_error(COLUMNS, &e))?
    {
        let Some(table) = by_oid.get_mut(&row.get::<_, u32>(0)) else {
            continue;
        };
        let ty = read::column_type(row.get::<_, &str>(2));
        let identity: String = row.get(5);
        let default: Option<String> = row.get(4);
        table.columns.push(Column {
            name: row.get(1),
            nullable: !row.get::<_, bool>(3),
            default: default.as_deref().and_then(|d| read::default_value(d, &ty)),
            auto_increment: !identity.is_empty(),
            ty,
            renamed_from: None,
        });
    }

    for row in client
        .query(CONSTRAINTS, &[&namespace])
        .map_err(|e| sql_error(CONSTRAINTS, &e))?
    {
        let Some(table) = by_oid.get_mut(&row.get::<_, u32>(0)) else {
            continue;
        };
        let columns: Vec<String> = row.get(3);
        match row.get::<_, &str>(2) {
            "p" => table.primary_key = columns,
            _ => table.foreign_keys.push(ForeignKey {
                name: row.get(1),
                columns,
                referenced_table: row.get(4),
                referenced_columns: row.get(5),
                on_delete: action(row.get(6)),
                on_update: action(row.get(7)),
            }),
        }
    }

    for row in client
        .query(INDEXES, &[&namespace])
        .map_err(|e| sql_error(INDEXES, &e))?
    {
        let Some(table) = by_oid.get_mut(&row.get::<_, u32>(0)) else {
            continue;
        };
        table.indexes.push(Index {
            name: row.get(1),
            unique: row.get(2),
            columns: row.get(3),
        });
    }

    Ok(Schema::from_tables(by_oid.into_values().map(|mut t| {
        t.sort();
        t
    })))
}

fn action(code: &str) -> ReferentialAction {
    match code {
        "c" => ReferentialAction::Cascade,
        "n" => ReferentialAction::SetNull,
        "d" => ReferentialAction::SetDefault,
        "r" => ReferentialAction::Restrict,
        _ => ReferentialAction::NoAction,
    }
}
