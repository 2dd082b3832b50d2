//! The snapshot: the schema that the migrations describe, stored as one pretty JSON file.
//!
//! The bytes change only when the schema does: tables are ordered by name, indexes and foreign
//! keys by name, and there are no timestamps. A snapshot of a format this version does not know
//! is an error that says so, rather than a silent misreading.

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
    #[serde(default)]
    tables: Vec<Table>,
}

#[derive(Deserialize)]
struct VersionOnly {
    format_version: u32,
}

/// Renders `schema` as snapshot text: pretty JSON, ending in a newline, without rename hints.
///
/// ```
/// use entmig_schema::{snapshot, Schema};
/// let text = snapshot::to_string(&Schema::new());
/// assert_eq!(snapshot::from_str(&text).unwrap(), Schema::new());
/// ```
pub fn to_string(schema: &Schema) -> String {
    let schema = schema.without_hints();
    let mut tables: Vec<Table> = schema.tables.into_values().collect();
    for table in &mut tables {
        table.sort();
    }
    let envelope = Envelope {
        format_version: FORMAT_VERSION,
        tables,
    };
    // Serialising plain owned data to a String cannot fail.
    let mut text = serde_json::to_string_pretty(&envelope).unwrap_or_default();
    text.push('\n');
    text
}

/// Reads snapshot text written by [`to_string`].
pub fn from_str(text: &str) -> Result<Schema, SnapshotError> {
    let version: VersionOnly = serde_json::from_str(text)?;
    if version.format_version != FORMAT_VERSION {
        return Err(SnapshotError::UnknownVersion {
            found: version.format_version,
        });
    }
    let envelope: Envelope = serde_json::from_str(text)?;
    Ok(Schema::from_tables(envelope.tables))
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
