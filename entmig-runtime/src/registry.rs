//! The link-time registry of entities: every `#[derive(Entity)]` type registers itself through
//! `inventory`, and [`Registered::registered`] gathers them into a [`Schema`].
//!
//! It lives in the runtime, not in entmig-schema, because a registry filled by the linker is
//! global state, and entmig-schema stays pure.

use entmig_schema::Schema;

use crate::table_def::TableDef;

/// An entity linked into the binary, registered by `#[derive(Entity)]` through `inventory`.
#[doc(hidden)]
pub struct Registration {
    /// The description of the entity's table, the one its
    /// [`Entity::table`](entmig_schema::Entity::table) turns into a `Table`.
    pub table: &'static TableDef,
    /// The entity's type name, for messages.
    pub type_name: &'static str,
}

inventory::collect!(Registration);

/// The schema of every entity linked into the running binary, as `Schema::registered()`.
///
/// ```
/// use entmig_runtime::{Entity, Registered, Schema};
///
/// #[derive(Entity)]
/// struct Note {
///     #[entmig(primary_key)]
///     id: i64,
/// }
///
/// assert_eq!(Schema::registered().table("note"), Some(&Note::table()));
/// ```
pub trait Registered {
    /// The schema of every `#[derive(Entity)]` type linked into the running binary.
    ///
    /// Linking is the linker's choice: an entity in a crate the binary never refers to may be
    /// left out. Where that matters, name the entities with [`Schema::of`].
    fn registered() -> Schema;
}

impl Registered for Schema {
    fn registered() -> Schema {
        Schema::from_tables(inventory::iter::<Registration>().map(|r| r.table.to_table()))
    }
}
