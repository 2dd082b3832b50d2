//! The snapshot: the schema that the migrations describe, stored as one pretty JSON file.
//!
//! The bytes change only when the schema does: tables are ordered by name, indexes and foreign
//! keys by name, and there are no timestamps. A snapshot of a format this version does not know
//! is an error that says so, rather than a silent misreading.
//!
//! It also records the id of the newest migration it includes and a digest of its tables, each
//! on a line of its own: a snapshot left behind by an interrupted `make`, a deleted migration or
//! two branches merged by git (which conflict on those lines, or merge the tables without
//! matching the digest) is recognised as stale rather than trusted ([`Provenance`]).

use serde::{Deserialize, Serialize};

use crate::model::{Schema, Table};

/// The snapshot format this version writes and reads.
pub const FORMAT_VERSION: u32 = 1;

/// Why a snapshot could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SnapshotError {
    /// The text is not a snapshot (not JSON, or not of the expected shape).
    #[error("the snapshot is not valid: {0}")]
    Invalid(#[from] serde_json::Error),
    /// The snapshot was written by another version of entmig.
    #[error(
        "the snapshot has format version {found}, but this entmig reads version {FORMAT_VERSION}; \
         use the entmig version that wrote it, or upgrade entmig"
    )]
    UnknownVersion {
        /// The version the file declares.
        found: u32,
    },
}

#[derive(Serialize, Deserialize)]
struct Envelope {
    format_version: u32,
    /// The newest migration the tables include (`None`: before the first migration).
    #[serde(default)]
    migration: Option<String>,
    /// [`digest`] of the tables as written; absent in a snapshot of an entmig before 0.1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    digest: Option<String>,
    /// [`module_digest`] of the newest migration's module as it was when the snapshot was
    /// written: a module edited since may hold schema steps written by hand.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    module_digest: Option<String>,
    #[serde(default)]
    tables: Vec<Table>,
}

/// A snapshot file read back: the schema, and whether it is what entmig wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    /// The schema the file holds.
    pub schema: Schema,
    /// What the file says about where the schema comes from.
    pub provenance: Provenance,
    /// [`module_digest`] of the newest migration's module when the snapshot was written, if
    /// recorded.
    pub module_digest: Option<String>,
}

/// Where a snapshot's schema comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Provenance {
    /// Written by entmig after the migration `after` (`None`: before the first), and unchanged
    /// since.
    After(Option<String>),
    /// Its tables are not the ones entmig wrote after `after`: a merge or a hand edit changed
    /// them.
    Edited {
        /// The migration it was written after.
        after: Option<String>,
    },
    /// Written by an entmig that recorded neither: trusted as it is.
    Unrecorded,
}

#[derive(Deserialize)]
struct VersionOnly {
    format_version: u32,
}

/// Renders `schema` as snapshot text, recorded as the schema after the migration `after`
/// whose module's text is `module`: pretty JSON, ending in a newline, without rename hints.
///
/// ```
/// use entmig_schema::{snapshot, Schema};
/// let text = snapshot::write(&Schema::new(), Some("20261121_101500_create_user"), None);
/// let read = snapshot::read(&text).unwrap();
/// assert_eq!(read.schema, Schema::new());
/// assert_eq!(
///     read.provenance,
///     snapshot::Provenance::After(Some("20261121_101500_create_user".into()))
/// );
/// ```
pub fn write(schema: &Schema, after: Option<&str>, module: Option<&str>) -> String {
    let tables = canonical(schema);
    let envelope = Envelope {
        format_version: FORMAT_VERSION,
        migration: after.map(str::to_owned),
        digest: Some(digest(&tables)),
        module_digest: module.map(module_digest),
        tables,
    };
    // Serialising plain owned data to a String cannot fail.
    let mut text = serde_json::to_string_pretty(&envelope).unwrap_or_default();
    text.push('\n');
    text
}

/// Reads snapshot text written by [`write`] (or by an older entmig).
pub fn read(text: &str) -> Result<Snapshot, SnapshotError> {
    let version: VersionOnly = serde_json::from_str(text)?;
    if version.format_version != FORMAT_VERSION {
        return Err(SnapshotError::UnknownVersion {
            found: version.format_version,
        });
    }
    let envelope: Envelope = serde_json::from_str(text)?;
    // Over the tables as the file lists them: reformatting the file changes nothing, any
    // other edit (a merge among them) does.
    let provenance = match envelope.digest {
        None => Provenance::Unrecorded,
        Some(recorded) if recorded == digest(&envelope.tables) => {
            Provenance::After(envelope.migration)
        }
        Some(_) => Provenance::Edited {
            after: envelope.migration,
        },
    };
    let schema = Schema::from_tables(envelope.tables);
    Ok(Snapshot {
        schema,
        provenance,
        module_digest: envelope.module_digest,
    })
}

/// Renders `schema` as snapshot text that records no migration (see [`write`]).
///
/// ```
/// use entmig_schema::{snapshot, Schema};
/// let text = snapshot::to_string(&Schema::new());
/// assert_eq!(snapshot::from_str(&text).unwrap(), Schema::new());
/// ```
pub fn to_string(schema: &Schema) -> String {
    write(schema, None, None)
}

/// The schema of snapshot text, whatever its provenance (see [`read`]).
pub fn from_str(text: &str) -> Result<Schema, SnapshotError> {
    read(text).map(|snapshot| snapshot.schema)
}

/// One table in the JSON form of a snapshot's tables, on one line and with its rename hints:
/// the text `#[derive(Entity)]` compiles into a binary, read back by [`table_from_str`]. So
/// the table a binary holds is written and read by the same code as the snapshot the CLI keeps.
///
/// JSON has no infinite floats: a `DefaultValue::Float` that is not finite is written as
/// `null` and does not read back, in a table as in a snapshot (the derive carries such
/// defaults beside the text).
///
/// ```
/// use entmig_schema::{Column, ColumnType, Table, snapshot};
/// let mut table = Table::new("tags").with_column(Column::new("id", ColumnType::BigInt));
/// table.renamed_from = Some("labels".into());
/// let text = snapshot::table_to_string(&table);
/// assert_eq!(snapshot::table_from_str(&text).unwrap(), table);
/// ```
pub fn table_to_string(table: &Table) -> String {
    serde_json::to_string(table).unwrap_or_default()
}

/// The table of [`table_to_string`]'s text.
pub fn table_from_str(text: &str) -> Result<Table, SnapshotError> {
    Ok(serde_json::from_str(text)?)
}

/// The tables as stored: without rename hints, sorted.
fn canonical(schema: &Schema) -> Vec<Table> {
    let mut tables: Vec<Table> = schema.without_hints().tables.into_values().collect();
    for table in &mut tables {
        table.sort();
    }
    tables
}

/// A digest of a migration module's text that formatting does not change: white space and a
/// comma before a closing bracket (which rustfmt adds or removes as it breaks lines) are left
/// out, so that `cargo fmt` or a CRLF checkout is not an edit.
///
/// ```
/// use entmig_schema::snapshot::module_digest;
/// assert_eq!(
///     module_digest("m.add(\n    \"a\",\n    \"b\",\n);\r\n"),
///     module_digest("m.add(\"a\", \"b\");")
/// );
/// assert_ne!(module_digest("m.add(\"a\");"), module_digest("m.add(\"b\");"));
/// ```
pub fn module_digest(text: &str) -> String {
    let mut kept: Vec<u8> = Vec::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_whitespace() {
            continue;
        }
        if matches!(byte, b')' | b']' | b'}') && kept.last() == Some(&b',') {
            kept.pop();
        }
        kept.push(byte);
    }
    format!("{:016x}", crate::naming::stable_hash(&kept))
}

/// A digest of the tables: 16 hex digits of a stable hash of their canonical JSON, which spells
/// column types as entmig 0.1 did, so the digests that snapshots of any spelling record hold.
fn digest(tables: &[Table]) -> String {
    let json = crate::canonical::json(tables);
    format!("{:016x}", crate::naming::stable_hash(json.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::*;

    fn sample() -> Schema {
        let mut users = Table::new("users");
        users.columns = vec![
            Column {
                auto_increment: true,
                ..Column::new("id", ColumnType::BigInt)
            },
            Column::new("email", ColumnType::Varchar(255)),
            Column::new("score", ColumnType::Double).default(DefaultValue::Float(0.5)),
            Column::new("bio", ColumnType::Text).nullable(),
        ];
        users.primary_key = vec!["id".into()];
        users.indexes = vec![Index {
            name: "uq_users_email".into(),
            columns: vec!["email".into()],
            unique: true,
        }];
        let mut posts = Table::new("posts");
        posts.columns = vec![
            Column::new("id", ColumnType::BigInt),
            Column::new("author_id", ColumnType::BigInt),
        ];
        posts.primary_key = vec!["id".into()];
        posts.foreign_keys = vec![ForeignKey {
            name: "fk_posts_author_id".into(),
            columns: vec!["author_id".into()],
            referenced_table: "users".into(),
            referenced_columns: vec!["id".into()],
            on_delete: ReferentialAction::Cascade,
            on_update: ReferentialAction::NoAction,
        }];
        Schema::from_tables([users, posts])
    }

    #[test]
    fn round_trips() {
        let schema = sample();
        assert_eq!(from_str(&to_string(&schema)).unwrap(), schema);
    }

    #[test]
    fn bytes_are_stable_and_ordered() {
        let a = to_string(&sample());
        let b = to_string(&Schema::from_tables(sample().tables.into_values().rev()));
        assert_eq!(a, b);
        let posts = a.find("\"posts\"").unwrap();
        let users = a.find("\"users\"").unwrap();
        assert!(posts < users, "tables are ordered by name");
        assert!(a.ends_with("}\n"));
    }

    #[test]
    fn hints_are_not_stored() {
        let mut schema = sample();
        schema.tables.get_mut("users").unwrap().renamed_from = Some("people".into());
        schema.tables.get_mut("users").unwrap().columns[1].renamed_from = Some("mail".into());
        let text = to_string(&schema);
        assert!(!text.contains("renamed_from"));
    }

    #[test]
    fn provenance_tells_a_stale_or_edited_snapshot() {
        let text = write(&sample(), Some("20260101_000000_init"), Some("fn up() {}"));
        assert_eq!(
            read(&text).unwrap().provenance,
            Provenance::After(Some("20260101_000000_init".into()))
        );
        // The id and the digest sit on lines of their own, where a merge of two branches that
        // both wrote the snapshot conflicts.
        assert!(text.contains("\n  \"migration\": \"20260101_000000_init\",\n"));
        assert!(text.contains("\n  \"digest\": \""));
        // A table that git merged in from another branch, or a hand edit.
        let edited = text.replace("\"author_id\"", "\"writer_id\"");
        assert_eq!(
            read(&edited).unwrap().provenance,
            Provenance::Edited {
                after: Some("20260101_000000_init".into())
            }
        );
        // Reformatting is not an edit.
        let compact =
            serde_json::to_string(&serde_json::from_str::<serde_json::Value>(&text).unwrap())
                .unwrap();
        assert_eq!(
            read(&compact).unwrap().provenance,
            read(&text).unwrap().provenance
        );
        assert_eq!(
            read(&text).unwrap().module_digest,
            Some(module_digest("fn up() {}"))
        );
        let old = r#"{"format_version": 1, "tables": []}"#;
        assert_eq!(read(old).unwrap().provenance, Provenance::Unrecorded);
    }

    #[test]
    fn unknown_version_is_a_clear_error() {
        let err = from_str(r#"{"format_version": 99, "tables": []}"#).unwrap_err();
        assert!(matches!(err, SnapshotError::UnknownVersion { found: 99 }));
        assert!(err.to_string().contains("format version 99"), "{err}");
    }

    #[test]
    fn garbage_is_a_clear_error() {
        let err = from_str("not json").unwrap_err();
        assert!(
            err.to_string().starts_with("the snapshot is not valid"),
            "{err}"
        );
        let err = from_str(r#"{"format_version": 1, "tables": [{"name": 3}]}"#).unwrap_err();
        assert!(matches!(err, SnapshotError::Invalid(_)), "{err}");
    }
}
