//! Reading a live SQLite schema into the model: the queries (PRAGMAs and `sqlite_master`),
//! then the parsing of their rows, which is pure and tested on its own.

use std::collections::BTreeMap;

use entmig_schema::{
    Column, ColumnType, DefaultValue, ForeignKey, Index, ReferentialAction, Schema, Table, naming,
};

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

    let tokens = tokenize(create_sql);
    let autoincrement = tokens
        .iter()
        .any(|t| t.eq_ignore_ascii_case("AUTOINCREMENT"));
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
            ColumnType::from_sql_name(&row.declared_type)
        };
        table.columns.push(Column {
            name: row.name.clone(),
            ty,
            // A rowid alias cannot hold NULL whatever it declares.
            nullable: !row.not_null && !auto_increment,
            default: row.default.as_deref().and_then(parse_default),
            auto_increment,
            renamed_from: None,
        });
    }
    table.indexes = indexes(connection, &quoted)?;
    table.foreign_keys = foreign_keys(connection, name, &quoted, &tokens)?;
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
    tokens: &[String],
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
    let names = constraint_names(tokens);
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
            on_delete: parse_action(&first.6),
            on_update: parse_action(&first.5),
        });
    }
    Ok(out)
}

fn parse_action(text: &str) -> ReferentialAction {
    match text.to_ascii_uppercase().as_str() {
        "CASCADE" => ReferentialAction::Cascade,
        "SET NULL" => ReferentialAction::SetNull,
        "SET DEFAULT" => ReferentialAction::SetDefault,
        "RESTRICT" => ReferentialAction::Restrict,
        _ => ReferentialAction::NoAction,
    }
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

/// A default as SQLite reports it (the text of the expression as written) back to the model:
/// quoted text, numbers and booleans are literals, `NULL` is no default, anything else SQL.
pub(crate) fn parse_default(text: &str) -> Option<DefaultValue> {
    let mut text = text.trim();
    while text.starts_with('(') && text.ends_with(')') && balanced(&text[1..text.len() - 1]) {
        text = text[1..text.len() - 1].trim();
    }
    if text.eq_ignore_ascii_case("NULL") {
        return None;
    }
    if text.eq_ignore_ascii_case("TRUE") {
        return Some(DefaultValue::Bool(true));
    }
    if text.eq_ignore_ascii_case("FALSE") {
        return Some(DefaultValue::Bool(false));
    }
    if text.len() >= 2 && text.starts_with('\'') && text.ends_with('\'') {
        let inner = &text[1..text.len() - 1];
        if !inner.replace("''", "").contains('\'') {
            return Some(DefaultValue::String(inner.replace("''", "'")));
        }
    }
    Some(parse_number(text).unwrap_or_else(|| DefaultValue::Sql(text.to_owned())))
}

/// `42` and `-3` are integers, `1.5`, `1e20` and `-2.5e-7` floats; anything else is not a number.
pub(crate) fn parse_number(text: &str) -> Option<DefaultValue> {
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    if digits.is_empty() || !digits.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    if digits.chars().all(|c| c.is_ascii_digit()) {
        return text.parse().ok().map(DefaultValue::Integer);
    }
    if digits
        .chars()
        .all(|c| c.is_ascii_digit() || "eE.+-".contains(c))
    {
        return text.parse().ok().map(DefaultValue::Float);
    }
    None
}

fn balanced(text: &str) -> bool {
    let mut depth = 0i32;
    for c in text.chars() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth < 0 {
                    return false;
                }
            }
            _ => {}
        }
    }
    depth == 0
}

/// SQL text as tokens: identifiers unquoted, strings kept quoted, punctuation one token each.
pub(crate) fn tokenize(sql: &str) -> Vec<String> {
    let chars: Vec<char> = sql.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '-' && chars.get(i + 1) == Some(&'-') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && chars.get(i + 1) == Some(&'*') {
            i += 2;
            while i + 1 < chars.len() && !(chars[i] == '*' && chars[i + 1] == '/') {
                i += 1;
            }
            i += 2;
        } else if c == '"' || c == '`' || c == '[' || c == '\'' {
            let close = if c == '[' { ']' } else { c };
            let mut text = String::new();
            i += 1;
            while i < chars.len() {
                if chars[i] == close {
                    if close != ']' && chars.get(i + 1) == Some(&close) {
                        text.push(close);
                        i += 2;
                        continue;
                    }
                    break;
                }
                text.push(chars[i]);
                i += 1;
            }
            i += 1;
            tokens.push(if c == '\'' { format!("'{text}'") } else { text });
        } else if c.is_alphanumeric() || c == '_' {
            let start = i;
            while i < chars.len()
                && (chars[i].is_alphanumeric() || chars[i] == '_' || chars[i] == '$')
            {
                i += 1;
            }
            tokens.push(chars[start..i].iter().collect());
        } else {
            tokens.push(c.to_string());
            i += 1;
        }
    }
    tokens
}

/// The names of `CONSTRAINT name FOREIGN KEY (columns)` clauses, by their columns.
pub(crate) fn constraint_names(tokens: &[String]) -> BTreeMap<Vec<String>, String> {
    let mut names = BTreeMap::new();
    let mut i = 0;
    while i + 4 < tokens.len() {
        if tokens[i].eq_ignore_ascii_case("CONSTRAINT")
            && tokens[i + 2].eq_ignore_ascii_case("FOREIGN")
            && tokens[i + 3].eq_ignore_ascii_case("KEY")
            && tokens[i + 4] == "("
        {
            let name = tokens[i + 1].clone();
            let mut columns = Vec::new();
            let mut j = i + 5;
            while j < tokens.len() && tokens[j] != ")" {
                if tokens[j] != "," {
                    columns.push(tokens[j].clone());
                }
                j += 1;
            }
            names.insert(columns, name);
            i = j;
        }
        i += 1;
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_read_back_as_written() {
        assert_eq!(
            parse_default("'it''s'"),
            Some(DefaultValue::String("it's".into()))
        );
        assert_eq!(
            parse_default("('x')"),
            Some(DefaultValue::String("x".into()))
        );
        assert_eq!(parse_default("-3"), Some(DefaultValue::Integer(-3)));
        assert_eq!(parse_default("1.0"), Some(DefaultValue::Float(1.0)));
        assert_eq!(parse_default("1e20"), Some(DefaultValue::Float(1e20)));
        assert_eq!(parse_default("-2.5e-7"), Some(DefaultValue::Float(-2.5e-7)));
        assert_eq!(parse_default("TRUE"), Some(DefaultValue::Bool(true)));
        assert_eq!(parse_default("NULL"), None);
        assert_eq!(
            parse_default("CURRENT_TIMESTAMP"),
            Some(DefaultValue::Sql("CURRENT_TIMESTAMP".into()))
        );
        assert_eq!(
            parse_default("(datetime('now'))"),
            Some(DefaultValue::Sql("datetime('now')".into()))
        );
        assert_eq!(
            parse_default("'a' || 'b'"),
            Some(DefaultValue::Sql("'a' || 'b'".into()))
        );
    }

    #[test]
    fn constraint_names_come_from_the_create_statement() {
        let sql = r#"CREATE TABLE "posts" (
  "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
  "author ""x""" BIGINT NOT NULL, -- a comment (with parens)
  CONSTRAINT "fk_posts_author" FOREIGN KEY ("author ""x""") REFERENCES "users" ("id") ON DELETE CASCADE,
  CONSTRAINT [fk2] FOREIGN KEY (a, b) REFERENCES t (x, y)
)"#;
        let names = constraint_names(&tokenize(sql));
        assert_eq!(
            names
                .get(&vec!["author \"x\"".to_string()])
                .map(String::as_str),
            Some("fk_posts_author")
        );
        assert_eq!(
            names
                .get(&vec!["a".to_string(), "b".to_string()])
                .map(String::as_str),
            Some("fk2")
        );
    }
}
