//! Checks that look at more than one attribute or field, and the building of the table.

use proc_macro2::Span;
use syn::spanned::Spanned as _;
use syn::{Data, DeriveInput, Fields};

use super::attrs::{self, ContainerAttrs, FieldAttrs, Spanned};
use super::ctxt::Ctxt;
use super::keys::{self, *};
use super::types::{self, MappedType};
use super::{EntityDef, ForeignKeyDef, ReferenceTarget};
use crate::literal::Misfit;
use crate::model::{Column, ColumnType, DefaultValue, Index, ReferentialAction, Table};
use crate::naming;

/// One field with what its attributes and type say.
struct FieldInfo {
    /// Rust name, without `r#`.
    rust_name: String,
    /// Where to point errors about the field as a whole.
    span: Span,
    attrs: FieldAttrs,
    mapped: MappedType,
}

/// Builds the entity, recording every problem in `cx`. `None` when the struct's shape rules
/// out an entity at all.
pub(crate) fn entity(cx: &mut Ctxt, input: &DeriveInput) -> Option<EntityDef> {
    let container = attrs::container(cx, &input.attrs);
    let fields = named_fields(cx, input)?;
    let fields: Vec<FieldInfo> = fields
        .iter()
        .map(|f| {
            let ident = f.ident.as_ref().map(|i| i.to_string()).unwrap_or_default();
            FieldInfo {
                rust_name: ident.trim_start_matches("r#").to_owned(),
                span: f.ident.as_ref().map_or_else(|| f.ty.span(), |i| i.span()),
                attrs: attrs::field(cx, &f.attrs),
                mapped: types::map_type(&f.ty),
            }
        })
        .collect();

    let table_name = container
        .table
        .as_ref()
        .map(|t| t.value.clone())
        .unwrap_or_else(|| super::default_table_name(&input.ident));
    if let Some(table) = &container.table {
        check_name(cx, &table.value, table.span, "table");
    }
    let mut table = Table::new(&table_name);
    table.renamed_from = container.renamed_from.as_ref().map(|r| r.value.clone());
    if let Some(renamed) = &container.renamed_from
        && renamed.value == table_name
    {
        cx.error(
            renamed.span,
            format!("`renamed_from` names the table's current name `{table_name}`; remove it"),
        );
    }

    let mut columns: Vec<(usize, Column)> = Vec::new();
    for (i, field) in fields.iter().enumerate() {
        if !skipped(cx, field)
            && let Some(column) = column(cx, field)
        {
            columns.push((i, column));
        }
    }
    check_unique_names(cx, &fields, &columns);
    table.columns = columns.iter().map(|(_, c)| c.clone()).collect();

    table.primary_key = primary_key(cx, input, &container, &fields, &columns);
    check_auto_increment(cx, &fields, &columns, &table.primary_key);
    table.indexes = indexes(
        cx,
        &table_name,
        &container,
        &fields,
        &columns,
        &table.primary_key,
    );
    let foreign_keys = foreign_keys(cx, &table_name, &fields, &columns, &table.primary_key);
    table.sort();

    Some(EntityDef {
        ident: input.ident.clone(),
        table,
        foreign_keys,
        crate_path: container.crate_path,
    })
}

/// The struct's named fields, or an error for enums, unions, tuple, unit and generic structs.
fn named_fields<'a>(
    cx: &mut Ctxt,
    input: &'a DeriveInput,
) -> Option<&'a syn::punctuated::Punctuated<syn::Field, syn::Token![,]>> {
    let name = &input.ident;
    let fix = "`#[derive(Entity)]` maps a struct with named fields to a table";
    if !input.generics.params.is_empty() {
        cx.push(syn::Error::new_spanned(
            &input.generics,
            format!(
                "`{name}` is generic, but an entity must name one table with fixed column types; \
                 remove the generic parameters and give each field a concrete, owned type{}",
                generic_examples(&input.generics)
            ),
        ));
        return None;
    }
    match &input.data {
        Data::Struct(data) => match &data.fields {
            Fields::Named(named) => Some(&named.named),
            Fields::Unnamed(unnamed) => {
                cx.error(
                    unnamed.paren_token.span.join(),
                    format!("`{name}` is a tuple struct, whose fields have no names to be columns; {fix}: write `struct {name} {{ id: i64, .. }}`"),
                );
                None
            }
            Fields::Unit => {
                cx.error(
                    name.span(),
                    format!("`{name}` is a unit struct, with no fields to be columns; {fix}"),
                );
                None
            }
        },
        Data::Enum(data) => {
            cx.error(
                data.enum_token.span,
                format!("`{name}` is an enum; {fix}. To store an enum in a column, give the field a `sql_type`"),
            );
            None
        }
        Data::Union(data) => {
            cx.error(data.union_token.span, format!("`{name}` is a union; {fix}"));
            None
        }
    }
}

/// ` (e.g. `String` instead of `&'a str`)`: what to write instead of the struct's own generic
/// parameters.
fn generic_examples(generics: &syn::Generics) -> String {
    let mut examples = Vec::new();
    if let Some(lifetime) = generics.lifetimes().next() {
        examples.push(format!("`String` instead of `&{} str`", lifetime.lifetime));
    }
    if let Some(param) = generics.type_params().next() {
        examples.push(format!("`i64` instead of `{}`", param.ident));
    }
    if let Some(param) = generics.const_params().next() {
        examples.push(format!("a fixed number instead of `{}`", param.ident));
    }
    if examples.is_empty() {
        String::new()
    } else {
        format!(" (e.g. {})", examples.join(", "))
    }
}

/// `true` for a `skip` field; reports other keys written beside `skip`.
fn skipped(cx: &mut Ctxt, field: &FieldInfo) -> bool {
    if field.attrs.skip.is_none() {
        return false;
    }
    for (key, span) in field.attrs.written_keys() {
        cx.error(
            span,
            format!(
                "`{key}` has no effect on a `skip` field, which is not a column; remove one of them"
            ),
        );
    }
    true
}

fn check_name(cx: &mut Ctxt, name: &str, span: Span, what: &str) {
    if name.trim().is_empty() {
        cx.error(span, format!("the {what} name is empty; write a name"));
    } else if name.contains('\0') {
        cx.error(span, format!("the {what} name contains a NUL character"));
    }
}

/// The column of one field, or `None` (with errors recorded) when its type is unknown.
fn column(cx: &mut Ctxt, field: &FieldInfo) -> Option<Column> {
    let a = &field.attrs;
    let name = a
        .column
        .as_ref()
        .map(|c| c.value.clone())
        .unwrap_or_else(|| field.rust_name.clone());
    if let Some(column) = &a.column {
        check_name(cx, &column.value, column.span, "column");
    }
    let ty = column_type(cx, field)?;

    let nullable = field.mapped.nullable || a.nullable.is_some();
    if let Some(pk) = a.primary_key
        && nullable
    {
        let cause = if field.mapped.nullable {
            "its type is an `Option`"
        } else {
            "it is marked `nullable`"
        };
        cx.error(
                pk,
                format!("a primary key column cannot be NULL, but `{}` is nullable because {cause}; remove one of them", field.rust_name),
            );
    }

    let default = match (&a.default, &a.default_sql) {
        (Some(_), Some(sql)) => {
            cx.error(
                sql.span,
                "`default` and `default_sql` both set the column's default; keep one",
            );
            None
        }
        (Some(default), None) => default_for(cx, default, &ty),
        (None, Some(sql)) if sql.value.trim().is_empty() => {
            cx.error(
                sql.span,
                "`default_sql` is empty; write a SQL expression such as \"CURRENT_TIMESTAMP\"",
            );
            None
        }
        (None, Some(sql)) => Some(DefaultValue::Sql(sql.value.clone())),
        (None, None) => None,
    };

    if let Some(renamed) = &a.renamed_from
        && renamed.value == name
    {
        cx.error(
            renamed.span,
            format!("`renamed_from` names the column's current name `{name}`; remove it"),
        );
    }

    Some(Column {
        name,
        ty,
        nullable,
        default,
        auto_increment: a.auto_increment.is_some(),
        renamed_from: a.renamed_from.as_ref().map(|r| r.value.clone()),
    })
}

/// The field's column type: `sql_type`, or its Rust type refined by `max_length`,
/// `precision` and `scale`.
fn column_type(cx: &mut Ctxt, field: &FieldInfo) -> Option<ColumnType> {
    let a = &field.attrs;
    if let Some(sql_type) = &a.sql_type {
        if sql_type.value.trim().is_empty() {
            cx.error(
                sql_type.span,
                "`sql_type` is empty; write a SQL type such as \"citext\"",
            );
            return None;
        }
        for (key, given) in [
            (MAX_LENGTH, a.max_length.as_ref().map(|s| s.span)),
            (PRECISION, a.precision.as_ref().map(|s| s.span)),
            (SCALE, a.scale.as_ref().map(|s| s.span)),
        ] {
            if let Some(span) = given {
                cx.error(
                    span,
                    format!("`{key}` conflicts with `sql_type`, which gives the whole type; write it into `sql_type`, e.g. \"varchar(20)\""),
                );
            }
        }
        return Some(ColumnType::from_sql_name(&sql_type.value));
    }
    let Some(mut ty) = field.mapped.ty.clone() else {
        if let Some(error) = &field.mapped.unmapped {
            cx.push(error.clone());
        }
        return None;
    };
    if let Some(max) = &a.max_length {
        if ty != ColumnType::Text {
            cx.error(
                max.span,
                format!("`max_length` applies to string fields (`String`, `Box<str>`), but `{}` is {ty}; remove it", field.rust_name),
            );
        } else if max.value == 0 {
            cx.error(max.span, "`max_length` must be at least 1");
        } else {
            ty = ColumnType::Varchar(max.value);
        }
    }
    match (&a.precision, &a.scale) {
        (None, None) => {}
        (None, Some(scale)) => cx.error(
            scale.span,
            "`scale` needs `precision`: write `precision = P, scale = S`",
        ),
        (Some(precision), scale) => {
            if !matches!(ty, ColumnType::Decimal { .. }) {
                cx.error(
                    precision.span,
                    format!("`precision` and `scale` apply to decimal fields (`rust_decimal::Decimal`), but `{}` is {ty}; remove them or set `sql_type`", field.rust_name),
                );
            } else if precision.value == 0 || precision.value > 1000 {
                cx.error(precision.span, "`precision` must be between 1 and 1000");
            } else {
                let scale_value = scale.as_ref().map_or(0, |s| s.value);
                if scale_value > precision.value {
                    let span = scale.as_ref().map_or(precision.span, |s| s.span);
                    cx.error(span, "`scale` cannot be larger than `precision`");
                }
                ty = ColumnType::Decimal {
                    precision: Some(precision.value),
                    scale: Some(scale_value),
                };
            }
        }
    }
    Some(ty)
}

/// The default of `default = <literal>`, checked against the column type
/// ([`DefaultValue::fit`]).
fn default_for(
    cx: &mut Ctxt,
    default: &Spanned<DefaultValue>,
    ty: &ColumnType,
) -> Option<DefaultValue> {
    let misfit = match default.value.fit(ty) {
        Ok(value) => return Some(value),
        Err(misfit) => misfit,
    };
    let message = match &misfit {
        Misfit::OutOfRange { value, ty } => {
            let wider = match ty {
                ColumnType::SmallInt => "a wider type such as `i32`",
                _ => "`i64`",
            };
            format!("`default = {value}` {misfit}; choose a default in range or {wider}")
        }
        Misfit::WrongKind { .. } => format!(
            "`default` {misfit}; give a literal of the column's type, or use `default_sql = \"...\"`"
        ),
        _ => format!(
            "`default` {misfit}; give a value the column holds, or use `default_sql = \"...\"`"
        ),
    };
    cx.error(default.span, message);
    None
}

fn check_unique_names(cx: &mut Ctxt, fields: &[FieldInfo], columns: &[(usize, Column)]) {
    for (position, (field_index, column)) in columns.iter().enumerate() {
        if let Some((first, _)) = columns[..position]
            .iter()
            .find(|(_, c)| c.name == column.name)
        {
            let field = &fields[*field_index];
            let span = field.attrs.column.as_ref().map_or(field.span, |c| c.span);
            cx.error(
                span,
                format!(
                    "two fields map to the column `{}`: `{}` and `{}`; give one of them `column = \"...\"`",
                    column.name, fields[*first].rust_name, field.rust_name
                ),
            );
        }
    }
}

/// The SQL names of the columns in a container list (`columns = "a, b"`), each given by field
/// name or SQL name. Every name that is not a column is reported; `None` if any was not.
fn resolve_columns(
    cx: &mut Ctxt,
    list: &Spanned<Vec<String>>,
    fields: &[FieldInfo],
    columns: &[(usize, Column)],
) -> Option<Vec<String>> {
    let mut out = Vec::new();
    let mut complete = true;
    for name in &list.value {
        match resolve_column(cx, name, list.span, fields, columns) {
            Some(resolved) if out.contains(&resolved) => {
                cx.error(
                    list.span,
                    format!("column `{resolved}` is listed twice; remove one"),
                );
                complete = false;
            }
            Some(resolved) => out.push(resolved),
            None => complete = false,
        }
    }
    complete.then_some(out)
}

/// The SQL name of one column of a container list, or `None` with the problem reported.
fn resolve_column(
    cx: &mut Ctxt,
    name: &str,
    span: Span,
    fields: &[FieldInfo],
    columns: &[(usize, Column)],
) -> Option<String> {
    let by_field = columns
        .iter()
        .find(|(i, _)| fields[*i].rust_name == name)
        .or_else(|| columns.iter().find(|(_, c)| c.name == name));
    if let Some((_, column)) = by_field {
        return Some(column.name.clone());
    }
    let field = fields
        .iter()
        .find(|f| f.rust_name == name || f.attrs.column.as_ref().is_some_and(|c| c.value == name));
    match field {
        Some(field) if field.attrs.skip.is_some() => cx.error(
            span,
            format!(
                "`{name}` is a `skip` field, which is not a column; remove it from `columns`, \
                 or remove `skip` from the field"
            ),
        ),
        // A field whose column could not be built: its own error says why.
        Some(_) => {}
        None => {
            let mut known: Vec<&str> = Vec::new();
            for (i, column) in columns {
                for candidate in [fields[*i].rust_name.as_str(), column.name.as_str()] {
                    if !known.contains(&candidate) {
                        known.push(candidate);
                    }
                }
            }
            let hint = match keys::suggest(name, &known) {
                Some(suggestion) => format!("did you mean `{suggestion}`?"),
                None => {
                    let names: Vec<&str> = columns.iter().map(|(_, c)| c.name.as_str()).collect();
                    format!("its columns are: {}", names.join(", "))
                }
            };
            cx.error(span, format!("no column `{name}` in this entity; {hint}"));
        }
    }
    None
}

fn primary_key(
    cx: &mut Ctxt,
    input: &DeriveInput,
    container: &ContainerAttrs,
    fields: &[FieldInfo],
    columns: &[(usize, Column)],
) -> Vec<String> {
    let field_key: Vec<(Span, String)> = columns
        .iter()
        .filter_map(|(i, c)| {
            fields[*i]
                .attrs
                .primary_key
                .map(|span| (span, c.name.clone()))
        })
        .collect();
    let container_key = container
        .primary_key
        .as_ref()
        .and_then(|list| resolve_columns(cx, list, fields, columns).map(|c| (list.span, c)));
    // A key field whose type could not be mapped has no column, but it was still marked.
    let field_key_written = fields.iter().any(|f| f.attrs.primary_key.is_some());
    if let Some(no_key) = container.no_primary_key {
        if let Some((span, _)) = field_key.first() {
            cx.error(
                *span,
                "`primary_key` conflicts with the struct's `no_primary_key`; remove one of them",
            );
        }
        if container.primary_key_written {
            cx.error(
                no_key,
                "`no_primary_key` conflicts with `primary_key(columns = ..)`; remove one of them",
            );
        }
        return Vec::new();
    }
    match (container_key, field_key.is_empty()) {
        (Some((span, _)), false) => {
            cx.error(
                span,
                "the primary key is given twice, on fields and on the struct; for a composite key \
                 list it once with `primary_key(columns = \"a, b\")` and remove the fields' `primary_key`",
            );
            Vec::new()
        }
        (Some((_, key)), true) => key,
        (None, false) => field_key.into_iter().map(|(_, name)| name).collect(),
        (None, true) => {
            if !container.primary_key_written && !field_key_written {
                cx.error(
                    input.ident.span(),
                    format!(
                        "`{}` has no primary key; mark a field `#[entmig(primary_key)]`, list a composite key with \
                         `#[entmig(primary_key(columns = \"a, b\"))]`, or add `#[entmig(no_primary_key)]` to the struct",
                        input.ident
                    ),
                );
            }
            Vec::new()
        }
    }
}

fn check_auto_increment(
    cx: &mut Ctxt,
    fields: &[FieldInfo],
    columns: &[(usize, Column)],
    key: &[String],
) {
    for (i, column) in columns {
        let a = &fields[*i].attrs;
        let Some(span) = a.auto_increment else {
            continue;
        };
        if !column.ty.is_integer() {
            cx.error(
                span,
                format!("`auto_increment` needs an integer column, but `{}` is {}; use i64 (or i32, i16)", column.name, column.ty),
            );
        } else if a.primary_key.is_none() {
            cx.error(
                span,
                "`auto_increment` applies to the primary key (SQLite can only generate the key); add `primary_key` to this field",
            );
        } else if key.len() > 1 {
            cx.error(
                span,
                "`auto_increment` needs a single-column primary key (SQLite cannot generate part of a composite key)",
            );
        }
        if a.default.is_some() || a.default_sql.is_some() {
            cx.error(span, "`auto_increment` conflicts with a default: the database generates the value; remove the default");
        }
    }
}

fn indexes(
    cx: &mut Ctxt,
    table: &str,
    container: &ContainerAttrs,
    fields: &[FieldInfo],
    columns: &[(usize, Column)],
    key: &[String],
) -> Vec<Index> {
    let mut out: Vec<(Span, Index)> = Vec::new();
    for (i, column) in columns {
        let a = &fields[*i].attrs;
        if let (Some(_), Some(index)) = (a.unique, a.index) {
            cx.error(
                index,
                "`unique` already creates an index on this column; remove `index`",
            );
            continue;
        }
        if let Some(unique) = a.unique
            && key == [column.name.clone()]
        {
            cx.error(unique, "the primary key is already unique; remove `unique`");
            continue;
        }
        for (span, unique) in [(a.unique, true), (a.index, false)] {
            if let Some(span) = span {
                let columns = vec![column.name.clone()];
                out.push((
                    span,
                    Index {
                        name: naming::index_name(table, &columns, unique),
                        columns,
                        unique,
                    },
                ));
            }
        }
    }
    for index in &container.indexes {
        let Some(resolved) = resolve_columns(cx, &index.columns, fields, columns) else {
            continue;
        };
        let name = match &index.name {
            Some(name) => {
                check_name(cx, &name.value, name.span, "index");
                name.value.clone()
            }
            None => naming::index_name(table, &resolved, index.unique),
        };
        if name.len() > naming::MAX_IDENTIFIER_BYTES {
            let span = index.name.as_ref().map_or(index.columns.span, |n| n.span);
            cx.error(span, format!("the index name `{name}` is longer than PostgreSQL's 63 bytes; choose a shorter name"));
        }
        out.push((
            index.name.as_ref().map_or(index.columns.span, |n| n.span),
            Index {
                name,
                columns: resolved,
                unique: index.unique,
            },
        ));
    }
    for position in 0..out.len() {
        let (span, index) = &out[position];
        if out[..position]
            .iter()
            .any(|(_, other)| other.name == index.name)
        {
            cx.error(
                *span,
                format!("two indexes are named `{}`; give one of them `name = \"...\"` or remove the duplicate", index.name),
            );
        }
    }
    out.into_iter().map(|(_, index)| index).collect()
}

fn foreign_keys(
    cx: &mut Ctxt,
    table: &str,
    fields: &[FieldInfo],
    columns: &[(usize, Column)],
    key: &[String],
) -> Vec<ForeignKeyDef> {
    let mut out = Vec::new();
    for (i, column) in columns {
        let a = &fields[*i].attrs;
        let Some(references) = &a.references else {
            for (key, action) in [(ON_DELETE, &a.on_delete), (ON_UPDATE, &a.on_update)] {
                if let Some(action) = action {
                    cx.error(action.span, format!("`{key}` needs `references` on the same field: `references = \"Entity\"`"));
                }
            }
            continue;
        };
        let Some(target) = reference_target(cx, references) else {
            continue;
        };
        // Keys of other entities are checked where they are known: by the compiler in the
        // derive, by resolution in the collector.
        let referenced = match &target {
            ReferenceTarget::Table { columns, .. } => Some(columns.len()),
            ReferenceTarget::Entity(path) if path.is_ident("Self") => Some(key.len()),
            ReferenceTarget::Entity(_) => None,
        };
        if referenced.is_some_and(|n| n != 1) {
            cx.error(
                references.span,
                format!(
                    "`references` on one field must point at exactly one column, but `{}` names {}; \
                     reference a single column, e.g. `\"table(column)\"`",
                    references.value,
                    referenced.unwrap_or(0)
                ),
            );
            continue;
        }
        for (key, action) in [(ON_DELETE, &a.on_delete), (ON_UPDATE, &a.on_update)] {
            let Some(action) = action else { continue };
            if action.value == ReferentialAction::SetNull && !column.nullable {
                cx.error(
                    action.span,
                    format!("`{key} = \"set_null\"` needs a nullable column, but `{}` is NOT NULL; make it an `Option` or choose another action", column.name),
                );
            }
            if action.value == ReferentialAction::SetDefault && column.default.is_none() {
                cx.error(
                    action.span,
                    format!("`{key} = \"set_default\"` needs a default on `{}`; add `default = ...` or choose another action", column.name),
                );
            }
        }
        let columns = vec![column.name.clone()];
        out.push(ForeignKeyDef {
            name: naming::foreign_key_name(table, &columns),
            columns,
            target,
            on_delete: a
                .on_delete
                .as_ref()
                .map_or_else(Default::default, |a| a.value),
            on_update: a
                .on_update
                .as_ref()
                .map_or_else(Default::default, |a| a.value),
            span: references.span,
        });
    }
    out
}

/// `"Entity"`, `"path::to::Entity"`, `"Self"`, or `"table(column)"`.
fn reference_target(cx: &mut Ctxt, references: &Spanned<String>) -> Option<ReferenceTarget> {
    let text = references.value.trim();
    let malformed = |cx: &mut Ctxt| {
        cx.error(
            references.span,
            format!(
                "`references = \"{text}\"` is neither an entity nor a table column; write an entity \
                 type (`references = \"User\"`) or a table and column (`references = \"users(id)\"`)"
            ),
        );
    };
    if let Some((table, rest)) = text.split_once('(') {
        let table = table.trim();
        let Some(inner) = rest.strip_suffix(')') else {
            malformed(cx);
            return None;
        };
        let columns: Vec<String> = inner.split(',').map(|c| c.trim().to_owned()).collect();
        let valid = |s: &str| {
            !s.is_empty() && !s.contains(|c: char| c.is_whitespace() || "()\"'".contains(c))
        };
        if !valid(table) || !columns.iter().all(|c| valid(c)) {
            malformed(cx);
            return None;
        }
        return Some(ReferenceTarget::Table {
            table: table.to_owned(),
            columns,
        });
    }
    // Parsed from a literal with the value's span, so the compiler reports an unknown entity
    // at `"..."`, not at `#[derive(Entity)]`.
    match syn::LitStr::new(text, references.span).parse::<syn::Path>() {
        Ok(path) if path.segments.iter().all(|s| s.arguments.is_none()) => {
            Some(ReferenceTarget::Entity(path))
        }
        _ => {
            malformed(cx);
            None
        }
    }
}
