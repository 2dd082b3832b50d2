//! Unit tests of the parser: every attribute, every type, and the wording of its errors.

use super::*;
use crate::model::*;

fn parse(source: &str) -> syn::Result<EntityDef> {
    let input: DeriveInput = syn::parse_str(source).expect("test source is Rust");
    parse_entity(&input)
}

fn table(source: &str) -> Table {
    match parse(source) {
        Ok(entity) => entity
            .resolve(|path| Ok((snake_case(&path_text(path)), vec!["id".into()])))
            .expect("references resolve"),
        Err(error) => panic!("unexpected error: {}", messages(&error).join("\n")),
    }
}

fn messages(error: &syn::Error) -> Vec<String> {
    error.clone().into_iter().map(|e| e.to_string()).collect()
}

/// The errors of a source that must not parse.
fn errors(source: &str) -> Vec<String> {
    match parse(source) {
        Ok(_) => panic!("expected errors for:\n{source}"),
        Err(error) => messages(&error),
    }
}

fn assert_error(source: &str, needle: &str) {
    let errors = errors(source);
    assert!(
        errors.iter().any(|e| e.contains(needle)),
        "no error contains {needle:?}; got {errors:#?}"
    );
}

#[test]
fn table_name_defaults_to_snake_case() {
    assert_eq!(snake_case("User"), "user");
    assert_eq!(snake_case("BlogPost"), "blog_post");
    assert_eq!(snake_case("HTTPRequest"), "http_request");
    assert_eq!(snake_case("Post2Tag"), "post2_tag");
    let t = table("struct BlogPost { #[entmig(primary_key)] id: i64 }");
    assert_eq!(t.name, "blog_post");
}

#[test]
fn container_attributes() {
    let t = table(
        r#"
        #[entmig(table = "people", renamed_from = "persons")]
        #[entmig(index(columns = "last, first"), index(columns = "email", unique, name = "people_email"))]
        struct Person { #[entmig(primary_key)] id: i64, first: String, last: String, email: String }
        "#,
    );
    assert_eq!(t.name, "people");
    assert_eq!(t.renamed_from.as_deref(), Some("persons"));
    assert_eq!(
        t.indexes,
        vec![
            Index {
                name: "idx_people_last_first".into(),
                columns: vec!["last".into(), "first".into()],
                unique: false
            },
            Index {
                name: "people_email".into(),
                columns: vec!["email".into()],
                unique: true
            },
        ]
    );
}

#[test]
fn composite_and_absent_primary_keys() {
    let t = table(
        r#"#[entmig(primary_key(columns = "post_id, tag"))]
        struct PostTag { post_id: i64, #[entmig(column = "tag_id")] tag: i64 }"#,
    );
    assert_eq!(
        t.primary_key,
        ["post_id", "tag_id"],
        "fields resolve to SQL names"
    );
    let t = table("#[entmig(no_primary_key)] struct Log { line: String }");
    assert!(t.primary_key.is_empty());
}

#[test]
fn field_attributes() {
    let t = table(
        r#"struct User {
            #[entmig(primary_key, auto_increment)] id: i64,
            #[entmig(unique, max_length = 255)] email: String,
            #[entmig(index)] age: i32,
            #[entmig(nullable)] nick: String,
            #[entmig(default = "draft")] state: String,
            #[entmig(default = 7)] level: i16,
            #[entmig(default = 1)] ratio: f64,
            #[entmig(default = -2.5)] offset: f32,
            #[entmig(default = false)] banned: bool,
            #[entmig(default_sql = "CURRENT_TIMESTAMP")] created: chrono::NaiveDateTime,
            #[entmig(column = "full_name")] name: String,
            #[entmig(renamed_from = "handle")] username: String,
            #[entmig(sql_type = "citext")] login: String,
            #[entmig(sql_type = "varchar(20)")] code: String,
            #[entmig(precision = 12, scale = 4)] amount: rust_decimal::Decimal,
            #[entmig(precision = 5)] whole: rust_decimal::Decimal,
            #[entmig(references = "Team", on_delete = "cascade", on_update = "restrict")] team_id: i64,
            #[entmig(references = "groups(gid)")] group_id: Option<i64>,
            #[entmig(skip)] cache: std::collections::HashMap<String, String>,
        }"#,
    );
    let col = |name: &str| {
        t.column(name)
            .unwrap_or_else(|| panic!("column {name}"))
            .clone()
    };
    assert!(col("id").auto_increment);
    assert_eq!(col("email").ty, ColumnType::Varchar(255));
    assert!(col("nick").nullable);
    assert_eq!(
        col("state").default,
        Some(DefaultValue::String("draft".into()))
    );
    assert_eq!(col("level").default, Some(DefaultValue::Integer(7)));
    assert_eq!(
        col("ratio").default,
        Some(DefaultValue::Float(1.0)),
        "an integer default on a float column is a float"
    );
    assert_eq!(col("offset").default, Some(DefaultValue::Float(-2.5)));
    assert_eq!(col("banned").default, Some(DefaultValue::Bool(false)));
    assert_eq!(
        col("created").default,
        Some(DefaultValue::Sql("CURRENT_TIMESTAMP".into()))
    );
    assert!(t.column("name").is_none());
    assert_eq!(col("full_name").ty, ColumnType::Text);
    assert_eq!(col("username").renamed_from.as_deref(), Some("handle"));
    assert_eq!(col("login").ty, ColumnType::Custom("citext".into()));
    assert_eq!(col("code").ty, ColumnType::Varchar(20));
    assert_eq!(
        col("amount").ty,
        ColumnType::Decimal {
            precision: Some(12),
            scale: Some(4)
        }
    );
    assert_eq!(
        col("whole").ty,
        ColumnType::Decimal {
            precision: Some(5),
            scale: Some(0)
        }
    );
    assert!(t.column("cache").is_none());
    assert_eq!(
        t.indexes
            .iter()
            .map(|i| i.name.as_str())
            .collect::<Vec<_>>(),
        ["idx_user_age", "uq_user_email"]
    );
    assert_eq!(
        t.foreign_keys,
        vec![
            ForeignKey {
                name: "fk_user_group_id".into(),
                columns: vec!["group_id".into()],
                referenced_table: "groups".into(),
                referenced_columns: vec!["gid".into()],
                on_delete: ReferentialAction::NoAction,
                on_update: ReferentialAction::NoAction,
            },
            ForeignKey {
                name: "fk_user_team_id".into(),
                columns: vec!["team_id".into()],
                referenced_table: "team".into(),
                referenced_columns: vec!["id".into()],
                on_delete: ReferentialAction::Cascade,
                on_update: ReferentialAction::Restrict,
            },
        ]
    );
}

#[test]
fn every_referential_action() {
    for (name, action) in ReferentialAction::ALL {
        let extra = match action {
            ReferentialAction::SetDefault => ", default = 0",
            _ => "",
        };
        let t = table(&format!(
            r#"struct A {{ #[entmig(primary_key)] id: i64,
               #[entmig(references = "b(id)", on_delete = "{name}"{extra})] b: Option<i64> }}"#
        ));
        assert_eq!(t.foreign_keys[0].on_delete, action, "{name}");
    }
}

#[test]
fn self_references_and_unknown_entities() {
    let entity = parse(
        r#"struct Node { #[entmig(primary_key)] id: i64,
            #[entmig(references = "Self", on_delete = "set_null")] parent: Option<i64>,
            #[entmig(references = "crate::Other")] other: i64 }"#,
    )
    .unwrap();
    let error = entity
        .resolve(|_| Err(LookupError::Unknown))
        .expect_err("Other is unknown");
    assert!(
        error
            .to_string()
            .contains("`references = \"crate::Other\"` names no entity"),
        "{error}"
    );
    let candidates = vec!["a::Other".to_owned(), "b::Other".to_owned()];
    let error = entity
        .resolve(|_| Err(LookupError::Ambiguous(candidates.clone())))
        .expect_err("Other is ambiguous");
    assert_eq!(
        error.to_string(),
        "`references = \"crate::Other\"` could name any of the entities a::Other, b::Other; \
         write the path of the one you mean, or a table as `\"table(column)\"`"
    );
    let t = entity
        .resolve(|_| Ok(("others".into(), vec!["id".into()])))
        .unwrap();
    assert_eq!(t.foreign_keys[1].referenced_table, "node");
    assert_eq!(t.foreign_keys[0].referenced_table, "others");
    let composite = entity.resolve(|_| Ok(("others".into(), vec!["a".into(), "b".into()])));
    assert!(
        composite
            .err()
            .unwrap()
            .to_string()
            .contains("key of 2 column(s)")
    );
}

#[test]
fn unknown_attributes_suggest_the_right_key() {
    assert_error(
        "struct A { #[entmig(primary_key, uniqe)] id: i64 }",
        "unknown entmig field attribute `uniqe`; did you mean `unique`?",
    );
    assert_error(
        "#[entmig(tabel = \"a\")] struct A { #[entmig(primary_key)] id: i64 }",
        "did you mean `table`?",
    );
    assert_error(
        "#[entmig(unique)] struct A { #[entmig(primary_key)] id: i64 }",
        "`unique` is a field attribute",
    );
    assert_error(
        "struct A { #[entmig(primary_key, table = \"x\")] id: i64 }",
        "`table` is a container attribute",
    );
}

#[test]
fn values_of_the_wrong_kind() {
    assert_error(
        "struct A { #[entmig(primary_key)] id: i64, #[entmig(max_length = \"255\")] s: String }",
        "expected a whole number for `max_length`",
    );
    assert_error(
        "#[entmig(table = users)] struct A { #[entmig(primary_key)] id: i64 }",
        "expected a string literal for `table`",
    );
    assert_error(
        "struct A { #[entmig(primary_key = true)] id: i64 }",
        "`primary_key` takes no value",
    );
    assert_error(
        "struct A { #[entmig(primary_key)] id: i64, #[entmig(default)] n: i64 }",
        "`default` needs a value",
    );
    assert_error(
        "struct A { #[entmig(primary_key)] id: i64, #[entmig(on_delete = \"explode\", references = \"b(id)\")] b: i64 }",
        "unknown `on_delete` action \"explode\"",
    );
}

#[test]
fn conflicting_attributes() {
    assert_error(
        "struct A { #[entmig(primary_key, nullable)] id: i64 }",
        "a primary key column cannot be NULL",
    );
    assert_error(
        "struct A { #[entmig(primary_key)] id: Option<i64> }",
        "because its type is an `Option`",
    );
    assert_error(
        "struct A { #[entmig(primary_key, auto_increment)] id: String }",
        "`auto_increment` needs an integer column",
    );
    assert_error(
        "struct A { #[entmig(primary_key)] id: i64, #[entmig(auto_increment)] n: i64 }",
        "add `primary_key` to this field",
    );
    assert_error(
        "struct A { #[entmig(primary_key)] id: i64, #[entmig(default = 1, default_sql = \"2\")] n: i64 }",
        "`default` and `default_sql` both set",
    );
    assert_error(
        "struct A { #[entmig(primary_key)] id: i64, #[entmig(max_length = 3)] n: i64 }",
        "`max_length` applies to string fields",
    );
    assert_error(
        "struct A { #[entmig(primary_key)] id: i64, #[entmig(default = \"x\")] n: i64 }",
        "`default` is a string, which does not fit the column's type (bigint)",
    );
    assert_error(
        "struct A { #[entmig(primary_key)] id: i64, #[entmig(default = 70000)] n: i16 }",
        "does not fit in a smallint column",
    );
    assert_error(
        "struct A { #[entmig(primary_key)] id: i64, #[entmig(unique, index)] n: i64 }",
        "`unique` already creates an index",
    );
    assert_error(
        "struct A { #[entmig(primary_key, unique)] id: i64 }",
        "the primary key is already unique",
    );
    assert_error(
        "struct A { #[entmig(primary_key)] id: i64, #[entmig(skip, unique)] n: i64 }",
        "`unique` has no effect on a `skip` field",
    );
    assert_error(
        "struct A { #[entmig(primary_key)] id: i64, #[entmig(unique, unique)] n: i64 }",
        "duplicate entmig attribute `unique`; keep one",
    );
    assert_error(
        "struct A { #[entmig(primary_key)] id: i64, #[entmig(sql_type = \"text\", max_length = 4)] n: String }",
        "`max_length` conflicts with `sql_type`",
    );
    assert_error(
        "struct A { #[entmig(primary_key)] id: i64, #[entmig(scale = 2)] n: rust_decimal::Decimal }",
        "`scale` needs `precision`",
    );
    assert_error(
        "struct A { #[entmig(primary_key)] id: i64, #[entmig(precision = 10)] n: f64 }",
        "`precision` and `scale` apply to decimal fields",
    );
    assert_error(
        "#[entmig(no_primary_key)] struct A { #[entmig(primary_key)] id: i64 }",
        "conflicts with the struct's `no_primary_key`",
    );
    assert_error(
        "#[entmig(primary_key(columns = \"id\"))] struct A { #[entmig(primary_key)] id: i64 }",
        "the primary key is given twice",
    );
    assert_error(
        "#[entmig(primary_key(columns = \"a, b\"))] struct A { #[entmig(auto_increment)] a: i64, b: i64 }",
        "add `primary_key` to this field",
    );
}

#[test]
fn structural_errors() {
    assert_error("struct A { id: i64 }", "`A` has no primary key");
    assert_error("enum A { X }", "`A` is an enum");
    assert_error("struct A(i64);", "`A` is a tuple struct");
    assert_error("struct A;", "`A` is a unit struct");
    assert_error(
        "struct A<T> { #[entmig(primary_key)] id: T }",
        "`A` is generic",
    );
    assert_error(
        "struct A<'a> { #[entmig(primary_key)] id: i64, name: &'a str }",
        "remove the generic parameters and give each field a concrete, owned type (e.g. `String` instead of `&'a str`)",
    );
    assert_error("union A { x: i64 }", "`A` is a union");
    assert_error(
        "struct A { #[entmig(primary_key)] id: i64, #[entmig(column = \"id\")] other: i64 }",
        "two fields map to the column `id`: `id` and `other`",
    );
    assert_error(
        "#[entmig(index(columns = \"nope\"))] struct A { #[entmig(primary_key)] id: i64 }",
        "no column `nope` in this entity; its columns are: id",
    );
    assert_error(
        "#[entmig(index(columns = \"id\"), index(columns = \"id\"))] struct A { #[entmig(primary_key)] id: i64 }",
        "two indexes are named `idx_a_id`",
    );
}

#[test]
fn reference_errors() {
    for bad in ["users(", "users()", "(id)", "a b", "users(id) x", ""] {
        assert_error(
            &format!(
                "struct A {{ #[entmig(primary_key)] id: i64, #[entmig(references = \"{bad}\")] u: i64 }}"
            ),
            "is neither an entity nor a table column",
        );
    }
    assert_error(
        "struct A { #[entmig(primary_key)] id: i64, #[entmig(on_delete = \"cascade\")] u: i64 }",
        "`on_delete` needs `references`",
    );
    assert_error(
        "struct A { #[entmig(primary_key)] id: i64, #[entmig(references = \"B\", on_delete = \"set_null\")] u: i64 }",
        "needs a nullable column",
    );
    assert_error(
        "struct A { #[entmig(primary_key)] id: i64, #[entmig(references = \"b(x, y)\")] u: i64 }",
        "must point at exactly one column",
    );
}

#[test]
fn unmapped_types_name_the_fix() {
    assert_error(
        "struct A { #[entmig(primary_key)] id: u64 }",
        "`u64` has no lossless SQL column type",
    );
    assert_error(
        "struct A { #[entmig(primary_key)] id: i64, m: Money }",
        "entmig does not know the SQL column type of `Money`; set `sql_type",
    );
    // `sql_type` rescues an unknown type.
    let t = table(
        "struct A { #[entmig(primary_key)] id: i64, #[entmig(sql_type = \"money\")] m: Money }",
    );
    assert_eq!(
        t.column("m").unwrap().ty,
        ColumnType::Custom("money".into())
    );
}

#[test]
fn all_errors_of_a_struct_come_together() {
    let errors = errors(
        r#"#[entmig(tabel = "x")]
        struct A {
            #[entmig(uniqe)] a: i64,
            #[entmig(max_length = "3")] b: String,
            c: u64,
            #[entmig(default = "x")] d: bool,
        }"#,
    );
    assert_eq!(errors.len(), 6, "{errors:#?}");
}

#[test]
fn default_table_name_drops_raw_prefix() {
    let t = table("struct r#match { #[entmig(primary_key)] id: i64 }");
    assert_eq!(t.name, "match");
}

#[test]
fn a_malformed_key_does_not_hide_the_next() {
    let found = errors(
        r#"#[entmig(primary_key, tabel = "users")]
        struct User { id: i64, #[entmig(column, uniqe)] email: String }"#,
    );
    assert_eq!(found.len(), 4, "{found:#?}");
    assert!(found[0].starts_with("on the struct, `primary_key` lists its columns"));
    assert!(found[1].contains("`tabel`; did you mean `table`?"));
    assert!(found[2].contains("`column` needs a value"));
    assert!(found[3].contains("`uniqe`; did you mean `unique`?"));
    // The same inside `index(..)` and after a value of the wrong kind.
    let found = errors(
        r#"#[entmig(index(columns = 3, uniqe))]
        struct A { #[entmig(primary_key, max_length = "x", nullabel)] id: i64 }"#,
    );
    assert_eq!(found.len(), 4, "{found:#?}");
    assert!(found[1].contains("`uniqe`; did you mean `unique`?"));
    assert!(found[3].contains("`nullabel`; did you mean `nullable`?"));
}

#[test]
fn a_key_that_was_written_is_not_reported_missing() {
    for source in [
        "#[entmig(primary_key)] struct A { a: i64 }",
        "#[entmig(primary_key(columns = \"a,,b\"))] struct A { a: i64, b: i64 }",
        "#[entmig(primary_key(colums = \"a\"))] struct A { a: i64 }",
        "struct A { #[entmig(primary_key)] id: u64 }",
        "struct A { #[entmig(primary_key = true)] id: i64 }",
    ] {
        let found = errors(source);
        assert_eq!(found.len(), 1, "{source}: {found:#?}");
        assert!(
            !found[0].contains("has no primary key"),
            "{source}: {found:#?}"
        );
    }
    // An unknown key inside `index(..)` is the one error, not also "needs its columns".
    let found =
        errors("#[entmig(index(colums = \"id\"))] struct A { #[entmig(primary_key)] id: i64 }");
    assert_eq!(
        found,
        ["unknown entmig index(..) attribute `colums`; did you mean `columns`?"]
    );
}

#[test]
fn value_errors_name_the_value() {
    assert_error(
        "struct A { #[entmig(primary_key)] id: i64, #[entmig(max_length = 5000000000)] s: String }",
        "`max_length = 5000000000` is too large",
    );
    assert_error(
        "struct A { #[entmig(primary_key)] id: i64, #[entmig(precision = 5000000000)] s: rust_decimal::Decimal }",
        "`precision` must be between 1 and 1000",
    );
    assert_error(
        "struct A { #[entmig(primary_key)] id: i64, #[entmig(max_length = 255 512)] s: String }",
        "unexpected `512` after the value of `max_length`; separate keys with `,`",
    );
    assert_error(
        "struct A { #[entmig(primary_key)] id: i64, #[entmig(sql::unique)] s: String }",
        "unknown entmig field attribute `sql::unique`; did you mean `unique`?",
    );
}

#[test]
fn column_lists_report_every_unknown_name() {
    let found = errors(
        r#"#[entmig(index(columns = "emial, id, nmae, zzz, id"))]
        struct A { #[entmig(primary_key)] id: i64, email: String, name: String,
                   #[entmig(skip)] cache: Vec<u8> }"#,
    );
    assert_eq!(
        found,
        [
            "no column `emial` in this entity; did you mean `email`?",
            "no column `nmae` in this entity; did you mean `name`?",
            "no column `zzz` in this entity; its columns are: id, email, name",
            "column `id` is listed twice; remove one",
        ]
    );
    assert_error(
        r#"#[entmig(primary_key(columns = "id, cache"))]
        struct A { id: i64, #[entmig(skip)] cache: Vec<u8> }"#,
        "`cache` is a `skip` field, which is not a column",
    );
    // A field whose type has no column is reported once, for its type.
    let found = errors(
        r#"#[entmig(index(columns = "hits"))]
        struct A { #[entmig(primary_key)] id: i64, hits: u64 }"#,
    );
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(found[0].contains("`u64` has no lossless SQL column type"));
}
