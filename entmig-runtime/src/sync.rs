//! `synchronize`: build or update a schema straight from the entities, for tests and
//! prototypes. Production databases change through migrations, which are reviewed, ordered and
//! recorded; `synchronize` is none of these.

use entmig_schema::{Op, Schema, diff};

use crate::database::Database;
use crate::error::{Error, Result};

/// What [`Database::synchronize`] may do. Both are off by default.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SyncOptions {
    /// Drop every table first (the tracking table too) and build the schema from empty.
    pub drop_schema: bool,
    /// Allow steps that lose data: dropped columns, narrowing type changes, NOT NULL on a
    /// nullable column. Without it such steps are refused and nothing changes.
    pub allow_data_loss: bool,
}

/// What [`Database::synchronize`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncReport {
    /// The tables dropped by `drop_schema`.
    pub dropped: Vec<String>,
    /// The ops applied, in order; empty when the database already matched.
    pub ops: Vec<Op>,
}

impl Database {
    /// Makes the database's schema match `schema` in one transaction: introspect, diff, apply.
    ///
    /// Only the tables that `schema` names (or renames from) are touched: tables of the
    /// database that it does not mention — a user's own, `entmig_migrations` — are left alone.
    /// Renames happen only where an entity says `renamed_from`; otherwise a changed name is a
    /// drop and an add, which loses data and is refused unless `allow_data_loss`.
    ///
    /// ```
    /// use entmig_runtime::{Database, Entity, Schema, SyncOptions};
    ///
    /// #[derive(Entity)]
    /// struct Note {
    ///     #[entmig(primary_key, auto_increment)]
    ///     id: i64,
    ///     text: String,
    /// }
    ///
    /// let mut db = Database::connect("sqlite::memory:").unwrap();
    /// let report = db.synchronize(&Schema::of::<Note>(), SyncOptions::default()).unwrap();
    /// assert_eq!(report.ops.len(), 1);
    /// // Nothing left to do the second time.
    /// assert!(db.synchronize(&Schema::of::<Note>(), SyncOptions::default()).unwrap().ops.is_empty());
    /// ```
    pub fn synchronize(&mut self, schema: &Schema, options: SyncOptions) -> Result<SyncReport> {
        let target = self.backend().normalize(schema);
        self.transaction(|tx| {
            let mut report = SyncReport::default();
            if options.drop_schema {
                report.dropped = drop_all(tx)?;
            }
            let live = tx.introspect()?;
            let managed = Schema::from_tables(
                live.tables
                    .values()
                    .filter(|t| {
                        target.tables.contains_key(&t.name)
                            || target
                                .tables
                                .values()
                                .any(|e| e.renamed_from.as_deref() == Some(&t.name))
                    })
                    .cloned(),
            );
            let diff = diff(&managed, &target);
            if !options.allow_data_loss {
                let steps: Vec<String> = diff.destructive().map(ToString::to_string).collect();
                if !steps.is_empty() {
                    return Err(Error::Destructive { steps });
                }
            }
            for (table, column) in diff.needs_fill() {
                let sql = format!(
                    "SELECT COUNT(*) FROM {}",
                    entmig_schema::render::quote_ident(&table)
                );
                let rows = tx.query(&sql, &[])?;
                let count = rows
                    .first()
                    .and_then(|r| r.first())
                    .and_then(|v| v.as_i64())
                    .unwrap_or(0);
                if count > 0 {
                    return Err(Error::NeedsFill {
                        table,
                        column,
                        rows: count,
                    });
                }
            }
            tx.apply_to(&live, &diff.ops)?;
            report.ops = diff.ops;
            Ok(report)
        })
    }
}

/// Drops every table. Foreign keys are not enforced inside the schema transaction on SQLite;
/// on PostgreSQL `CASCADE` takes the constraints along.
fn drop_all(tx: &mut crate::Transaction<'_>) -> Result<Vec<String>> {
    let tables = tx.all_tables()?;
    let cascade = match tx.backend() {
        entmig_schema::Backend::Postgres => " CASCADE",
        entmig_schema::Backend::Sqlite => "",
    };
    for name in &tables {
        let sql = format!(
            "DROP TABLE IF EXISTS {}{cascade}",
            entmig_schema::render::quote_ident(name)
        );
        tx.execute(&sql, &[])?;
    }
    Ok(tables)
}
