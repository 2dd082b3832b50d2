//! The `Entity` trait that `#[derive(Entity)]` implements, and the way to gather entities into
//! a [`Schema`]: a tuple of types ([`Schema::of`]). Every entity linked into the binary is the
//! runtime's `Schema::registered()`: a link-time registry is global state, which this crate
//! does not hold.

use crate::model::{Schema, Table};

/// A Rust type that maps to one table. Implemented by `#[derive(Entity)]`; implementing it by
/// hand works too.
///
/// ```
/// use entmig_schema::{Column, ColumnType, Entity, Schema, Table};
///
/// struct Tag;
/// impl Entity for Tag {
///     const TABLE: &'static str = "tags";
///     const PRIMARY_KEY: &'static [&'static str] = &["id"];
///     fn table() -> Table {
///         let mut table = Table::new(Self::TABLE);
///         table.columns.push(Column::new("id", ColumnType::BigInt));
///         table.primary_key = vec!["id".into()];
///         table
///     }
/// }
/// assert!(Schema::of::<Tag>().table("tags").is_some());
/// ```
pub trait Entity {
    /// The SQL name of the entity's table.
    const TABLE: &'static str;
    /// The SQL names of the primary-key columns (what `references = "Entity"` points at).
    const PRIMARY_KEY: &'static [&'static str];
    /// `true` only in the stand-in impl that `#[derive(Entity)]` emits beside its errors, whose
    /// `PRIMARY_KEY` is not the real key: the compile-time key checks of other entities skip it,
    /// so one bad entity does not make the valid entities that reference it fail too.
    #[doc(hidden)]
    const __ENTMIG_FALLBACK: bool = false;
    /// The table, with its columns, key, indexes and foreign keys.
    fn table() -> Table;
}

/// One entity or a tuple of entities (up to 16): what [`Schema::of`] accepts.
pub trait EntitySet {
    /// Appends the tables of the set to `tables`, in order.
    fn tables(tables: &mut Vec<Table>);
}

impl<T: Entity> EntitySet for T {
    fn tables(tables: &mut Vec<Table>) {
        tables.push(T::table());
    }
}

macro_rules! tuple_entity_set {
    ($($name:ident),+) => {
        impl<$($name: Entity),+> EntitySet for ($($name,)+) {
            fn tables(tables: &mut Vec<Table>) {
                $(tables.push($name::table());)+
            }
        }
    };
}

tuple_entity_set!(A);
tuple_entity_set!(A, B);
tuple_entity_set!(A, B, C);
tuple_entity_set!(A, B, C, D);
tuple_entity_set!(A, B, C, D, E);
tuple_entity_set!(A, B, C, D, E, F);
tuple_entity_set!(A, B, C, D, E, F, G);
tuple_entity_set!(A, B, C, D, E, F, G, H);
tuple_entity_set!(A, B, C, D, E, F, G, H, I);
tuple_entity_set!(A, B, C, D, E, F, G, H, I, J);
tuple_entity_set!(A, B, C, D, E, F, G, H, I, J, K);
tuple_entity_set!(A, B, C, D, E, F, G, H, I, J, K, L);
tuple_entity_set!(A, B, C, D, E, F, G, H, I, J, K, L, M);
tuple_entity_set!(A, B, C, D, E, F, G, H, I, J, K, L, M, N);
tuple_entity_set!(A, B, C, D, E, F, G, H, I, J, K, L, M, N, O);
tuple_entity_set!(A, B, C, D, E, F, G, H, I, J, K, L, M, N, O, P);

impl Schema {
    /// The schema of a set of entities: one type, or a tuple of up to 16.
    ///
    /// ```
    /// # use entmig_schema::{Column, ColumnType, Entity, Schema, Table};
    /// # struct A; struct B;
    /// # impl Entity for A { const TABLE: &'static str = "a"; const PRIMARY_KEY: &'static [&'static str] = &[];
    /// #     fn table() -> Table { Table::new("a") } }
    /// # impl Entity for B { const TABLE: &'static str = "b"; const PRIMARY_KEY: &'static [&'static str] = &[];
    /// #     fn table() -> Table { Table::new("b") } }
    /// let schema = Schema::of::<(A, B)>();
    /// assert_eq!(schema.tables.len(), 2);
    /// ```
    pub fn of<T: EntitySet>() -> Schema {
        let mut tables = Vec::new();
        T::tables(&mut tables);
        Schema::from_tables(tables)
    }
}
