// A valid entity compiles when the caller imports nothing but the derive: the generated code
// uses absolute paths, ignores the caller's look-alike items, and honours `crate = ".."`.
#![deny(warnings)]
#![allow(dead_code, non_camel_case_types)]

use entmig_runtime as em;
use entmig_runtime::Entity;

// Look-alikes that hygienic generated code must not pick up.
struct Option;
struct Some;
struct None;
struct String;
struct Vec;
type Result = ();
mod core {}
mod std {}
mod alloc {}

#[derive(Entity)]
#[entmig(crate = "em", table = "authors")]
struct Author {
    #[entmig(primary_key, auto_increment)]
    id: i64,
    #[entmig(unique, max_length = 80)]
    name: ::std::string::String,
    #[entmig(default = 0.5)]
    score: f64,
}

#[derive(Entity)]
#[entmig(crate = "::entmig_runtime", index(columns = "author_id, title"))]
struct Book {
    #[entmig(primary_key)]
    id: i64,
    title: ::std::string::String,
    bio: ::std::option::Option<::std::string::String>,
    #[entmig(references = "Author", on_delete = "cascade")]
    author_id: i64,
    #[entmig(references = "Self", on_delete = "set_null")]
    sequel_of: ::std::option::Option<i64>,
}

// Primitive types and prelude traits shadowed too: the generated code names them by path.
mod shadowed {
    #![allow(dead_code, non_camel_case_types)]

    struct f64;
    struct str;
    struct bool;
    struct usize;
    trait From {}
    trait Iterator {}
    trait IntoIterator {}

    #[derive(entmig_runtime::Entity)]
    pub struct Score {
        #[entmig(primary_key)]
        pub id: i64,
        #[entmig(default = 1.5)]
        pub value: ::core::primitive::f64,
        #[entmig(default = false)]
        pub hidden: ::core::primitive::bool,
        #[entmig(default = "none")]
        pub note: ::std::string::String,
        #[entmig(references = "super::Author")]
        pub author_id: i64,
    }
}

// A raw identifier: the table is `match`, not `r#match`.
#[derive(Entity)]
struct r#match {
    #[entmig(primary_key)]
    id: i64,
    #[entmig(references = "Book")]
    book_id: i64,
}

fn main() {
    let book = <Book as em::Entity>::table();
    ::std::assert_eq!(book.foreign_keys.len(), 2);
    ::std::assert_eq!(<Author as em::Entity>::TABLE, "authors");
    ::std::assert_eq!(<r#match as em::Entity>::TABLE, "match");
    let score = <shadowed::Score as em::Entity>::table();
    ::std::assert_eq!(score.foreign_keys[0].referenced_table, "authors");
    let _ = em::Schema::of::<(Author, Book, r#match)>();
}
