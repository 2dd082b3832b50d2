//! The canonical JSON of model values: the input of the migration checksums that users'
//! databases store (`entmig_migrations.checksum`) and of the snapshot's digest.
//!
//! It is a format, pinned: compact serde JSON with every plain column type in the spelling of
//! entmig 0.1 ([`Names::pinned`](crate::column_type::Names::pinned): `big_int`), whatever the
//! snapshot writes now (`bigint`). Changing a byte of it would report every applied migration
//! as changed.

use std::cell::Cell;

use serde::Serialize;

thread_local! {
    // Set while `json` writes; `ColumnType`'s `Serialize` reads it. serde passes no context
    // down to nested values, and a second copy of every serde impl would drift.
    static PINNED: Cell<bool> = const { Cell::new(false) };
}

/// The canonical JSON of `value`: compact, fields in declaration order, column types in their
/// pinned spelling.
///
/// ```
/// use entmig_schema::{canonical, ColumnType};
/// assert_eq!(canonical::json(&ColumnType::BigInt), "\"big_int\"");
/// assert_eq!(serde_json::to_string(&ColumnType::BigInt).unwrap(), "\"bigint\"");
/// ```
pub fn json<T: Serialize + ?Sized>(value: &T) -> String {
    struct Restore(bool);
    impl Drop for Restore {
        fn drop(&mut self) {
            PINNED.with(|pinned| pinned.set(self.0));
        }
    }
    let _restore = Restore(PINNED.with(|pinned| pinned.replace(true)));
    // Plain owned data with string keys always serialises.
    serde_json::to_string(value).unwrap_or_default()
}

/// Whether the JSON being written is the canonical one.
pub(crate) fn pinned() -> bool {
    PINNED.with(Cell::get)
}
