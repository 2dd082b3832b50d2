//! # entmig-runtime
//!
//! Entity-first schema migrations for Rust. Mark plain structs with `#[derive(Entity)]`;
//! `cargo entmig make` writes migrations from the changes; this crate runs them, and
//! [`Database::synchronize`] builds a schema straight from the entities for tests.
//!
//! ```
//! use entmig_runtime::{Entity, Schema};
//!
//! #[derive(Entity)]
//! #[entmig(table = "users")]
//! pub struct User {
//!     #[entmig(primary_key, auto_increment)]
//!     pub id: i64,
//!     #[entmig(unique, max_length = 255)]
//!     pub email: String,
//!     pub display_name: Option<String>,
//! }
//!
//! let schema = Schema::of::<User>();
//! let users = schema.table("users").unwrap();
//! assert_eq!(users.primary_key, ["id"]);
//! assert!(users.column("display_name").unwrap().nullable);
//! ```

#![warn(missing_docs)]
#![warn(clippy::unwrap_used)]
#![cfg_attr(test, allow(clippy::unwrap_used))]

#[cfg(feature = "cli")]
pub mod cli;
mod connect;
mod database;
mod error;
pub mod migration;
pub mod migrator;
#[cfg(feature = "postgres")]
mod postgres;
#[cfg(feature = "registry")]
mod registry;
#[doc(hidden)]
pub mod runner;
#[cfg(feature = "sqlite")]
mod sqlite;
mod sync;
mod table_def;
mod url;
mod value;

pub use connect::ConnectOptions;
pub use database::{Database, Transaction};
pub use entmig_derive::Entity;
pub use entmig_schema::redact;
pub use entmig_schema::{
    Backend, Change, Column, ColumnChanges, ColumnType, DefaultValue, Diff, Entity, EntitySet,
    Fill, ForeignKey, Index, Op, PossibleRename, ReferentialAction, RenderedOp, Schema, Table,
    diff, invert, naming, render, snapshot,
};
pub use error::{Error, Result};
pub use migration::{MigrationTrait, Plan};
pub use migrator::{
    Event, MigrationStatus, Migrator, Preview, Report, Revert, RunError, RunOptions, State,
};
#[cfg(feature = "registry")]
pub use registry::Registered;
pub use sync::{SyncOptions, SyncReport};
pub use url::DatabaseUrl;
pub use value::Value;

/// Items the code that `#[derive(Entity)]` generates refers to. Not a public API.
#[doc(hidden)]
pub mod __private {
    #[cfg(feature = "registry")]
    pub use crate::registry::Registration;
    pub use crate::table_def::{ForeignKeyDef, TABLE, TableDef};
    pub use entmig_schema::{Entity, ReferentialAction, Table};
    #[cfg(feature = "registry")]
    pub use inventory;
}
