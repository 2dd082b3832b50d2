//! Parsing of single `#[entmig(..)]` attributes into plain values, one key at a time.
//!
//! Nothing here looks at more than one attribute: conflicts between keys and fields are
//! [`check`](super::check)'s job.

use proc_macro2::{Span, TokenStream, TokenTree};
use syn::meta::ParseNestedMeta;
use syn::spanned::Spanned as _;
use syn::{Attribute, Lit, LitStr, Token};

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
    /// `primary_key` was written on the struct, even if its value was invalid (and so
    /// `primary_key` is `None`): the struct has no "missing primary key" to report then.
    pub primary_key_written: bool,
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
            let result = container_key(cx, &meta, &mut out);
            recover(cx, &meta, result);
            Ok(())
        });
        cx.ok(result);
    }
    out
}

/// One key of the struct's attributes.
fn container_key(
    cx: &mut Ctxt,
    meta: &ParseNestedMeta<'_>,
    out: &mut ContainerAttrs,
) -> syn::Result<()> {
    let key = key_of(meta);
    let span = meta.path.span();
    match key.as_str() {
        TABLE => set(cx, &mut out.table, string(meta, TABLE)?, TABLE),
        RENAMED_FROM => set(
            cx,
            &mut out.renamed_from,
            string(meta, RENAMED_FROM)?,
            RENAMED_FROM,
        ),
        INDEX => {
            if let Some(index) = index(cx, meta)? {
                out.indexes.push(index);
            }
        }
        PRIMARY_KEY => {
            out.primary_key_written = true;
            if let Some(columns) = primary_key(cx, meta)? {
                set(cx, &mut out.primary_key, columns, PRIMARY_KEY);
            }
        }
        NO_PRIMARY_KEY => flag(cx, meta, &mut out.no_primary_key, NO_PRIMARY_KEY),
        CRATE => {
            let path = string(meta, CRATE)?;
            if out.crate_path.is_some() {
                cx.error(path.span, duplicate(CRATE));
                return Ok(());
            }
            // Parsed from a literal with the value's span, so that an unresolved path is
            // reported at `"..."`, not at `#[derive(Entity)]`.
            match LitStr::new(&path.value, path.span).parse::<syn::Path>() {
                Ok(parsed) => out.crate_path = Some(parsed),
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
            skip_value(meta);
            cx.error(
                span,
                format!("`{field_key}` is a field attribute; put it on a field, not on the struct"),
            );
        }
        other => unknown(cx, meta, other, CONTAINER_KEYS, "container"),
    }
    Ok(())
}

/// Parses one field's attributes, recording every error in `cx`.
pub(crate) fn field(cx: &mut Ctxt, attrs: &[Attribute]) -> FieldAttrs {
    let mut out = FieldAttrs::default();
    for attr in entmig_attrs(attrs) {
        let result = attr.parse_nested_meta(|meta| {
            let result = field_key(cx, &meta, &mut out);
            recover(cx, &meta, result);
            Ok(())
        });
        cx.ok(result);
    }
    out
}

/// One key of a field's attributes.
fn field_key(cx: &mut Ctxt, meta: &ParseNestedMeta<'_>, out: &mut FieldAttrs) -> syn::Result<()> {
    let key = key_of(meta);
    match key.as_str() {
        PRIMARY_KEY => flag(cx, meta, &mut out.primary_key, PRIMARY_KEY),
        AUTO_INCREMENT => flag(cx, meta, &mut out.auto_increment, AUTO_INCREMENT),
        UNIQUE => flag(cx, meta, &mut out.unique, UNIQUE),
        INDEX => flag(cx, meta, &mut out.index, INDEX),
        NULLABLE => flag(cx, meta, &mut out.nullable, NULLABLE),
        SKIP => flag(cx, meta, &mut out.skip, SKIP),
        DEFAULT => set(cx, &mut out.default, default(meta)?, DEFAULT),
        DEFAULT_SQL => set(
            cx,
            &mut out.default_sql,
            string(meta, DEFAULT_SQL)?,
            DEFAULT_SQL,
        ),
        COLUMN => set(cx, &mut out.column, string(meta, COLUMN)?, COLUMN),
        RENAMED_FROM => set(
            cx,
            &mut out.renamed_from,
            string(meta, RENAMED_FROM)?,
            RENAMED_FROM,
        ),
        SQL_TYPE => set(cx, &mut out.sql_type, string(meta, SQL_TYPE)?, SQL_TYPE),
        MAX_LENGTH => set(
            cx,
            &mut out.max_length,
            integer(meta, MAX_LENGTH)?,
            MAX_LENGTH,
        ),
        PRECISION => set(cx, &mut out.precision, integer(meta, PRECISION)?, PRECISION),
        SCALE => set(cx, &mut out.scale, integer(meta, SCALE)?, SCALE),
        REFERENCES => set(
            cx,
            &mut out.references,
            string(meta, REFERENCES)?,
            REFERENCES,
        ),
        ON_DELETE => {
            if let Some(action) = action(cx, meta, ON_DELETE)? {
                set(cx, &mut out.on_delete, action, ON_DELETE);
            }
        }
        ON_UPDATE => {
            if let Some(action) = action(cx, meta, ON_UPDATE)? {
                set(cx, &mut out.on_update, action, ON_UPDATE);
            }
        }
        TABLE | NO_PRIMARY_KEY | CRATE => {
            skip_value(meta);
            cx.error(
                meta.path.span(),
                format!("`{key}` is a container attribute; put it on the struct, not on a field"),
            );
        }
        other => unknown(cx, meta, other, FIELD_KEYS, "field"),
    }
    Ok(())
}

/// Records the error of one key and skips what is left of its value, so that a malformed key
/// does not hide the keys after it in the same attribute.
fn recover(cx: &mut Ctxt, meta: &ParseNestedMeta<'_>, result: syn::Result<()>) {
    if let Err(error) = result {
        cx.push(error);
        skip_value(meta);
    }
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

fn duplicate(key: &str) -> String {
    format!("duplicate entmig attribute `{key}`; keep one")
}

/// Stores a value, or reports the key as written twice.
fn set<T>(cx: &mut Ctxt, slot: &mut Option<Spanned<T>>, value: Spanned<T>, key: &str) {
    if slot.is_some() {
        cx.error(value.span, duplicate(key));
    } else {
        *slot = Some(value);
    }
}

/// A key without a value. Written with a value, it is reported but still counts as written,
/// so that `primary_key = true` does not also produce "has no primary key".
fn flag(cx: &mut Ctxt, meta: &ParseNestedMeta<'_>, slot: &mut Flag, key: &str) {
    let span = meta.path.span();
    if !meta.input.is_empty() && !meta.input.peek(Token![,]) {
        skip_value(meta);
        cx.error(
            span,
            format!("`{key}` takes no value; write `#[entmig({key})]`"),
        );
    } else if slot.is_some() {
        cx.error(span, duplicate(key));
        return;
    }
    if slot.is_none() {
        *slot = Some(span);
    }
}

/// Reports an unknown key (with a suggestion) and skips its value so parsing goes on.
fn unknown(
    cx: &mut Ctxt,
    meta: &ParseNestedMeta<'_>,
    key: &str,
    known: &[&'static str],
    kind: &str,
) {
    skip_value(meta);
    let mut message = format!("unknown entmig {kind} attribute `{key}`");
    // `sql::unique`: keys are single names, but the last segment may be the intended one.
    let last_segment = meta
        .path
        .segments
        .last()
        .filter(|_| meta.path.segments.len() > 1)
        .map(|s| s.ident.to_string());
    let suggestion = keys::suggest(key, known)
        .or_else(|| last_segment.and_then(|last| keys::suggest(&last, known)));
    if let Some(suggestion) = suggestion {
        message.push_str(&format!("; did you mean `{suggestion}`?"));
    } else {
        message.push_str(&format!("; expected one of: {}", known.join(", ")));
    }
    // The whole path, so `sql::unique` is underlined entire.
    cx.push(syn::Error::new_spanned(&meta.path, message));
}

/// Consumes what is left of a key's value (`= value`, `(..)`, or anything malformed) up to the
/// next `,`, so the next key can be read.
fn skip_value(meta: &ParseNestedMeta<'_>) {
    let input = meta.input;
    while !input.is_empty() && !input.peek(Token![,]) {
        if input.parse::<TokenTree>().is_err() {
            break;
        }
    }
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

/// `true` when the value after `=` is missing (`key =` or `key = ,`).
fn missing(input: syn::parse::ParseStream<'_>) -> bool {
    input.is_empty() || input.peek(Token![,])
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
    if missing(input) {
        return Err(wrong(meta.path.span()));
    }
    let lit = input.parse::<TokenTree>()?;
    let span = lit.span();
    match syn::parse2::<Lit>(lit.into()) {
        Ok(Lit::Str(s)) => {
            skip_rest(meta, key)?;
            Ok(Spanned {
                value: s.value(),
                span,
            })
        }
        _ => Err(wrong(span)),
    }
}

/// Errors at the extra tokens when anything but `,` follows a complete value
/// (`max_length = 255 512`).
fn skip_rest(meta: &ParseNestedMeta<'_>, key: &str) -> syn::Result<()> {
    let mut extra = TokenStream::new();
    while !missing(meta.input) {
        extra.extend([meta.input.parse::<TokenTree>()?]);
    }
    if extra.is_empty() {
        return Ok(());
    }
    Err(syn::Error::new_spanned(
        &extra,
        format!("unexpected `{extra}` after the value of `{key}`; separate keys with `,`"),
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
    if missing(input) {
        return Err(wrong(meta.path.span()));
    }
    let token = input.parse::<TokenTree>()?;
    let span = token.span();
    let Ok(Lit::Int(int)) = syn::parse2::<Lit>(token.into()) else {
        return Err(wrong(span));
    };
    skip_rest(meta, key)?;
    let value = int
        .base10_parse::<u32>()
        .map_err(|_| syn::Error::new(span, too_large(key, int.base10_digits())))?;
    Ok(Spanned { value, span })
}

/// Why an integer key's value is too large, with the key's own limit, in the words of the
/// check that would otherwise reject it.
fn too_large(key: &str, digits: &str) -> String {
    match key {
        MAX_LENGTH => format!(
            "`max_length = {digits}` is too large; for text of any length, remove `max_length`"
        ),
        PRECISION => "`precision` must be between 1 and 1000".to_owned(),
        SCALE => format!(
            "`scale = {digits}` is too large; `scale` cannot be larger than `precision`, which is at most 1000"
        ),
        _ => format!("`{key} = {digits}` is too large"),
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
    if missing(input) {
        return Err(wrong(minus_span.unwrap_or_else(|| meta.path.span())));
    }
    let token = input.parse::<TokenTree>()?;
    let span = minus_span
        .and_then(|m| m.join(token.span()))
        .unwrap_or_else(|| token.span());
    let Ok(lit) = syn::parse2::<Lit>(token.clone().into()) else {
        return Err(wrong(token.span()));
    };
    skip_rest(meta, DEFAULT)?;
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

/// `primary_key(columns = "a, b")` on the struct.
fn primary_key(
    cx: &mut Ctxt,
    meta: &ParseNestedMeta<'_>,
) -> syn::Result<Option<Spanned<Vec<String>>>> {
    let span = meta.path.span();
    if !meta.input.peek(syn::token::Paren) {
        skip_value(meta);
        cx.error(
            span,
            "on the struct, `primary_key` lists its columns: `primary_key(columns = \"a, b\")`; \
             to mark one field, put `#[entmig(primary_key)]` on the field",
        );
        return Ok(None);
    }
    let mut columns = None;
    let before = cx.count();
    meta.parse_nested_meta(|inner| {
        let result = match key_of(&inner).as_str() {
            COLUMNS => column_list(&inner).map(|list| set(cx, &mut columns, list, COLUMNS)),
            other => {
                unknown(cx, &inner, other, &[COLUMNS], "primary_key(..)");
                Ok(())
            }
        };
        recover(cx, &inner, result);
        Ok(())
    })?;
    // A key that was reported inside already says what is wrong.
    if columns.is_none() && cx.count() == before {
        cx.error(
            span,
            "`primary_key(..)` needs the key's columns: `primary_key(columns = \"a, b\")`",
        );
    }
    Ok(columns)
}

/// `index(columns = "a, b", unique, name = "…")`.
fn index(cx: &mut Ctxt, meta: &ParseNestedMeta<'_>) -> syn::Result<Option<IndexAttr>> {
    let span = meta.path.span();
    if !meta.input.peek(syn::token::Paren) {
        skip_value(meta);
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
    let before = cx.count();
    meta.parse_nested_meta(|inner| {
        let result = match key_of(&inner).as_str() {
            COLUMNS => column_list(&inner).map(|list| set(cx, &mut columns, list, COLUMNS)),
            UNIQUE => {
                flag(cx, &inner, &mut unique, UNIQUE);
                Ok(())
            }
            NAME => string(&inner, NAME).map(|value| set(cx, &mut name, value, NAME)),
            other => {
                unknown(cx, &inner, other, INDEX_KEYS, "index(..)");
                Ok(())
            }
        };
        recover(cx, &inner, result);
        Ok(())
    })?;
    let Some(columns) = columns else {
        // A key that was reported inside (`colums`, a bad list) already says what is wrong.
        if cx.count() == before {
            cx.error(
                span,
                "`index(..)` needs its columns: `index(columns = \"a, b\")`",
            );
        }
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
