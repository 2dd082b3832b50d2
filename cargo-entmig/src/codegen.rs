//! Codegen: ops become a migration module that reads like code a person would write — one
//! `Plan` call per op, `down` the exact inverse of `up` — formatted with prettyplease.

use entmig_schema::{
    Column, ColumnChanges, ColumnType, DefaultValue, Fill, ForeignKey, Index, Op,
    ReferentialAction, Table, invert,
};
use proc_macro2::{Literal, TokenStream};
use quote::quote;

/// The text of a migration module.
///
/// `summary` is the doc comment's first line; `after` the id of the migration this one was
/// generated after.
pub fn module(name: &str, ops: &[Op], after: Option<&str>) -> String {
    let tables = TableFns::new(ops);
    let up: Vec<TokenStream> = ops.iter().map(|o| op(o, &tables)).collect();
    let down: Vec<TokenStream> = invert(ops).iter().map(|o| op(o, &tables)).collect();
    let after = match after {
        Some(id) => quote!(::core::option::Option::Some(#id)),
        None => quote!(::core::option::Option::None),
    };
    let file: syn::File = syn::parse2(quote! {
        use entmig_runtime::migration::prelude::*;

        pub struct Migration;

        impl MigrationTrait for Migration {
            fn up(&self, m: &mut Plan) {
                #(#up)*
            }

            fn down(&self, m: &mut Plan) {
                #(#down)*
            }

            fn generated_after(&self) -> Option<&'static str> {
                #after
            }
        }
    })
    .unwrap_or_else(|_| syn::File {
        shebang: None,
        frontmatter: None,
        attrs: Vec::new(),
        items: Vec::new(),
    });
    let mut body = prettyplease::unparse(&file)
        .replace("::core::option::Option::Some(", "Some(")
        .replace("::core::option::Option::None", "None");
    body.push_str(&tables.definitions());
    format!("{}\n{}", doc(name, ops), breathe(&body))
}

/// A function a table, for the tables a migration creates or drops: `up` and `down` both name
/// the whole table, and a function says it once.
struct TableFns {
    /// Table name, its function's name, its definition.
    tables: Vec<(String, String, Table)>,
}

impl TableFns {
    fn new(ops: &[Op]) -> TableFns {
        let mut tables: Vec<(String, String, Table)> = Vec::new();
        let mut conflicting = Vec::new();
        for op in ops {
            let (Op::CreateTable { table } | Op::DropTable { table }) = op else {
                continue;
            };
            match tables.iter().find(|(name, _, _)| *name == table.name) {
                Some((_, _, known)) if known != table => conflicting.push(table.name.clone()),
                Some(_) => {}
                None => {
                    let mut ident = fn_name(&table.name);
                    let mut n = 2;
                    while tables.iter().any(|(_, i, _)| *i == ident) {
                        ident = format!("{}_{n}", fn_name(&table.name));
                        n += 1;
                    }
                    tables.push((table.name.clone(), ident, table.clone()));
                }
            }
        }
        // One name, two definitions (only a hand-made op list does that): write them inline.
        tables.retain(|(name, _, _)| !conflicting.contains(name));
        TableFns { tables }
    }

    /// `users()` for a known table, else the table written out.
    fn call(&self, t: &Table) -> TokenStream {
        match self
            .tables
            .iter()
            .find(|(name, _, known)| *name == t.name && known == t)
        {
            Some((_, ident, _)) => {
                let ident = syn::Ident::new(ident, proc_macro2::Span::call_site());
                quote!(#ident())
            }
            None => table(t),
        }
    }

    /// The table functions as formatted text. A first migration of hundreds of tables is
    /// mostly these, so they are formatted on every core at once.
    fn definitions(&self) -> String {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let per_thread = self.tables.len().div_ceil(cores).max(32);
        std::thread::scope(|scope| {
            let parts: Vec<_> = self
                .tables
                .chunks(per_thread)
                .map(|part| scope.spawn(move || format_table_fns(part)))
                .collect();
            parts
                .into_iter()
                .map(|part| part.join().unwrap_or_default())
                .collect::<Vec<_>>()
                .join("")
        })
    }
}

fn format_table_fns(tables: &[(String, String, Table)]) -> String {
    let items = tables.iter().map(|(name, ident, t)| {
        let ident = syn::Ident::new(ident, proc_macro2::Span::call_site());
        let doc = format!(" The `{name}` table.");
        let body = table(t);
        quote! {
            #[doc = #doc]
            fn #ident() -> Table {
                #body
            }
        }
    });
    syn::parse2::<syn::File>(quote!(#(#items)*))
        .map(|file| prettyplease::unparse(&file))
        .unwrap_or_default()
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
        [] => format!("//! {name}: a hand-written migration; fill in `up` and `down`.\n"),
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

fn string(s: &str) -> TokenStream {
    quote!(#s)
}

fn strings(items: &[String]) -> TokenStream {
    quote!([#(#items),*])
}

fn op(op: &Op, tables: &TableFns) -> TokenStream {
    match op {
        Op::CreateTable { table: t } => {
            let t = tables.call(t);
            quote!(m.create_table(#t);)
        }
        Op::DropTable { table: t } => {
            let t = tables.call(t);
            quote!(m.drop_table(#t);)
        }
        Op::RenameTable { from, to } => quote!(m.rename_table(#from, #to);),
        Op::AddColumn {
            table,
            column: c,
            fill: None,
        } => {
            let c = column(c);
            quote!(m.add_column(#table, #c);)
        }
        Op::AddColumn {
            table,
            column: c,
            fill: Some(f),
        } => {
            let c = column(c);
            let f = fill(f);
            quote!(m.add_column_filled(#table, #c, #f);)
        }
        Op::DropColumn { table, column: c } => {
            let c = column(c);
            quote!(m.drop_column(#table, #c);)
        }
        Op::RenameColumn { table, from, to } => quote!(m.rename_column(#table, #from, #to);),
        Op::AlterColumn {
            table,
            column,
            changes: c,
        } => {
            let c = changes(c);
            quote!(m.alter_column(#table, #column, #c);)
        }
        Op::AddIndex { table, index: i } => {
            let i = index(i);
            quote!(m.add_index(#table, #i);)
        }
        Op::DropIndex { table, index: i } => {
            let i = index(i);
            quote!(m.drop_index(#table, #i);)
        }
        Op::AddForeignKey {
            table,
            foreign_key: f,
        } => {
            let f = foreign_key(f);
            quote!(m.add_foreign_key(#table, #f);)
        }
        Op::DropForeignKey {
            table,
            foreign_key: f,
        } => {
            let f = foreign_key(f);
            quote!(m.drop_foreign_key(#table, #f);)
        }
        Op::SetPrimaryKey { table, from, to } => {
            quote!(m.set_primary_key(#table, &[#(#from),*], &[#(#to),*]);)
        }
    }
}

fn table(t: &Table) -> TokenStream {
    let name = string(&t.name);
    let columns = t.columns.iter().map(column);
    let key = (!t.primary_key.is_empty()).then(|| {
        let key = strings(&t.primary_key);
        quote!(.with_primary_key(#key))
    });
    let indexes = t.indexes.iter().map(index);
    let foreign_keys = t.foreign_keys.iter().map(foreign_key);
    quote! {
        Table::new(#name)
            #(.with_column(#columns))*
            #key
            #(.with_index(#indexes))*
            #(.with_foreign_key(#foreign_keys))*
    }
}

fn column(c: &Column) -> TokenStream {
    let name = string(&c.name);
    let ty = column_type(&c.ty);
    let nullable = c.nullable.then(|| quote!(.nullable()));
    let default = c.default.as_ref().map(|d| {
        let d = default_value(d);
        quote!(.default(#d))
    });
    let auto_increment = c.auto_increment.then(|| quote!(.auto_increment()));
    quote!(Column::new(#name, #ty) #nullable #default #auto_increment)
}

fn option_u32(value: Option<u32>) -> TokenStream {
    match value {
        Some(v) => {
            let v = Literal::u32_unsuffixed(v);
            quote!(Some(#v))
        }
        None => quote!(None),
    }
}

fn column_type(ty: &ColumnType) -> TokenStream {
    match ty {
        ColumnType::Boolean => quote!(ColumnType::Boolean),
        ColumnType::SmallInt => quote!(ColumnType::SmallInt),
        ColumnType::Integer => quote!(ColumnType::Integer),
        ColumnType::BigInt => quote!(ColumnType::BigInt),
        ColumnType::Real => quote!(ColumnType::Real),
        ColumnType::Double => quote!(ColumnType::Double),
        ColumnType::Decimal { precision, scale } => {
            let precision = option_u32(*precision);
            let scale = option_u32(*scale);
            quote!(ColumnType::Decimal { precision: #precision, scale: #scale })
        }
        ColumnType::Text => quote!(ColumnType::Text),
        ColumnType::Varchar(n) => {
            let n = Literal::u32_unsuffixed(*n);
            quote!(ColumnType::Varchar(#n))
        }
        ColumnType::Bytes => quote!(ColumnType::Bytes),
        ColumnType::Date => quote!(ColumnType::Date),
        ColumnType::Time => quote!(ColumnType::Time),
        ColumnType::Timestamp => quote!(ColumnType::Timestamp),
        ColumnType::TimestampTz => quote!(ColumnType::TimestampTz),
        ColumnType::Uuid => quote!(ColumnType::Uuid),
        ColumnType::Json => quote!(ColumnType::Json),
        ColumnType::Custom(name) => quote!(ColumnType::Custom(#name.into())),
    }
}

fn default_value(d: &DefaultValue) -> TokenStream {
    match d {
        DefaultValue::String(s) => quote!(DefaultValue::String(#s.into())),
        DefaultValue::Integer(i) => {
            let i = Literal::i64_unsuffixed(*i);
            quote!(DefaultValue::Integer(#i))
        }
        DefaultValue::Float(f) => {
            let f = Literal::f64_unsuffixed(*f);
            quote!(DefaultValue::Float(#f))
        }
        DefaultValue::Bool(b) => quote!(DefaultValue::Bool(#b)),
        DefaultValue::Sql(sql) => quote!(DefaultValue::Sql(#sql.into())),
    }
}

fn fill(f: &Fill) -> TokenStream {
    match f {
        Fill::Value(v) => {
            let v = default_value(v);
            quote!(Fill::Value(#v))
        }
        Fill::CopyFrom(c) => quote!(Fill::CopyFrom(#c.into())),
    }
}

fn index(i: &Index) -> TokenStream {
    let name = &i.name;
    let columns = strings(&i.columns);
    if i.unique {
        quote!(Index::unique(#name, #columns))
    } else {
        quote!(Index::new(#name, #columns))
    }
}

fn action(a: ReferentialAction) -> TokenStream {
    match a {
        ReferentialAction::NoAction => quote!(ReferentialAction::NoAction),
        ReferentialAction::Restrict => quote!(ReferentialAction::Restrict),
        ReferentialAction::Cascade => quote!(ReferentialAction::Cascade),
        ReferentialAction::SetNull => quote!(ReferentialAction::SetNull),
        ReferentialAction::SetDefault => quote!(ReferentialAction::SetDefault),
    }
}

fn foreign_key(f: &ForeignKey) -> TokenStream {
    let name = &f.name;
    let columns = strings(&f.columns);
    let table = &f.referenced_table;
    let referenced = strings(&f.referenced_columns);
    let on_delete = (!f.on_delete.is_no_action()).then(|| {
        let a = action(f.on_delete);
        quote!(.on_delete(#a))
    });
    let on_update = (!f.on_update.is_no_action()).then(|| {
        let a = action(f.on_update);
        quote!(.on_update(#a))
    });
    quote!(ForeignKey::new(#name, #columns, #table, #referenced) #on_delete #on_update)
}

fn changes(c: &ColumnChanges) -> TokenStream {
    let ty = c.ty.as_ref().map(|c| {
        let (from, to) = (column_type(&c.from), column_type(&c.to));
        quote!(.ty(#from, #to))
    });
    let nullable = c.nullable.as_ref().map(|c| {
        let (from, to) = (c.from, c.to);
        quote!(.nullable(#from, #to))
    });
    let default = c.default.as_ref().map(|c| {
        let option = |d: &Option<DefaultValue>| match d {
            Some(d) => {
                let d = default_value(d);
                quote!(Some(#d))
            }
            None => quote!(None),
        };
        let (from, to) = (option(&c.from), option(&c.to));
        quote!(.default_value(#from, #to))
    });
    let auto_increment = c.auto_increment.as_ref().map(|c| {
        let (from, to) = (c.from, c.to);
        quote!(.auto_increment(#from, #to))
    });
    quote!(ColumnChanges::new() #ty #nullable #default #auto_increment)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rename_reads_like_the_design_example() {
        let ops = [Op::RenameColumn {
            table: "users".into(),
            from: "handle".into(),
            to: "username".into(),
        }];
        let text = module("add_username", &ops, Some("20261121_101500_create_user"));
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
        let text = module("everything", &ops, None);
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
}
