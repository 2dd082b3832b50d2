//! Reading SQLite's own text back into the model: declared types, defaults as `PRAGMA
//! table_info` reports them, and what a `CREATE TABLE` or trigger statement names. The runtime
//! runs the queries and hands their text here.

use std::collections::BTreeMap;

use crate::model::{ColumnType, DefaultValue, ReferentialAction};
use crate::render::Backend;
use crate::render::tokens::{inside_parentheses, string_literal, tokenize};

const SQLITE: Backend = Backend::Sqlite;

/// A declared column type back to the model: the names the SQLite renderer writes, and their
/// aliases ([`Names`](crate::column_type::Names)).
///
/// ```
/// use entmig_schema::ColumnType;
/// use entmig_schema::render::sqlite::read::column_type;
/// assert_eq!(column_type("JSON_TEXT"), ColumnType::Json);
/// assert_eq!(column_type("VARCHAR(20)"), ColumnType::Varchar(20));
/// ```
pub fn column_type(declared: &str) -> ColumnType {
    ColumnType::from_sql_name(declared)
}

/// A default as SQLite reports it (the text of the expression as written) back to the model:
/// quoted text, numbers and booleans are literals, `NULL` is no default, anything else SQL.
///
/// ```
/// use entmig_schema::DefaultValue;
/// use entmig_schema::render::sqlite::read::default_value;
/// assert_eq!(default_value("('it''s (x)')"), Some(DefaultValue::String("it's (x)".into())));
/// assert_eq!(default_value("NULL"), None);
/// ```
pub fn default_value(text: &str) -> Option<DefaultValue> {
    let mut text = text.trim();
    while let Some(inner) = inside_parentheses(text, SQLITE) {
        text = inner;
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
    if let Some(value) = string_literal(text, SQLITE) {
        return Some(DefaultValue::String(value));
    }
    Some(number(text).unwrap_or_else(|| DefaultValue::Sql(text.to_owned())))
}

/// `42` and `-3` are integers, `1.5`, `1e20` and `-2.5e-7` floats; anything else is not a number.
fn number(text: &str) -> Option<DefaultValue> {
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

/// An `ON DELETE` / `ON UPDATE` action as `PRAGMA foreign_key_list` reports it (`CASCADE`,
/// `SET NULL`, …): the words [`ReferentialAction::sql`] writes.
pub fn referential_action(text: &str) -> ReferentialAction {
    ReferentialAction::ALL
        .iter()
        .map(|(_, action)| *action)
        .find(|action| action.sql().eq_ignore_ascii_case(text))
        .unwrap_or_default()
}

/// Whether a `CREATE TABLE` statement declares an `AUTOINCREMENT` column.
pub fn has_autoincrement(create_table: &str) -> bool {
    tokenize(create_table, SQLITE)
        .iter()
        .any(|t| t.is_keyword("AUTOINCREMENT"))
}

/// The names a statement mentions (words and quoted names, unquoted), in order: what a
/// trigger's text may refer to. String literals and punctuation are left out.
pub fn names(sql: &str) -> Vec<String> {
    tokenize(sql, SQLITE)
        .iter()
        .filter_map(|t| t.name().map(str::to_owned))
        .collect()
}

/// The names of the `CONSTRAINT name FOREIGN KEY (columns)` clauses of a `CREATE TABLE`
/// statement, by their columns. SQLite's pragmas do not report them.
///
/// ```
/// use entmig_schema::render::sqlite::read::constraint_names;
/// let names = constraint_names(
///     r#"CREATE TABLE "t" ("a" BIGINT, CONSTRAINT "fk_t_a" FOREIGN KEY ("a") REFERENCES "u" ("id"))"#,
/// );
/// assert_eq!(names[&vec!["a".to_string()]], "fk_t_a");
/// ```
pub fn constraint_names(create_table: &str) -> BTreeMap<Vec<String>, String> {
    let tokens = tokenize(create_table, SQLITE);
    let mut names = BTreeMap::new();
    for (i, clause) in tokens.windows(5).enumerate() {
        let [constraint, name, foreign, key, open] = clause else {
            continue;
        };
        let Some(name) = name.name() else { continue };
        if constraint.is_keyword("CONSTRAINT")
            && foreign.is_keyword("FOREIGN")
            && key.is_keyword("KEY")
            && open.is('(')
        {
            let columns = tokens[i + 5..]
                .iter()
                .take_while(|t| !t.is(')'))
                .filter(|t| !t.is(','))
                .map(|t| t.value.to_string())
                .collect();
            names.insert(columns, name.to_owned());
        }
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declared_types_of_every_alias() {
        // Aliases are read by `ColumnType::from_sql_name`, and tested with it.
        for ty in ColumnType::PLAIN {
            assert_eq!(&column_type(ty.names().unwrap().sqlite), ty);
        }
        assert_eq!(column_type("INT"), ColumnType::Integer);
        assert_eq!(column_type("double precision"), ColumnType::Double);
        assert_eq!(
            column_type("NUMERIC(10, 2)"),
            ColumnType::Decimal {
                precision: Some(10),
                scale: Some(2)
            }
        );
        assert_eq!(
            column_type("NUMERIC"),
            ColumnType::Decimal {
                precision: None,
                scale: None
            }
        );
        assert_eq!(column_type("VARCHAR(255)"), ColumnType::Varchar(255));
        assert_eq!(column_type("inet"), ColumnType::Custom("inet".into()));
        assert_eq!(column_type("TIME(3)"), ColumnType::Custom("TIME(3)".into()));
    }

    #[test]
    fn defaults_read_back_as_written() {
        let s = |s: &str| Some(DefaultValue::String(s.into()));
        assert_eq!(default_value("'it''s'"), s("it's"));
        assert_eq!(default_value("('x')"), s("x"));
        assert_eq!(default_value("((  'x'  ))"), s("x"));
        assert_eq!(default_value("''"), s(""));
        assert_eq!(default_value("'it''s (x)'"), s("it's (x)"));
        assert_eq!(default_value("('(')"), s("("));
        assert_eq!(default_value("(')')"), s(")"));
        assert_eq!(default_value("'NULL'"), s("NULL"));
        assert_eq!(default_value("-3"), Some(DefaultValue::Integer(-3)));
        assert_eq!(default_value("(7)"), Some(DefaultValue::Integer(7)));
        assert_eq!(default_value("1.0"), Some(DefaultValue::Float(1.0)));
        assert_eq!(default_value("1e20"), Some(DefaultValue::Float(1e20)));
        assert_eq!(default_value("-2.5e-7"), Some(DefaultValue::Float(-2.5e-7)));
        assert_eq!(default_value("TRUE"), Some(DefaultValue::Bool(true)));
        assert_eq!(default_value("false"), Some(DefaultValue::Bool(false)));
        assert_eq!(default_value("NULL"), None);
        assert_eq!(default_value("(null)"), None);
        let sql = |s: &str| Some(DefaultValue::Sql(s.into()));
        assert_eq!(default_value("CURRENT_TIMESTAMP"), sql("CURRENT_TIMESTAMP"));
        assert_eq!(default_value("(datetime('now'))"), sql("datetime('now')"));
        assert_eq!(default_value("'a' || 'b'"), sql("'a' || 'b'"));
        assert_eq!(default_value("('a') || ('b')"), sql("('a') || ('b')"));
        assert_eq!(default_value("'a''"), sql("'a''"));
        assert_eq!(default_value("1.2.3x"), sql("1.2.3x"));
    }

    #[test]
    fn referential_actions_are_the_words_entmig_writes() {
        for (_, action) in ReferentialAction::ALL {
            assert_eq!(referential_action(action.sql()), action);
            assert_eq!(
                referential_action(&action.sql().to_ascii_lowercase()),
                action
            );
        }
        assert_eq!(referential_action("whatever"), ReferentialAction::NoAction);
    }

    #[test]
    fn constraint_names_come_from_the_create_statement() {
        let sql = r#"CREATE TABLE "posts" (
  "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
  "author ""x""" BIGINT NOT NULL DEFAULT 'CONSTRAINT x FOREIGN KEY (', -- a comment (with parens)
  CONSTRAINT "fk_posts_author" FOREIGN KEY ("author ""x""") REFERENCES "users" ("id") ON DELETE CASCADE,
  CONSTRAINT [fk2] FOREIGN KEY (a, b) REFERENCES t (x, y)
)"#;
        let names = constraint_names(sql);
        assert_eq!(names.len(), 2);
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
        assert!(has_autoincrement(sql));
        assert!(!has_autoincrement(
            r#"CREATE TABLE t ("AUTOINCREMENT" INTEGER PRIMARY KEY, x TEXT DEFAULT 'AUTOINCREMENT')"#
        ));
    }

    #[test]
    fn a_trigger_names_its_columns_but_not_its_strings() {
        let sql = r#"CREATE TRIGGER "t" AFTER UPDATE ON "users" BEGIN
  UPDATE "log" SET "note" = 'email changed' WHERE [id] = NEW.id; -- email
END"#;
        let names = names(sql);
        assert!(names.contains(&"note".to_string()));
        assert!(names.contains(&"id".to_string()));
        assert!(!names.iter().any(|n| n.contains("email")));
    }
}
