//! The schema model: plain data that says what a database holds, in SQL terms.
//!
//! Every type here is backend-neutral. The same [`Schema`] is what the derive produces from
//! entities, what a snapshot file stores, what introspection reads from a live database, and what
//! [`diff`](crate::diff()) compares.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

pub use crate::column_type::ColumnType;

/// A set of tables, keyed and ordered by table name so that iteration, snapshots and diffs are
/// deterministic.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schema {
    /// The tables, by name.
    pub tables: BTreeMap<String, Table>,
}

impl Schema {
    /// An empty schema: what a fresh database holds.
    pub fn new() -> Self {
        Self::default()
    }

    /// Builds a schema from tables. A later table with the same name replaces an earlier one.
    ///
    /// ```
    /// use entmig_schema::{Schema, Table};
    /// let schema = Schema::from_tables([Table::new("users"), Table::new("posts")]);
    /// assert_eq!(schema.tables.keys().collect::<Vec<_>>(), ["posts", "users"]);
    /// ```
    pub fn from_tables(tables: impl IntoIterator<Item = Table>) -> Self {
        Self {
            tables: tables.into_iter().map(|t| (t.name.clone(), t)).collect(),
        }
    }

    /// The table named `name`, if the schema has one.
    pub fn table(&self, name: &str) -> Option<&Table> {
        self.tables.get(name)
    }

    /// The same schema with each table's columns in name order, and without rename hints.
    ///
    /// Columns are created in declaration order, but a column added later comes last, and
    /// PostgreSQL cannot reorder columns: two schemas that differ only in column order are the
    /// same schema to the diff. Compare this form to check that two databases match.
    ///
    /// ```
    /// use entmig_schema::{Column, ColumnType, Schema, Table};
    /// let ab = Schema::from_tables([Table::new("t")
    ///     .with_column(Column::new("a", ColumnType::Text))
    ///     .with_column(Column::new("b", ColumnType::Text))]);
    /// let ba = Schema::from_tables([Table::new("t")
    ///     .with_column(Column::new("b", ColumnType::Text))
    ///     .with_column(Column::new("a", ColumnType::Text))]);
    /// assert_ne!(ab, ba);
    /// assert_eq!(ab.columns_by_name(), ba.columns_by_name());
    /// ```
    pub fn columns_by_name(&self) -> Schema {
        let mut schema = self.without_hints();
        for table in schema.tables.values_mut() {
            table.columns.sort_by(|a, b| a.name.cmp(&b.name));
        }
        schema
    }

    /// The same schema with each table's columns in the order `reference` has them, and
    /// columns it does not have after those: a schema replayed from ops lists added columns
    /// last, where the entities (and the snapshot `make` wrote) may have them elsewhere.
    ///
    /// ```
    /// use entmig_schema::{Column, ColumnType, Schema, Table};
    /// let table = |names: &[&str]| {
    ///     names.iter().fold(Table::new("t"), |t, n| t.with_column(Column::new(*n, ColumnType::Text)))
    /// };
    /// let replayed = Schema::from_tables([table(&["a", "c", "b", "new"])]);
    /// let reference = Schema::from_tables([table(&["a", "b", "c"])]);
    /// let ordered = replayed.in_column_order_of(&reference);
    /// let names: Vec<&str> = ordered.tables["t"].columns.iter().map(|c| c.name.as_str()).collect();
    /// assert_eq!(names, ["a", "b", "c", "new"]);
    /// ```
    pub fn in_column_order_of(mut self, reference: &Schema) -> Schema {
        for table in self.tables.values_mut() {
            if let Some(old) = reference.tables.get(&table.name) {
                let position = |name: &str| {
                    old.columns
                        .iter()
                        .position(|c| c.name == name)
                        .unwrap_or(usize::MAX)
                };
                table.columns.sort_by_key(|c| position(&c.name));
            }
        }
        self
    }

    /// The same schema without rename hints (`renamed_from`), which describe how a schema came
    /// about rather than what it is. Use it to compare a schema from entities with one read from a
    /// database or a snapshot.
    pub fn without_hints(&self) -> Schema {
        let mut schema = self.clone();
        for table in schema.tables.values_mut() {
            table.renamed_from = None;
            for column in &mut table.columns {
                column.renamed_from = None;
            }
        }
        schema
    }
}

/// One table: its columns in declaration order, its primary key, indexes and foreign keys.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Table {
    /// The SQL name of the table.
    pub name: String,
    /// The columns, in the order they are declared (and created).
    pub columns: Vec<Column>,
    /// The names of the primary-key columns, in key order; empty when the table has no key.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub primary_key: Vec<String>,
    /// Indexes, unique or not, ordered by name. A unique constraint is a unique index: entmig
    /// does not model `UNIQUE` constraints separately, because both databases enforce them the
    /// same way and SQLite cannot add a constraint to an existing table, but can add an index.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub indexes: Vec<Index>,
    /// Foreign keys, ordered by name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub foreign_keys: Vec<ForeignKey>,
    /// The table's earlier name, when an entity says it was renamed (`renamed_from`). A hint for
    /// the diff, not part of what the database holds; snapshots and introspection leave it out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renamed_from: Option<String>,
}

impl Table {
    /// A table with no columns, key, indexes or foreign keys yet.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            columns: Vec::new(),
            primary_key: Vec::new(),
            indexes: Vec::new(),
            foreign_keys: Vec::new(),
            renamed_from: None,
        }
    }

    /// The column named `name`, if the table has one.
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// The index named `name`, if the table has one.
    pub fn index(&self, name: &str) -> Option<&Index> {
        self.indexes.iter().find(|i| i.name == name)
    }

    /// The foreign key named `name`, if the table has one.
    pub fn foreign_key(&self, name: &str) -> Option<&ForeignKey> {
        self.foreign_keys.iter().find(|f| f.name == name)
    }

    /// The same table with one more column (a builder for migrations and tests).
    ///
    /// ```
    /// use entmig_schema::{Column, ColumnType, ForeignKey, Index, ReferentialAction, Table};
    /// let posts = Table::new("posts")
    ///     .with_column(Column::new("id", ColumnType::BigInt).auto_increment())
    ///     .with_column(Column::new("author_id", ColumnType::BigInt))
    ///     .with_primary_key(["id"])
    ///     .with_index(Index::new("idx_posts_author_id", ["author_id"]))
    ///     .with_foreign_key(
    ///         ForeignKey::new("fk_posts_author_id", ["author_id"], "users", ["id"])
    ///             .on_delete(ReferentialAction::Cascade),
    ///     );
    /// assert_eq!(posts.primary_key, ["id"]);
    /// ```
    pub fn with_column(mut self, column: Column) -> Self {
        self.columns.push(column);
        self
    }

    /// The same table with this primary key.
    pub fn with_primary_key<S: Into<String>>(
        mut self,
        columns: impl IntoIterator<Item = S>,
    ) -> Self {
        self.primary_key = columns.into_iter().map(Into::into).collect();
        self
    }

    /// The same table with one more index.
    pub fn with_index(mut self, index: Index) -> Self {
        self.indexes.push(index);
        self.sort();
        self
    }

    /// The same table with one more foreign key.
    pub fn with_foreign_key(mut self, foreign_key: ForeignKey) -> Self {
        self.foreign_keys.push(foreign_key);
        self.sort();
        self
    }

    /// Puts indexes and foreign keys in name order, the canonical order of the model.
    pub fn sort(&mut self) {
        self.indexes.sort_by(|a, b| a.name.cmp(&b.name));
        self.foreign_keys.sort_by(|a, b| a.name.cmp(&b.name));
    }
}

/// One column of a table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Column {
    /// The SQL name of the column.
    pub name: String,
    /// The column's type.
    #[serde(rename = "type")]
    pub ty: ColumnType,
    /// `true` when the column accepts NULL; `false` renders `NOT NULL`.
    pub nullable: bool,
    /// The `DEFAULT` clause, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<DefaultValue>,
    /// `true` when the database generates the value: `INTEGER PRIMARY KEY AUTOINCREMENT` on SQLite,
    /// `GENERATED BY DEFAULT AS IDENTITY` on PostgreSQL. Only a single-column integer primary key
    /// can be auto-incremented, because that is all SQLite allows.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub auto_increment: bool,
    /// The column's earlier name, when an entity says it was renamed (`renamed_from`). A hint
    /// for the diff; snapshots and introspection leave it out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renamed_from: Option<String>,
}

impl Column {
    /// A NOT NULL column with no default.
    pub fn new(name: impl Into<String>, ty: ColumnType) -> Self {
        Self {
            name: name.into(),
            ty,
            nullable: false,
            default: None,
            auto_increment: false,
            renamed_from: None,
        }
    }

    /// The same column, accepting NULL.
    pub fn nullable(mut self) -> Self {
        self.nullable = true;
        self
    }

    /// The same column with a default.
    pub fn default(mut self, default: DefaultValue) -> Self {
        self.default = Some(default);
        self
    }

    /// The same column, generated by the database (see [`Column::auto_increment`]).
    pub fn auto_increment(mut self) -> Self {
        self.auto_increment = true;
        self
    }
}

/// A column's `DEFAULT`: a literal, rendered and quoted per backend, or a raw SQL expression
/// rendered as written.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DefaultValue {
    /// A string literal: `DEFAULT 'draft'`.
    String(String),
    /// An integer literal: `DEFAULT 0`.
    Integer(i64),
    /// A float literal: `DEFAULT 1.5`.
    Float(f64),
    /// A boolean: `DEFAULT TRUE` (`1` on SQLite).
    Bool(bool),
    /// A SQL expression, as written: `DEFAULT CURRENT_TIMESTAMP`.
    Sql(String),
}

// Floats compare by bits so that a default read back from a database equals the one written,
// and so that `Eq` (needed for snapshots and diffs) is lawful.
impl PartialEq for DefaultValue {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Self::String(a), Self::String(b)) | (Self::Sql(a), Self::Sql(b)) => a == b,
            (Self::Integer(a), Self::Integer(b)) => a == b,
            (Self::Float(a), Self::Float(b)) => a.to_bits() == b.to_bits(),
            (Self::Bool(a), Self::Bool(b)) => a == b,
            _ => false,
        }
    }
}

impl Eq for DefaultValue {}

impl fmt::Display for DefaultValue {
    /// The default as it reads in messages: `'draft'`, `0`, `1.5`, `true`, `CURRENT_TIMESTAMP`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::String(s) => write!(f, "'{}'", s.replace('\'', "''")),
            Self::Integer(i) => write!(f, "{i}"),
            Self::Float(x) => write!(f, "{x:?}"),
            Self::Bool(b) => write!(f, "{b}"),
            Self::Sql(sql) => f.write_str(sql),
        }
    }
}

/// An index on one or more columns. `unique` indexes are how entmig models unique constraints.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Index {
    /// The index name, unique within the database (see [`naming`](crate::naming)).
    pub name: String,
    /// The indexed columns, in index order.
    pub columns: Vec<String>,
    /// `true` for `CREATE UNIQUE INDEX`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub unique: bool,
}

impl Index {
    /// A plain index.
    pub fn new<S: Into<String>>(
        name: impl Into<String>,
        columns: impl IntoIterator<Item = S>,
    ) -> Self {
        Index {
            name: name.into(),
            columns: columns.into_iter().map(Into::into).collect(),
            unique: false,
        }
    }

    /// A unique index.
    pub fn unique<S: Into<String>>(
        name: impl Into<String>,
        columns: impl IntoIterator<Item = S>,
    ) -> Self {
        Index {
            unique: true,
            ..Index::new(name, columns)
        }
    }
}

/// A foreign key: `columns` of this table reference `referenced_columns` of `referenced_table`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForeignKey {
    /// The constraint name (see [`naming`](crate::naming)).
    pub name: String,
    /// The referencing columns of this table.
    pub columns: Vec<String>,
    /// The referenced table.
    pub referenced_table: String,
    /// The referenced columns, one for each of `columns`.
    pub referenced_columns: Vec<String>,
    /// What happens to referencing rows when the referenced row is deleted.
    #[serde(default, skip_serializing_if = "ReferentialAction::is_no_action")]
    pub on_delete: ReferentialAction,
    /// What happens to referencing rows when the referenced key changes.
    #[serde(default, skip_serializing_if = "ReferentialAction::is_no_action")]
    pub on_update: ReferentialAction,
}

impl ForeignKey {
    /// A foreign key with `NO ACTION` on delete and update.
    pub fn new<S: Into<String>, R: Into<String>>(
        name: impl Into<String>,
        columns: impl IntoIterator<Item = S>,
        referenced_table: impl Into<String>,
        referenced_columns: impl IntoIterator<Item = R>,
    ) -> Self {
        ForeignKey {
            name: name.into(),
            columns: columns.into_iter().map(Into::into).collect(),
            referenced_table: referenced_table.into(),
            referenced_columns: referenced_columns.into_iter().map(Into::into).collect(),
            on_delete: ReferentialAction::NoAction,
            on_update: ReferentialAction::NoAction,
        }
    }

    /// The same key with this `ON DELETE` action.
    pub fn on_delete(mut self, action: ReferentialAction) -> Self {
        self.on_delete = action;
        self
    }

    /// The same key with this `ON UPDATE` action.
    pub fn on_update(mut self, action: ReferentialAction) -> Self {
        self.on_update = action;
        self
    }
}

/// The `ON DELETE` / `ON UPDATE` action of a foreign key.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReferentialAction {
    /// `NO ACTION`, the SQL default: the change is refused at the end of the statement.
    #[default]
    NoAction,
    /// `RESTRICT`: the change is refused at once.
    Restrict,
    /// `CASCADE`: referencing rows are deleted or updated with it.
    Cascade,
    /// `SET NULL`: referencing columns become NULL (they must be nullable).
    SetNull,
    /// `SET DEFAULT`: referencing columns take their default.
    SetDefault,
}

impl ReferentialAction {
    /// Every action with the name the `on_delete` / `on_update` attributes use.
    pub const ALL: [(&'static str, ReferentialAction); 5] = [
        ("cascade", Self::Cascade),
        ("set_null", Self::SetNull),
        ("restrict", Self::Restrict),
        ("no_action", Self::NoAction),
        ("set_default", Self::SetDefault),
    ];

    /// `true` for the default, [`ReferentialAction::NoAction`].
    pub fn is_no_action(&self) -> bool {
        *self == Self::NoAction
    }

    /// The SQL words: `NO ACTION`, `CASCADE`, …
    pub fn sql(&self) -> &'static str {
        match self {
            Self::NoAction => "NO ACTION",
            Self::Restrict => "RESTRICT",
            Self::Cascade => "CASCADE",
            Self::SetNull => "SET NULL",
            Self::SetDefault => "SET DEFAULT",
        }
    }

    /// The action named by an attribute value (`"cascade"`, `"set_null"`, …).
    pub fn from_attr(name: &str) -> Option<Self> {
        Self::ALL.iter().find(|(n, _)| *n == name).map(|(_, a)| *a)
    }
}
