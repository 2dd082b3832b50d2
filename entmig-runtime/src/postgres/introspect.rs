//! Reading a live PostgreSQL schema into the model: queries on pg_catalog, then the parsing of
//! their rows (types through `format_type`, defaults through `pg_get_expr`), which is pure and
//! tested on its own.

use std::collections::BTreeMap;

use entmig_schema::{
    Column, ColumnType, DefaultValue, ForeignKey, Index, ReferentialAction, Schema, Table,
};
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
        let ty = ColumnType::from_sql_name(row.get::<_, &str>(2));
        let identity: String = row.get(5);
        let default: Option<String> = row.get(4);
        table.columns.push(Column {
            name: row.get(1),
            nullable: !row.get::<_, bool>(3),
            default: default.as_deref().and_then(|d| parse_default(d, &ty)),
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

/// A default as `pg_get_expr` shows it, back to the model: casts that PostgreSQL adds are
/// dropped, quoted numbers of numeric columns are numbers again, and `NULL` is no default.
pub(crate) fn parse_default(expr: &str, ty: &ColumnType) -> Option<DefaultValue> {
    let mut text = expr.trim();
    // `'x'::character varying`, `('x'::text)::character varying`, `'-3'::integer`, ...
    loop {
        let stripped = strip_cast(text);
        let stripped = stripped
            .strip_prefix('(')
            .and_then(|s| s.strip_suffix(')'))
            .filter(|inner| balanced(inner))
            .unwrap_or(stripped)
            .trim();
        if stripped == text {
            break;
        }
        text = stripped;
    }
    if text.eq_ignore_ascii_case("NULL") {
        return None;
    }
    if text == "true" || text == "false" {
        return Some(DefaultValue::Bool(text == "true"));
    }
    let numeric = matches!(
        ty,
        ColumnType::SmallInt
            | ColumnType::Integer
            | ColumnType::BigInt
            | ColumnType::Real
            | ColumnType::Double
            | ColumnType::Decimal { .. }
    );
    if let Some(inner) = quoted(text) {
        if numeric {
            if let Some(number) = number(&inner, ty) {
                return Some(number);
            }
        }
        return Some(DefaultValue::String(inner));
    }
    if let Some(number) = number(text, ty) {
        return Some(number);
    }
    Some(DefaultValue::Sql(expr.trim().to_owned()))
}

/// A number as the model holds it: a float for float columns and for text with a point or an
/// exponent, an integer otherwise.
fn number(text: &str, ty: &ColumnType) -> Option<DefaultValue> {
    let float_column = matches!(ty, ColumnType::Real | ColumnType::Double);
    if !float_column && !text.contains(['.', 'e', 'E']) {
        if let Ok(i) = text.parse::<i64>() {
            return Some(DefaultValue::Integer(i));
        }
    }
    let digits = text.strip_prefix('-').unwrap_or(text);
    if !digits.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    text.parse::<f64>().ok().map(DefaultValue::Float)
}

/// The text of a `'...'` literal, quotes undoubled.
fn quoted(text: &str) -> Option<String> {
    let inner = text.strip_prefix('\'')?.strip_suffix('\'')?;
    (!inner.replace("''", "").contains('\'')).then(|| inner.replace("''", "'"))
}

/// `expr::type` without its last cast, when the cast is outside any quotes or parentheses.
fn strip_cast(text: &str) -> &str {
    let mut depth = 0i32;
    let mut in_quotes = false;
    let bytes = text.as_bytes();
    let mut last = None;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\'' => in_quotes = !in_quotes,
            b'(' if !in_quotes => depth += 1,
            b')' if !in_quotes => depth -= 1,
            b':' if !in_quotes && depth == 0 && bytes.get(i + 1) == Some(&b':') => {
                last = Some(i);
                i += 1;
            }
            _ => {}
        }
        i += 1;
    }
    match last {
        // Only a cast to a type name: letters, spaces, digits, parentheses, commas, quotes.
        Some(at)
            if text[at + 2..]
                .chars()
                .all(|c| c.is_alphanumeric() || " _(),\"[]".contains(c)) =>
        {
            text[..at].trim()
        }
        _ => text,
    }
}

fn balanced(text: &str) -> bool {
    let mut depth = 0i32;
    let mut in_quotes = false;
    for c in text.chars() {
        match c {
            '\'' => in_quotes = !in_quotes,
            '(' if !in_quotes => depth += 1,
            ')' if !in_quotes => {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_lose_the_casts_postgres_adds() {
        let text = ColumnType::Text;
        assert_eq!(
            parse_default("'draft'::text", &text),
            Some(DefaultValue::String("draft".into()))
        );
        assert_eq!(
            parse_default("'it''s'::character varying", &ColumnType::Varchar(9)),
            Some(DefaultValue::String("it's".into()))
        );
        assert_eq!(
            parse_default("''::text", &text),
            Some(DefaultValue::String(String::new()))
        );
        assert_eq!(
            parse_default("'-3'::integer", &ColumnType::Integer),
            Some(DefaultValue::Integer(-3))
        );
        assert_eq!(
            parse_default(
                "7",
                &ColumnType::Decimal {
                    precision: None,
                    scale: None
                }
            ),
            Some(DefaultValue::Integer(7))
        );
        assert_eq!(
            parse_default("0.5", &ColumnType::Double),
            Some(DefaultValue::Float(0.5))
        );
        assert_eq!(
            parse_default("'1e+20'::double precision", &ColumnType::Double),
            Some(DefaultValue::Float(1e20))
        );
        assert_eq!(
            parse_default("1", &ColumnType::Double),
            Some(DefaultValue::Float(1.0))
        );
        assert_eq!(
            parse_default("true", &ColumnType::Boolean),
            Some(DefaultValue::Bool(true))
        );
        assert_eq!(
            parse_default("'2024-02-29'::date", &ColumnType::Date),
            Some(DefaultValue::String("2024-02-29".into()))
        );
        assert_eq!(
            parse_default("CURRENT_TIMESTAMP", &ColumnType::Timestamp),
            Some(DefaultValue::Sql("CURRENT_TIMESTAMP".into()))
        );
        assert_eq!(
            parse_default("now()", &ColumnType::TimestampTz),
            Some(DefaultValue::Sql("now()".into()))
        );
        assert_eq!(parse_default("NULL::text", &text), None);
        assert_eq!(
            parse_default("('x'::text)::character varying", &text),
            Some(DefaultValue::String("x".into()))
        );
    }
}
