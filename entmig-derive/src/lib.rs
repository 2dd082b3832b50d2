//! `#[derive(Entity)]`: a struct's fields and `#[entmig(..)]` attributes become a table.
//!
//! Use it through `entmig_runtime`, which re-exports it; the attribute reference is in the
//! entmig README. The parsing is `entmig_schema::parser`'s, shared with `cargo entmig`, so the
//! schema compiled into a binary is the one the CLI snapshots.

mod expand;

use proc_macro::TokenStream;
use syn::{DeriveInput, parse_macro_input};

/// Implements `entmig_runtime::Entity` for a struct with named fields; with entmig-runtime's
/// `registry` feature it also registers it, so that `Schema::registered()`
/// (`entmig_runtime::Registered`) finds it. See the README for the `#[entmig(..)]` attributes.
#[proc_macro_derive(Entity, attributes(entmig))]
pub fn derive_entity(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    expand::derive(&input)
        .unwrap_or_else(|error| expand::fallback(&input, error))
        .into()
}
