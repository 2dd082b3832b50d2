//! Which literals a column type takes: the one check behind `#[entmig(default = ..)]` and the
//! CLI's `--fill` values, so that a value entmig accepts is one both backends store.

use std::fmt;

use crate::model::{ColumnType, DefaultValue, Table};
use crate::op::{Fill, is_widening};

/// Why a literal cannot be a value of a column type. Its `Display` is what the message says of
/// the value, after naming it: "`abc` is not a bigint value".
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Misfit {
    /// An integer outside the range of a smallint or integer column.
    OutOfRange {
        /// The integer.
        value: i64,
        /// The column type.
        ty: ColumnType,
    },
    /// A literal of another kind than the type takes: a string for a boolean column.
    WrongKind {
        /// "a string", "an integer", "a float", "a bool" or "SQL".
        kind: &'static str,
        /// The column type.
        ty: ColumnType,
    },
    /// A float that is infinite or not a number, which no SQL literal spells.
    NotFinite,
    /// Text that does not read as a value of the type: `abc` for a bigint.
    Unreadable {
        /// The text.
        text: String,
        /// The column type.
        ty: ColumnType,
    },
    /// A string longer than a varchar column holds.
    TooLong {
        /// Its length in characters.
        length: usize,
        /// The column's limit.
        max: u32,
    },
    /// A string for a JSON column that is not a JSON document.
    NotJson(String),
    /// A string for a date or time column that is not an ISO-8601 date, time or timestamp.
    NotIso8601 {
        /// The column type.
        ty: ColumnType,
        /// What the type takes, e.g. `YYYY-MM-DD`.
        form: &'static str,
    },
}

impl fmt::Display for Misfit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Misfit::OutOfRange { ty, .. } => {
                write!(f, "does not fit in {} {ty} column", article(ty))?;
                match ty.integer_range() {
                    Some((min, max)) => write!(f, " ({min} to {max})"),
                    None => Ok(()),
                }
            }
            Misfit::WrongKind { kind, ty } => {
                write!(f, "is {kind}, which does not fit the column's type ({ty})")
            }
            Misfit::NotFinite => f.write_str("is not a finite number"),
            Misfit::Unreadable { ty, .. } => write!(f, "is not {} {ty} value", article(ty)),
            Misfit::TooLong { length, max } => write!(
                f,
                "is {length} characters long, longer than the column's {max}"
            ),
            Misfit::NotJson(error) => write!(f, "is not a JSON document ({error})"),
            Misfit::NotIso8601 { ty, form } => write!(
                f,
                "is not {} {ty} value: write it as ISO 8601 ({form}), or `now` for the current time",
                article(ty)
            ),
        }
    }
}

impl std::error::Error for Misfit {}

/// "a" or "an", for a type's name in a message.
fn article(ty: &ColumnType) -> &'static str {
    if ty.to_string().starts_with(['a', 'e', 'i', 'o']) {
        "an"
    } else {
        "a"
    }
}

/// Whether both databases take the values of a `from` column into a `to` column (a copying
/// [`Fill`]): the same type or a wider one, anything into text, and anything to or from a type
/// entmig does not know (the database is the judge).
///
/// ```
/// use entmig_schema::{ColumnType, is_copyable};
/// assert!(is_copyable(&ColumnType::Integer, &ColumnType::BigInt));
/// assert!(is_copyable(&ColumnType::BigInt, &ColumnType::Text));
/// assert!(!is_copyable(&ColumnType::Text, &ColumnType::Integer));
/// ```
pub fn is_copyable(from: &ColumnType, to: &ColumnType) -> bool {
    is_widening(from, to)
        || to.is_textual()
        || matches!(from, ColumnType::Custom(_))
        || matches!(to, ColumnType::Custom(_))
}

/// Why a fill typed by a person cannot fill a column. Its `Display` says why and what to give
/// instead.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FillError {
    /// A literal that is no value of the column's type.
    Literal {
        /// The text as typed.
        text: String,
        /// The column's type.
        ty: ColumnType,
        /// Why.
        misfit: Misfit,
    },
    /// `@column` names no column of the table.
    NoColumn {
        /// The table.
        table: String,
        /// The name given.
        column: String,
        /// The table's columns.
        columns: Vec<String>,
    },
    /// `@column` names a column whose values the filled column does not take.
    WrongType {
        /// The copied column.
        column: String,
        /// Its type.
        from: ColumnType,
        /// The filled column's type.
        to: ColumnType,
    },
}

impl fmt::Display for FillError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FillError::Literal { text, ty, misfit } => write!(
                f,
                "`{text}` {misfit}; give a value of the column's type ({ty}), or @column to copy one"
            ),
            FillError::NoColumn {
                table,
                column,
                columns,
            } => write!(
                f,
                "{table} has no column `{column}` to copy; its columns are: {}",
                columns.join(", ")
            ),
            FillError::WrongType { column, from, to } => write!(
                f,
                "`@{column}` is {} {from} column, which does not fit the column's type ({to}); copy a column of that type, or give a literal",
                article(from)
            ),
        }
    }
}

impl std::error::Error for FillError {}

impl Fill {
    /// A fill as a person types it (`--fill`, an answer at a prompt) for a column of type `ty`
    /// in `table`, as the table stands when the fill runs (when known): `@column` copies a
    /// column of the table ([`is_copyable`]), anything else is a literal of the column's type
    /// ([`DefaultValue::parse_for`]).
    ///
    /// ```
    /// use entmig_schema::{Column, ColumnType, DefaultValue, Fill, Table};
    /// let users = Table::new("users").with_column(Column::new("email", ColumnType::Text));
    /// let read = |text| Fill::parse_for(text, &ColumnType::Text, Some(&users));
    /// assert_eq!(read("@email"), Ok(Fill::CopyFrom("email".into())));
    /// assert_eq!(read("01234"), Ok(Fill::Value(DefaultValue::String("01234".into()))));
    /// assert!(read("@nope").is_err());
    /// ```
    pub fn parse_for(
        text: &str,
        ty: &ColumnType,
        table: Option<&Table>,
    ) -> Result<Fill, FillError> {
        let text = text.trim();
        // The current time, on both backends, for a date or time column.
        if let (Some(now), true) = (current_time(ty), ["now", "@now"].contains(&text)) {
            return Ok(Fill::Value(DefaultValue::Sql(now.to_owned())));
        }
        if let Some(source) = text.strip_prefix('@') {
            return match table.map(|t| (t, t.column(source))) {
                Some((_, Some(copied))) if !is_copyable(&copied.ty, ty) => {
                    Err(FillError::WrongType {
                        column: source.to_owned(),
                        from: copied.ty.clone(),
                        to: ty.clone(),
                    })
                }
                Some((t, None)) => Err(FillError::NoColumn {
                    table: t.name.clone(),
                    column: source.to_owned(),
                    columns: t.columns.iter().map(|c| c.name.clone()).collect(),
                }),
                _ => Ok(Fill::CopyFrom(source.to_owned())),
            };
        }
        DefaultValue::parse_for(text, ty)
            .map(Fill::Value)
            .map_err(|misfit| FillError::Literal {
                text: text.to_owned(),
                ty: ty.clone(),
                misfit,
            })
    }
}

/// The SQL of the current time for a date or time column, the same on SQLite and
/// PostgreSQL; `None` for other types.
fn current_time(ty: &ColumnType) -> Option<&'static str> {
    match ty {
        ColumnType::Date => Some("CURRENT_DATE"),
        ColumnType::Time => Some("CURRENT_TIME"),
        ColumnType::Timestamp | ColumnType::TimestampTz => Some("CURRENT_TIMESTAMP"),
        _ => None,
    }
}

/// The ISO 8601 form a date or time column takes, and its check; `None` for other types.
#[allow(clippy::type_complexity)]
fn iso8601_form(ty: &ColumnType) -> Option<(&'static str, fn(&str) -> bool)> {
    match ty {
        ColumnType::Date => Some(("YYYY-MM-DD", |s| iso_date(s).is_some())),
        ColumnType::Time => Some(("HH:MM:SS", |s| iso_time(s).is_some())),
        ColumnType::Timestamp | ColumnType::TimestampTz => Some((
            "YYYY-MM-DDTHH:MM:SS, with a zone such as Z or +02:00 or none",
            iso_timestamp,
        )),
        _ => None,
    }
}

/// `YYYY-MM-DD` with a real month and day; what follows it.
fn iso_date(s: &str) -> Option<&str> {
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    let (year, rest) = (s.get(..4)?, s.get(4..)?);
    let (month, rest) = (rest.strip_prefix('-')?.get(..2)?, rest.get(3..)?);
    let (day, rest) = (rest.strip_prefix('-')?.get(..2)?, rest.get(3..)?);
    if !(digits(year) && digits(month) && digits(day)) {
        return None;
    }
    let (year, month, day): (u32, u32, u32) =
        (year.parse().ok()?, month.parse().ok()?, day.parse().ok()?);
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    (1..=days).contains(&day).then_some(rest)
}

/// `HH:MM`, `HH:MM:SS` or `HH:MM:SS.ffffff`; what follows it.
fn iso_time(s: &str) -> Option<&str> {
    /// Two digits at the start of `t`, at most `max`; what follows them.
    fn two(t: &str, max: u32) -> Option<&str> {
        let digits = t
            .get(..2)
            .filter(|d| d.bytes().all(|b| b.is_ascii_digit()))?;
        (digits.parse::<u32>().ok()? <= max).then(|| &t[2..])
    }
    let rest = two(s, 23)?.strip_prefix(':')?;
    let mut rest = two(rest, 59)?;
    if let Some(seconds) = rest.strip_prefix(':') {
        rest = two(seconds, 60)?;
        if let Some(fraction) = rest.strip_prefix('.') {
            let digits = fraction.bytes().take_while(u8::is_ascii_digit).count();
            if digits == 0 {
                return None;
            }
            rest = &fraction[digits..];
        }
    }
    Some(rest)
}

/// A date, `T` or a space, a time, and an optional zone (`Z`, `+02`, `+02:00`, `-0530`).
fn iso_timestamp(s: &str) -> bool {
    let Some(rest) = iso_date(s) else {
        return false;
    };
    let Some(rest) = rest.strip_prefix(['T', ' ']).and_then(iso_time) else {
        return false;
    };
    let zone = rest.strip_prefix(['+', '-']).map(|z| z.replace(':', ""));
    match (rest, zone) {
        ("" | "Z" | "z", _) => true,
        (_, Some(zone)) => [2, 4].contains(&zone.len()) && zone.bytes().all(|b| b.is_ascii_digit()),
        _ => false,
    }
}

impl DefaultValue {
    /// This literal as a value of a column of type `ty`, or why it cannot be one. An integer
    /// for a float column becomes a float, so that it reads back from a database unchanged; a
    /// custom type takes any literal, and SQL is never checked.
    ///
    /// ```
    /// use entmig_schema::{ColumnType, DefaultValue};
    /// assert_eq!(DefaultValue::Integer(1).fit(&ColumnType::Double), Ok(DefaultValue::Float(1.0)));
    /// assert!(DefaultValue::Integer(70_000).fit(&ColumnType::SmallInt).is_err());
    /// ```
    pub fn fit(&self, ty: &ColumnType) -> Result<DefaultValue, Misfit> {
        use ColumnType as T;
        use DefaultValue as D;
        match self {
            D::Float(x) if !x.is_finite() => return Err(Misfit::NotFinite),
            D::Sql(_) => return Ok(self.clone()),
            D::String(_) | D::Integer(_) | D::Float(_) | D::Bool(_) => {}
        }
        let wrong_kind = || {
            Err(Misfit::WrongKind {
                kind: self.kind(),
                ty: ty.clone(),
            })
        };
        match (ty, self) {
            (T::Custom(_), _) => Ok(self.clone()),
            (T::Boolean, D::Bool(_)) => Ok(self.clone()),
            (T::SmallInt | T::Integer | T::BigInt, D::Integer(i)) => match ty.integer_range() {
                Some((min, max)) if !(min..=max).contains(i) => Err(Misfit::OutOfRange {
                    value: *i,
                    ty: ty.clone(),
                }),
                _ => Ok(self.clone()),
            },
            (T::Real | T::Double, D::Integer(i)) => Ok(D::Float(*i as f64)),
            (T::Real | T::Double, D::Float(_)) => Ok(self.clone()),
            (T::Decimal { .. }, D::Integer(_) | D::Float(_) | D::String(_)) => Ok(self.clone()),
            (T::Varchar(max), D::String(s)) => {
                let length = s.chars().count();
                if length > *max as usize {
                    return Err(Misfit::TooLong { length, max: *max });
                }
                Ok(self.clone())
            }
            (T::Json, D::String(s)) => match serde_json::from_str::<serde_json::Value>(s) {
                Ok(_) => Ok(self.clone()),
                Err(error) => Err(Misfit::NotJson(error.to_string())),
            },
            (T::Date | T::Time | T::Timestamp | T::TimestampTz, D::String(s)) => {
                match iso8601_form(ty).filter(|(_, valid)| !valid(s)) {
                    Some((form, _)) => Err(Misfit::NotIso8601 {
                        ty: ty.clone(),
                        form,
                    }),
                    None => Ok(self.clone()),
                }
            }
            (T::Text | T::Uuid, D::String(_)) => Ok(self.clone()),
            // Each type says above what it takes; the other literals are the wrong kind.
            (T::Boolean, _)
            | (T::SmallInt | T::Integer | T::BigInt | T::Real | T::Double | T::Decimal { .. }, _)
            | (T::Text | T::Varchar(_) | T::Bytes | T::Json, _)
            | (T::Date | T::Time | T::Timestamp | T::TimestampTz | T::Uuid, _) => wrong_kind(),
        }
    }

    /// A literal as a person types it (a `--fill` value, an answer at a prompt), read as a
    /// value of a column of type `ty`: text as it is for text-like columns (quotes optional),
    /// a number for a numeric column, `true` or `false` for a boolean. For a custom type the
    /// text says what it is: `true`, `42`, `1.5`, or else a string.
    ///
    /// ```
    /// use entmig_schema::{ColumnType, DefaultValue};
    /// let read = |text, ty: ColumnType| DefaultValue::parse_for(text, &ty);
    /// assert_eq!(read("12345", ColumnType::Text), Ok(DefaultValue::String("12345".into())));
    /// assert_eq!(read("'NL'", ColumnType::Varchar(2)), Ok(DefaultValue::String("NL".into())));
    /// assert_eq!(read("7", ColumnType::Double), Ok(DefaultValue::Float(7.0)));
    /// assert!(read("abc", ColumnType::BigInt).is_err());
    /// assert!(read("1", ColumnType::Boolean).is_err());
    /// ```
    pub fn parse_for(text: &str, ty: &ColumnType) -> Result<DefaultValue, Misfit> {
        use ColumnType as T;
        let text = text.trim();
        let quoted = text
            .strip_prefix('\'')
            .and_then(|t| t.strip_suffix('\''))
            .or_else(|| text.strip_prefix('"').and_then(|t| t.strip_suffix('"')));
        let unreadable = || Misfit::Unreadable {
            text: text.to_owned(),
            ty: ty.clone(),
        };
        let integer = || text.parse::<i64>().ok().map(DefaultValue::Integer);
        let float = || text.parse::<f64>().ok().map(DefaultValue::Float);
        let value = match (quoted, ty) {
            // SQL's way to put a quote in a quoted string, `'it''s'`, is understood.
            (Some(inner), _) if text.starts_with('\'') => {
                DefaultValue::String(inner.replace("''", "'"))
            }
            (Some(inner), _) => DefaultValue::String(inner.to_owned()),
            (None, T::Boolean) => match text.to_ascii_lowercase().as_str() {
                "true" => DefaultValue::Bool(true),
                "false" => DefaultValue::Bool(false),
                _ => return Err(unreadable()),
            },
            (None, T::SmallInt | T::Integer | T::BigInt) => integer().ok_or_else(unreadable)?,
            (None, T::Real | T::Double | T::Decimal { .. }) => {
                integer().or_else(float).ok_or_else(unreadable)?
            }
            (None, T::Custom(_)) => match text {
                "true" => DefaultValue::Bool(true),
                "false" => DefaultValue::Bool(false),
                _ => integer()
                    .or_else(|| float().filter(|_| text.contains(['.', 'e', 'E'])))
                    .unwrap_or_else(|| DefaultValue::String(text.to_owned())),
            },
            (None, T::Text | T::Varchar(_) | T::Bytes | T::Json) => {
                DefaultValue::String(text.to_owned())
            }
            (None, T::Date | T::Time | T::Timestamp | T::TimestampTz | T::Uuid) => {
                DefaultValue::String(text.to_owned())
            }
        };
        value.fit(ty)
    }

    /// The kind of literal, as messages name it: "a string", "an integer"...
    pub fn kind(&self) -> &'static str {
        match self {
            DefaultValue::String(_) => "a string",
            DefaultValue::Integer(_) => "an integer",
            DefaultValue::Float(_) => "a float",
            DefaultValue::Bool(_) => "a bool",
            DefaultValue::Sql(_) => "SQL",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Column;

    #[test]
    fn fills_are_read_by_the_column_type() {
        let table = Table::new("users")
            .with_column(Column::new("id", ColumnType::BigInt))
            .with_column(Column::new("email", ColumnType::Text));
        let fill = |text: &str, ty: ColumnType| {
            Fill::parse_for(text, &ty, Some(&table)).map_err(|e| e.to_string())
        };
        assert_eq!(
            fill("42", ColumnType::BigInt),
            Ok(Fill::Value(DefaultValue::Integer(42)))
        );
        assert_eq!(
            fill("42", ColumnType::Text),
            Ok(Fill::Value(DefaultValue::String("42".into())))
        );
        assert_eq!(
            fill("-1.5", ColumnType::Double),
            Ok(Fill::Value(DefaultValue::Float(-1.5)))
        );
        assert_eq!(
            fill("true", ColumnType::Boolean),
            Ok(Fill::Value(DefaultValue::Bool(true)))
        );
        assert_eq!(
            fill("'a b'", ColumnType::Text),
            Ok(Fill::Value(DefaultValue::String("a b".into())))
        );
        assert_eq!(
            fill("@email", ColumnType::Text),
            Ok(Fill::CopyFrom("email".into()))
        );
        assert_eq!(
            fill("@id", ColumnType::BigInt),
            Ok(Fill::CopyFrom("id".into()))
        );
        assert_eq!(
            fill("abc", ColumnType::BigInt).unwrap_err(),
            "`abc` is not a bigint value; give a value of the column's type (bigint), or @column to copy one"
        );
        assert!(fill("1", ColumnType::Boolean).is_err());
        assert!(fill("1e999", ColumnType::Double).is_err());
        assert_eq!(
            fill("@nope", ColumnType::Text).unwrap_err(),
            "users has no column `nope` to copy; its columns are: id, email"
        );
        assert_eq!(
            fill("@email", ColumnType::Integer).unwrap_err(),
            "`@email` is a text column, which does not fit the column's type (integer); copy a column of that type, or give a literal"
        );
        // Without the table, a copy cannot be checked and is taken.
        assert_eq!(
            Fill::parse_for("@any", &ColumnType::Text, None),
            Ok(Fill::CopyFrom("any".into()))
        );
    }

    #[test]
    fn literals_fit_their_types() {
        use ColumnType as T;
        use DefaultValue as D;
        assert_eq!(D::Integer(32767).fit(&T::SmallInt), Ok(D::Integer(32767)));
        assert_eq!(
            D::Integer(32768).fit(&T::SmallInt).unwrap_err().to_string(),
            "does not fit in a smallint column (-32768 to 32767)"
        );
        assert_eq!(
            D::Integer(1 << 40)
                .fit(&T::Integer)
                .unwrap_err()
                .to_string(),
            "does not fit in an integer column (-2147483648 to 2147483647)"
        );
        assert_eq!(
            D::Float(f64::INFINITY).fit(&T::Double),
            Err(Misfit::NotFinite)
        );
        assert_eq!(
            D::Float(f64::NAN).fit(&T::Custom("x".into())),
            Err(Misfit::NotFinite)
        );
        assert_eq!(
            D::String("abc".into()).fit(&T::Varchar(2)),
            Err(Misfit::TooLong { length: 3, max: 2 })
        );
        assert_eq!(
            D::String("é".into()).fit(&T::Varchar(1)),
            Ok(D::String("é".into()))
        );
        assert!(matches!(
            D::String("{".into()).fit(&T::Json),
            Err(Misfit::NotJson(_))
        ));
        assert_eq!(
            D::String("[1]".into()).fit(&T::Json),
            Ok(D::String("[1]".into()))
        );
        assert_eq!(
            D::Bool(true).fit(&T::Text).unwrap_err().to_string(),
            "is a bool, which does not fit the column's type (text)"
        );
        assert_eq!(
            D::Sql("now()".into()).fit(&T::Integer),
            Ok(D::Sql("now()".into()))
        );
    }

    #[test]
    fn typed_text_is_read_by_its_column_type() {
        use ColumnType as T;
        use DefaultValue as D;
        let read = |text: &str, ty: T| D::parse_for(text, &ty);
        assert_eq!(read(" 42 ", T::BigInt), Ok(D::Integer(42)));
        assert_eq!(read("TRUE", T::Boolean), Ok(D::Bool(true)));
        assert_eq!(read("1.5", T::Real), Ok(D::Float(1.5)));
        assert_eq!(
            read(
                "12.50",
                T::Decimal {
                    precision: Some(5),
                    scale: Some(2)
                }
            ),
            Ok(D::Float(12.5))
        );
        assert_eq!(read("", T::Text), Ok(D::String(String::new())));
        assert_eq!(read("true", T::Text), Ok(D::String("true".into())));
        assert_eq!(read("\"a b\"", T::Text), Ok(D::String("a b".into())));
        assert_eq!(read("'it''s'", T::Text), Ok(D::String("it's".into())));
        assert_eq!(
            read("' spaced '", T::Text),
            Ok(D::String(" spaced ".into()))
        );
        assert_eq!(
            read("2026-01-01", T::Date),
            Ok(D::String("2026-01-01".into()))
        );
        assert_eq!(read("inf", T::Double), Err(Misfit::NotFinite));
        assert_eq!(read("1e999", T::Double), Err(Misfit::NotFinite));
        assert_eq!(
            read("abc", T::BigInt).unwrap_err().to_string(),
            "is not a bigint value"
        );
        assert_eq!(
            read("", T::Integer).unwrap_err().to_string(),
            "is not an integer value"
        );
        assert!(read("1", T::Boolean).is_err());
        assert!(read("'1'", T::Boolean).is_err());
        assert_eq!(read("1.5", T::Custom("money".into())), Ok(D::Float(1.5)));
        assert_eq!(
            read("x", T::Custom("citext".into())),
            Ok(D::String("x".into()))
        );
    }
}

#[cfg(test)]
mod date_tests {
    use super::*;

    fn read(text: &str, ty: ColumnType) -> Result<Fill, FillError> {
        Fill::parse_for(text, &ty, None)
    }

    #[test]
    fn dates_and_times_are_iso_8601_or_now() {
        use ColumnType as T;
        for (text, ty) in [
            ("2026-12-02", T::Date),
            ("'2024-02-29'", T::Date),
            ("23:59", T::Time),
            ("07:30:00.250", T::Time),
            ("2026-12-02T16:05:59", T::Timestamp),
            ("2026-12-02 16:05:59.5", T::Timestamp),
            ("2026-12-02T16:05:59Z", T::TimestampTz),
            ("2026-12-02T16:05:59+02:00", T::TimestampTz),
            ("2026-12-02 16:05:59-0530", T::TimestampTz),
        ] {
            assert!(
                matches!(
                    read(text, ty.clone()),
                    Ok(Fill::Value(DefaultValue::String(_)))
                ),
                "{text} for {ty}"
            );
        }
        for (text, ty) in [
            ("2026-13-01", T::Date),
            ("2023-02-29", T::Date),
            ("yesterday", T::Date),
            ("24:00", T::Time),
            ("12:5", T::Time),
            ("2026-12-02", T::Timestamp),
            ("2026-12-02T16:05:59 CET", T::TimestampTz),
            ("now()", T::TimestampTz),
        ] {
            let error = read(text, ty.clone()).unwrap_err().to_string();
            assert!(
                error.contains("write it as ISO 8601"),
                "{text} for {ty}: {error}"
            );
        }
        assert_eq!(
            read("now", T::TimestampTz),
            Ok(Fill::Value(DefaultValue::Sql("CURRENT_TIMESTAMP".into())))
        );
        assert_eq!(
            read("@now", T::Date),
            Ok(Fill::Value(DefaultValue::Sql("CURRENT_DATE".into())))
        );
        assert_eq!(
            read("now", T::Text),
            Ok(Fill::Value(DefaultValue::String("now".into()))),
            "text stays text"
        );
    }
}
