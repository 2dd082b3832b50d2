// A valid entity compiles inside `#[no_implicit_prelude]`, where only what the module names is in
// scope: the generated code spells out every path, for references, every kind of default and
// `Self` references alike.
#![deny(warnings)]
#![allow(dead_code)]

#[no_implicit_prelude]
mod m {
    pub mod rust_decimal {
        pub struct Decimal;
    }

    #[derive(::entmig_runtime::Entity)]
    #[entmig(table = "authors", index(columns = "name, score", unique))]
    pub struct Author {
        #[entmig(primary_key, auto_increment)]
        pub id: i64,
        #[entmig(max_length = 80)]
        pub name: ::std::string::String,
        #[entmig(default = 0.5)]
        pub score: f64,
        #[entmig(default = -3)]
        pub karma: i32,
        #[entmig(default = true)]
        pub active: bool,
        #[entmig(default = "member")]
        pub role: ::std::string::String,
        #[entmig(default_sql = "CURRENT_TIMESTAMP", sql_type = "timestamp")]
        pub created_at: ::std::string::String,
        #[entmig(precision = 10, scale = 2)]
        pub balance: ::std::option::Option<rust_decimal::Decimal>,
        #[entmig(references = "Self", on_delete = "set_null")]
        pub mentor_id: ::std::option::Option<i64>,
    }

    #[derive(::entmig_runtime::Entity)]
    pub struct Book {
        #[entmig(primary_key)]
        pub id: i64,
        #[entmig(references = "Author", on_delete = "cascade")]
        pub author_id: i64,
        #[entmig(references = "self::Author")]
        pub editor_id: ::std::option::Option<i64>,
        #[entmig(references = "publishers(id)", index)]
        pub publisher_id: i64,
        #[entmig(skip)]
        pub cache: ::std::vec::Vec<u8>,
    }
}

use entmig_runtime::{DefaultValue, Entity};

fn main() {
    let author = <m::Author as Entity>::table();
    let default = |name: &str| author.column(name).unwrap().default.clone();
    assert_eq!(default("score"), Some(DefaultValue::Float(0.5)));
    assert_eq!(default("karma"), Some(DefaultValue::Integer(-3)));
    assert_eq!(default("active"), Some(DefaultValue::Bool(true)));
    assert_eq!(default("role"), Some(DefaultValue::String("member".into())));
    assert_eq!(
        default("created_at"),
        Some(DefaultValue::Sql("CURRENT_TIMESTAMP".into()))
    );
    assert_eq!(author.foreign_keys[0].referenced_table, "authors");

    let book = <m::Book as Entity>::table();
    let targets: Vec<(&str, &[String])> = book
        .foreign_keys
        .iter()
        .map(|fk| (fk.referenced_table.as_str(), fk.referenced_columns.as_slice()))
        .collect();
    assert_eq!(
        targets,
        [
            ("authors", &["id".to_owned()][..]),
            ("authors", &["id".to_owned()][..]),
            ("publishers", &["id".to_owned()][..]),
        ]
    );
}
