//! Generation: the parsed entity becomes an `impl Entity` that builds its table.

use entmig_schema::column_type::Shape;
use entmig_schema::parser::{self, EntityDef, ForeignKeyDef, ReferenceTarget};
use entmig_schema::{Column, ColumnType, DefaultValue, Index, ReferentialAction, Table};
use proc_macro2::{TokenStream, TokenTree};
use quote::{ToTokens, quote, quote_spanned};
use syn::{DeriveInput, LitStr};

/// The `impl Entity` and the registration, or every error of the struct.
pub(crate) fn derive(input: &DeriveInput) -> syn::Result<TokenStream> {
    let entity = parser::parse_entity(input)?;
    let krate = crate_path(&entity);
    let ident = &entity.ident;
    let table_name = &entity.table.name;
    let primary_key = &entity.table.primary_key;
    let table = table(&entity.table, &krate);
    let foreign_keys = entity.foreign_keys.iter().map(|fk| foreign_key(fk, &krate));
    let key_checks = entity
        .foreign_keys
        .iter()
        .filter_map(|fk| key_check(fk, &krate));
    Ok(quote! {
        const _: () = {
            #[automatically_derived]
            impl #krate::Entity for #ident {
                const TABLE: &'static ::core::primitive::str = #table_name;
                const PRIMARY_KEY: &'static [&'static ::core::primitive::str] = &[#(#primary_key),*];
                fn table() -> #krate::Table {
                    let mut table = #table;
                    #(table.foreign_keys.push(#foreign_keys);)*
                    table.sort();
                    table
                }
            }
            #krate::__private::inventory::submit! {
                #krate::__private::Registration {
                    table: <#ident as #krate::Entity>::table,
                    type_name: ::core::stringify!(#ident),
                }
            }
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

/// A `String` from a literal. Spelled out in full, as every call in the generated code, so it
/// compiles beside a user's own `String` or `From` and inside `#[no_implicit_prelude]`.
fn string(s: &str) -> TokenStream {
    quote!(<::std::string::String as ::core::convert::From<&::core::primitive::str>>::from(#s))
}

fn strings(items: &[String]) -> TokenStream {
    let items = items.iter().map(|s| string(s));
    quote!(::std::vec![#(#items),*])
}

fn option_string(value: &Option<String>) -> TokenStream {
    match value {
        Some(s) => {
            let s = string(s);
            quote!(::core::option::Option::Some(#s))
        }
        None => quote!(::core::option::Option::None),
    }
}

fn table(table: &Table, krate: &TokenStream) -> TokenStream {
    let name = string(&table.name);
    let columns = table.columns.iter().map(|c| column(c, krate));
    let primary_key = strings(&table.primary_key);
    let indexes = table.indexes.iter().map(|i| index(i, krate));
    let renamed_from = option_string(&table.renamed_from);
    quote! {
        #krate::Table {
            name: #name,
            columns: ::std::vec![#(#columns),*],
            primary_key: #primary_key,
            indexes: ::std::vec![#(#indexes),*],
            foreign_keys: ::std::vec::Vec::new(),
            renamed_from: #renamed_from,
        }
    }
}

fn column(column: &Column, krate: &TokenStream) -> TokenStream {
    let name = string(&column.name);
    let ty = column_type(&column.ty, krate);
    let nullable = column.nullable;
    let default = match &column.default {
        Some(default) => {
            let default = default_value(default, krate);
            quote!(::core::option::Option::Some(#default))
        }
        None => quote!(::core::option::Option::None),
    };
    let auto_increment = column.auto_increment;
    let renamed_from = option_string(&column.renamed_from);
    quote! {
        #krate::Column {
            name: #name,
            ty: #ty,
            nullable: #nullable,
            default: #default,
            auto_increment: #auto_increment,
            renamed_from: #renamed_from,
        }
    }
}

fn option_u32(value: Option<u32>) -> TokenStream {
    match value {
        Some(v) => quote!(::core::option::Option::Some(#v)),
        None => quote!(::core::option::Option::None),
    }
}

/// Mirrors `column_type` of cargo-entmig's `codegen::source`, which writes the same value as
/// text: a plain type by its variant's name from the table, the others with their parameters.
fn column_type(ty: &ColumnType, krate: &TokenStream) -> TokenStream {
    let t = quote!(#krate::ColumnType);
    match ty.shape() {
        Shape::Plain(names) => {
            let variant = proc_macro2::Ident::new(names.variant, proc_macro2::Span::call_site());
            quote!(#t::#variant)
        }
        Shape::Decimal { precision, scale } => {
            let precision = option_u32(precision);
            let scale = option_u32(scale);
            quote!(#t::Decimal { precision: #precision, scale: #scale })
        }
        Shape::Varchar(n) => quote!(#t::Varchar(#n)),
        Shape::Custom(name) => {
            let name = string(name);
            quote!(#t::Custom(#name))
        }
    }
}

fn default_value(default: &DefaultValue, krate: &TokenStream) -> TokenStream {
    let d = quote!(#krate::DefaultValue);
    match default {
        DefaultValue::String(s) => {
            let s = string(s);
            quote!(#d::String(#s))
        }
        DefaultValue::Integer(i) => quote!(#d::Integer(#i)),
        DefaultValue::Float(f) => {
            // Rebuilt from its bits, so the value is exact and NaN or infinity cannot break
            // the generated code.
            let bits = f.to_bits();
            quote!(#d::Float(::core::primitive::f64::from_bits(#bits)))
        }
        DefaultValue::Bool(b) => quote!(#d::Bool(#b)),
        DefaultValue::Sql(sql) => {
            let sql = string(sql);
            quote!(#d::Sql(#sql))
        }
    }
}

fn index(index: &Index, krate: &TokenStream) -> TokenStream {
    let name = string(&index.name);
    let columns = strings(&index.columns);
    let unique = index.unique;
    quote!(#krate::Index { name: #name, columns: #columns, unique: #unique })
}

fn action(action: ReferentialAction, krate: &TokenStream) -> TokenStream {
    let a = quote!(#krate::ReferentialAction);
    match action {
        ReferentialAction::NoAction => quote!(#a::NoAction),
        ReferentialAction::Restrict => quote!(#a::Restrict),
        ReferentialAction::Cascade => quote!(#a::Cascade),
        ReferentialAction::SetNull => quote!(#a::SetNull),
        ReferentialAction::SetDefault => quote!(#a::SetDefault),
    }
}

fn foreign_key(fk: &ForeignKeyDef, krate: &TokenStream) -> TokenStream {
    let name = string(&fk.name);
    let columns = strings(&fk.columns);
    let (referenced_table, referenced_columns) = match &fk.target {
        ReferenceTarget::Table { table, columns } => (string(table), strings(columns)),
        ReferenceTarget::Entity(path) => {
            let from = quote! {
                <::std::string::String as ::core::convert::From<&::core::primitive::str>>::from
            };
            (
                quote!(#from(<#path as #krate::Entity>::TABLE)),
                quote! {
                    ::core::iter::Iterator::collect(::core::iter::Iterator::map(
                        ::core::iter::IntoIterator::into_iter(<#path as #krate::Entity>::PRIMARY_KEY),
                        |column: &&::core::primitive::str| #from(*column),
                    ))
                },
            )
        }
    };
    let on_delete = action(fk.on_delete, krate);
    let on_update = action(fk.on_update, krate);
    quote! {
        #krate::ForeignKey {
            name: #name,
            columns: #columns,
            referenced_table: #referenced_table,
            referenced_columns: #referenced_columns,
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
