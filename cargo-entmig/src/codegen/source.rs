//! The Rust source of model values and ops, each on one line: `Column::new("id",
//! ColumnType::BigInt).auto_increment()`. Literals are written by proc-macro2, so strings are
//! escaped exactly as a token stream would escape them.

use entmig_schema::column_type::Shape;
use entmig_schema::{
    Column, ColumnChanges, ColumnType, DefaultValue, Fill, ForeignKey, Index, ReferentialAction,
    Table,
};
use proc_macro2::Literal;
use std::fmt;

/// A builder chain: `Column::new("id", ColumnType::BigInt)` and its calls, `.auto_increment()`.
pub struct Chain {
    /// The constructor call (or, for a key, the array).
    pub head: String,
    /// Each call with its dot.
    pub calls: Vec<String>,
}

impl Chain {
    fn new(head: String) -> Chain {
        Chain {
            head,
            calls: Vec::new(),
        }
    }

    /// Its width on one line.
    pub fn width(&self) -> usize {
        self.head.len() + self.calls.iter().map(String::len).sum::<usize>()
    }
}

impl fmt::Display for Chain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.head)?;
        self.calls.iter().try_for_each(|call| f.write_str(call))
    }
}

/// A string literal.
pub fn string(s: &str) -> String {
    // What needs no escape is written as it is, which is what proc-macro2 writes too.
    if s.bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"_ .-".contains(&b))
    {
        return format!("\"{s}\"");
    }
    Literal::string(s).to_string()
}

/// `["a", "b"]`.
pub fn strings(items: &[String]) -> String {
    let items: Vec<String> = items.iter().map(|s| string(s)).collect();
    format!("[{}]", items.join(", "))
}

/// `Table::new("users")` and its `.with_*(..)` calls, one `(method, argument)` a call.
pub fn table_parts(t: &Table) -> (String, Vec<(&'static str, Chain)>) {
    let head = format!("Table::new({})", string(&t.name));
    let mut calls = Vec::with_capacity(t.columns.len() + t.indexes.len() + 1);
    calls.extend(t.columns.iter().map(|c| ("with_column", column(c))));
    if !t.primary_key.is_empty() {
        calls.push(("with_primary_key", Chain::new(strings(&t.primary_key))));
    }
    calls.extend(
        t.indexes
            .iter()
            .map(|i| ("with_index", Chain::new(index(i)))),
    );
    calls.extend(
        t.foreign_keys
            .iter()
            .map(|f| ("with_foreign_key", foreign_key(f))),
    );
    (head, calls)
}

/// The whole table on one line.
pub fn table(t: &Table) -> String {
    let (mut text, calls) = table_parts(t);
    for (method, argument) in calls {
        text.push_str(&format!(".{method}({argument})"));
    }
    text
}

pub fn column(c: &Column) -> Chain {
    let mut chain = Chain::new(format!(
        "Column::new({}, {})",
        string(&c.name),
        column_type(&c.ty)
    ));
    if c.nullable {
        chain.calls.push(".nullable()".to_owned());
    }
    if let Some(d) = &c.default {
        chain.calls.push(format!(".default({})", default_value(d)));
    }
    if c.auto_increment {
        chain.calls.push(".auto_increment()".to_owned());
    }
    chain
}

fn option_u32(value: Option<u32>) -> String {
    match value {
        Some(v) => format!("Some({v})"),
        None => "None".to_owned(),
    }
}

/// Mirrors `column_type` of entmig-derive's `expand`, which writes the same value as tokens:
/// a plain type by its variant's name from the table, the others with their parameters.
pub fn column_type(ty: &ColumnType) -> String {
    match ty.shape() {
        Shape::Plain(names) => format!("ColumnType::{}", names.variant),
        Shape::Decimal { precision, scale } => format!(
            "ColumnType::Decimal {{ precision: {}, scale: {} }}",
            option_u32(precision),
            option_u32(scale)
        ),
        Shape::Varchar(n) => format!("ColumnType::Varchar({n})"),
        Shape::Custom(name) => format!("ColumnType::Custom({}.into())", string(name)),
    }
}

pub fn default_value(d: &DefaultValue) -> String {
    match d {
        DefaultValue::String(s) => format!("DefaultValue::String({}.into())", string(s)),
        DefaultValue::Integer(i) => {
            format!("DefaultValue::Integer({})", Literal::i64_unsuffixed(*i))
        }
        DefaultValue::Float(f) => format!("DefaultValue::Float({})", float(*f)),
        DefaultValue::Bool(b) => format!("DefaultValue::Bool({b})"),
        DefaultValue::Sql(sql) => format!("DefaultValue::Sql({}.into())", string(sql)),
    }
}

/// A float literal; the parser and `--fill` admit only finite ones, but a module is written
/// for any value rather than panic.
fn float(f: f64) -> String {
    if f.is_finite() {
        Literal::f64_unsuffixed(f).to_string()
    } else if f.is_nan() {
        "f64::NAN".to_owned()
    } else if f > 0.0 {
        "f64::INFINITY".to_owned()
    } else {
        "f64::NEG_INFINITY".to_owned()
    }
}

pub fn fill(f: &Fill) -> String {
    match f {
        Fill::Value(v) => format!("Fill::Value({})", default_value(v)),
        Fill::CopyFrom(c) => format!("Fill::CopyFrom({}.into())", string(c)),
    }
}

pub fn index(i: &Index) -> String {
    let constructor = if i.unique { "unique" } else { "new" };
    format!(
        "Index::{constructor}({}, {})",
        string(&i.name),
        strings(&i.columns)
    )
}

fn action(a: ReferentialAction) -> &'static str {
    match a {
        ReferentialAction::NoAction => "ReferentialAction::NoAction",
        ReferentialAction::Restrict => "ReferentialAction::Restrict",
        ReferentialAction::Cascade => "ReferentialAction::Cascade",
        ReferentialAction::SetNull => "ReferentialAction::SetNull",
        ReferentialAction::SetDefault => "ReferentialAction::SetDefault",
    }
}

pub fn foreign_key(f: &ForeignKey) -> Chain {
    let mut chain = Chain::new(format!(
        "ForeignKey::new({}, {}, {}, {})",
        string(&f.name),
        strings(&f.columns),
        string(&f.referenced_table),
        strings(&f.referenced_columns)
    ));
    if !f.on_delete.is_no_action() {
        chain
            .calls
            .push(format!(".on_delete({})", action(f.on_delete)));
    }
    if !f.on_update.is_no_action() {
        chain
            .calls
            .push(format!(".on_update({})", action(f.on_update)));
    }
    chain
}

pub fn changes(c: &ColumnChanges) -> String {
    let mut text = "ColumnChanges::new()".to_owned();
    if let Some(c) = &c.ty {
        text.push_str(&format!(
            ".ty({}, {})",
            column_type(&c.from),
            column_type(&c.to)
        ));
    }
    if let Some(c) = &c.nullable {
        text.push_str(&format!(".nullable({}, {})", c.from, c.to));
    }
    if let Some(c) = &c.default {
        let option = |d: &Option<DefaultValue>| match d {
            Some(d) => format!("Some({})", default_value(d)),
            None => "None".to_owned(),
        };
        text.push_str(&format!(
            ".default_value({}, {})",
            option(&c.from),
            option(&c.to)
        ));
    }
    if let Some(c) = &c.auto_increment {
        text.push_str(&format!(".auto_increment({}, {})", c.from, c.to));
    }
    if let Some(f) = &c.fill_nulls {
        text.push_str(&format!(".fill_nulls({})", fill(f)));
    }
    text
}
