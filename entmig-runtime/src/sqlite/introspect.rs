//! Reading a live SQLite schema into the model: the queries (PRAGMAs and `sqlite_master`) and
//! the handling of their rows. The text in them (declared types, defaults, `CREATE TABLE`
//! statements) is read by `entmig_schema::render::sqlite::read`, beside the writer of that text.

use std::collections::BTreeMap;

use entmig_schema::render::sqlite::read;
use entmig_schema::{Column, ColumnType, ForeignKey, Index, Schema, Table, naming};

use super::sql_error;
use crate::error::{Error, Result};

pub(crate) fn schema(connection: &rusqlite::Connection) -> Result<Schema> {
    let sql = "SELECT name, sql FROM sqlite_master WHERE type = 'table' ORDER BY name";
    let mut statement = connection
        .prepare_cached(sql)
        .map_err(|e| sql_error(sql, &e))?;
    let tables: Vec<(String, String)> = statement
        .query_map([], |row| {
            Ok((
                row.get(0)?,
                row.get::<_, Option<String>>(1)?.unwrap_or_default(),
            ))
        })
        .and_then(Iterator::collect)
        .map_err(|e| sql_error(sql, &e))?;
    let mut schema = Schema::new();
    for (name, create_sql) in tables {
        if crate::database::is_unmanaged(&name) {
            continue;
        }
        let table = table(connection, &name, &create_sql)?;
        schema.tables.insert(name, table);
    }
    Ok(schema)
}

/// One row of `PRAGMA table_info`.
struct ColumnRow {
    name: String,
    declared_type: String,
    not_null: bool,
    default: Option<String>,
    key_position: i64,
}

fn table(connection: &rusqlite::Connection, name: &str, create_sql: &str) -> Result<Table> {
    let quoted = entmig_schema::render::quote_ident(name);
    let sql = format!("PRAGMA table_info({quoted})");
    let columns: Vec<ColumnRow> = connection
        .prepare(&sql)
        .and_then(|mut s| {
            s.query_map([], |row| {
                Ok(ColumnRow {
                    name: row.get(1)?,
                    declared_type: row.get(2)?,
                    not_null: row.get::<_, i64>(3)? != 0,
                    default: row.get(4)?,
                    key_position: row.get(5)?,
                })
            })
            .and_then(Iterator::collect)
        })
        .map_err(|e| sql_error(&sql, &e))?;

    let autoincrement = read::has_autoincrement(create_sql);
    let mut key: Vec<(i64, String)> = columns
        .iter()
        .filter(|c| c.key_position > 0)
        .map(|c| (c.key_position, c.name.clone()))
        .collect();
    key.sort();

    let mut table = Table::new(name);
    table.primary_key = key.into_iter().map(|(_, name)| name).collect();
    for row in &columns {
        let auto_increment = autoincrement && table.primary_key == [row.name.clone()];
        let ty = if auto_increment {
            ColumnType::BigInt
        } else {
            read::column_type(&row.declared_type)
        };
        table.columns.push(Column {
            name: row.name.clone(),
            ty,
            // A rowid alias cannot hold NULL whatever it declares.
            nullable: !row.not_null && !auto_increment,
            default: row.default.as_deref().and_then(read::default_value),
            auto_increment,
            renamed_from: None,
        });
    }
    table.indexes = indexes(connection, &quoted)?;
    table.foreign_keys = foreign_keys(connection, name, &quoted, create_sql)?;
    table.sort();
    Ok(table)
}

fn indexes(connection: &rusqlite::Connection, quoted_table: &str) -> Result<Vec<Index>> {
    let sql = format!("PRAGMA index_list({quoted_table})");
    let list: Vec<(String, bool, String)> = connection
        .prepare(&sql)
        .and_then(|mut s| {
            s.query_map([], |row| {
                Ok((row.get(1)?, row.get::<_, i64>(2)? != 0, row.get(3)?))
            })
            .and_then(Iterator::collect)
        })
        .map_err(|e| sql_error(&sql, &e))?;
    let mut out = Vec::new();
    // Only indexes made by CREATE INDEX ('c'): the others belong to the key or to UNIQUE
    // constraints, which entmig expresses as indexes and never writes.
    for (name, unique, _) in list.into_iter().filter(|(_, _, origin)| origin == "c") {
        let sql = format!(
            "PRAGMA index_info({})",
            entmig_schema::render::quote_ident(&name)
        );
        let mut columns: Vec<(i64, String)> = connection
            .prepare(&sql)
            .and_then(|mut s| {
                s.query_map([], |row| {
                    Ok((
                        row.get(0)?,
                        row.get::<_, Option<String>>(2)?.unwrap_or_default(),
                    ))
                })
                .and_then(Iterator::collect)
            })
            .map_err(|e| sql_error(&sql, &e))?;
        columns.sort();
        out.push(Index {
            name,
            columns: columns.into_iter().map(|(_, c)| c).collect(),
            unique,
        });
    }
    Ok(out)
}

fn foreign_keys(
    connection: &rusqlite::Connection,
    table: &str,
    quoted_table: &str,
    create_sql: &str,
) -> Result<Vec<ForeignKey>> {
    let sql = format!("PRAGMA foreign_key_list({quoted_table})");
    // id, seq, table, from, to, on_update, on_delete
    type Row = (i64, i64, String, String, Option<String>, String, String);
    let rows: Vec<Row> = connection
        .prepare(&sql)
        .and_then(|mut s| {
            s.query_map([], |row| {
                Ok((
                    row.get(0)?,
                    row.get(1)?,
                    row.get(2)?,
                    row.get(3)?,
                    row.get(4)?,
                    row.get(5)?,
                    row.get(6)?,
                ))
            })
            .and_then(Iterator::collect)
        })
        .map_err(|e| sql_error(&sql, &e))?;
    let mut grouped: BTreeMap<i64, Vec<Row>> = BTreeMap::new();
    for row in rows {
        grouped.entry(row.0).or_default().push(row);
    }
    let names = read::constraint_names(create_sql);
    let mut out = Vec::new();
    for (_, mut rows) in grouped {
        rows.sort_by_key(|r| r.1);
        let columns: Vec<String> = rows.iter().map(|r| r.3.clone()).collect();
        let first = &rows[0];
        let referenced_table = first.2.clone();
        let referenced_columns = rows
            .iter()
            .map(|r| r.4.clone().unwrap_or_default())
            .collect();
        let name = names
            .get(&columns)
            .cloned()
            .unwrap_or_else(|| naming::foreign_key_name(table, &columns));
        out.push(ForeignKey {
            name,
            columns,
            referenced_table,
            referenced_columns,
            on_delete: read::referential_action(&first.6),
            on_update: read::referential_action(&first.5),
        });
    }
    Ok(out)
}

/// The SQL of the triggers on `table`, to run again after a rebuild.
pub(crate) fn triggers(
    connection: &rusqlite::Connection,
    table: &str,
) -> Result<Vec<(String, String)>> {
    let sql = "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?1 ORDER BY name";
    connection
        .prepare(sql)
        .and_then(|mut s| {
            s.query_map([table], |row| Ok((row.get(0)?, row.get(1)?)))
                .and_then(Iterator::collect)
        })
        .map_err(|e| sql_error(sql, &e))
}

/// The names of a table's columns.
pub(crate) fn column_names(connection: &rusqlite::Connection, table: &str) -> Result<Vec<String>> {
    let sql = "SELECT name FROM pragma_table_info(?1)";
    connection
        .prepare(sql)
        .and_then(|mut s| {
            s.query_map([table], |row| row.get(0))
                .and_then(Iterator::collect)
        })
        .map_err(|e| sql_error(sql, &e))
}

/// The first foreign key that rows break (of `table`, or of every table), as an error naming
/// the table, its columns, the parent and how many rows; `None` when every key holds.
pub(crate) fn foreign_key_violation(
    connection: &rusqlite::Connection,
    table: Option<&str>,
) -> Result<Option<Error>> {
    let sql = match table {
        Some(_) => "SELECT \"table\", parent, fkid FROM pragma_foreign_key_check(?1)",
        None => "SELECT \"table\", parent, fkid FROM pragma_foreign_key_check",
    };
    let rows: Vec<(String, String, i64)> = connection
        .prepare(sql)
        .and_then(|mut s| {
            let map = |row: &rusqlite::Row<'_>| Ok((row.get(0)?, row.get(1)?, row.get(2)?));
            match table {
                Some(table) => s.query_map([table], map)?.collect(),
                None => s.query_map([], map)?.collect(),
            }
        })
        .map_err(|e| sql_error(sql, &e))?;
    let Some((table, parent, fkid)) = rows.first() else {
        return Ok(None);
    };
    let columns_sql = "SELECT \"from\" FROM pragma_foreign_key_list(?1) WHERE id = ?2 ORDER BY seq";
    let columns: Vec<String> = connection
        .prepare(columns_sql)
        .and_then(|mut s| {
            s.query_map(rusqlite::params![table, fkid], |row| row.get(0))?
                .collect()
        })
        .map_err(|e| sql_error(columns_sql, &e))?;
    Ok(Some(Error::ForeignKeyViolation {
        table: table.clone(),
        columns,
        parent: parent.clone(),
        count: rows
            .iter()
            .filter(|(t, _, id)| t == table && id == fkid)
            .count(),
    }))
}
