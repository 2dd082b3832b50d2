//! Deterministic names for indexes and foreign keys.
//!
//! A name depends only on the table and the columns, so that the derive, the CLI's collector and
//! every run agree on it without storing anything. Names longer than PostgreSQL's 63-byte
//! identifier limit are cut and given a stable hash suffix, so two long names that share a
//! prefix stay distinct.

/// PostgreSQL truncates identifiers longer than this many bytes (NAMEDATALEN - 1).
pub const MAX_IDENTIFIER_BYTES: usize = 63;

/// The name of an index on `columns` of `table`: `idx_<table>_<columns>`, or `uq_…` when unique.
///
/// ```
/// assert_eq!(entmig_schema::naming::index_name("users", &["email"], true), "uq_users_email");
/// assert_eq!(entmig_schema::naming::index_name("posts", &["author_id", "created_at"], false),
///            "idx_posts_author_id_created_at");
/// ```
pub fn index_name<S: AsRef<str>>(table: &str, columns: &[S], unique: bool) -> String {
    let prefix = if unique { "uq" } else { "idx" };
    fit(&join(prefix, table, columns))
}

/// The name of the foreign key on `columns` of `table`: `fk_<table>_<columns>`.
///
/// ```
/// assert_eq!(entmig_schema::naming::foreign_key_name("posts", &["author_id"]), "fk_posts_author_id");
/// ```
pub fn foreign_key_name<S: AsRef<str>>(table: &str, columns: &[S]) -> String {
    fit(&join("fk", table, columns))
}

fn join<S: AsRef<str>>(prefix: &str, table: &str, columns: &[S]) -> String {
    let mut name = format!("{prefix}_{table}");
    for column in columns {
        name.push('_');
        name.push_str(column.as_ref());
    }
    name
}

/// `name` itself when it fits in [`MAX_IDENTIFIER_BYTES`]; otherwise its longest prefix that
/// leaves room (on a character boundary), `_`, and 8 hex digits of a hash of the whole name.
///
/// ```
/// let long = "idx_".to_string() + &"a".repeat(80);
/// let fitted = entmig_schema::naming::fit(&long);
/// assert_eq!(fitted.len(), 63);
/// assert_eq!(fitted, entmig_schema::naming::fit(&long)); // stable
/// ```
pub fn fit(name: &str) -> String {
    if name.len() <= MAX_IDENTIFIER_BYTES {
        return name.to_owned();
    }
    let suffix = format!("_{:08x}", fnv1a(name.as_bytes()) as u32);
    let mut cut = MAX_IDENTIFIER_BYTES - suffix.len();
    while !name.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}{suffix}", &name[..cut])
}

/// FNV-1a, 64 bits: tiny, and fixed forever, unlike `std`'s hashers, whose output may change
/// between Rust releases. A name that changed with the compiler would be a spurious migration,
/// and a checksum that changed would make every applied migration look edited.
pub fn stable_hash(bytes: &[u8]) -> u64 {
    fnv1a(bytes)
}

fn fnv1a(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in bytes {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_names_are_kept() {
        assert_eq!(fit("idx_a_b"), "idx_a_b");
        assert_eq!(index_name("t", &["a", "b"], false), "idx_t_a_b");
    }

    #[test]
    fn long_names_fit_and_stay_distinct() {
        let base = "x".repeat(70);
        let a = fit(&format!("{base}_one"));
        let b = fit(&format!("{base}_two"));
        assert_eq!(a.len(), MAX_IDENTIFIER_BYTES);
        assert_eq!(b.len(), MAX_IDENTIFIER_BYTES);
        assert_ne!(a, b);
        assert!(a.starts_with("xxxx"));
    }

    #[test]
    fn multibyte_names_are_cut_on_a_char_boundary() {
        let name = "é".repeat(40); // 80 bytes
        let fitted = fit(&name);
        assert!(fitted.len() <= MAX_IDENTIFIER_BYTES);
        assert!(fitted.is_char_boundary(fitted.len()));
    }

    #[test]
    fn the_hash_is_fixed() {
        // Reference values of FNV-1a 64; a change here would rename every long index of every user.
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
    }
}
