//! Parsing of single `#[entmig(..)]` attributes into plain values, one key at a time.
//!
//! Nothing here looks at more than one attribute: conflicts between keys and fields are
//! [`check`](super::check)'s job.

use proc_macro2::{Span, TokenTree};
use syn::meta::ParseNestedMeta;
use syn::spanned::Spanned as _;
use syn::{Attribute, Lit, Token};

use super::ctxt::Ctxt;
use super::keys::{self, *};
use crate::model::{DefaultValue, ReferentialAction};

/// A value with the span of the token that gave it, so errors point at it.
#[derive(Debug, Clone)]
pub(crate) struct Spanned<T> {
    pub value: T,
    pub span: Span,
}

/// A flag key such as `unique`: present or not, with where it was written.
pub(crate) type Flag = Option<Span>;

/// `#[entmig(index(..))]` on the struct.
pub(crate) struct IndexAttr {
    pub columns: Spanned<Vec<String>>,
    pub unique: bool,
    pub name: Option<Spanned<String>>,
}

/// Every key of the struct's `#[entmig(..)]` attributes.
#[derive(Default)]
pub(crate) struct ContainerAttrs {
    pub table: Option<Spanned<String>>,
    pub renamed_from: Option<Spanned<String>>,
    pub indexes: Vec<IndexAttr>,
    pub primary_key: Option<Spanned<Vec<String>>>,
    pub no_primary_key: Flag,
    pub crate_path: Option<syn::Path>,
}

/// Every key of one field's `#[entmig(..)]` attributes.
#[derive(Default)]
pub(crate) struct FieldAttrs {
    pub primary_key: Flag,
    pub auto_increment: Flag,
    pub unique: Flag,
    pub index: Flag,
    pub nullable: Flag,
    pub default: Option<Spanned<DefaultValue>>,
    pub default_sql: Option<Spanned<String>>,
    pub column: Option<Spanned<String>>,
    pub renamed_from: Option<Spanned<String>>,
    pub sql_type: Option<Spanned<String>>,
    pub max_length: Option<Spanned<u32>>,
    pub precision: Option<Spanned<u32>>,
    pub scale: Option<Spanned<u32>>,
    pub references: Option<Spanned<String>>,
    pub on_delete: Option<Spanned<ReferentialAction>>,
    pub on_update: Option<Spanned<ReferentialAction>>,
    pub skip: Flag,
}

impl FieldAttrs {
    /// The span of every key that was written, for "`skip` cannot be combined with …".
    pub(crate) fn written_keys(&self) -> Vec<(&'static str, Span)> {
        let flags = [
            (PRIMARY_KEY, self.primary_key),
            (AUTO_INCREMENT, self.auto_increment),
            (UNIQUE, self.unique),
            (INDEX, self.index),
            (NULLABLE, self.nullable),
            (DEFAULT, self.default.as_ref().map(|s| s.span)),
            (DEFAULT_SQL, self.default_sql.as_ref().map(|s| s.span)),
            (COLUMN, self.column.as_ref().map(|s| s.span)),
            (RENAMED_FROM, self.renamed_from.as_ref().map(|s| s.span)),
            (SQL_TYPE, self.sql_type.as_ref().map(|s| s.span)),
            (MAX_LENGTH, self.max_length.as_ref().map(|s| s.span)),
            (PRECISION, self.precision.as_ref().map(|s| s.span)),
            (SCALE, self.scale.as_ref().map(|s| s.span)),
            (REFERENCES, self.references.as_ref().map(|s| s.span)),
            (ON_DELETE, self.on_delete.as_ref().map(|s| s.span)),
            (ON_UPDATE, self.on_update.as_ref().map(|s| s.span)),
        ];
        flags
            .into_iter()
            .filter_map(|(key, span)| span.map(|s| (key, s)))
            .collect()
    }
}

/// Parses the struct's attributes, recording every error in `cx`.
pub(crate) fn container(cx: &mut Ctxt, attrs: &[Attribute]) -> ContainerAttrs {
    let mut out = ContainerAttrs::default();
    for attr in entmig_attrs(attrs) {
        let result = attr.parse_nested_meta(|meta| {
            let key = key_of(&meta);
            let span = meta.path.span();
            match key.as_str() {
                TABLE => set(cx, &mut out.table, string(&meta, TABLE)?, TABLE),
                RENAMED_FROM => set(
                    cx,
                    &mut out.renamed_from,
                    string(&meta, RENAMED_FROM)?,
                    RENAMED_FROM,
                ),
                INDEX => {
                    if let Some(index) = index(cx, &meta)? {
                        out.indexes.push(index);
                    }
                }
                PRIMARY_KEY => {
                    let mut columns = None;
                    meta.parse_nested_meta(|inner| {
                        match key_of(&inner).as_str() {
                            COLUMNS => set(cx, &mut columns, column_list(&inner)?, COLUMNS),
                            other => unknown(cx, &inner, other, &[COLUMNS], "primary_key(..)")?,
                        }
                        Ok(())
                    })?;
                    match columns {
                        Some(columns) => set(cx, &mut out.primary_key, columns, PRIMARY_KEY),
                        None => cx.error(
                            span,
                            "`primary_key(..)` needs the key's columns: \
                             `primary_key(columns = \"a, b\")`",
                        ),
                    }
                }
                NO_PRIMARY_KEY => flag(cx, &meta, &mut out.no_primary_key, NO_PRIMARY_KEY)?,
                CRATE => {
                    let path = string(&meta, CRATE)?;
                    match syn::parse_str::<syn::Path>(&path.value) {
                        Ok(parsed) if out.crate_path.is_none() => out.crate_path = Some(parsed),
                        Ok(_) => cx.error(span, "duplicate entmig attribute `crate`"),
                        Err(_) => cx.error(
                            path.span,
                            format!(
                                "`crate = \"{}\"` is not a path; write the path of the renamed \
                                 entmig-runtime dependency, e.g. `crate = \"::my_entmig\"`",
                                path.value
                            ),
                        ),
                    }
                }
                field_key if keys::FIELD_KEYS.contains(&field_key) => {
                    skip_value(&meta)?;
                    cx.error(
                        span,
                        format!(
                            "`{field_key}` is a field attribute; put it on a field, not on the struct"
                        ),
                    );
                }
                other => unknown(cx, &meta, other, CONTAINER_KEYS, "container")?,
            }
            Ok(())
        });
        cx.ok(result);
    }
    out
}

/// Parses one field's attributes, recording every error in `cx`.
pub(crate) fn field(cx: &mut Ctxt, attrs: &[Attribute]) -> FieldAttrs {
    let mut out = FieldAttrs::default();
    for attr in entmig_attrs(attrs) {
        let result = attr.parse_nested_meta(|meta| {
            let key = key_of(&meta);
            match key.as_str() {
                PRIMARY_KEY => flag(cx, &meta, &mut out.primary_key, PRIMARY_KEY)?,
                AUTO_INCREMENT => flag(cx, &meta, &mut out.auto_increment, AUTO_INCREMENT)?,
                UNIQUE => flag(cx, &meta, &mut out.unique, UNIQUE)?,
                INDEX => flag(cx, &meta, &mut out.index, INDEX)?,
                NULLABLE => flag(cx, &meta, &mut out.nullable, NULLABLE)?,
                SKIP => flag(cx, &meta, &mut out.skip, SKIP)?,
                DEFAULT => set(cx, &mut out.default, default(&meta)?, DEFAULT),
                DEFAULT_SQL => set(
                    cx,
                    &mut out.default_sql,
                    string(&meta, DEFAULT_SQL)?,
                    DEFAULT_SQL,
                ),
                COLUMN => set(cx, &mut out.column, string(&meta, COLUMN)?, COLUMN),
                RENAMED_FROM => set(
                    cx,
                    &mut out.renamed_from,
                    string(&meta, RENAMED_FROM)?,
                    RENAMED_FROM,
                ),
                SQL_TYPE => set(cx, &mut out.sql_type, string(&meta, SQL_TYPE)?, SQL_TYPE),
                MAX_LENGTH => set(
                    cx,
                    &mut out.max_length,
                    integer(&meta, MAX_LENGTH)?,
                    MAX_LENGTH,
                ),
                PRECISION => set(
                    cx,
                    &mut out.precision,
                    integer(&meta, PRECISION)?,
                    PRECISION,
                ),
                SCALE => set(cx, &mut out.scale, integer(&meta, SCALE)?, SCALE),
                REFERENCES => set(
                    cx,
                    &mut out.references,
                    string(&meta, REFERENCES)?,
                    REFERENCES,
                ),
                ON_DELETE => {
                    if let Some(action) = action(cx, &meta, ON_DELETE)? {
                        set(cx, &mut out.on_delete, action, ON_DELETE);
                    }
                }
                ON_UPDATE => {
                    if let Some(action) = action(cx, &meta, ON_UPDATE)? {
                        set(cx, &mut out.on_update, action, ON_UPDATE);
                    }
                }
                TABLE | NO_PRIMARY_KEY | CRATE => {
                    skip_value(&meta)?;
                    cx.error(
                        meta.path.span(),
                        format!(
                            "`{key}` is a container attribute; put it on the struct, not on a field"
                        ),
                    );
                }
                other => unknown(cx, &meta, other, FIELD_KEYS, "field")?,
            }
            Ok(())
        });
        cx.ok(result);
    }
    out
}

fn entmig_attrs(attrs: &[Attribute]) -> impl Iterator<Item = &Attribute> {
    attrs.iter().filter(|a| a.path().is_ident(ENTMIG))
}

fn key_of(meta: &ParseNestedMeta<'_>) -> String {
    meta.path
        .get_ident()
        .map(|i| i.to_string())
        .unwrap_or_else(|| {
            meta.path
                .segments
                .iter()
                .map(|s| s.ident.to_string())
                .collect::<Vec<_>>()
                .join("::")
        })
}

/// Stores a value, or reports the key as written twice.
fn set<T>(cx: &mut Ctxt, slot: &mut Option<Spanned<T>>, value: Spanned<T>, key: &str) {
    if slot.is_some() {
        cx.error(value.span, format!("duplicate entmig attribute `{key}`"));
    } else {
        *slot = Some(value);
    }
}

fn flag(cx: &mut Ctxt, meta: &ParseNestedMeta<'_>, slot: &mut Flag, key: &str) -> syn::Result<()> {
    let span = meta.path.span();
    if !meta.input.is_empty() && !meta.input.peek(Token![,]) {
        skip_value(meta)?;
        cx.error(
            span,
            format!("`{key}` takes no value; write `#[entmig({key})]`"),
        );
        return Ok(());
    }
    if slot.is_some() {
        cx.error(span, format!("duplicate entmig attribute `{key}`"));
    } else {
        *slot = Some(span);
    }
    Ok(())
}

/// Reports an unknown key (with a suggestion) and skips its value so parsing goes on.
fn unknown(
    cx: &mut Ctxt,
    meta: &ParseNestedMeta<'_>,
    key: &str,
    known: &[&'static str],
    kind: &str,
) -> syn::Result<()> {
    skip_value(meta)?;
    let mut message = format!("unknown entmig {kind} attribute `{key}`");
    if let Some(suggestion) = keys::suggest(key, known) {
        message.push_str(&format!("; did you mean `{suggestion}`?"));
    } else {
        message.push_str(&format!("; expected one of: {}", known.join(", ")));
    }
    cx.error(meta.path.span(), message);
    Ok(())
}

/// Consumes `= value` or `(..)` after a key, whatever they hold.
fn skip_value(meta: &ParseNestedMeta<'_>) -> syn::Result<()> {
    let input = meta.input;
    if input.peek(Token![=]) {
        input.parse::<Token![=]>()?;
    }
    while !input.is_empty() && !input.peek(Token![,]) {
        input.parse::<TokenTree>()?;
    }
    Ok(())
}

fn expect_value<'a>(
    meta: &ParseNestedMeta<'a>,
    key: &str,
    example: &str,
) -> syn::Result<syn::parse::ParseStream<'a>> {
    if !meta.input.peek(Token![=]) {
        return Err(meta.error(format!("`{key}` needs a value: `{key} = {example}`")));
    }
    meta.value()
}

/// `key = "text"`.
fn string(meta: &ParseNestedMeta<'_>, key: &str) -> syn::Result<Spanned<String>> {
    let input = expect_value(meta, key, "\"...\"")?;
    let wrong = |span: Span| {
        syn::Error::new(
            span,
            format!("expected a string literal for `{key}`, e.g. `{key} = \"...\"`"),
        )
    };
    if input.is_empty() {
        return Err(wrong(meta.path.span()));
    }
    let lit = input.parse::<TokenTree>()?;
    let span = lit.span();
    match syn::parse2::<Lit>(lit.into()) {
        Ok(Lit::Str(s)) => {
            skip_rest(meta, span)?;
            Ok(Spanned {
                value: s.value(),
                span,
            })
        }
        _ => {
            skip_value(meta)?;
            Err(wrong(span))
        }
    }
}

/// Errors when anything but `,` follows a complete value (`max_length = 255 512`).
fn skip_rest(meta: &ParseNestedMeta<'_>, span: Span) -> syn::Result<()> {
    if meta.input.is_empty() || meta.input.peek(Token![,]) {
        return Ok(());
    }
    skip_value(meta)?;
    Err(syn::Error::new(
        span,
        "unexpected tokens after this value; separate keys with `,`",
    ))
}

/// `key = 123`, a non-negative integer that fits in u32.
fn integer(meta: &ParseNestedMeta<'_>, key: &str) -> syn::Result<Spanned<u32>> {
    let input = expect_value(meta, key, "123")?;
    let wrong = |span: Span| {
        syn::Error::new(
            span,
            format!("expected a whole number for `{key}`, e.g. `{key} = 255`"),
        )
    };
    if input.is_empty() {
        return Err(wrong(meta.path.span()));
    }
    let token = input.parse::<TokenTree>()?;
    let span = token.span();
    match syn::parse2::<Lit>(token.into()) {
        Ok(Lit::Int(int)) => {
            skip_rest(meta, span)?;
            let value = int.base10_parse::<u32>().map_err(|_| {
                syn::Error::new(span, format!("`{key}` must be between 0 and {}", u32::MAX))
            })?;
            Ok(Spanned { value, span })
        }
        _ => {
            skip_value(meta)?;
            Err(wrong(span))
        }
    }
}

/// `default = <literal>`: a string, integer (possibly negative), float or bool.
fn default(meta: &ParseNestedMeta<'_>) -> syn::Result<Spanned<DefaultValue>> {
    let input = expect_value(meta, DEFAULT, "0")?;
    let negative = input.peek(Token![-]);
    let minus_span = if negative {
        Some(input.parse::<Token![-]>()?.span)
    } else {
        None
    };
    let wrong = |span: Span| {
        syn::Error::new(
            span,
            "expected a literal for `default`: a string, integer, float or bool \
             (e.g. `default = \"draft\"`, `default = 0`, `default = true`); \
             for a SQL expression use `default_sql = \"...\"`",
        )
    };
    if input.is_empty() {
        return Err(wrong(meta.path.span()));
    }
    let token = input.parse::<TokenTree>()?;
    let span = minus_span
        .and_then(|m| m.join(token.span()))
        .unwrap_or_else(|| token.span());
    let lit = match syn::parse2::<Lit>(token.clone().into()) {
        Ok(lit) => lit,
        Err(_) => {
            skip_value(meta)?;
            return Err(wrong(token.span()));
        }
    };
    skip_rest(meta, span)?;
    let value =
        match (&lit, negative) {
            (Lit::Str(s), false) => DefaultValue::String(s.value()),
            (Lit::Bool(b), false) => DefaultValue::Bool(b.value),
            (Lit::Int(i), _) => {
                let digits = if negative {
                    format!("-{}", i.base10_digits())
                } else {
                    i.base10_digits().to_owned()
                };
                DefaultValue::Integer(digits.parse().map_err(|_| {
                    syn::Error::new(span, "`default` does not fit in a 64-bit integer")
                })?)
            }
            (Lit::Float(f), _) => {
                let value: f64 = f.base10_parse()?;
                DefaultValue::Float(if negative { -value } else { value })
            }
            _ => return Err(wrong(span)),
        };
    Ok(Spanned { value, span })
}

/// `on_delete = "cascade"` and friends.
fn action(
    cx: &mut Ctxt,
    meta: &ParseNestedMeta<'_>,
    key: &str,
) -> syn::Result<Option<Spanned<ReferentialAction>>> {
    let name = string(meta, key)?;
    match ReferentialAction::from_attr(&name.value) {
        Some(value) => Ok(Some(Spanned {
            value,
            span: name.span,
        })),
        None => {
            let names: Vec<_> = ReferentialAction::ALL
                .iter()
                .map(|(n, _)| format!("\"{n}\""))
                .collect();
            cx.error(
                name.span,
                format!(
                    "unknown `{key}` action \"{}\"; expected one of {}",
                    name.value,
                    names.join(", ")
                ),
            );
            Ok(None)
        }
    }
}

/// `index(columns = "a, b", unique, name = "…")`.
fn index(cx: &mut Ctxt, meta: &ParseNestedMeta<'_>) -> syn::Result<Option<IndexAttr>> {
    let span = meta.path.span();
    if !meta.input.peek(syn::token::Paren) {
        skip_value(meta)?;
        cx.error(
            span,
            "on the struct, `index` lists its columns: `index(columns = \"a, b\")`, \
             optionally with `unique` and `name = \"...\"`",
        );
        return Ok(None);
    }
    let mut columns = None;
    let mut unique: Flag = None;
    let mut name = None;
    meta.parse_nested_meta(|inner| {
        match key_of(&inner).as_str() {
            COLUMNS => set(cx, &mut columns, column_list(&inner)?, COLUMNS),
            UNIQUE => flag(cx, &inner, &mut unique, UNIQUE)?,
            NAME => set(cx, &mut name, string(&inner, NAME)?, NAME),
            other => unknown(cx, &inner, other, INDEX_KEYS, "index(..)")?,
        }
        Ok(())
    })?;
    let Some(columns) = columns else {
        cx.error(
            span,
            "`index(..)` needs its columns: `index(columns = \"a, b\")`",
        );
        return Ok(None);
    };
    Ok(Some(IndexAttr {
        columns,
        unique: unique.is_some(),
        name,
    }))
}

/// `columns = "a, b"`: a non-empty, comma-separated list of names.
fn column_list(meta: &ParseNestedMeta<'_>) -> syn::Result<Spanned<Vec<String>>> {
    let list = string(meta, COLUMNS)?;
    let columns: Vec<String> = list.value.split(',').map(|c| c.trim().to_owned()).collect();
    if columns
        .iter()
        .any(|c| c.is_empty() || c.contains(char::is_whitespace))
    {
        return Err(syn::Error::new(
            list.span,
            "`columns` is a comma-separated list of column names, e.g. `columns = \"author_id, created_at\"`",
        ));
    }
    Ok(Spanned {
        value: columns,
        span: list.span,
    })
}
