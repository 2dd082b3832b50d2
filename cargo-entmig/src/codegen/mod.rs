//! Codegen: ops become a migration module that reads like code a person would write — one
//! `Plan` call per op, `down` the exact inverse of `up` — laid out as prettyplease lays it out.
//!
//! A first migration of hundreds of tables is mostly builder chains whose every call fits on its
//! line, so those are written as text directly; whatever comes near the line width (or holds a
//! struct literal, which prettyplease breaks early) is handed to prettyplease. The result is the
//! same text either way, which the tests check against prettyplease on random migrations.

mod source;

use std::collections::{HashMap, HashSet};

use entmig_schema::decide::Down;
use entmig_schema::{Op, Table};

/// prettyplease's line width: text up to this column stays on its line.
const MARGIN: usize = 89;

/// The module's items up to its methods, as prettyplease prints them (blank lines come later).
const HEADER: &str = concat!(
    "use entmig_runtime::migration::prelude::*;\n",
    "pub struct Migration;\n",
    "impl MigrationTrait for Migration {\n",
);

/// The text of a migration module.
///
/// `name` starts its doc comment; `down` is what undoes `ops` (see [`Down`]); `after` is the
/// id of the migration this one was generated after.
pub fn module(name: &str, ops: &[Op], down: &Down, after: Option<&str>) -> String {
    let tables = TableFns::new(ops);
    let mut body = String::from(HEADER);
    method(
        &mut body,
        "fn up(&self, m: &mut Plan)",
        ops.iter(),
        None,
        &tables,
    );
    method(
        &mut body,
        "fn down(&self, m: &mut Plan)",
        down.ops.iter(),
        down.irreversible.as_deref(),
        &tables,
    );
    let after = match after {
        Some(id) => format!("Some({})", source::string(id)),
        None => "None".to_owned(),
    };
    body.push_str("    fn generated_after(&self) -> Option<&'static str> {\n");
    body.push_str(&statement(&after));
    body.push_str("    }\n}\n");
    body.push_str(&tables.definitions());
    format!("{}\n{}", doc(name, ops), breathe(&body))
}

/// `fn up(..) { .. }` with one statement an op, after the irreversible mark if there is one.
fn method<'a>(
    out: &mut String,
    signature: &str,
    ops: impl Iterator<Item = &'a Op>,
    irreversible: Option<&str>,
    tables: &TableFns,
) {
    let mut ops = ops.peekable();
    if ops.peek().is_none() && irreversible.is_none() {
        // Named `_m` while unused, so the user's build has no warning to show.
        let signature = signature.replace(" m: ", " _m: ");
        out.push_str(&format!("    {signature} {{}}\n"));
        return;
    }
    out.push_str(&format!("    {signature} {{\n"));
    if let Some(reason) = irreversible {
        out.push_str(&statement(&format!(
            "m.irreversible({});",
            source::string(reason)
        )));
    }
    for op in ops {
        out.push_str(&statement(&format!("{};", op_source(op, tables))));
    }
    out.push_str("    }\n");
}

/// One statement of a method body, with its indentation and line end.
fn statement(text: &str) -> String {
    if fits(8, text) {
        return format!("        {text}\n");
    }
    // prettyplease lays a statement out on its own, so it may be formatted alone, in the same
    // place: inside a method of an impl.
    let wrapped =
        format!("impl MigrationTrait for Migration {{ fn up(&self, m: &mut Plan) {{ {text} }} }}");
    match pretty(&wrapped) {
        Some(formatted) => {
            let lines: Vec<&str> = formatted.lines().collect();
            let inner = lines
                .get(2..lines.len().saturating_sub(2))
                .unwrap_or_default();
            inner.iter().map(|line| format!("{line}\n")).collect()
        }
        None => format!("        {text}\n"),
    }
}

/// A table function: `/// The `users` table.`, `fn users() -> Table { .. }`.
fn table_fn(name: &str, ident: &str, t: &Table) -> String {
    if let Some(text) = table_fn_direct(name, ident, t) {
        return text;
    }
    let doc = source::string(&format!(" The `{name}` table."));
    let text = format!(
        "#[doc = {doc}] fn {ident}() -> Table {{ {} }}",
        source::table(t)
    );
    pretty(&text).unwrap_or(text)
}

/// The table function as prettyplease writes it when the chain is clearly too long for one
/// line and each call fits on its own line (or its argument alone on the line below); `None`
/// when the table is not that plain.
fn table_fn_direct(name: &str, ident: &str, t: &Table) -> Option<String> {
    // A doc comment shows the name as it is only when nothing in it needs escaping.
    if !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        return None;
    }
    let (head, calls) = source::table_parts(t);
    let one_line = head.len()
        + calls
            .iter()
            .map(|(m, a)| m.len() + a.width() + 3)
            .sum::<usize>();
    // A short table is one line, or nearly: prettyplease decides.
    if calls.is_empty() || 4 + one_line <= MARGIN + 8 || !fits(4, &head) {
        return None;
    }
    let mut text = format!("/// The `{name}` table.\nfn {ident}() -> Table {{\n    {head}\n");
    for (method, argument) in calls {
        let call = format!(".{method}({argument})");
        let flat = argument.to_string();
        if fits(8, &call) {
            text.push_str(&format!("        {call}\n"));
        } else if argument.head.starts_with('[') {
            return None;
        } else if fits(12, &flat) {
            // Alone on its line (the comma after it may pass the margin, as in prettyplease).
            text.push_str(&format!(
                "        .{method}(\n            {flat},\n        )\n"
            ));
        } else if !argument.calls.is_empty()
            && fits(12, &argument.head)
            && argument.calls.iter().all(|c| fits(16, c))
        {
            text.push_str(&format!(
                "        .{method}(\n            {}\n",
                argument.head
            ));
            for c in &argument.calls {
                text.push_str(&format!("                {c}\n"));
            }
            text.truncate(text.len() - 1);
            text.push_str(",\n        )\n");
        } else {
            return None;
        }
    }
    text.push_str("}\n");
    Some(text)
}

/// Whether prettyplease leaves `text` on one line at `indent`: it reaches no further than the
/// margin, is plain ASCII (widths are counted in bytes here) and holds no struct literal
/// (prettyplease breaks those from 34 columns on).
fn fits(indent: usize, text: &str) -> bool {
    indent + text.len() <= MARGIN && text.is_ascii() && !text.contains(" { ")
}

/// prettyplease's text of a source file; `None` if it does not parse (the caller then keeps
/// its one-line text).
fn pretty(text: &str) -> Option<String> {
    syn::parse_file(text)
        .ok()
        .map(|file| prettyplease::unparse(&file))
}

/// A function a table, for the tables a migration creates or drops: `up` and `down` both name
/// the whole table, and a function says it once.
struct TableFns<'a> {
    /// Table name, its function's name, its definition, in the order of the ops.
    tables: Vec<(&'a str, String, &'a Table)>,
    /// Table name to its place in `tables`.
    by_name: HashMap<&'a str, usize>,
}

impl<'a> TableFns<'a> {
    fn new(ops: &'a [Op]) -> TableFns<'a> {
        let mut tables: Vec<(&str, String, &Table)> = Vec::new();
        let mut by_name: HashMap<&str, usize> = HashMap::new();
        let mut idents = HashSet::new();
        let mut conflicting = HashSet::new();
        for op in ops {
            let (Op::CreateTable { table } | Op::DropTable { table }) = op else {
                continue;
            };
            match by_name.get(table.name.as_str()) {
                Some(&i) if tables[i].2 != table => {
                    conflicting.insert(table.name.as_str());
                }
                Some(_) => {}
                None => {
                    let mut ident = fn_name(&table.name);
                    let mut n = 2;
                    while idents.contains(&ident) {
                        ident = format!("{}_{n}", fn_name(&table.name));
                        n += 1;
                    }
                    idents.insert(ident.clone());
                    by_name.insert(&table.name, tables.len());
                    tables.push((&table.name, ident, table));
                }
            }
        }
        // One name, two definitions (only a hand-made op list does that): write them inline.
        if !conflicting.is_empty() {
            tables.retain(|(name, _, _)| !conflicting.contains(name));
            by_name = tables
                .iter()
                .enumerate()
                .map(|(i, (name, _, _))| (*name, i))
                .collect();
        }
        TableFns { tables, by_name }
    }

    /// The table functions, in order. A first migration of hundreds of tables is mostly these,
    /// so they are written on two threads.
    fn definitions(&self) -> String {
        let write = |part: &[(&str, String, &Table)]| -> String {
            part.iter()
                .map(|(name, ident, t)| table_fn(name, ident, t))
                .collect()
        };
        if self.tables.len() < 64 {
            return write(&self.tables);
        }
        let (first, second) = self.tables.split_at(self.tables.len() / 2);
        std::thread::scope(|scope| {
            let later = scope.spawn(|| write(second));
            let mut text = write(first);
            text.push_str(&later.join().unwrap_or_else(|_| write(second)));
            text
        })
    }

    /// `users()` for a known table, else the table written out.
    fn call(&self, t: &Table) -> String {
        match self.by_name.get(t.name.as_str()).map(|&i| &self.tables[i]) {
            Some((_, ident, known)) if *known == t => format!("{ident}()"),
            _ => source::table(t),
        }
    }
}

/// The table's name as a function name: itself when it is a plain identifier, else with
/// `table_` before it and anything but letters, digits and `_` made `_`.
fn fn_name(table: &str) -> String {
    let plain = table
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && table.starts_with(|c: char| c.is_ascii_lowercase());
    if plain && syn::parse_str::<syn::Ident>(table).is_ok() && table != "self" {
        table.to_owned()
    } else {
        let cleaned: String = table
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '_'
                }
            })
            .collect();
        format!("table_{cleaned}")
    }
}

/// prettyplease keeps no blank lines; put them back between items and between methods.
fn breathe(body: &str) -> String {
    let mut out = String::with_capacity(body.len() + 16);
    let mut previous = "";
    for line in body.lines() {
        let item = ["pub struct", "impl ", "fn ", "///"]
            .iter()
            .any(|p| line.starts_with(p));
        let method = line.starts_with("    fn ") && previous == "    }";
        let after_doc = previous.starts_with("///");
        if (item || method) && !after_doc && !previous.is_empty() {
            out.push('\n');
        }
        out.push_str(line);
        out.push('\n');
        previous = line;
    }
    out
}

/// `//! name: what changes.` with one line a step, destructive ones marked.
fn doc(name: &str, ops: &[Op]) -> String {
    let mut text = match ops {
        [] => format!(
            "//! {name}: a hand-written migration; write its steps in `up` and `down` (and name\n\
             //! their plan `m`): `m.sql(..)`, `m.data(..)`, `m.batched(..)` or a schema change.\n"
        ),
        [only] => format!("//! {name}: {only}.\n"),
        _ => {
            let mut text = format!("//! {name}:\n//!\n");
            for op in ops.iter().take(20) {
                let mark = if op.is_destructive() {
                    " (destructive)"
                } else {
                    ""
                };
                text.push_str(&format!("//! - {op}{mark}\n"));
            }
            if ops.len() > 20 {
                text.push_str(&format!("//! - and {} more steps\n", ops.len() - 20));
            }
            text
        }
    };
    text.push_str("//!\n//! Generated by `cargo entmig make`. `down` undoes `up` exactly; edit both together.\n");
    text
}

/// The `Plan` call of one op, without its `;`.
fn op_source(op: &Op, tables: &TableFns) -> String {
    use source::{changes, column, fill, foreign_key, index, string, strings};
    match op {
        Op::CreateTable { table } => format!("m.create_table({})", tables.call(table)),
        Op::DropTable { table } => format!("m.drop_table({})", tables.call(table)),
        Op::RenameTable { from, to } => {
            format!("m.rename_table({}, {})", string(from), string(to))
        }
        Op::AddColumn {
            table,
            column: c,
            fill: None,
        } => format!("m.add_column({}, {})", string(table), column(c)),
        Op::AddColumn {
            table,
            column: c,
            fill: Some(f),
        } => format!(
            "m.add_column_filled({}, {}, {})",
            string(table),
            column(c),
            fill(f)
        ),
        Op::DropColumn { table, column: c } => {
            format!("m.drop_column({}, {})", string(table), column(c))
        }
        Op::RenameColumn { table, from, to } => format!(
            "m.rename_column({}, {}, {})",
            string(table),
            string(from),
            string(to)
        ),
        Op::AlterColumn {
            table,
            column,
            changes: c,
        } => format!(
            "m.alter_column({}, {}, {})",
            string(table),
            string(column),
            changes(c)
        ),
        Op::AddIndex { table, index: i } => {
            format!("m.add_index({}, {})", string(table), index(i))
        }
        Op::DropIndex { table, index: i } => {
            format!("m.drop_index({}, {})", string(table), index(i))
        }
        Op::AddForeignKey {
            table,
            foreign_key: f,
        } => format!("m.add_foreign_key({}, {})", string(table), foreign_key(f)),
        Op::DropForeignKey {
            table,
            foreign_key: f,
        } => format!("m.drop_foreign_key({}, {})", string(table), foreign_key(f)),
        Op::SetPrimaryKey { table, from, to } => format!(
            "m.set_primary_key({}, &{}, &{})",
            string(table),
            strings(from),
            strings(to)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The plain inverse as `down`, as when no row needs a value.
    pub(super) fn inverse(ops: &[Op]) -> Down {
        Down {
            ops: entmig_schema::invert(ops),
            ..Down::default()
        }
    }
    use entmig_schema::{
        Column, ColumnChanges, ColumnType, DefaultValue, Fill, ForeignKey, Index, ReferentialAction,
    };

    #[test]
    fn a_rename_reads_like_the_design_example() {
        let ops = [Op::RenameColumn {
            table: "users".into(),
            from: "handle".into(),
            to: "username".into(),
        }];
        let text = module(
            "add_username",
            &ops,
            &inverse(&ops),
            Some("20261121_101500_create_user"),
        );
        assert_eq!(
            text,
            r#"//! add_username: rename column users.handle to username.
//!
//! Generated by `cargo entmig make`. `down` undoes `up` exactly; edit both together.

use entmig_runtime::migration::prelude::*;

pub struct Migration;

impl MigrationTrait for Migration {
    fn up(&self, m: &mut Plan) {
        m.rename_column("users", "handle", "username");
    }

    fn down(&self, m: &mut Plan) {
        m.rename_column("users", "username", "handle");
    }

    fn generated_after(&self) -> Option<&'static str> {
        Some("20261121_101500_create_user")
    }
}
"#
        );
    }

    #[test]
    fn every_op_generates_code_that_parses() {
        let users = Table::new("users")
            .with_column(Column::new("id", ColumnType::BigInt).auto_increment())
            .with_column(
                Column::new(
                    "score",
                    ColumnType::Decimal {
                        precision: Some(10),
                        scale: Some(2),
                    },
                )
                .default(DefaultValue::Float(0.5)),
            )
            .with_column(Column::new("bio", ColumnType::Custom("citext".into())).nullable())
            .with_primary_key(["id"])
            .with_index(Index::unique("uq_users_bio", ["bio"]))
            .with_foreign_key(
                ForeignKey::new("fk_users_id", ["id"], "people", ["id"])
                    .on_delete(ReferentialAction::Cascade),
            );
        let ops = vec![
            Op::CreateTable {
                table: users.clone(),
            },
            Op::AddColumn {
                table: "users".into(),
                column: Column::new("n", ColumnType::Integer),
                fill: Some(Fill::Value(DefaultValue::Integer(-1))),
            },
            Op::AlterColumn {
                table: "users".into(),
                column: "n".into(),
                changes: ColumnChanges::new()
                    .ty(ColumnType::Integer, ColumnType::BigInt)
                    .nullable(false, true)
                    .default_value(None, Some(DefaultValue::Sql("1 + 1".into()))),
            },
            Op::SetPrimaryKey {
                table: "users".into(),
                from: vec!["id".into()],
                to: vec!["id".into(), "n".into()],
            },
        ];
        let text = module("everything", &ops, &inverse(&ops), None);
        syn::parse_file(&text).expect("the module parses");
        assert!(
            text.contains("m.drop_table(users());"),
            "down drops what up creates: {text}"
        );
        assert!(text.contains("m.create_table(users());"), "{text}");
        assert!(
            text.contains("/// The `users` table.\nfn users() -> Table {"),
            "{text}"
        );
        assert!(text.contains(".with_foreign_key("), "{text}");
        assert!(
            text.contains("Fill::Value(DefaultValue::Integer(-1))"),
            "{text}"
        );
        assert!(text.contains("None\n    }"), "{text}");
    }

    /// The module as prettyplease lays out all of it: the text `module` must equal.
    fn laid_out_by_prettyplease(name: &str, ops: &[Op], after: Option<&str>) -> String {
        let tables = TableFns::new(ops);
        let statements = |ops: &[Op]| -> String {
            ops.iter()
                .map(|o| format!("{}; ", op_source(o, &tables)))
                .collect()
        };
        let after = after.map_or("None".to_owned(), |id| {
            format!("Some({})", source::string(id))
        });
        let m = if ops.is_empty() { "_m" } else { "m" };
        let mut text = format!(
            "use entmig_runtime::migration::prelude::*; pub struct Migration; \
             impl MigrationTrait for Migration {{ fn up(&self, {m}: &mut Plan) {{ {} }} \
             fn down(&self, {m}: &mut Plan) {{ {} }} \
             fn generated_after(&self) -> Option<&'static str> {{ {after} }} }}",
            statements(ops),
            statements(&entmig_schema::invert(ops)),
        );
        for (name, ident, t) in &tables.tables {
            let doc = source::string(&format!(" The `{name}` table."));
            text.push_str(&format!(
                "#[doc = {doc}] fn {ident}() -> Table {{ {} }}",
                source::table(t)
            ));
        }
        let file = syn::parse_file(&text).expect("the module's source parses");
        format!(
            "{}\n{}",
            doc(name, ops),
            breathe(&prettyplease::unparse(&file))
        )
    }

    mod random {
        use entmig_schema::{
            Column, ColumnChanges, ColumnType, DefaultValue, Fill, ForeignKey, Index, Op,
            ReferentialAction, Table,
        };
        use proptest::collection::vec;
        use proptest::prelude::*;

        /// Names around every width the layout turns on, and now and then one that needs
        /// escaping.
        pub fn name() -> impl Strategy<Value = String> {
            prop_oneof![
                60 => "[a-z][a-z0-9_]{0,12}",
                15 => "[a-z][a-z0-9_]{12,40}",
                1 => "[a-z \"\\\\{}\n\t'é-]{1,20}",
            ]
        }

        fn column_type() -> impl Strategy<Value = ColumnType> {
            prop_oneof![
                3 => Just(ColumnType::Boolean),
                3 => Just(ColumnType::SmallInt),
                3 => Just(ColumnType::Integer),
                3 => Just(ColumnType::BigInt),
                3 => Just(ColumnType::Double),
                3 => Just(ColumnType::Text),
                3 => Just(ColumnType::TimestampTz),
                3 => Just(ColumnType::Uuid),
                3 => (1u32..100_000).prop_map(ColumnType::Varchar),
                1 => (proptest::option::of(1u32..40), proptest::option::of(0u32..10))
                    .prop_map(|(precision, scale)| ColumnType::Decimal { precision, scale }),
                3 => name().prop_map(ColumnType::Custom),
            ]
        }

        fn default_value() -> impl Strategy<Value = DefaultValue> {
            prop_oneof![
                name().prop_map(DefaultValue::String),
                any::<i64>().prop_map(DefaultValue::Integer),
                (-1.0e6f64..1.0e6).prop_map(DefaultValue::Float),
                any::<bool>().prop_map(DefaultValue::Bool),
                name().prop_map(DefaultValue::Sql),
            ]
        }

        fn column() -> impl Strategy<Value = Column> {
            (
                name(),
                column_type(),
                any::<bool>(),
                proptest::option::weighted(0.3, default_value()),
                proptest::bool::weighted(0.2),
            )
                .prop_map(|(name, ty, nullable, default, auto_increment)| {
                    let mut c = Column::new(name, ty);
                    c.nullable = nullable;
                    c.default = default;
                    c.auto_increment = auto_increment;
                    c
                })
        }

        fn action() -> impl Strategy<Value = ReferentialAction> {
            prop_oneof![
                3 => Just(ReferentialAction::NoAction),
                1 => Just(ReferentialAction::Cascade),
                1 => Just(ReferentialAction::SetNull),
                1 => Just(ReferentialAction::Restrict),
                1 => Just(ReferentialAction::SetDefault),
            ]
        }

        fn index() -> impl Strategy<Value = Index> {
            (name(), vec(name(), 1..4), any::<bool>()).prop_map(|(name, columns, unique)| {
                if unique {
                    Index::unique(name, columns)
                } else {
                    Index::new(name, columns)
                }
            })
        }

        fn foreign_key() -> impl Strategy<Value = ForeignKey> {
            (name(), vec(name(), 1..3), name(), action(), action()).prop_map(
                |(name, columns, table, on_delete, on_update)| {
                    let referenced = columns.clone();
                    ForeignKey::new(name, columns, table, referenced)
                        .on_delete(on_delete)
                        .on_update(on_update)
                },
            )
        }

        pub fn table() -> impl Strategy<Value = Table> {
            (
                name(),
                vec(column(), 1..12),
                vec(name(), 0..3),
                vec(index(), 0..3),
                vec(foreign_key(), 0..2),
            )
                .prop_map(|(name, columns, primary_key, indexes, foreign_keys)| {
                    let mut t = Table::new(name);
                    t.columns = columns;
                    t.primary_key = primary_key;
                    t.indexes = indexes;
                    t.foreign_keys = foreign_keys;
                    t
                })
        }

        fn changes() -> impl Strategy<Value = ColumnChanges> {
            (
                proptest::option::of((column_type(), column_type())),
                proptest::option::of(any::<(bool, bool)>()),
                proptest::option::of((
                    proptest::option::of(default_value()),
                    proptest::option::of(default_value()),
                )),
                proptest::option::of(any::<(bool, bool)>()),
                proptest::option::of(default_value()),
            )
                .prop_map(|(ty, nullable, default, auto_increment, fill_nulls)| {
                    let mut c = ColumnChanges::new();
                    if let Some((from, to)) = ty {
                        c = c.ty(from, to);
                    }
                    if let Some((from, to)) = nullable {
                        c = c.nullable(from, to);
                    }
                    if let Some((from, to)) = default {
                        c = c.default_value(from, to);
                    }
                    if let Some((from, to)) = auto_increment {
                        c = c.auto_increment(from, to);
                    }
                    if let Some(value) = fill_nulls {
                        c = c.fill_nulls(Fill::Value(value));
                    }
                    c
                })
        }

        pub fn op() -> impl Strategy<Value = Op> {
            prop_oneof![
                4 => table().prop_map(|table| Op::CreateTable { table }),
                1 => table().prop_map(|table| Op::DropTable { table }),
                1 => (name(), name()).prop_map(|(from, to)| Op::RenameTable { from, to }),
                2 => (name(), column(), proptest::option::weighted(0.3, default_value()))
                    .prop_map(|(table, column, fill)| Op::AddColumn {
                        table,
                        column,
                        fill: fill.map(Fill::Value),
                    }),
                1 => (name(), column(), name()).prop_map(|(table, column, from)| Op::AddColumn {
                    table,
                    column,
                    fill: Some(Fill::CopyFrom(from)),
                }),
                1 => (name(), column()).prop_map(|(table, column)| Op::DropColumn { table, column }),
                1 => (name(), name(), name())
                    .prop_map(|(table, from, to)| Op::RenameColumn { table, from, to }),
                2 => (name(), name(), changes())
                    .prop_map(|(table, column, changes)| Op::AlterColumn { table, column, changes }),
                1 => (name(), index()).prop_map(|(table, index)| Op::AddIndex { table, index }),
                1 => (name(), index()).prop_map(|(table, index)| Op::DropIndex { table, index }),
                1 => (name(), foreign_key())
                    .prop_map(|(table, foreign_key)| Op::AddForeignKey { table, foreign_key }),
                1 => (name(), foreign_key())
                    .prop_map(|(table, foreign_key)| Op::DropForeignKey { table, foreign_key }),
                1 => (name(), vec(name(), 0..3), vec(name(), 0..3))
                    .prop_map(|(table, from, to)| Op::SetPrimaryKey { table, from, to }),
            ]
        }
    }

    /// Enough tables to be written on two threads: the same text, in the ops' order.
    #[test]
    fn many_tables_keep_their_order() {
        let ops: Vec<Op> = (0..150)
            .map(|i| Op::CreateTable {
                table: Table::new(format!("table_{i}"))
                    .with_column(Column::new("id", ColumnType::BigInt).auto_increment())
                    .with_column(Column::new(format!("name_{i}"), ColumnType::Text).nullable())
                    .with_primary_key(["id"]),
            })
            .collect();
        let text = module("init", &ops, &inverse(&ops), None);
        assert_eq!(text, laid_out_by_prettyplease("init", &ops, None));
        let first = text.find("fn table_0()").expect("table_0");
        let last = text.find("fn table_149()").expect("table_149");
        assert!(first < last);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(400))]

        /// The direct layout is prettyplease's, to the byte, on random migrations.
        #[test]
        fn the_layout_is_prettypleases(
            ops in proptest::collection::vec(random::op(), 0..8),
            name in random::name(),
            after in proptest::option::of(random::name()),
        ) {
            let expected = laid_out_by_prettyplease(&name, &ops, after.as_deref());
            proptest::prop_assert_eq!(module(&name, &ops, &crate::codegen::tests::inverse(&ops), after.as_deref()), expected);
        }
    }
}
