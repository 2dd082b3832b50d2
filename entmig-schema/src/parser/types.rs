//! From a field's Rust type to a column type, by full path or imported name.

use syn::{GenericArgument, PathArguments, Type};

use crate::model::ColumnType;

/// What a field's type says about its column.
pub(crate) struct MappedType {
    /// `None` when the type has no SQL mapping (the caller decides whether `sql_type` rescues it).
    pub ty: Option<ColumnType>,
    /// `true` for `Option<T>`.
    pub nullable: bool,
    /// Why `ty` is `None`, as a message that names the fix.
    pub unmapped: Option<syn::Error>,
}

/// Maps a field type. `Option<T>` is nullable `T`.
pub(crate) fn map_type(ty: &Type) -> MappedType {
    if let Some(inner) = generic_of(ty, "Option", &["std::option", "core::option"]) {
        if generic_of(inner, "Option", &["std::option", "core::option"]).is_some() {
            return unmapped(
                ty,
                "`Option<Option<T>>` has no column type: a column is NULL or it is not; use `Option<T>`",
            );
        }
        let mut mapped = map_type(inner);
        mapped.nullable = true;
        return mapped;
    }
    match scalar(ty) {
        Ok(column) => MappedType {
            ty: Some(column),
            nullable: false,
            unmapped: None,
        },
        Err(message) => unmapped(ty, &message),
    }
}

fn unmapped(ty: &Type, message: &str) -> MappedType {
    MappedType {
        ty: None,
        nullable: false,
        // The whole type, so `chrono::DateTime<Tz>` is underlined entire, not only `chrono`.
        unmapped: Some(syn::Error::new_spanned(ty, message)),
    }
}

/// The type argument of `Name<T>` when `ty` is that generic (by bare name or one of `prefixes`).
fn generic_of<'a>(ty: &'a Type, name: &str, prefixes: &[&str]) -> Option<&'a Type> {
    let Type::Path(path) = ty else { return None };
    if path.qself.is_some() || !path_is(&path.path, name, prefixes) {
        return None;
    }
    let last = path.path.segments.last()?;
    let PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    match args.args.first() {
        Some(GenericArgument::Type(inner)) if args.args.len() == 1 => Some(inner),
        _ => None,
    }
}

/// `true` when `path` is `name` alone or `prefix::name` for one of `prefixes` (with or without a
/// leading `::`).
fn path_is(path: &syn::Path, name: &str, prefixes: &[&str]) -> bool {
    let Some(last) = path.segments.last() else {
        return false;
    };
    if last.ident != name {
        return false;
    }
    let prefix: Vec<String> = path
        .segments
        .iter()
        .take(path.segments.len() - 1)
        .map(|s| s.ident.to_string())
        .collect();
    prefix.is_empty() || prefixes.contains(&prefix.join("::").as_str())
}

const PRIMITIVE: &[&str] = &["std::primitive", "core::primitive"];
const STRING: &[&str] = &["std::string", "alloc::string"];
const CHRONO: &[&str] = &["chrono", "chrono::naive"];
const TIME: &[&str] = &["time"];

/// The column type of a non-optional Rust type, or a message that names the fix.
fn scalar(ty: &Type) -> Result<ColumnType, String> {
    let hint = "set `sql_type = \"...\"` to say which SQL type it maps to";
    let Type::Path(type_path) = ty else {
        return Err(format!(
            "entmig cannot map this type to a SQL column type; {hint}"
        ));
    };
    let path = &type_path.path;
    let is =
        |name: &str, prefixes: &[&str]| type_path.qself.is_none() && path_is(path, name, prefixes);

    let decimal = ColumnType::Decimal {
        precision: None,
        scale: None,
    };
    for column in ColumnType::PLAIN.iter().chain([&decimal]) {
        let names = rust_names(column);
        if names.iter().any(|(name, prefixes)| is(name, prefixes)) && no_arguments(path) {
            return Ok(column.clone());
        }
    }
    if let Some(inner) = generic_of(ty, "Box", &["std::boxed", "alloc::boxed"])
        && matches!(inner, Type::Path(p) if p.path.is_ident("str"))
    {
        return Ok(ColumnType::Text);
    }
    if let Some(inner) = generic_of(ty, "Vec", &["std::vec", "alloc::vec"])
        && matches!(inner, Type::Path(p) if path_is(&p.path, "u8", PRIMITIVE))
    {
        return Ok(ColumnType::Bytes);
    }
    if let Some(zone) = generic_of(ty, "DateTime", &["chrono"]) {
        let Type::Path(zone) = zone else {
            return Err(format!("unknown time zone for `DateTime`; {hint}"));
        };
        if ["Utc", "FixedOffset", "Local"]
            .iter()
            .any(|z| path_is(&zone.path, z, &["chrono", "chrono::offset"]))
        {
            return Ok(ColumnType::TimestampTz);
        }
        return Err(format!(
            "`DateTime` maps to timestamptz only with `Utc`, `FixedOffset` or `Local`; {hint}"
        ));
    }
    for wide in ["u64", "usize", "isize", "i128", "u128"] {
        if is(wide, PRIMITIVE) {
            return Err(format!(
                "`{wide}` has no lossless SQL column type (SQL integers are signed and 64 bits at \
                 most); use `i64`, or set `sql_type = \"...\"` and convert it yourself"
            ));
        }
    }
    let name = path
        .segments
        .iter()
        .map(|s| s.ident.to_string())
        .collect::<Vec<_>>()
        .join("::");
    Err(format!(
        "entmig does not know the SQL column type of `{name}`; {hint}"
    ))
}

/// The Rust types without generics whose column type is `ty`, by name and the paths they may
/// be imported from. `Vec<u8>`, `Box<str>` and `DateTime<Tz>` are read in `scalar`; a varchar
/// or a custom type is only ever asked for by an attribute.
fn rust_names(ty: &ColumnType) -> &'static [(&'static str, &'static [&'static str])] {
    match ty {
        ColumnType::Boolean => &[("bool", PRIMITIVE)],
        ColumnType::SmallInt => &[("i8", PRIMITIVE), ("i16", PRIMITIVE), ("u8", PRIMITIVE)],
        ColumnType::Integer => &[("i32", PRIMITIVE), ("u16", PRIMITIVE)],
        ColumnType::BigInt => &[("i64", PRIMITIVE), ("u32", PRIMITIVE)],
        ColumnType::Real => &[("f32", PRIMITIVE)],
        ColumnType::Double => &[("f64", PRIMITIVE)],
        ColumnType::Decimal { .. } => &[("Decimal", &["rust_decimal", "rust_decimal::prelude"])],
        ColumnType::Text => &[("String", STRING)],
        ColumnType::Varchar(_) => &[],
        ColumnType::Bytes => &[],
        ColumnType::Date => &[("NaiveDate", CHRONO), ("Date", TIME)],
        ColumnType::Time => &[("NaiveTime", CHRONO), ("Time", TIME)],
        ColumnType::Timestamp => &[("NaiveDateTime", CHRONO), ("PrimitiveDateTime", TIME)],
        ColumnType::TimestampTz => &[("OffsetDateTime", TIME)],
        ColumnType::Uuid => &[("Uuid", &["uuid"])],
        ColumnType::Json => &[("Value", &["serde_json"])],
        ColumnType::Custom(_) => &[],
    }
}

fn no_arguments(path: &syn::Path) -> bool {
    path.segments
        .iter()
        .all(|s| matches!(s.arguments, PathArguments::None))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(source: &str) -> Result<(ColumnType, bool), String> {
        let ty: Type = syn::parse_str(source).unwrap();
        let mapped = map_type(&ty);
        match mapped.ty {
            Some(column) => Ok((column, mapped.nullable)),
            None => Err(mapped.unmapped.unwrap().to_string()),
        }
    }

    #[test]
    fn maps_every_supported_type() {
        let cases: &[(&str, ColumnType)] = &[
            ("bool", ColumnType::Boolean),
            ("i8", ColumnType::SmallInt),
            ("i16", ColumnType::SmallInt),
            ("u8", ColumnType::SmallInt),
            ("i32", ColumnType::Integer),
            ("u16", ColumnType::Integer),
            ("i64", ColumnType::BigInt),
            ("u32", ColumnType::BigInt),
            ("f32", ColumnType::Real),
            ("f64", ColumnType::Double),
            ("String", ColumnType::Text),
            ("std::string::String", ColumnType::Text),
            ("Box<str>", ColumnType::Text),
            ("Vec<u8>", ColumnType::Bytes),
            ("chrono::NaiveDate", ColumnType::Date),
            ("NaiveTime", ColumnType::Time),
            ("chrono::NaiveDateTime", ColumnType::Timestamp),
            ("chrono::DateTime<chrono::Utc>", ColumnType::TimestampTz),
            ("DateTime<FixedOffset>", ColumnType::TimestampTz),
            ("time::Date", ColumnType::Date),
            ("time::Time", ColumnType::Time),
            ("time::PrimitiveDateTime", ColumnType::Timestamp),
            ("OffsetDateTime", ColumnType::TimestampTz),
            ("uuid::Uuid", ColumnType::Uuid),
            ("Uuid", ColumnType::Uuid),
            ("serde_json::Value", ColumnType::Json),
            (
                "rust_decimal::Decimal",
                ColumnType::Decimal {
                    precision: None,
                    scale: None,
                },
            ),
            ("::std::primitive::i64", ColumnType::BigInt),
        ];
        for (source, expected) in cases {
            assert_eq!(map(source), Ok((expected.clone(), false)), "{source}");
        }
    }

    #[test]
    fn option_is_nullable() {
        assert_eq!(map("Option<i64>"), Ok((ColumnType::BigInt, true)));
        assert_eq!(
            map("std::option::Option<String>"),
            Ok((ColumnType::Text, true))
        );
        assert!(
            map("Option<Option<i64>>")
                .unwrap_err()
                .contains("Option<Option<T>>")
        );
    }

    #[test]
    fn unknown_and_lossy_types_name_the_fix() {
        for source in [
            "u64",
            "usize",
            "Money",
            "foo::Date",
            "Vec<i32>",
            "(i32, i32)",
            "DateTime<Tz>",
        ] {
            let message = map(source).unwrap_err();
            assert!(
                message.contains("sql_type") || message.contains("i64"),
                "{source}: {message}"
            );
        }
        assert!(map("u64").unwrap_err().contains("use `i64`"));
    }
}
