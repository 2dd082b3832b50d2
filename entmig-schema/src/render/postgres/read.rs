//! Reading PostgreSQL's own text back into the model: type names as `format_type` shows them
//! and defaults as `pg_get_expr` shows them. The runtime runs the catalog queries and hands
//! their text here.

use crate::model::{ColumnType, DefaultValue};
use crate::render::Backend;
use crate::render::tokens::{inside_parentheses, string_literal, tokenize};

const POSTGRES: Backend = Backend::Postgres;

/// A type name as `format_type` shows it back to the model: the names the PostgreSQL renderer
/// writes and their aliases
/// ([`Names`](crate::column_type::Names)), such as `character varying(20)` or
/// `timestamp with time zone`.
///
/// ```
/// use entmig_schema::ColumnType;
/// use entmig_schema::render::postgres::read::column_type;
/// assert_eq!(column_type("character varying(20)"), ColumnType::Varchar(20));
/// assert_eq!(column_type("timestamp with time zone"), ColumnType::TimestampTz);
/// ```
pub fn column_type(format_type: &str) -> ColumnType {
    ColumnType::from_sql_name(format_type)
}

/// A default as `pg_get_expr` shows it, back to the model: casts that PostgreSQL adds are
/// dropped, quoted numbers of numeric columns are numbers again, and `NULL` is no default.
///
/// ```
/// use entmig_schema::{ColumnType, DefaultValue};
/// use entmig_schema::render::postgres::read::default_value;
/// assert_eq!(
///     default_value("'it''s (x)'::character varying", &ColumnType::Varchar(9)),
///     Some(DefaultValue::String("it's (x)".into()))
/// );
/// assert_eq!(default_value("'-3'::integer", &ColumnType::Integer), Some(DefaultValue::Integer(-3)));
/// ```
pub fn default_value(expr: &str, ty: &ColumnType) -> Option<DefaultValue> {
    let mut text = expr.trim();
    // `'x'::character varying`, `('x'::text)::character varying`, `'-3'::integer`, ...
    loop {
        let uncast = without_cast(text);
        let stripped = inside_parentheses(uncast, POSTGRES)
            .unwrap_or(uncast)
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
    if let Some(inner) = string_literal(text, POSTGRES) {
        if ty.is_numeric()
            && let Some(number) = number(&inner, ty)
        {
            return Some(number);
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
    if !ty.is_float()
        && !text.contains(['.', 'e', 'E'])
        && let Ok(i) = text.parse::<i64>()
    {
        return Some(DefaultValue::Integer(i));
    }
    let digits = text.strip_prefix('-').unwrap_or(text);
    if !digits.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    text.parse::<f64>().ok().map(DefaultValue::Float)
}

/// `expr::type` without its last cast, when the cast is outside any quotes or parentheses and
/// is to a type name (letters, digits, spaces, `_(),"[]`).
fn without_cast(text: &str) -> &str {
    let tokens = tokenize(text, POSTGRES);
    let mut depth = 0i32;
    let mut last = None;
    for pair in tokens.windows(2) {
        let [first, second] = pair else { continue };
        if first.is('(') {
            depth += 1;
        } else if first.is(')') {
            depth -= 1;
        } else if depth == 0 && first.is(':') && second.is(':') && second.start == first.end() {
            last = Some((first.start, second.end()));
        }
    }
    match last {
        Some((at, after))
            if text[after..]
                .chars()
                .all(|c| c.is_alphanumeric() || " _(),\"[]".contains(c)) =>
        {
            text[..at].trim()
        }
        _ => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_type_names_of_every_alias() {
        // Aliases are read by `ColumnType::from_sql_name`, and tested with it.
        for ty in ColumnType::PLAIN {
            assert_eq!(&column_type(ty.names().unwrap().postgres), ty);
        }
        // What format_type shows for each type entmig writes.
        let cases = [
            ("boolean", ColumnType::Boolean),
            ("smallint", ColumnType::SmallInt),
            ("integer", ColumnType::Integer),
            ("bigint", ColumnType::BigInt),
            ("real", ColumnType::Real),
            ("double precision", ColumnType::Double),
            ("text", ColumnType::Text),
            ("character varying(255)", ColumnType::Varchar(255)),
            ("bytea", ColumnType::Bytes),
            ("date", ColumnType::Date),
            ("time without time zone", ColumnType::Time),
            ("timestamp without time zone", ColumnType::Timestamp),
            ("timestamp with time zone", ColumnType::TimestampTz),
            ("uuid", ColumnType::Uuid),
            ("jsonb", ColumnType::Json),
            (
                "numeric(10,2)",
                ColumnType::Decimal {
                    precision: Some(10),
                    scale: Some(2),
                },
            ),
            (
                "numeric",
                ColumnType::Decimal {
                    precision: None,
                    scale: None,
                },
            ),
            ("citext", ColumnType::Custom("citext".into())),
            ("integer[]", ColumnType::Custom("integer[]".into())),
        ];
        for (name, ty) in cases {
            assert_eq!(column_type(name), ty, "{name}");
        }
    }

    #[test]
    fn defaults_lose_the_casts_postgres_adds() {
        let text = ColumnType::Text;
        let s = |s: &str| Some(DefaultValue::String(s.into()));
        assert_eq!(default_value("'draft'::text", &text), s("draft"));
        assert_eq!(
            default_value("'it''s'::character varying", &ColumnType::Varchar(9)),
            s("it's")
        );
        assert_eq!(default_value("''::text", &text), s(""));
        assert_eq!(default_value("'it''s (x)'::text", &text), s("it's (x)"));
        assert_eq!(default_value("'a::b'::text", &text), s("a::b"));
        assert_eq!(default_value("'('::text", &text), s("("));
        assert_eq!(
            default_value("('x'::text)::character varying", &text),
            s("x")
        );
        assert_eq!(
            default_value("'-3'::integer", &ColumnType::Integer),
            Some(DefaultValue::Integer(-3))
        );
        let decimal = ColumnType::Decimal {
            precision: None,
            scale: None,
        };
        assert_eq!(default_value("7", &decimal), Some(DefaultValue::Integer(7)));
        assert_eq!(
            default_value("'7.25'::numeric", &decimal),
            Some(DefaultValue::Float(7.25))
        );
        assert_eq!(
            default_value("0.5", &ColumnType::Double),
            Some(DefaultValue::Float(0.5))
        );
        assert_eq!(
            default_value("'1e+20'::double precision", &ColumnType::Double),
            Some(DefaultValue::Float(1e20))
        );
        assert_eq!(
            default_value("1", &ColumnType::Double),
            Some(DefaultValue::Float(1.0))
        );
        assert_eq!(
            default_value("true", &ColumnType::Boolean),
            Some(DefaultValue::Bool(true))
        );
        assert_eq!(
            default_value("'2024-02-29'::date", &ColumnType::Date),
            s("2024-02-29")
        );
        // A quoted number of a text column stays text.
        assert_eq!(default_value("'42'::text", &text), s("42"));
        assert_eq!(default_value("NULL::text", &text), None);
        let sql = |s: &str| Some(DefaultValue::Sql(s.into()));
        assert_eq!(
            default_value("CURRENT_TIMESTAMP", &ColumnType::Timestamp),
            sql("CURRENT_TIMESTAMP")
        );
        assert_eq!(
            default_value("now()", &ColumnType::TimestampTz),
            sql("now()")
        );
        assert_eq!(
            default_value("nextval('\"my seq\"'::regclass)", &ColumnType::BigInt),
            sql("nextval('\"my seq\"'::regclass)")
        );
        assert_eq!(
            default_value("('a'::text || 'b'::text)", &text),
            sql("('a'::text || 'b'::text)")
        );
        assert_eq!(
            default_value("'{}'::integer[]", &ColumnType::Custom("integer[]".into())),
            s("{}")
        );
        assert_eq!(
            default_value("E'a\\nb'::text", &text),
            sql("E'a\\nb'::text")
        );
    }
}
