//! The table description that `#[derive(Entity)]` writes: one `static` per entity, which one
//! non-generic function, [`TableDef::to_table`], turns into a [`Table`].
//!
//! Why data and not code: every user compiles the derive's output on every build. A chain of
//! `String::from`, `vec!` and struct literals per column is a function per entity for rustc and
//! LLVM to build; even a `static` of nested struct literals costs rustc more to check and
//! evaluate, and the macro (unoptimised in users' debug builds) more to write, than a single
//! string. So the table travels as the text the snapshot module writes for a table, and only
//! what the macro cannot know travels beside it: the foreign keys whose target is another
//! entity, whose table and key are that entity's constants.

use entmig_schema::{DefaultValue, ForeignKey, ReferentialAction, Table, snapshot};

/// A table as the derive describes it. See [`TableDef::to_table`].
#[derive(Debug)]
pub struct TableDef {
    /// The table, written by `entmig_schema::snapshot::table_to_string`, without the foreign
    /// keys of [`TableDef::foreign_keys`].
    pub text: &'static str,
    /// The foreign keys that reference another entity.
    pub foreign_keys: &'static [ForeignKeyDef],
    /// `(column index, f64 bits)` of each float default that is not finite, which JSON cannot
    /// hold: `text` has `0.0` in its place.
    pub float_defaults: &'static [(usize, u64)],
}

/// A table description with nothing beside the text: what the derive's `TableDef` literals
/// fill in with `..TABLE` for the fields they do not write.
pub const TABLE: TableDef = TableDef {
    text: "",
    foreign_keys: &[],
    float_defaults: &[],
};

/// A [`ForeignKey`] to another entity, whose table and key are that entity's `TABLE` and
/// `PRIMARY_KEY` constants.
#[derive(Debug)]
pub struct ForeignKeyDef {
    /// [`ForeignKey::name`].
    pub name: &'static str,
    /// [`ForeignKey::columns`].
    pub columns: &'static [&'static str],
    /// [`ForeignKey::referenced_table`].
    pub referenced_table: &'static str,
    /// [`ForeignKey::referenced_columns`].
    pub referenced_columns: &'static [&'static str],
    /// [`ForeignKey::on_delete`].
    pub on_delete: ReferentialAction,
    /// [`ForeignKey::on_update`].
    pub on_update: ReferentialAction,
}

impl TableDef {
    /// The [`Table`] this describes, with indexes and foreign keys in the model's name order.
    ///
    /// # Panics
    ///
    /// When the text does not read back, which only an entmig-derive of another version than
    /// this entmig-runtime can cause.
    pub fn to_table(&self) -> Table {
        let mut table = snapshot::table_from_str(self.text).unwrap_or_else(|error| {
            panic!(
                "entmig: an entity's table description does not read back ({error}); \
                 entmig-derive and entmig-runtime must be of the same version"
            )
        });
        for &(index, bits) in self.float_defaults {
            if let Some(column) = table.columns.get_mut(index) {
                column.default = Some(DefaultValue::Float(f64::from_bits(bits)));
            }
        }
        table
            .foreign_keys
            .extend(self.foreign_keys.iter().map(ForeignKeyDef::to_foreign_key));
        table.sort();
        table
    }
}

impl ForeignKeyDef {
    fn to_foreign_key(&self) -> ForeignKey {
        ForeignKey {
            name: self.name.to_owned(),
            columns: strings(self.columns),
            referenced_table: self.referenced_table.to_owned(),
            referenced_columns: strings(self.referenced_columns),
            on_delete: self.on_delete,
            on_update: self.on_update,
        }
    }
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

#[cfg(test)]
mod tests {
    use entmig_schema::{Column, ColumnType, Index};

    use super::*;

    /// A table with every field set and every kind of type and default, indexes and foreign
    /// keys out of name order: what an entity using every attribute describes.
    fn everything() -> Table {
        Table {
            name: "users".into(),
            columns: vec![
                Column::new("id", ColumnType::BigInt).auto_increment(),
                Column {
                    renamed_from: Some("mail".into()),
                    ..Column::new("email", ColumnType::Varchar(255))
                        .default(DefaultValue::String("it's \"quoted\"\n".into()))
                },
                Column::new(
                    "balance",
                    ColumnType::Decimal {
                        precision: Some(10),
                        scale: Some(2),
                    },
                )
                .nullable()
                .default(DefaultValue::Float(-0.1)),
                Column::new("name", ColumnType::Custom("citext".into()))
                    .nullable()
                    .default(DefaultValue::Sql("lower('X')".into())),
                Column::new("karma", ColumnType::Integer).default(DefaultValue::Integer(-3)),
                Column::new("active", ColumnType::Boolean).default(DefaultValue::Bool(true)),
                Column::new("ratio", ColumnType::Double)
                    .default(DefaultValue::Float(f64::INFINITY)),
                Column::new("team_id", ColumnType::Integer).nullable(),
            ],
            primary_key: vec!["id".into()],
            indexes: vec![
                Index::unique("uq_users_email", ["email"]),
                Index::new("idx_users_name_karma", ["name", "karma"]),
            ],
            foreign_keys: vec![
                ForeignKey::new("fk_users_team_id", ["team_id"], "teams", ["id"])
                    .on_update(ReferentialAction::Restrict),
                ForeignKey::new("fk_users_id", ["id"], "users", ["id"])
                    .on_delete(ReferentialAction::SetNull),
            ],
            renamed_from: Some("people".into()),
        }
    }

    #[test]
    fn a_description_becomes_the_table_it_describes() {
        let mut expected = everything();
        // As the derive writes it: the infinite default beside the text, the foreign key to
        // another entity (`karma -> karmas`) as data.
        let mut text = expected.clone();
        text.columns[6].default = Some(DefaultValue::Float(0.0));
        let text: &'static str = Box::leak(snapshot::table_to_string(&text).into_boxed_str());
        let def = TableDef {
            text,
            foreign_keys: &[ForeignKeyDef {
                name: "fk_users_karma",
                columns: &["karma"],
                referenced_table: "karmas",
                referenced_columns: &["id"],
                on_delete: ReferentialAction::Cascade,
                on_update: ReferentialAction::NoAction,
            }],
            float_defaults: &[(6, 0x7ff0_0000_0000_0000)],
        };
        expected.foreign_keys.push(
            ForeignKey::new("fk_users_karma", ["karma"], "karmas", ["id"])
                .on_delete(ReferentialAction::Cascade),
        );
        expected.sort();
        assert_eq!(def.to_table(), expected);
    }

    #[test]
    #[should_panic(expected = "must be of the same version")]
    fn a_description_that_does_not_read_back_says_why() {
        let def = TableDef {
            text: "{\"name\": 1}",
            ..TABLE
        };
        def.to_table();
    }
}
