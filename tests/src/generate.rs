//! Random schemas, edit scripts and rows for the round-trip property tests.
//!
//! Everything derives from one `u64` seed through a small deterministic generator, so a failing
//! case is reproduced by its seed alone; proptest supplies the seeds, the case count and the
//! failure persistence.
//!
//! The edits keep a schema valid the way a user's entities are: every foreign key references a
//! single-column key, primary-key columns are NOT NULL, a dropped table or key takes the foreign
//! keys that pointed at it along. And they keep the rows valid: unique indexes only cover
//! columns whose values differ in every row, NOT NULL columns without default get a fill.

use std::collections::{BTreeMap, BTreeSet};

use entmig_runtime::{
    Backend, Column, ColumnType, DefaultValue, ForeignKey, Index, ReferentialAction, Schema, Table,
    Value, naming,
};

/// SplitMix64: small, fast and the same on every machine.
pub struct Rng(u64);

impl Rng {
    /// A generator for one seed.
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// `true` with `percent` % probability.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next_u64() % 100 < percent
    }

    /// One of `items` (non-empty).
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Table names include SQL keywords, which must work when quoted.
const TABLE_NAMES: &[&str] = &[
    "user", "order", "group", "post", "tag", "select", "item", "account", "event", "note", "audit",
    "team",
];

fn column_types() -> Vec<ColumnType> {
    vec![
        ColumnType::Boolean,
        ColumnType::SmallInt,
        ColumnType::Integer,
        ColumnType::BigInt,
        ColumnType::Real,
        ColumnType::Double,
        ColumnType::Decimal {
            precision: Some(10),
            scale: Some(2),
        },
        ColumnType::Decimal {
            precision: None,
            scale: None,
        },
        ColumnType::Text,
        ColumnType::Varchar(40),
        ColumnType::Bytes,
        ColumnType::Date,
        ColumnType::Time,
        ColumnType::Timestamp,
        ColumnType::TimestampTz,
        ColumnType::Uuid,
        ColumnType::Json,
        ColumnType::Custom("inet".into()),
    ]
}

/// A default of the column's type, or none.
fn random_default(rng: &mut Rng, ty: &ColumnType) -> Option<DefaultValue> {
    if rng.chance(60) {
        return None;
    }
    Some(match ty {
        ColumnType::Boolean => DefaultValue::Bool(rng.chance(50)),
        ColumnType::SmallInt | ColumnType::Integer | ColumnType::BigInt => {
            DefaultValue::Integer(rng.below(200) as i64 - 100)
        }
        ColumnType::Real | ColumnType::Double => {
            DefaultValue::Float(*rng.pick(&[0.5, -2.25, 1.0, 1e20]))
        }
        ColumnType::Decimal { .. } => DefaultValue::Integer(7),
        ColumnType::Text | ColumnType::Varchar(_) => {
            DefaultValue::String(rng.pick(&["", "draft", "it's"]).to_string())
        }
        ColumnType::Date => DefaultValue::String("2024-02-29".into()),
        ColumnType::Time => DefaultValue::String("12:30:00".into()),
        ColumnType::Timestamp => DefaultValue::Sql("CURRENT_TIMESTAMP".into()),
        _ => return None,
    })
}

/// A random schema of 1 to 4 tables.
pub fn schema(rng: &mut Rng) -> Schema {
    let mut names = Names::default();
    let mut schema = Schema::new();
    let count = 1 + rng.below(4);
    for _ in 0..count {
        let table = table(rng, &mut names, &schema);
        schema.tables.insert(table.name.clone(), table);
    }
    schema
}

/// Hands out names never used before in one case, so renames and new tables never collide.
#[derive(Default)]
struct Names {
    tables: usize,
    columns: usize,
}

impl Names {
    fn table(&mut self) -> String {
        self.tables += 1;
        let base = TABLE_NAMES[(self.tables - 1) % TABLE_NAMES.len()];
        if self.tables <= TABLE_NAMES.len() {
            base.to_string()
        } else {
            format!("{base}{}", self.tables)
        }
    }

    fn column(&mut self) -> String {
        self.columns += 1;
        format!("c{}", self.columns)
    }
}

fn new_column(rng: &mut Rng, names: &mut Names) -> Column {
    let types = column_types();
    let ty = rng.pick(&types).clone();
    let custom = matches!(ty, ColumnType::Custom(_));
    let mut column = Column::new(names.column(), ty.clone());
    // A custom type has no zero value to restore a dropped NOT NULL column with.
    column.nullable = custom || rng.chance(50);
    column.default = random_default(rng, &ty);
    column
}

/// Tables with a single-column BIGINT key, which foreign keys may reference.
fn key_tables(schema: &Schema) -> Vec<String> {
    schema
        .tables
        .values()
        .filter(|t| {
            t.primary_key.len() == 1
                && t.column(&t.primary_key[0])
                    .is_some_and(|c| c.ty == ColumnType::BigInt)
        })
        .map(|t| t.name.clone())
        .collect()
}

fn table(rng: &mut Rng, names: &mut Names, schema: &Schema) -> Table {
    let mut table = Table::new(names.table());
    let key_kind = rng.below(4);
    if key_kind < 2 {
        table.columns.push(Column {
            auto_increment: key_kind == 0,
            ..Column::new("id", ColumnType::BigInt)
        });
        table.primary_key = vec!["id".into()];
    }
    for _ in 0..1 + rng.below(5) {
        table.columns.push(new_column(rng, names));
    }
    if key_kind == 2 {
        // A composite key over NOT NULL integer and text columns.
        let a = names.column();
        let b = names.column();
        table.columns.push(Column::new(&a, ColumnType::Integer));
        table.columns.push(Column::new(&b, ColumnType::Varchar(40)));
        table.primary_key = vec![a, b];
    }
    if rng.chance(50) {
        let targets = key_tables(schema);
        if !targets.is_empty() {
            let target = rng.pick(&targets).clone();
            add_foreign_key(rng, names, &mut table, &target, schema);
        }
    }
    for _ in 0..rng.below(3) {
        add_index(rng, &mut table, None);
    }
    table.sort();
    table
}

fn add_foreign_key(
    rng: &mut Rng,
    names: &mut Names,
    table: &mut Table,
    target: &str,
    schema: &Schema,
) {
    let column = names.column();
    table
        .columns
        .push(Column::new(&column, ColumnType::BigInt).nullable());
    let key = if target == table.name {
        table.primary_key.clone()
    } else {
        schema.tables[target].primary_key.clone()
    };
    let actions = [
        ReferentialAction::NoAction,
        ReferentialAction::Cascade,
        ReferentialAction::SetNull,
        ReferentialAction::Restrict,
    ];
    table.foreign_keys.push(ForeignKey {
        name: naming::foreign_key_name(&table.name, std::slice::from_ref(&column)),
        columns: vec![column],
        referenced_table: target.to_owned(),
        referenced_columns: key,
        on_delete: *rng.pick(&actions),
        on_update: *rng.pick(&actions),
    });
}

/// An index on one or two columns. Unique only over `distinct` columns (those whose rows hold
/// different values), and never over booleans, which cannot differ in more than two rows.
fn add_index(rng: &mut Rng, table: &mut Table, distinct: Option<&BTreeSet<String>>) {
    let candidates: Vec<&Column> = table
        .columns
        .iter()
        .filter(|c| !matches!(c.ty, ColumnType::Bytes | ColumnType::Json))
        .collect();
    if candidates.is_empty() {
        return;
    }
    let mut columns = vec![rng.pick(&candidates).name.clone()];
    if rng.chance(40) {
        let second = rng.pick(&candidates).name.clone();
        if !columns.contains(&second) {
            columns.push(second);
        }
    }
    let in_foreign_key = |c: &String| table.foreign_keys.iter().any(|fk| fk.columns.contains(c));
    let may_be_unique = columns.iter().all(|c| {
        !in_foreign_key(c)
            && table
                .column(c)
                .is_some_and(|c| c.ty != ColumnType::Boolean && c.default.is_none())
            && distinct.is_none_or(|d| d.contains(c))
    });
    let unique = may_be_unique && rng.chance(50);
    let name = naming::index_name(&table.name, &columns, unique);
    if table.index(&name).is_none() {
        table.indexes.push(Index {
            name,
            columns,
            unique,
        });
    }
}

/// What an edit script did, beyond the target schema: which columns the test must fill before
/// the change (nullable made NOT NULL).
#[derive(Debug, Default)]
pub struct Edits {
    /// Columns of the source schema, `(table, column)`, that the target makes NOT NULL.
    pub made_not_null: Vec<(String, String)>,
}

/// The target of a random edit script from `a`: 1 to 5 edits, with `renamed_from` hints where
/// tables and columns were renamed.
pub fn edit(rng: &mut Rng, a: &Schema) -> (Schema, Edits) {
    let mut names = Names {
        tables: 100,
        columns: 100,
    };
    let mut b = a.clone();
    let mut edits = Edits::default();
    // Columns that came from `a` (by current name), which hold distinct values per row: not
    // those that were foreign keys there, whose rows may point at one parent, even when the
    // edits have dropped that key since.
    let origin_columns = |b: &Schema, table: &str| -> BTreeSet<String> {
        let t = &b.tables[table];
        let source = t.renamed_from.as_deref().unwrap_or(&t.name);
        match a.tables.get(source) {
            Some(old) => t
                .columns
                .iter()
                .filter(|c| {
                    let name = c.renamed_from.as_deref().unwrap_or(&c.name);
                    old.column(name).is_some()
                        && !old
                            .foreign_keys
                            .iter()
                            .any(|fk| fk.columns.iter().any(|fc| fc == name))
                })
                .map(|c| c.name.clone())
                .collect(),
            None => BTreeSet::new(),
        }
    };
    for _ in 0..1 + rng.below(5) {
        let tables: Vec<String> = b.tables.keys().cloned().collect();
        if tables.is_empty() {
            let t = table(rng, &mut names, &b);
            b.tables.insert(t.name.clone(), t);
            continue;
        }
        let name = rng.pick(&tables).clone();
        let from_a = a
            .tables
            .contains_key(b.tables[&name].renamed_from.as_deref().unwrap_or(&name));
        match rng.below(14) {
            0 => {
                let t = table(rng, &mut names, &b);
                b.tables.insert(t.name.clone(), t);
            }
            1 => {
                // Only tables nothing references, so that the inverse can restore the keys.
                let referenced = a.tables.values().chain(b.tables.values()).any(|t| {
                    t.name != name && t.foreign_keys.iter().any(|fk| fk.referenced_table == name)
                });
                if !referenced {
                    b.tables.remove(&name);
                }
            }
            2 if from_a && b.tables[&name].renamed_from.is_none() => {
                let mut t = b.tables.remove(&name).expect("picked");
                let new_name = names.table();
                t.renamed_from = Some(name.clone());
                t.name = new_name.clone();
                for fk in &mut t.foreign_keys {
                    if fk.referenced_table == name {
                        fk.referenced_table = new_name.clone();
                    }
                }
                for other in b.tables.values_mut() {
                    for fk in &mut other.foreign_keys {
                        if fk.referenced_table == name {
                            fk.referenced_table = new_name.clone();
                        }
                    }
                }
                b.tables.insert(new_name, t);
            }
            3 => {
                let mut column = new_column(rng, &mut names);
                if !column.nullable && column.default.is_none() && rng.chance(50) {
                    column.nullable = true;
                }
                b.tables
                    .get_mut(&name)
                    .expect("picked")
                    .columns
                    .push(column);
            }
            4 => {
                let t = &b.tables[&name];
                let uniquely_indexed: BTreeSet<&String> = t
                    .indexes
                    .iter()
                    .filter(|i| i.unique)
                    .flat_map(|i| &i.columns)
                    .collect();
                // A restored column holds one zero value in every row: it cannot have been
                // unique, in the source schema or here.
                let source = a.tables.get(t.renamed_from.as_deref().unwrap_or(&t.name));
                let unique_in_source = |c: &Column| {
                    let old = c.renamed_from.as_ref().unwrap_or(&c.name);
                    source.is_some_and(|s| {
                        s.primary_key.contains(old)
                            || s.indexes
                                .iter()
                                .any(|i| i.unique && i.columns.contains(old))
                    })
                };
                let droppable: Vec<String> = t
                    .columns
                    .iter()
                    .filter(|c| {
                        !t.primary_key.contains(&c.name)
                            && !uniquely_indexed.contains(&c.name)
                            && !unique_in_source(c)
                            && t.columns.len() > 1
                    })
                    .map(|c| c.name.clone())
                    .collect();
                if !droppable.is_empty() {
                    let column = rng.pick(&droppable).clone();
                    let t = b.tables.get_mut(&name).expect("picked");
                    t.columns.retain(|c| c.name != column);
                    t.indexes.retain(|i| !i.columns.contains(&column));
                    t.foreign_keys.retain(|fk| !fk.columns.contains(&column));
                }
            }
            5 if from_a => {
                let t = &b.tables[&name];
                let origin = origin_columns(&b, &name);
                let renamable: Vec<String> = t
                    .columns
                    .iter()
                    .filter(|c| c.renamed_from.is_none() && origin.contains(&c.name))
                    .map(|c| c.name.clone())
                    .collect();
                if !renamable.is_empty() {
                    let old = rng.pick(&renamable).clone();
                    let new = names.column();
                    rename_column(&mut b, &name, &old, &new);
                }
            }
            6 => {
                // Type changes within a family, where values carry over unchanged.
                let t = b.tables.get_mut(&name).expect("picked");
                let keyish: BTreeSet<String> = t
                    .primary_key
                    .iter()
                    .chain(t.foreign_keys.iter().flat_map(|fk| &fk.columns))
                    .cloned()
                    .collect();
                let candidates: Vec<usize> = (0..t.columns.len())
                    .filter(|i| !keyish.contains(&t.columns[*i].name))
                    .collect();
                if let Some(&i) = candidates.get(rng.below(candidates.len().max(1))) {
                    let column = &mut t.columns[i];
                    let next = match column.ty {
                        ColumnType::SmallInt => Some(ColumnType::BigInt),
                        ColumnType::Integer => Some(ColumnType::SmallInt),
                        ColumnType::BigInt => Some(ColumnType::Integer),
                        ColumnType::Real => Some(ColumnType::Double),
                        ColumnType::Double => Some(ColumnType::Real),
                        ColumnType::Text => Some(ColumnType::Varchar(60)),
                        ColumnType::Varchar(_) => Some(ColumnType::Text),
                        ColumnType::Decimal {
                            precision: Some(_), ..
                        } => Some(ColumnType::Decimal {
                            precision: Some(12),
                            scale: Some(4),
                        }),
                        _ => None,
                    };
                    // A real cannot hold a default of 1e20 exactly.
                    let fits = column
                        .default
                        .as_ref()
                        .is_none_or(|d| !matches!(d, DefaultValue::Float(x) if x.abs() > 1e10));
                    if let (Some(next), true) = (next, fits) {
                        column.ty = next;
                    }
                }
            }
            7 => {
                let origin = origin_columns(&b, &name);
                let t = b.tables.get_mut(&name).expect("picked");
                let candidates: Vec<usize> = (0..t.columns.len())
                    .filter(|i| {
                        let c = &t.columns[*i];
                        !t.primary_key.contains(&c.name) && !matches!(c.ty, ColumnType::Custom(_))
                    })
                    .collect();
                if let Some(&i) = candidates.get(rng.below(candidates.len().max(1))) {
                    // Rows may hold NULL in a foreign-key column, now or in the source schema.
                    let column_name = &t.columns[i].name;
                    let source_name = t.columns[i].renamed_from.as_ref().unwrap_or(column_name);
                    let source_table = a.tables.get(t.renamed_from.as_deref().unwrap_or(&t.name));
                    let in_foreign_key = t
                        .foreign_keys
                        .iter()
                        .any(|fk| fk.columns.contains(column_name))
                        || source_table.is_some_and(|s| {
                            s.foreign_keys
                                .iter()
                                .any(|fk| fk.columns.contains(source_name))
                        });
                    let source_table = t.renamed_from.clone().unwrap_or_else(|| t.name.clone());
                    let column = &mut t.columns[i];
                    if !column.nullable {
                        column.nullable = true;
                    } else if origin.contains(&column.name) && !in_foreign_key {
                        column.nullable = false;
                        let source_column = column
                            .renamed_from
                            .clone()
                            .unwrap_or_else(|| column.name.clone());
                        edits.made_not_null.push((source_table, source_column));
                    }
                }
            }
            8 => {
                let t = b.tables.get_mut(&name).expect("picked");
                // Not on unique or foreign-key columns: one default in many rows would repeat a
                // value or point at a row that may not exist.
                let constrained: BTreeSet<String> = t
                    .indexes
                    .iter()
                    .filter(|i| i.unique)
                    .flat_map(|i| i.columns.clone())
                    .chain(t.foreign_keys.iter().flat_map(|fk| fk.columns.clone()))
                    .collect();
                let i = rng.below(t.columns.len());
                let column = &mut t.columns[i];
                if !column.auto_increment && !constrained.contains(&column.name) {
                    column.default = random_default(rng, &column.ty.clone());
                }
            }
            9 => {
                let origin = origin_columns(&b, &name);
                add_index(rng, b.tables.get_mut(&name).expect("picked"), Some(&origin));
            }
            10 => {
                let t = b.tables.get_mut(&name).expect("picked");
                if !t.indexes.is_empty() {
                    let i = rng.below(t.indexes.len());
                    t.indexes.remove(i);
                }
            }
            11 => {
                let targets = key_tables(&b);
                if !targets.is_empty() {
                    let target = rng.pick(&targets).clone();
                    let mut t = b.tables.remove(&name).expect("picked");
                    add_foreign_key(rng, &mut names, &mut t, &target, &b);
                    b.tables.insert(name.clone(), t);
                }
            }
            12 => {
                let t = b.tables.get_mut(&name).expect("picked");
                if !t.foreign_keys.is_empty() {
                    let i = rng.below(t.foreign_keys.len());
                    t.foreign_keys.remove(i);
                }
            }
            13 => {
                // A new key over NOT NULL columns whose rows differ, or no key; never on a table
                // with a generated key.
                let origin = origin_columns(&b, &name);
                let t = &b.tables[&name];
                if t.columns.iter().any(|c| c.auto_increment) {
                    continue;
                }
                let candidates: Vec<String> = t
                    .columns
                    .iter()
                    .filter(|c| {
                        !c.nullable
                            && c.default.is_none()
                            && origin.contains(&c.name)
                            && matches!(
                                c.ty,
                                ColumnType::SmallInt
                                    | ColumnType::Integer
                                    | ColumnType::BigInt
                                    | ColumnType::Text
                                    | ColumnType::Varchar(_)
                            )
                    })
                    .map(|c| c.name.clone())
                    .collect();
                let key = if candidates.is_empty() || rng.chance(20) {
                    Vec::new()
                } else {
                    vec![rng.pick(&candidates).clone()]
                };
                if key != t.primary_key {
                    let t = b.tables.get_mut(&name).expect("picked");
                    t.primary_key = key;
                    // Foreign keys into this table referenced its old key.
                    for other in b.tables.values_mut() {
                        other.foreign_keys.retain(|fk| fk.referenced_table != name);
                    }
                }
            }
            _ => {}
        }
    }
    for t in b.tables.values_mut() {
        t.sort();
    }
    (b, edits)
}

fn rename_column(b: &mut Schema, table: &str, old: &str, new: &str) {
    let rename = |name: &mut String| {
        if name == old {
            *name = new.to_owned();
        }
    };
    let t = b.tables.get_mut(table).expect("table exists");
    let column = t
        .columns
        .iter_mut()
        .find(|c| c.name == old)
        .expect("column exists");
    column.renamed_from = Some(old.to_owned());
    column.name = new.to_owned();
    t.primary_key.iter_mut().for_each(rename);
    for index in &mut t.indexes {
        index.columns.iter_mut().for_each(rename);
    }
    for fk in &mut t.foreign_keys {
        fk.columns.iter_mut().for_each(rename);
    }
    for other in b.tables.values_mut() {
        for fk in &mut other.foreign_keys {
            if fk.referenced_table == table {
                fk.referenced_columns.iter_mut().for_each(rename);
            }
        }
    }
}

/// A SQL literal for row `row` (1-based) of a column: distinct per row (except booleans), and
/// valid for the type on both backends.
pub fn literal(ty: &ColumnType, row: usize, column: usize, backend: Backend) -> String {
    let n = row * 10 + column % 10;
    match ty {
        ColumnType::Boolean => if row.is_multiple_of(2) {
            "TRUE"
        } else {
            "FALSE"
        }
        .into(),
        ColumnType::SmallInt | ColumnType::Integer | ColumnType::BigInt => n.to_string(),
        ColumnType::Real | ColumnType::Double => format!("{n}.5"),
        ColumnType::Decimal { .. } => format!("{n}.25"),
        ColumnType::Text | ColumnType::Varchar(_) => format!("'it''s {n}'"),
        ColumnType::Bytes => match backend {
            Backend::Sqlite => format!("X'{n:04x}'"),
            Backend::Postgres => format!("'\\x{n:04x}'::bytea"),
        },
        ColumnType::Date => format!("'2024-01-{:02}'", 1 + n % 28),
        ColumnType::Time => format!("'10:{:02}:{:02}'", n / 60 % 60, n % 60),
        ColumnType::Timestamp => format!("'2024-01-01 10:{:02}:{:02}'", n / 60 % 60, n % 60),
        ColumnType::TimestampTz => format!("'2024-01-01 10:{:02}:{:02}+00'", n / 60 % 60, n % 60),
        ColumnType::Uuid => format!("'00000000-0000-0000-0000-{n:012}'"),
        ColumnType::Json => format!("'{{\"n\": {n}}}'"),
        ColumnType::Custom(_) => format!("'10.0.{}.{}'", n / 250, n % 250),
    }
}

/// `INSERT` statements that fill `schema`'s tables with 0 to 4 rows each, parents first. Keys
/// count from 1, so a foreign key can point at row `k` of its parent; a nullable column is
/// NULL in some rows unless `not_null` lists it.
pub fn rows(
    rng: &mut Rng,
    schema: &Schema,
    not_null: &[(String, String)],
    backend: Backend,
) -> Vec<String> {
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    let mut statements = Vec::new();
    let mut pending: Vec<&Table> = schema.tables.values().collect();
    while !pending.is_empty() {
        let position = pending
            .iter()
            .position(|t| {
                t.foreign_keys.iter().all(|fk| {
                    fk.referenced_table == t.name || counts.contains_key(&fk.referenced_table)
                })
            })
            .unwrap_or(0);
        let table = pending.remove(position);
        let count = rng.below(5);
        for row in 1..=count {
            let mut columns = Vec::new();
            let mut values = Vec::new();
            for (i, column) in table.columns.iter().enumerate() {
                let keep_null = not_null
                    .iter()
                    .any(|(t, c)| *t == table.name && *c == column.name);
                let value = if column.auto_increment {
                    continue;
                } else if let Some(fk) = table
                    .foreign_keys
                    .iter()
                    .find(|fk| fk.columns.contains(&column.name))
                {
                    let parent_rows = if fk.referenced_table == table.name {
                        row - 1
                    } else {
                        counts.get(&fk.referenced_table).copied().unwrap_or(0)
                    };
                    if parent_rows == 0 || rng.chance(30) {
                        "NULL".to_string()
                    } else {
                        (1 + rng.below(parent_rows)).to_string()
                    }
                } else if table.primary_key == [column.name.clone()]
                    && column.ty == ColumnType::BigInt
                {
                    row.to_string()
                } else if column.nullable && !keep_null && rng.chance(25) {
                    "NULL".to_string()
                } else {
                    literal(&column.ty, row, i, backend)
                };
                columns.push(column.name.clone());
                values.push(value);
            }
            let columns: Vec<String> = columns.iter().map(|c| format!("\"{c}\"")).collect();
            statements.push(if columns.is_empty() {
                format!("INSERT INTO \"{}\" DEFAULT VALUES", table.name)
            } else {
                format!(
                    "INSERT INTO \"{}\" ({}) VALUES ({})",
                    table.name,
                    columns.join(", "),
                    values.join(", ")
                )
            });
        }
        counts.insert(table.name.clone(), count);
    }
    statements
}

/// The rows of `columns` (of `table`, whose types they have), sorted, for comparing before
/// and after a change. PostgreSQL values are read as text (numbers as floats, so that a wider
/// decimal scale compares equal); SQLite values as they are stored.
pub fn snapshot_rows(
    db: &mut entmig_runtime::Database,
    table: &Table,
    columns: &[String],
) -> Vec<Vec<Value>> {
    let name = &table.name;
    if columns.is_empty() {
        let count = db
            .query(&format!("SELECT COUNT(*) FROM \"{name}\""), &[])
            .expect("count");
        return vec![count[0].clone()];
    }
    let list: Vec<String> = columns
        .iter()
        .map(|c| {
            let numeric = table.column(c).is_some_and(|c| {
                matches!(
                    c.ty,
                    ColumnType::Decimal { .. } | ColumnType::Real | ColumnType::Double
                )
            });
            match (db.backend(), numeric) {
                (Backend::Sqlite, _) => format!("\"{c}\""),
                (Backend::Postgres, true) => format!("CAST(\"{c}\" AS DOUBLE PRECISION)"),
                (Backend::Postgres, false) => format!("CAST(\"{c}\" AS TEXT)"),
            }
        })
        .collect();
    let mut rows = db
        .query(&format!("SELECT {} FROM \"{name}\"", list.join(", ")), &[])
        .expect("select rows");
    rows.sort_by(|a, b| format!("{a:?}").cmp(&format!("{b:?}")));
    rows
}
