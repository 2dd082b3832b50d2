//! The names of the `#[entmig(..)]` attribute keys. One place, so that the parser, the
//! "did you mean" suggestions and the docs cannot disagree.

pub(crate) const ENTMIG: &str = "entmig";

// Container keys.
pub(crate) const TABLE: &str = "table";
pub(crate) const RENAMED_FROM: &str = "renamed_from";
pub(crate) const INDEX: &str = "index";
pub(crate) const PRIMARY_KEY: &str = "primary_key";
pub(crate) const NO_PRIMARY_KEY: &str = "no_primary_key";
pub(crate) const CRATE: &str = "crate";

pub(crate) const CONTAINER_KEYS: &[&str] = &[
    TABLE,
    RENAMED_FROM,
    INDEX,
    PRIMARY_KEY,
    NO_PRIMARY_KEY,
    CRATE,
];

// Keys inside `index(..)` and `primary_key(..)`.
pub(crate) const COLUMNS: &str = "columns";
pub(crate) const UNIQUE: &str = "unique";
pub(crate) const NAME: &str = "name";

pub(crate) const INDEX_KEYS: &[&str] = &[COLUMNS, UNIQUE, NAME];

// Field keys.
pub(crate) const AUTO_INCREMENT: &str = "auto_increment";
pub(crate) const NULLABLE: &str = "nullable";
pub(crate) const DEFAULT: &str = "default";
pub(crate) const DEFAULT_SQL: &str = "default_sql";
pub(crate) const COLUMN: &str = "column";
pub(crate) const SQL_TYPE: &str = "sql_type";
pub(crate) const MAX_LENGTH: &str = "max_length";
pub(crate) const PRECISION: &str = "precision";
pub(crate) const SCALE: &str = "scale";
pub(crate) const REFERENCES: &str = "references";
pub(crate) const ON_DELETE: &str = "on_delete";
pub(crate) const ON_UPDATE: &str = "on_update";
pub(crate) const SKIP: &str = "skip";

pub(crate) const FIELD_KEYS: &[&str] = &[
    PRIMARY_KEY,
    AUTO_INCREMENT,
    UNIQUE,
    INDEX,
    NULLABLE,
    DEFAULT,
    DEFAULT_SQL,
    COLUMN,
    RENAMED_FROM,
    SQL_TYPE,
    MAX_LENGTH,
    PRECISION,
    SCALE,
    REFERENCES,
    ON_DELETE,
    ON_UPDATE,
    SKIP,
];

/// The known name closest to `unknown`, when it is close enough to be a typo. Used for keys
/// and for the column names of `columns = ".."` lists.
pub(crate) fn suggest<'a>(unknown: &str, known: &[&'a str]) -> Option<&'a str> {
    known
        .iter()
        .map(|k| (edit_distance(unknown, k), *k))
        .filter(|(d, k)| *d <= (k.len() / 3).max(1))
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

/// Edit distance over chars where a swap of two neighbours counts as one edit (optimal string
/// alignment), because `tabel` for `table` is the typo people make.
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    d[0] = (0..=b.len()).collect();
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_keys_only() {
        assert_eq!(suggest("uniqe", FIELD_KEYS), Some(UNIQUE));
        assert_eq!(suggest("primarykey", FIELD_KEYS), Some(PRIMARY_KEY));
        assert_eq!(suggest("max_len", FIELD_KEYS), Some(MAX_LENGTH));
        assert_eq!(suggest("tabel", CONTAINER_KEYS), Some(TABLE));
        assert_eq!(suggest("zzz", CONTAINER_KEYS), None);
    }
}
