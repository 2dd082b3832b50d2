//! The `#[entmig(..)]` attribute parser: one struct's syntax in, its [`Table`] out.
//!
//! The derive and the CLI's collector both call [`parse_entity`], so what compiles and what is
//! snapshotted cannot drift apart. The parser works in three steps, each in its own module:
//! [`attrs`] reads one attribute at a time, [`types`] maps a field's Rust type, and [`check`]
//! looks across fields, reports conflicts and builds the table. Every error of a struct is
//! collected and returned together, each at the span of the offending key or value.

mod attrs;
mod check;
mod ctxt;
mod keys;
mod types;

use proc_macro2::Span;
use syn::DeriveInput;

use crate::model::{ForeignKey, ReferentialAction, Table};

/// What the parser learned from one `#[derive(Entity)]` struct.
#[derive(Clone)]
pub struct EntityDef {
    /// The struct's name.
    pub ident: syn::Ident,
    /// The table, complete but for the foreign keys, which may name other entities and are
    /// resolved by [`EntityDef::resolve`].
    pub table: Table,
    /// The foreign keys, in field order.
    pub foreign_keys: Vec<ForeignKeyDef>,
    /// `#[entmig(crate = "..")]`: the path of a renamed entmig-runtime dependency.
    pub crate_path: Option<syn::Path>,
}

/// A foreign key whose target may still be an entity type.
#[derive(Clone)]
pub struct ForeignKeyDef {
    /// The constraint name.
    pub name: String,
    /// The referencing columns.
    pub columns: Vec<String>,
    /// What they reference.
    pub target: ReferenceTarget,
    /// `on_delete`.
    pub on_delete: ReferentialAction,
    /// `on_update`.
    pub on_update: ReferentialAction,
    /// Where `references` was written, for errors found while resolving.
    pub span: Span,
}

/// The value of `references`.
#[derive(Clone)]
pub enum ReferenceTarget {
    /// `references = "table(column)"`: a table and columns by their SQL names.
    Table {
        /// The referenced table.
        table: String,
        /// The referenced columns.
        columns: Vec<String>,
    },
    /// `references = "Entity"`: another entity's table and primary key (`Self` for this one).
    Entity(syn::Path),
}

/// Why a `references = "Entity"` path resolved to no entity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LookupError {
    /// No entity has that name.
    Unknown,
    /// Several entities have that name and the path does not say which; each as its module
    /// path, `blog::User`.
    Ambiguous(Vec<String>),
}

impl EntityDef {
    /// The table with its foreign keys, entity targets resolved through `lookup`, which gives
    /// the table name and primary key of an entity path, or why it cannot. `Self` resolves to
    /// this entity without asking.
    pub fn resolve(
        &self,
        mut lookup: impl FnMut(&syn::Path) -> Result<(String, Vec<String>), LookupError>,
    ) -> syn::Result<Table> {
        let mut table = self.table.clone();
        for fk in &self.foreign_keys {
            let (referenced_table, referenced_columns) = match &fk.target {
                ReferenceTarget::Table { table, columns } => (table.clone(), columns.clone()),
                ReferenceTarget::Entity(path) if path.is_ident("Self") => {
                    (self.table.name.clone(), self.table.primary_key.clone())
                }
                ReferenceTarget::Entity(path) => lookup(path).map_err(|error| {
                    let message = match error {
                        LookupError::Unknown => format!(
                            "`references = \"{}\"` names no entity that entmig found; name a \
                             `#[derive(Entity)]` struct, or a table as `\"table(column)\"`",
                            path_text(path)
                        ),
                        LookupError::Ambiguous(candidates) => format!(
                            "`references = \"{}\"` could name any of the entities {}; write the \
                             path of the one you mean, or a table as `\"table(column)\"`",
                            path_text(path),
                            candidates.join(", ")
                        ),
                    };
                    syn::Error::new(fk.span, message)
                })?,
            };
            if referenced_columns.len() != fk.columns.len() {
                return Err(syn::Error::new(
                    fk.span,
                    format!(
                        "`references` points at a key of {} column(s) ({}), but the foreign key has \
                         {}; reference the column explicitly as `\"{referenced_table}(column)\"`",
                        referenced_columns.len(),
                        referenced_columns.join(", "),
                        fk.columns.len()
                    ),
                ));
            }
            table.foreign_keys.push(ForeignKey {
                name: fk.name.clone(),
                columns: fk.columns.clone(),
                referenced_table,
                referenced_columns,
                on_delete: fk.on_delete,
                on_update: fk.on_update,
            });
        }
        table.sort();
        Ok(table)
    }
}

/// `a::b::C` as written.
pub fn path_text(path: &syn::Path) -> String {
    let segments: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
    let prefix = if path.leading_colon.is_some() {
        "::"
    } else {
        ""
    };
    format!("{prefix}{}", segments.join("::"))
}

/// Parses a `#[derive(Entity)]` struct. Every problem with its attributes, types or shape is in
/// the one returned error (`syn::Error` holds several), each at the offending token.
///
/// ```
/// let input: syn::DeriveInput = syn::parse_quote! {
///     #[entmig(table = "users")]
///     struct User {
///         #[entmig(primary_key, auto_increment)]
///         id: i64,
///         #[entmig(unique, max_length = 255)]
///         email: String,
///         bio: Option<String>,
///     }
/// };
/// let entity = entmig_schema::parser::parse_entity(&input).unwrap();
/// assert_eq!(entity.table.name, "users");
/// assert_eq!(entity.table.primary_key, ["id"]);
/// assert!(entity.table.column("bio").unwrap().nullable);
/// ```
pub fn parse_entity(input: &DeriveInput) -> syn::Result<EntityDef> {
    let mut cx = ctxt::Ctxt::new();
    let entity = check::entity(&mut cx, input);
    cx.check()?;
    entity.ok_or_else(|| syn::Error::new(input.ident.span(), "invalid entity"))
}

/// The table name of a struct without `table = ".."`: its name in snake case, without the `r#`
/// of a raw identifier (`struct r#match` → `match`).
///
/// ```
/// let ident: syn::Ident = syn::parse_str("r#match").unwrap();
/// assert_eq!(entmig_schema::parser::default_table_name(&ident), "match");
/// ```
pub fn default_table_name(ident: &syn::Ident) -> String {
    let name = ident.to_string();
    snake_case(name.strip_prefix("r#").unwrap_or(&name))
}

/// `BlogPost` → `blog_post`, `HTTPRequest` → `http_request`: the default table name.
pub fn snake_case(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::with_capacity(name.len() + 4);
    for (i, c) in chars.iter().enumerate() {
        if c.is_uppercase() {
            let previous = i.checked_sub(1).map(|p| chars[p]);
            let next = chars.get(i + 1);
            let boundary = previous.is_some_and(|p| {
                p.is_lowercase()
                    || p.is_ascii_digit()
                    || (p.is_uppercase() && next.is_some_and(|n| n.is_lowercase()))
            });
            if boundary && !out.ends_with('_') {
                out.push('_');
            }
            out.extend(c.to_lowercase());
        } else {
            out.push(*c);
        }
    }
    out
}

#[cfg(test)]
mod tests;
