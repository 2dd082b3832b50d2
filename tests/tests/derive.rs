//! `#[derive(Entity)]` at run time: the generated `Entity::table()` equals what the shared
//! parser returns for the same struct's source text, so the derive and the CLI's collector
//! cannot disagree.

use entmig_runtime::{
    ColumnType, DefaultValue, Entity, ReferentialAction, Registered, Schema, Table,
};

/// Defines the entities and keeps their source text, so the test can hand the very same
/// tokens to the parser.
macro_rules! entities {
    ($($item:item)*) => {
        $($item)*
        const SOURCE: &str = stringify!($($item)*);
    };
}

entities! {
    #[derive(Entity)]
    #[entmig(table = "organizations")]
    pub struct Organization {
        #[entmig(primary_key, auto_increment)]
        pub id: i64,
        #[entmig(unique, max_length = 120)]
        pub name: String,
    }

    #[derive(Entity)]
    #[entmig(table = "users", renamed_from = "people")]
    #[entmig(index(columns = "org_id, created_at"), index(columns = "display_name", unique, name = "users_display_name_key"))]
    pub struct User {
        #[entmig(primary_key, auto_increment)]
        pub id: i64,
        #[entmig(unique, max_length = 255)]
        pub email: String,
        pub display_name: Option<String>,
        #[entmig(renamed_from = "handle")]
        pub username: String,
        #[entmig(references = "Organization", on_delete = "cascade", index)]
        pub org_id: i64,
        #[entmig(default_sql = "CURRENT_TIMESTAMP", sql_type = "timestamp")]
        pub created_at: String,
        #[entmig(default = 0.5)]
        pub score: f64,
        #[entmig(default = -3)]
        pub karma: i32,
        #[entmig(default = true)]
        pub active: bool,
        #[entmig(default = "member", column = "user_role")]
        pub role: String,
        #[entmig(precision = 10, scale = 2, nullable)]
        pub balance: Option<rust_decimal::Decimal>,
        #[entmig(skip)]
        pub cache: Vec<String>,
        #[entmig(references = "Self", on_delete = "set_null")]
        pub invited_by: Option<i64>,
        #[entmig(references = "teams(id)", on_update = "restrict")]
        pub team_id: Option<i32>,
    }

    #[derive(Entity)]
    #[entmig(primary_key(columns = "post_id, tag_id"))]
    pub struct PostTag {
        pub post_id: i64,
        pub tag_id: i64,
        pub r#type: u8,
    }

    #[derive(Entity)]
    #[entmig(no_primary_key)]
    pub struct AuditLog {
        pub message: Box<str>,
        pub payload: Vec<u8>,
    }
}

/// Stands in for `rust_decimal`: the derive maps by type name, never by the type itself.
mod rust_decimal {
    pub struct Decimal;
}

fn parsed(name: &str) -> Table {
    let file: syn::File = syn::parse_str(SOURCE).expect("the test's source parses");
    let entities: Vec<_> = file
        .items
        .into_iter()
        .filter_map(|item| match item {
            syn::Item::Struct(s) => Some(
                entmig_schema::parser::parse_entity(&syn::DeriveInput::from(s))
                    .expect("the test's entities are valid"),
            ),
            _ => None,
        })
        .collect();
    let lookup = |path: &syn::Path| {
        let last = path.segments.last().map(|s| s.ident.to_string());
        entities
            .iter()
            .find(|e| Some(e.ident.to_string()) == last)
            .map(|e| (e.table.name.clone(), e.table.primary_key.clone()))
            .ok_or(entmig_schema::parser::LookupError::Unknown)
    };
    let entity = entities
        .iter()
        .find(|e| e.ident == name)
        .expect("entity in source");
    entity.resolve(lookup).expect("references resolve")
}

#[test]
fn derive_and_parser_agree() {
    assert_eq!(Organization::table(), parsed("Organization"));
    assert_eq!(User::table(), parsed("User"));
    assert_eq!(PostTag::table(), parsed("PostTag"));
    assert_eq!(AuditLog::table(), parsed("AuditLog"));
}

#[test]
fn generated_table_says_what_the_attributes_say() {
    let users = User::table();
    assert_eq!(User::TABLE, "users");
    assert_eq!(users.renamed_from.as_deref(), Some("people"));
    assert_eq!(users.primary_key, ["id"]);
    let names: Vec<_> = users.columns.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "id",
            "email",
            "display_name",
            "username",
            "org_id",
            "created_at",
            "score",
            "karma",
            "active",
            "user_role",
            "balance",
            "invited_by",
            "team_id"
        ]
    );
    let id = users.column("id").unwrap();
    assert!(id.auto_increment && !id.nullable);
    assert_eq!(users.column("email").unwrap().ty, ColumnType::Varchar(255));
    assert!(users.column("display_name").unwrap().nullable);
    assert_eq!(
        users.column("username").unwrap().renamed_from.as_deref(),
        Some("handle")
    );
    assert_eq!(
        users.column("created_at").unwrap().ty,
        ColumnType::Timestamp
    );
    assert_eq!(
        users.column("created_at").unwrap().default,
        Some(DefaultValue::Sql("CURRENT_TIMESTAMP".into()))
    );
    assert_eq!(
        users.column("score").unwrap().default,
        Some(DefaultValue::Float(0.5))
    );
    assert_eq!(
        users.column("karma").unwrap().default,
        Some(DefaultValue::Integer(-3))
    );
    assert_eq!(
        users.column("active").unwrap().default,
        Some(DefaultValue::Bool(true))
    );
    assert_eq!(
        users.column("user_role").unwrap().default,
        Some(DefaultValue::String("member".into()))
    );
    assert_eq!(
        users.column("balance").unwrap().ty,
        ColumnType::Decimal {
            precision: Some(10),
            scale: Some(2)
        }
    );
    assert!(users.column("cache").is_none(), "skip leaves the field out");

    let index_names: Vec<_> = users
        .indexes
        .iter()
        .map(|i| (i.name.as_str(), i.unique))
        .collect();
    assert_eq!(
        index_names,
        [
            ("idx_users_org_id", false),
            ("idx_users_org_id_created_at", false),
            ("uq_users_email", true),
            ("users_display_name_key", true),
        ]
    );
    let fks: Vec<_> = users
        .foreign_keys
        .iter()
        .map(|f| {
            (
                f.name.as_str(),
                f.referenced_table.as_str(),
                f.referenced_columns.clone(),
                f.on_delete,
                f.on_update,
            )
        })
        .collect();
    assert_eq!(
        fks,
        [
            (
                "fk_users_invited_by",
                "users",
                vec!["id".to_string()],
                ReferentialAction::SetNull,
                ReferentialAction::NoAction
            ),
            (
                "fk_users_org_id",
                "organizations",
                vec!["id".to_string()],
                ReferentialAction::Cascade,
                ReferentialAction::NoAction
            ),
            (
                "fk_users_team_id",
                "teams",
                vec!["id".to_string()],
                ReferentialAction::NoAction,
                ReferentialAction::Restrict
            ),
        ]
    );
}

#[test]
fn defaults_table_name_and_types() {
    let post_tag = PostTag::table();
    assert_eq!(PostTag::TABLE, "post_tag");
    assert_eq!(PostTag::PRIMARY_KEY, ["post_id", "tag_id"]);
    assert_eq!(post_tag.primary_key, ["post_id", "tag_id"]);
    assert_eq!(
        post_tag.column("type").unwrap().ty,
        ColumnType::SmallInt,
        "r# is stripped"
    );
    let log = AuditLog::table();
    assert!(log.primary_key.is_empty());
    assert_eq!(log.column("message").unwrap().ty, ColumnType::Text);
    assert_eq!(log.column("payload").unwrap().ty, ColumnType::Bytes);
}

#[test]
fn schema_of_a_tuple_and_registered() {
    let schema = Schema::of::<(Organization, User, PostTag)>();
    assert_eq!(
        schema.tables.keys().collect::<Vec<_>>(),
        ["organizations", "post_tag", "users"]
    );
    let registered = Schema::registered();
    for table in ["organizations", "users", "post_tag", "audit_log"] {
        assert!(registered.table(table).is_some(), "{table} is registered");
    }
    assert_eq!(registered.table("users"), Some(&User::table()));
}
