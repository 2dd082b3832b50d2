//! The diff: from one schema to another as an ordered list of [`Op`]s.
//!
//! Ordering rules, so that every database accepts the list as it stands:
//! 1. renames (tables, then columns), which keep their indexes and foreign keys;
//! 2. foreign keys that go or change are dropped, then indexes that go or change;
//! 3. tables dropped, referencing tables before the tables they reference (before the keys
//!    their foreign keys use can change);
//! 4. per remaining table: columns added, altered, the primary key set, columns of the old key
//!    made nullable, columns dropped;
//! 5. new tables, referenced tables before the tables that reference them;
//! 6. indexes added, then foreign keys added (their tables and columns now exist).
//!
//! Names are compared as they are: a renamed column's indexes keep their names until their
//! names change in the target, and then they are dropped and created again.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::model::{ForeignKey, Schema, Table};
use crate::op::{ColumnChanges, Fill, Op, apply_all};

/// The result of [`diff`]: the ops, and the pairs that may be renames rather than a drop and
/// an add.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diff {
    /// The ops, in an order a database accepts.
    pub ops: Vec<Op>,
    /// A dropped and an added table or column that look alike: accept one with
    /// [`diff_accepting`] to turn the pair into a rename.
    pub possible_renames: Vec<PossibleRename>,
}

/// A drop and an add that may be one rename.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PossibleRename {
    /// A dropped table and an added table with the same columns.
    Table {
        /// The dropped table.
        from: String,
        /// The added table.
        to: String,
    },
    /// A dropped and an added column of the same type in one table.
    Column {
        /// The table (its name in the target schema).
        table: String,
        /// The dropped column.
        from: String,
        /// The added column.
        to: String,
    },
}

impl Diff {
    /// `true` when the schemas are equal.
    pub fn is_empty(&self) -> bool {
        self.ops.is_empty()
    }

    /// The ops that can lose data.
    pub fn destructive(&self) -> impl Iterator<Item = &Op> {
        self.ops.iter().filter(|op| op.is_destructive())
    }

    /// The NOT NULL columns without default added to existing tables, which need a fill value
    /// for the rows those tables may hold: `(table, column)`.
    pub fn needs_fill(&self) -> Vec<(String, String)> {
        self.ops
            .iter()
            .filter_map(|op| match op {
                Op::AddColumn {
                    table,
                    column,
                    fill: None,
                } if !column.nullable && column.default.is_none() && !column.auto_increment => {
                    Some((table.clone(), column.name.clone()))
                }
                _ => None,
            })
            .collect()
    }

    /// Gives the rows of an added column a fill (see [`Diff::needs_fill`]).
    pub fn set_fill(&mut self, table: &str, column: &str, value: Fill) -> bool {
        for op in &mut self.ops {
            if let Op::AddColumn {
                table: t,
                column: c,
                fill,
            } = op
                && t == table
                && c.name == column
            {
                *fill = Some(value);
                return true;
            }
        }
        false
    }
}

/// The ops that turn `from` into `to`, in an order a database accepts, and the possible
/// renames among them. Deterministic: the same schemas give the same list.
///
/// ```
/// use entmig_schema::{diff, Column, ColumnType, Op, Schema, Table};
/// let mut users = Table::new("users");
/// users.columns.push(Column::new("id", ColumnType::BigInt));
/// let before = Schema::from_tables([users.clone()]);
/// users.columns.push(Column::new("email", ColumnType::Text).nullable());
/// let after = Schema::from_tables([users]);
/// let d = diff(&before, &after);
/// assert!(matches!(&d.ops[..], [Op::AddColumn { column, .. }] if column.name == "email"));
/// ```
pub fn diff(from: &Schema, to: &Schema) -> Diff {
    let renames = renames(from, to);
    // Copies only where there is something to take out or apply: a diff of two large,
    // mostly equal schemas is the common case and should cost little.
    let stripped;
    let to = if has_hints(to) {
        stripped = to.without_hints();
        &stripped
    } else {
        to
    };
    if renames.is_empty() {
        return diff_plain(from, to, renames);
    }
    // Renames keep their tables' contents; what remains is a diff without renames.
    match apply_all(from, &renames) {
        Ok(mid) => diff_plain(&mid, to, renames),
        // Hints that cannot apply are ignored rather than trusted.
        Err(_) => diff_plain(from, to, Vec::new()),
    }
}

fn has_hints(schema: &Schema) -> bool {
    schema
        .tables
        .values()
        .any(|t| t.renamed_from.is_some() || t.columns.iter().any(|c| c.renamed_from.is_some()))
}

/// [`diff`], with some possible renames accepted as renames.
pub fn diff_accepting(from: &Schema, to: &Schema, accepted: &[PossibleRename]) -> Diff {
    let mut to = to.clone();
    for rename in accepted {
        match rename {
            PossibleRename::Table { from, to: name } => {
                if let Some(t) = to.tables.get_mut(name) {
                    t.renamed_from = Some(from.clone());
                }
            }
            PossibleRename::Column {
                table,
                from,
                to: name,
            } => {
                if let Some(c) = to
                    .tables
                    .get_mut(table)
                    .and_then(|t| t.columns.iter_mut().find(|c| c.name == *name))
                {
                    c.renamed_from = Some(from.clone());
                }
            }
        }
    }
    diff(from, &to)
}

/// The renames the `renamed_from` hints of `to` ask for and `from` allows: the old name exists
/// in `from`, the new one does not, and the old one is not also kept in `to`.
fn renames(from: &Schema, to: &Schema) -> Vec<Op> {
    let mut ops = Vec::new();
    let mut table_map: BTreeMap<&str, &str> = BTreeMap::new(); // to-name -> from-name
    for table in to.tables.values() {
        if let Some(old) = &table.renamed_from
            && from.tables.contains_key(old)
            && !from.tables.contains_key(&table.name)
            && !to.tables.contains_key(old)
            && !table_map.values().any(|v| v == old)
        {
            table_map.insert(&table.name, old);
            ops.push(Op::RenameTable {
                from: old.clone(),
                to: table.name.clone(),
            });
        }
    }
    for table in to.tables.values() {
        let old_name = table_map
            .get(table.name.as_str())
            .copied()
            .unwrap_or(&table.name);
        let Some(old_table) = from.tables.get(old_name) else {
            continue;
        };
        let mut taken: BTreeSet<&str> = BTreeSet::new();
        for column in &table.columns {
            if let Some(old) = &column.renamed_from
                && old_table.column(old).is_some()
                && old_table.column(&column.name).is_none()
                && table.column(old).is_none()
                && taken.insert(old)
            {
                ops.push(Op::RenameColumn {
                    table: table.name.clone(),
                    from: old.clone(),
                    to: column.name.clone(),
                });
            }
        }
    }
    ops
}

fn diff_plain(from: &Schema, to: &Schema, mut ops: Vec<Op>) -> Diff {
    let created: Vec<&Table> = to
        .tables
        .values()
        .filter(|t| !from.tables.contains_key(&t.name))
        .collect();
    let dropped: Vec<&Table> = from
        .tables
        .values()
        .filter(|t| !to.tables.contains_key(&t.name))
        .collect();
    let matched: Vec<(&Table, &Table)> = from
        .tables
        .values()
        .filter_map(|f| to.tables.get(&f.name).map(|t| (f, t)))
        .collect();

    // Foreign keys into a table whose key changes must go while the key changes.
    let rekeyed: BTreeSet<&str> = matched
        .iter()
        .filter(|(f, t)| f.primary_key != t.primary_key)
        .map(|(f, _)| f.name.as_str())
        .collect();
    let fk_changes = |f: &Table, t: &Table| -> (Vec<ForeignKey>, Vec<ForeignKey>) {
        let gone = f
            .foreign_keys
            .iter()
            .filter(|fk| {
                t.foreign_key(&fk.name) != Some(fk)
                    || rekeyed.contains(fk.referenced_table.as_str())
            })
            .cloned()
            .collect();
        let new = t
            .foreign_keys
            .iter()
            .filter(|fk| {
                f.foreign_key(&fk.name) != Some(fk)
                    || rekeyed.contains(fk.referenced_table.as_str())
            })
            .cloned()
            .collect();
        (gone, new)
    };

    let mut add_indexes = Vec::new();
    let mut add_fks = Vec::new();
    for (f, t) in &matched {
        let (gone, new) = fk_changes(f, t);
        for foreign_key in gone {
            ops.push(Op::DropForeignKey {
                table: f.name.clone(),
                foreign_key,
            });
        }
        for foreign_key in new {
            add_fks.push(Op::AddForeignKey {
                table: t.name.clone(),
                foreign_key,
            });
        }
    }
    for (f, t) in &matched {
        for index in &f.indexes {
            if t.index(&index.name) != Some(index) {
                ops.push(Op::DropIndex {
                    table: f.name.clone(),
                    index: index.clone(),
                });
            }
        }
        for index in &t.indexes {
            if f.index(&index.name) != Some(index) {
                add_indexes.push(Op::AddIndex {
                    table: t.name.clone(),
                    index: index.clone(),
                });
            }
        }
    }

    // Dropped tables go before the remaining tables change: their foreign keys may depend on
    // a key that changes (PostgreSQL refuses to drop a key a foreign key uses). Dropping is
    // creating backwards, so the inverse of this part is a valid creation.
    let (drop_order, cut) = creation_order(&dropped);
    ops.extend(
        cut.into_iter()
            .map(|(table, foreign_key)| Op::DropForeignKey { table, foreign_key }),
    );
    ops.extend(
        drop_order
            .into_iter()
            .rev()
            .map(|table| Op::DropTable { table }),
    );

    let mut possible_renames = Vec::new();
    for (f, t) in &matched {
        columns(f, t, &mut ops, &mut possible_renames);
    }

    let (create_order, deferred) = creation_order(&created);
    ops.extend(
        create_order
            .into_iter()
            .map(|table| Op::CreateTable { table }),
    );
    ops.extend(add_indexes);
    ops.extend(
        deferred
            .into_iter()
            .map(|(table, foreign_key)| Op::AddForeignKey { table, foreign_key }),
    );
    ops.extend(add_fks);

    for d in &dropped {
        for c in &created {
            if same_columns(d, c) {
                possible_renames.push(PossibleRename::Table {
                    from: d.name.clone(),
                    to: c.name.clone(),
                });
            }
        }
    }
    Diff {
        ops,
        possible_renames,
    }
}

/// The column ops of one table: added, altered, the key, dropped.
fn columns(f: &Table, t: &Table, ops: &mut Vec<Op>, possible: &mut Vec<PossibleRename>) {
    let added: Vec<_> = t
        .columns
        .iter()
        .filter(|c| f.column(&c.name).is_none())
        .collect();
    let dropped: Vec<_> = f
        .columns
        .iter()
        .filter(|c| t.column(&c.name).is_none())
        .collect();
    for column in &added {
        ops.push(Op::AddColumn {
            table: t.name.clone(),
            column: (*column).clone(),
            fill: None,
        });
    }
    // A column of the old key may accept NULL only once the key no longer holds it.
    let mut after_key = Vec::new();
    for column in &t.columns {
        if let Some(old) = f.column(&column.name) {
            let changes = ColumnChanges::between(old, column);
            if !changes.is_empty() {
                let op = Op::AlterColumn {
                    table: t.name.clone(),
                    column: column.name.clone(),
                    changes,
                };
                if column.nullable && !old.nullable && f.primary_key.contains(&column.name) {
                    after_key.push(op);
                } else {
                    ops.push(op);
                }
            }
        }
    }
    if f.primary_key != t.primary_key {
        ops.push(Op::SetPrimaryKey {
            table: t.name.clone(),
            from: f.primary_key.clone(),
            to: t.primary_key.clone(),
        });
    }
    ops.extend(after_key);
    for column in &dropped {
        ops.push(Op::DropColumn {
            table: t.name.clone(),
            column: (*column).clone(),
        });
    }
    let mut paired = BTreeSet::new();
    for a in &added {
        if let Some(d) = dropped
            .iter()
            .find(|d| d.ty == a.ty && !paired.contains(&d.name))
        {
            paired.insert(d.name.clone());
            possible.push(PossibleRename::Column {
                table: t.name.clone(),
                from: d.name.clone(),
                to: a.name.clone(),
            });
        }
    }
}

fn same_columns(a: &Table, b: &Table) -> bool {
    let shape = |t: &Table| -> BTreeSet<(String, String)> {
        t.columns
            .iter()
            .map(|c| (c.name.clone(), c.ty.to_string()))
            .collect()
    };
    !a.columns.is_empty() && shape(a) == shape(b)
}

/// The tables in an order where each comes after the tables it references (within the set),
/// and the foreign keys cut out to break cycles, as `(table, foreign key)`.
fn creation_order(tables: &[&Table]) -> (Vec<Table>, Vec<(String, ForeignKey)>) {
    let set: BTreeSet<&str> = tables.iter().map(|t| t.name.as_str()).collect();
    let mut remaining: Vec<Table> = tables.iter().map(|t| (*t).clone()).collect();
    let mut done: BTreeSet<String> = BTreeSet::new();
    let mut order = Vec::new();
    let mut cut = Vec::new();
    while !remaining.is_empty() {
        let ready = remaining.iter().position(|t| {
            t.foreign_keys.iter().all(|fk| {
                fk.referenced_table == t.name
                    || !set.contains(fk.referenced_table.as_str())
                    || done.contains(&fk.referenced_table)
            })
        });
        let index = match ready {
            Some(index) => index,
            None => {
                // A cycle: create the first table without the keys that point ahead.
                let table = &mut remaining[0];
                let (keep, ahead): (Vec<_>, Vec<_>) =
                    table.foreign_keys.drain(..).partition(|fk| {
                        fk.referenced_table == table.name
                            || !set.contains(fk.referenced_table.as_str())
                            || done.contains(&fk.referenced_table)
                    });
                table.foreign_keys = keep;
                cut.extend(ahead.into_iter().map(|fk| (table.name.clone(), fk)));
                0
            }
        };
        let table = remaining.remove(index);
        done.insert(table.name.clone());
        order.push(table);
    }
    (order, cut)
}
