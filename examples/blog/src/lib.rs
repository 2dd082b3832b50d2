//! A small blog, as an entmig user writes it: users, posts, comments and tags.
//!
//! `entities` holds the structs; `migrations` the modules `cargo entmig make` wrote from
//! their history; `app` the little work the binary does.

pub mod app;
pub mod entities;
pub mod migrations;

/// The database the blog uses when `DATABASE_URL` is not set: `blog.db` in this package's
/// folder, the same file `cargo entmig run` migrates by default.
pub fn default_database_url() -> String {
    format!("sqlite://{}/blog.db", env!("CARGO_MANIFEST_DIR"))
}
