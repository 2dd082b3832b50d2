//! Column types, and the one table of the plain ones: how messages, snapshots, SQLite and
//! PostgreSQL name each type, and which other names a database or a person may use for it.
//!
//! Every writer and reader of a type name goes through this table or [`Shape`]: `Display`, the
//! snapshot's serde form, both renderers and both introspection readers. A new plain type is one
//! more row; a new parameterised type is one more [`Shape`] variant, and each writer that must
//! spell it fails to compile until it does.

use std::fmt;

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::ser::{SerializeStructVariant, Serializer};
use serde::{Deserialize, Serialize};

/// The type of a column, independent of the database. Each backend renders it to its own SQL
/// type name and reads that name back to the same variant.
///
/// In snapshots and messages a plain type is written by its [`Names::name`]: `"bigint"`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ColumnType {
    /// `BOOLEAN` (SQLite stores 0 and 1). Rust: `bool`.
    Boolean,
    /// 16-bit integer, `SMALLINT`. Rust: `i8`, `i16`, `u8`.
    SmallInt,
    /// 32-bit integer, `INTEGER`. Rust: `i32`, `u16`.
    Integer,
    /// 64-bit integer, `BIGINT`. Rust: `i64`, `u32`.
    BigInt,
    /// 32-bit float, `REAL`. Rust: `f32`.
    Real,
    /// 64-bit float, `DOUBLE PRECISION`. Rust: `f64`.
    Double,
    /// Exact decimal, `NUMERIC(precision, scale)`; without a precision, `NUMERIC` of any size.
    /// Rust: `rust_decimal::Decimal`.
    Decimal {
        /// Total number of digits; `None` for unconstrained.
        precision: Option<u32>,
        /// Digits after the decimal point; `None` exactly when `precision` is `None`.
        scale: Option<u32>,
    },
    /// Text of any length, `TEXT`. Rust: `String`, `Box<str>`.
    Text,
    /// Text of at most this many characters, `VARCHAR(n)`. Rust: `String` with `max_length`.
    Varchar(u32),
    /// Bytes, `BLOB` / `BYTEA`. Rust: `Vec<u8>`.
    Bytes,
    /// A calendar date, `DATE`.
    Date,
    /// A time of day, `TIME`.
    Time,
    /// A date and time without time zone, `TIMESTAMP`.
    Timestamp,
    /// A point in time, `TIMESTAMPTZ` (`TIMESTAMP WITH TIME ZONE`).
    TimestampTz,
    /// `UUID` (SQLite stores text).
    Uuid,
    /// JSON, `JSONB` on PostgreSQL and text on SQLite.
    Json,
    /// Any other SQL type, by name, rendered as written (`sql_type = "citext"`).
    Custom(String),
}

/// The names of one plain (parameterless) column type: one row of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Names {
    /// The variant's name, as generated Rust code writes it: `BigInt`.
    pub variant: &'static str,
    /// In messages, docs and snapshots: `bigint`.
    pub name: &'static str,
    /// In the checksums and digests of entmig 0.1, whose snapshots spelt types in serde's snake
    /// case (`big_int`); snapshots of that spelling are still read.
    pub pinned: &'static str,
    /// The declared type SQLite gets: `BIGINT`. Each gives SQLite the right type affinity:
    /// JSON is `JSON_TEXT` so that a document such as `5` stays text instead of becoming a
    /// number.
    pub sqlite: &'static str,
    /// The type name PostgreSQL gets: `bigint`.
    pub postgres: &'static str,
    /// Other names read as this type, lower case: what `format_type` or a declared SQLite type
    /// may say (`int8`, `timestamp with time zone`), and common synonyms a person writes.
    pub aliases: &'static [&'static str],
}

/// A column type as its writers see it: a row of the table of plain types, or a parameterised
/// type with its parameters. Writers match on it, so a new kind of type is a compile error in
/// each of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape<'a> {
    /// A plain type, with its names.
    Plain(&'static Names),
    /// [`ColumnType::Decimal`].
    Decimal {
        /// Total number of digits; `None` for unconstrained.
        precision: Option<u32>,
        /// Digits after the decimal point.
        scale: Option<u32>,
    },
    /// [`ColumnType::Varchar`].
    Varchar(u32),
    /// [`ColumnType::Custom`].
    Custom(&'a str),
}

/// The table of plain types. Each row generates an arm of [`ColumnType::shape`] (which is
/// exhaustive: a new variant is a compile error until it has a row or a [`Shape`]) and an entry
/// of [`ColumnType::PLAIN`].
macro_rules! plain_types {
    ($($variant:ident: $name:literal, $pinned:literal, $sqlite:literal, $postgres:literal,
       [$($alias:literal),*];)*) => {
        impl ColumnType {
            /// Every plain type, in the order of the enum.
            pub const PLAIN: &'static [ColumnType] = &[$(ColumnType::$variant),*];

            /// The type as its writers see it: a row of the table, or the parameters.
            pub fn shape(&self) -> Shape<'_> {
                match self {
                    $(ColumnType::$variant => Shape::Plain(&Names {
                        variant: stringify!($variant),
                        name: $name,
                        pinned: $pinned,
                        sqlite: $sqlite,
                        postgres: $postgres,
                        aliases: &[$($alias),*],
                    }),)*
                    ColumnType::Decimal { precision, scale } => Shape::Decimal {
                        precision: *precision,
                        scale: *scale,
                    },
                    ColumnType::Varchar(n) => Shape::Varchar(*n),
                    ColumnType::Custom(name) => Shape::Custom(name),
                }
            }
        }

        /// The serde names, for "expected one of" in errors.
        const SERDE_NAMES: &[&str] = &[$($name,)* "decimal", "varchar", "custom"];
    };
}

plain_types! {
//  variant      name           pinned          SQLite         PostgreSQL          also read as
    Boolean:     "boolean",     "boolean",      "BOOLEAN",     "boolean",          ["bool"];
    SmallInt:    "smallint",    "small_int",    "SMALLINT",    "smallint",         ["int2"];
    Integer:     "integer",     "integer",      "INTEGER",     "integer",          ["int", "int4"];
    BigInt:      "bigint",      "big_int",      "BIGINT",      "bigint",           ["int8"];
    Real:        "real",        "real",         "REAL",        "real",             ["float4"];
    Double:      "double",      "double",       "DOUBLE",      "double precision", ["float8"];
    Text:        "text",        "text",         "TEXT",        "text",             [];
    Bytes:       "bytes",       "bytes",        "BLOB",        "bytea",            [];
    Date:        "date",        "date",         "DATE",        "date",             [];
    Time:        "time",        "time",         "TIME",        "time",             ["time without time zone"];
    Timestamp:   "timestamp",   "timestamp",    "TIMESTAMP",   "timestamp",        ["timestamp without time zone"];
    TimestampTz: "timestamptz", "timestamp_tz", "TIMESTAMPTZ", "timestamptz",      ["timestamp with time zone"];
    Uuid:        "uuid",        "uuid",         "UUID",        "uuid",             [];
    Json:        "json",        "json",         "JSON_TEXT",   "jsonb",            ["json"];
}

impl ColumnType {
    /// The names of a plain type; `None` for a parameterised one.
    pub fn names(&self) -> Option<&'static Names> {
        match self.shape() {
            Shape::Plain(names) => Some(names),
            Shape::Decimal { .. } | Shape::Varchar(_) | Shape::Custom(_) => None,
        }
    }

    /// `true` for the integer types, the only ones that can be auto-incremented.
    pub fn is_integer(&self) -> bool {
        use ColumnType as T;
        match self {
            T::SmallInt | T::Integer | T::BigInt => true,
            T::Boolean | T::Real | T::Double | T::Decimal { .. } | T::Text | T::Varchar(_) => false,
            T::Bytes | T::Date | T::Time | T::Timestamp | T::TimestampTz | T::Uuid | T::Json => {
                false
            }
            T::Custom(_) => false,
        }
    }

    /// The values an integer type holds, `None` for the other types.
    pub fn integer_range(&self) -> Option<(i64, i64)> {
        use ColumnType as T;
        match self {
            T::SmallInt => Some((i16::MIN.into(), i16::MAX.into())),
            T::Integer => Some((i32::MIN.into(), i32::MAX.into())),
            T::BigInt => Some((i64::MIN, i64::MAX)),
            T::Boolean | T::Real | T::Double | T::Decimal { .. } | T::Text | T::Varchar(_) => None,
            T::Bytes | T::Date | T::Time | T::Timestamp | T::TimestampTz | T::Uuid | T::Json => {
                None
            }
            T::Custom(_) => None,
        }
    }

    /// `true` for the floating-point types.
    pub fn is_float(&self) -> bool {
        use ColumnType as T;
        match self {
            T::Real | T::Double => true,
            T::Boolean | T::SmallInt | T::Integer | T::BigInt | T::Decimal { .. } => false,
            T::Text | T::Varchar(_) | T::Bytes | T::Date | T::Time | T::Timestamp => false,
            T::TimestampTz | T::Uuid | T::Json | T::Custom(_) => false,
        }
    }

    /// `true` for the numeric types: integers, floats and decimals.
    pub fn is_numeric(&self) -> bool {
        self.is_integer() || self.is_float() || matches!(self, ColumnType::Decimal { .. })
    }

    /// `true` for the types whose values are text (and so whose defaults are string literals).
    pub fn is_textual(&self) -> bool {
        use ColumnType as T;
        match self {
            T::Text | T::Varchar(_) => true,
            T::Boolean | T::SmallInt | T::Integer | T::BigInt | T::Real | T::Double => false,
            T::Decimal { .. } | T::Bytes | T::Date | T::Time | T::Timestamp | T::TimestampTz => {
                false
            }
            T::Uuid | T::Json | T::Custom(_) => false,
        }
    }

    /// Reads a SQL type name as a person or a database writes it: the names entmig renders map
    /// back to their variants (`varchar(20)`, `double precision`, `timestamp with time zone`,
    /// `int8`, …); anything else is [`ColumnType::Custom`], kept as written.
    ///
    /// ```
    /// use entmig_schema::ColumnType;
    /// assert_eq!(ColumnType::from_sql_name("VARCHAR(20)"), ColumnType::Varchar(20));
    /// assert_eq!(ColumnType::from_sql_name("numeric(10, 2)"),
    ///            ColumnType::Decimal { precision: Some(10), scale: Some(2) });
    /// assert_eq!(ColumnType::from_sql_name("citext"), ColumnType::Custom("citext".into()));
    /// ```
    pub fn from_sql_name(sql: &str) -> ColumnType {
        let lower = sql
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_ascii_lowercase();
        let (base, args) = match lower.split_once('(') {
            Some((base, rest)) => (base.trim(), rest.strip_suffix(')').map(str::trim)),
            None => (lower.as_str(), None),
        };
        let Some(args) = args else {
            return Self::plain_named(|names| {
                names.sqlite.eq_ignore_ascii_case(base)
                    || names.postgres == base
                    || names.aliases.contains(&base)
            })
            .or_else(|| {
                matches!(base, "numeric" | "decimal").then_some(ColumnType::Decimal {
                    precision: None,
                    scale: None,
                })
            })
            .unwrap_or_else(|| ColumnType::Custom(sql.trim().to_owned()));
        };
        let numbers = args
            .split(',')
            .map(|n| n.trim().parse().ok())
            .collect::<Option<Vec<u32>>>()
            .unwrap_or_default();
        match (base, numbers.as_slice()) {
            ("numeric" | "decimal", [p]) => ColumnType::Decimal {
                precision: Some(*p),
                scale: Some(0),
            },
            ("numeric" | "decimal", [p, s]) => ColumnType::Decimal {
                precision: Some(*p),
                scale: Some(*s),
            },
            ("varchar" | "character varying", [n]) => ColumnType::Varchar(*n),
            _ => ColumnType::Custom(sql.trim().to_owned()),
        }
    }

    /// The plain type whose names `matches`.
    fn plain_named(matches: impl Fn(&Names) -> bool) -> Option<ColumnType> {
        Self::PLAIN
            .iter()
            .find(|ty| ty.names().is_some_and(&matches))
            .cloned()
    }
}

impl fmt::Display for ColumnType {
    /// The type as a person reads it in messages and generated docs, e.g. `varchar(255)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.shape() {
            Shape::Plain(names) => f.write_str(names.name),
            Shape::Decimal {
                precision: Some(p),
                scale,
            } => write!(f, "decimal({p}, {})", scale.unwrap_or(0)),
            Shape::Decimal { .. } => f.write_str("decimal"),
            Shape::Varchar(n) => write!(f, "varchar({n})"),
            Shape::Custom(name) => f.write_str(name),
        }
    }
}

// The serde form is serde's externally tagged one: a plain type is its name (`"bigint"`), the
// others `{"decimal": {"precision": 10, "scale": 2}}`, `{"varchar": 255}`, `{"custom": "citext"}`.
impl Serialize for ColumnType {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        const ENUM: &str = "ColumnType";
        let plain = Self::PLAIN.len() as u32;
        match self.shape() {
            Shape::Plain(names) => {
                let index = Self::PLAIN.iter().position(|t| t == self).unwrap_or(0) as u32;
                let name = if crate::canonical::pinned() {
                    names.pinned
                } else {
                    names.name
                };
                serializer.serialize_unit_variant(ENUM, index, name)
            }
            Shape::Decimal { precision, scale } => {
                let mut decimal = serializer.serialize_struct_variant(ENUM, plain, "decimal", 2)?;
                decimal.serialize_field("precision", &precision)?;
                decimal.serialize_field("scale", &scale)?;
                decimal.end()
            }
            Shape::Varchar(n) => {
                serializer.serialize_newtype_variant(ENUM, plain + 1, "varchar", &n)
            }
            Shape::Custom(name) => {
                serializer.serialize_newtype_variant(ENUM, plain + 2, "custom", name)
            }
        }
    }
}

impl<'de> Deserialize<'de> for ColumnType {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ColumnTypeVisitor)
    }
}

struct ColumnTypeVisitor;

#[derive(Deserialize)]
struct DecimalParameters {
    precision: Option<u32>,
    scale: Option<u32>,
}

impl<'de> Visitor<'de> for ColumnTypeVisitor {
    type Value = ColumnType;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a column type: a name such as \"bigint\", or {\"varchar\": 255}")
    }

    fn visit_str<E: de::Error>(self, name: &str) -> Result<ColumnType, E> {
        // The name, or the pinned spelling of the snapshots of entmig 0.1.
        ColumnType::plain_named(|names| names.name == name || names.pinned == name)
            .ok_or_else(|| E::unknown_variant(name, SERDE_NAMES))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ColumnType, A::Error> {
        let Some(key) = map.next_key::<String>()? else {
            return Err(de::Error::invalid_length(0, &self));
        };
        let ty = match key.as_str() {
            "decimal" => {
                let DecimalParameters { precision, scale } = map.next_value()?;
                ColumnType::Decimal { precision, scale }
            }
            "varchar" => ColumnType::Varchar(map.next_value()?),
            "custom" => ColumnType::Custom(map.next_value()?),
            other => return Err(de::Error::unknown_variant(other, SERDE_NAMES)),
        };
        if map.next_key::<de::IgnoredAny>()?.is_some() {
            return Err(de::Error::invalid_length(2, &self));
        }
        Ok(ty)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn every_type() -> Vec<ColumnType> {
        let mut types = ColumnType::PLAIN.to_vec();
        let parameterised = ["numeric", "numeric(10, 2)", "varchar(255)", "citext"];
        types.extend(parameterised.map(ColumnType::from_sql_name));
        types
    }

    #[test]
    fn names_are_unique_and_read_back() {
        let mut seen = std::collections::BTreeMap::new();
        for ty in ColumnType::PLAIN {
            let names = ty.names().unwrap();
            for name in [names.sqlite.to_ascii_lowercase().as_str(), names.postgres]
                .into_iter()
                .chain(names.aliases.iter().copied())
            {
                let other = seen.insert(name.to_owned(), ty);
                assert!(
                    other.is_none_or(|other| other == ty),
                    "{name} names two types"
                );
                assert_eq!(&ColumnType::from_sql_name(name), ty, "{name}");
                assert_eq!(
                    &ColumnType::from_sql_name(&name.to_uppercase()),
                    ty,
                    "{name}"
                );
            }
        }
    }

    #[test]
    fn serde_writes_the_name_and_reads_the_pinned_spelling() {
        for ty in every_type() {
            let json = serde_json::to_string(&ty).unwrap();
            assert_eq!(serde_json::from_str::<ColumnType>(&json).unwrap(), ty);
            if let Some(names) = ty.names() {
                assert_eq!(json, format!("\"{}\"", names.name));
                assert_eq!(json, format!("\"{ty}\""));
                let pinned = format!("\"{}\"", names.pinned);
                assert_eq!(serde_json::from_str::<ColumnType>(&pinned).unwrap(), ty);
                assert_eq!(crate::canonical::json(&ty), pinned);
            }
        }
        assert_eq!(
            serde_json::to_string(&ColumnType::Varchar(9)).unwrap(),
            r#"{"varchar":9}"#
        );
        assert_eq!(
            serde_json::to_string(&ColumnType::Decimal {
                precision: None,
                scale: None
            })
            .unwrap(),
            r#"{"decimal":{"precision":null,"scale":null}}"#
        );
        let error = serde_json::from_str::<ColumnType>("\"bigints\"")
            .unwrap_err()
            .to_string();
        assert!(error.contains("unknown variant `bigints`"), "{error}");
        assert!(serde_json::from_str::<ColumnType>(r#"{"varchar":1,"text":2}"#).is_err());
    }
}
