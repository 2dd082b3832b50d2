//! Generation: the parsed entity becomes a `static` description of its table, an
//! `impl Entity` that hands it to the runtime, and a registration.

use entmig_schema::parser::{self, EntityDef, ForeignKeyDef, ReferenceTarget};
use entmig_schema::{DefaultValue, ForeignKey, ReferentialAction, snapshot};
use proc_macro2::{TokenStream, TokenTree};
use quote::{ToTokens, quote, quote_spanned};
use syn::{DeriveInput, LitStr};

/// The `impl Entity` and the registration, or every error of the struct.
///
/// The table is a `static` description (`__private::TableDef`, mostly the table's snapshot
/// text) that one function of the runtime turns into a `Table`: data costs the user's compiler
/// far less than code that builds the same table field by field. Inside the `const _` block the
/// runtime's `__private` module is imported once as `__entmig`, so paths stay short and still
/// absolute (and honour `crate = ".."`).
pub(crate) fn derive(input: &DeriveInput) -> syn::Result<TokenStream> {
    let entity = parser::parse_entity(input)?;
    let krate = crate_path(&entity);
    let ident = &entity.ident;
    let type_name = ident.to_string();
    let table_name = &entity.table.name;
    let primary_key = &entity.table.primary_key;
    let table = table(&entity, &krate);
    let key_checks = entity
        .foreign_keys
        .iter()
        .filter_map(|fk| key_check(fk, &krate));
    // Only with entmig-runtime's `registry` feature, which turns on this crate's.
    let registration = cfg!(feature = "registry").then(|| {
        quote! {
            __entmig::inventory::submit! {
                __entmig::Registration {
                    table: &__ENTMIG_TABLE,
                    type_name: #type_name,
                }
            }
        }
    });
    Ok(quote! {
        const _: () = {
            use #krate::__private as __entmig;
            static __ENTMIG_TABLE: __entmig::TableDef = #table;
            #[automatically_derived]
            impl __entmig::Entity for #ident {
                const TABLE: &'static ::core::primitive::str = #table_name;
                const PRIMARY_KEY: &'static [&'static ::core::primitive::str] = &[#(#primary_key),*];
                fn table() -> __entmig::Table {
                    __ENTMIG_TABLE.to_table()
                }
            }
            #registration
            #(#key_checks)*
        };
    })
}

/// The errors, and beside them an `impl Entity` whose body is never run, so that code using
/// the entity does not pile secondary "trait not implemented" errors on top of the real ones.
/// It marks itself as a stand-in, so the key checks of entities that reference this one pass.
pub(crate) fn fallback(input: &DeriveInput, error: syn::Error) -> TokenStream {
    let error = error.into_compile_error();
    let ident = &input.ident;
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    let krate = string_key(input, "crate")
        .and_then(|path| path.parse::<syn::Path>().ok())
        .map_or_else(|| quote!(::entmig_runtime), |path| path.to_token_stream());
    let table_name = string_key(input, "table")
        .map(|table| table.value())
        .unwrap_or_else(|| parser::default_table_name(ident));
    quote! {
        #error
        const _: () = {
            #[automatically_derived]
            impl #impl_generics #krate::Entity for #ident #ty_generics #where_clause {
                const TABLE: &'static ::core::primitive::str = #table_name;
                const PRIMARY_KEY: &'static [&'static ::core::primitive::str] = &[];
                const __ENTMIG_FALLBACK: ::core::primitive::bool = true;
                fn table() -> #krate::Table {
                    ::core::unreachable!("entmig: this entity did not compile")
                }
            }
        };
    }
}

/// `key = "..."` from the struct's `#[entmig(..)]` attributes, found without parsing the rest,
/// which may be what failed: the stand-in impl still honours `crate = ".."`.
fn string_key(input: &DeriveInput, key: &str) -> Option<LitStr> {
    input
        .attrs
        .iter()
        .filter(|attr| attr.path().is_ident("entmig"))
        .filter_map(|attr| match &attr.meta {
            syn::Meta::List(list) => Some(list.tokens.clone()),
            _ => None,
        })
        .find_map(|tokens| {
            let tokens: Vec<TokenTree> = tokens.into_iter().collect();
            tokens.iter().enumerate().find_map(|(i, token)| {
                let at_key_start =
                    i == 0 || matches!(&tokens[i - 1], TokenTree::Punct(p) if p.as_char() == ',');
                let (
                    TokenTree::Ident(name),
                    Some(TokenTree::Punct(eq)),
                    Some(TokenTree::Literal(value)),
                ) = (token, tokens.get(i + 1), tokens.get(i + 2))
                else {
                    return None;
                };
                if !at_key_start || name != key || eq.as_char() != '=' {
                    return None;
                }
                syn::parse2::<LitStr>(value.to_token_stream()).ok()
            })
        })
}

fn crate_path(entity: &EntityDef) -> TokenStream {
    match &entity.crate_path {
        Some(path) => path.to_token_stream(),
        None => quote!(::entmig_runtime),
    }
}

/// The `TableDef` literal: the table as the snapshot module's text, and beside it what that
/// text cannot say: foreign keys to other entities (their constants, known only when the
/// user's crate compiles) and float defaults that are not finite. Only what differs from the
/// runtime's `TABLE` (nothing beside the text) is written: every token costs the user's build,
/// once per entity, and mostly in this macro, which runs unoptimised in debug builds.
fn table(entity: &EntityDef, krate: &TokenStream) -> TokenStream {
    let mut table = entity.table.clone();
    let mut to_entities = Vec::new();
    for fk in &entity.foreign_keys {
        let (referenced_table, referenced_columns) = match &fk.target {
            ReferenceTarget::Table { table, columns } => (table.clone(), columns.clone()),
            ReferenceTarget::Entity(path) if path.is_ident("Self") => {
                (entity.table.name.clone(), entity.table.primary_key.clone())
            }
            ReferenceTarget::Entity(path) => {
                to_entities.push(foreign_key(fk, path, krate));
                continue;
            }
        };
        table.foreign_keys.push(ForeignKey {
            name: fk.name.clone(),
            columns: fk.columns.clone(),
            referenced_table,
            referenced_columns,
            on_delete: fk.on_delete,
            on_update: fk.on_update,
        });
    }
    let mut float_defaults = Vec::new();
    for (index, column) in table.columns.iter_mut().enumerate() {
        if let Some(DefaultValue::Float(f)) = &mut column.default
            && !f.is_finite()
        {
            let bits = f.to_bits();
            float_defaults.push(quote!((#index, #bits)));
            *f = 0.0;
        }
    }
    let text = snapshot::table_to_string(&table);
    let mut fields = quote!(text: #text,);
    if !to_entities.is_empty() {
        fields.extend(quote!(foreign_keys: &[#(#to_entities),*],));
    }
    if !float_defaults.is_empty() {
        fields.extend(quote!(float_defaults: &[#(#float_defaults),*],));
    }
    quote!(__entmig::TableDef { #fields ..__entmig::TABLE })
}

fn action(action: ReferentialAction) -> TokenStream {
    let a = quote!(__entmig::ReferentialAction);
    match action {
        ReferentialAction::NoAction => quote!(#a::NoAction),
        ReferentialAction::Restrict => quote!(#a::Restrict),
        ReferentialAction::Cascade => quote!(#a::Cascade),
        ReferentialAction::SetNull => quote!(#a::SetNull),
        ReferentialAction::SetDefault => quote!(#a::SetDefault),
    }
}

/// A `ForeignKeyDef` literal for a key to another entity: its `TABLE` and `PRIMARY_KEY`.
fn foreign_key(fk: &ForeignKeyDef, path: &syn::Path, krate: &TokenStream) -> TokenStream {
    let name = &fk.name;
    let columns = &fk.columns;
    let on_delete = action(fk.on_delete);
    let on_update = action(fk.on_update);
    quote! {
        __entmig::ForeignKeyDef {
            name: #name,
            columns: &[#(#columns),*],
            referenced_table: <#path as #krate::Entity>::TABLE,
            referenced_columns: <#path as #krate::Entity>::PRIMARY_KEY,
            on_delete: #on_delete,
            on_update: #on_update,
        }
    }
}

/// A compile-time check that a referenced entity's key has as many columns as the foreign key.
fn key_check(fk: &ForeignKeyDef, krate: &TokenStream) -> Option<TokenStream> {
    let ReferenceTarget::Entity(path) = &fk.target else {
        return None;
    };
    if path.is_ident("Self") {
        // Checked by the parser's resolution, which knows this entity's key.
        return None;
    }
    let count = fk.columns.len();
    let key = match count {
        1 => "a single-column primary key".to_owned(),
        n => format!("a primary key of {n} columns"),
    };
    let message = format!(
        "entmig: `references = \"{}\"` needs an entity with {key}; reference a table column as \"table(column)\"",
        parser::path_text(path)
    );
    let span = fk.span;
    // A stand-in impl (its entity failed to derive, with its own error) has no real key.
    Some(quote_spanned! {span=>
        const _: () = ::core::assert!(
            <#path as #krate::Entity>::__ENTMIG_FALLBACK
                || <#path as #krate::Entity>::PRIMARY_KEY.len() == #count,
            #message
        );
    })
}
