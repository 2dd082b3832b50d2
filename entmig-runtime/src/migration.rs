//! What a migration module is: a type with `up` and `down`, each filling a [`Plan`] with the
//! same [`Op`]s the diff produces, plus raw SQL and data steps for what a schema op cannot say.
//!
//! ```
//! use entmig_runtime::migration::prelude::*;
//!
//! pub struct Migration;
//!
//! impl MigrationTrait for Migration {
//!     fn up(&self, m: &mut Plan) {
//!         m.rename_column("users", "handle", "username");
//!     }
//!     fn down(&self, m: &mut Plan) {
//!         m.rename_column("users", "username", "handle");
//!     }
//! }
//! ```

use std::fmt;
use std::sync::Arc;

use entmig_schema::{
    Backend, Column, ColumnChanges, Fill, ForeignKey, Index, Op, Table, naming::stable_hash,
};

use crate::database::Transaction;
use crate::error::Result;

/// What a migration module imports: `use entmig_runtime::migration::prelude::*;`.
pub mod prelude {
    pub use super::{MigrationTrait, Plan};
    pub use crate::{
        Backend, Column, ColumnChanges, ColumnType, DefaultValue, Fill, ForeignKey, Index,
        ReferentialAction, Table, Transaction, Value,
    };
}

/// One migration: `up` applies a change, `down` undoes it.
pub trait MigrationTrait: Send + Sync {
    /// Records the steps that apply the change.
    fn up(&self, m: &mut Plan);

    /// Records the steps that undo it. Generated migrations write the exact inverse of `up`.
    fn down(&self, m: &mut Plan);

    /// `false` runs the migration outside a transaction, for statements that refuse to run in
    /// one (PostgreSQL's `CREATE INDEX CONCURRENTLY`). The cost: a failure part way leaves what
    /// did run in place. The migration is recorded as started before it runs, so a crash leaves
    /// a visible "dirty" state that `status` shows and `run` refuses to step over until you
    /// check the database and resolve it.
    fn transactional(&self) -> bool {
        true
    }

    /// The id of the migration this one was generated after (written by `cargo entmig make`),
    /// so that two migrations generated after the same one — two branches merged — are caught.
    fn generated_after(&self) -> Option<&'static str> {
        None
    }
}

/// A data step's code: given the open transaction.
pub type DataFn = Arc<dyn Fn(&mut Transaction<'_>) -> Result<()> + Send + Sync>;

/// One step of a [`Plan`].
#[derive(Clone)]
pub enum Step {
    /// A schema change.
    Op(Op),
    /// SQL for one backend, or both (`None`).
    Sql {
        /// The backend it is for; `None` for both.
        backend: Option<Backend>,
        /// The statement.
        sql: String,
    },
    /// Code that moves data, given the transaction.
    Data {
        /// What it does, for progress, errors and `describe`.
        name: String,
        /// The code.
        run: DataFn,
    },
    /// This direction cannot restore what the other changed (`down` of a migration that
    /// dropped a NOT NULL foreign key, say): the migrator refuses to run it, before touching
    /// anything, with the reason.
    Irreversible {
        /// Why, and what to do instead.
        reason: String,
    },
}

impl fmt::Debug for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Step::Op(op) => f.debug_tuple("Op").field(op).finish(),
            Step::Sql { backend, sql } => f
                .debug_struct("Sql")
                .field("backend", backend)
                .field("sql", sql)
                .finish(),
            Step::Data { name, .. } => f.debug_struct("Data").field("name", name).finish(),
            Step::Irreversible { reason } => f
                .debug_struct("Irreversible")
                .field("reason", reason)
                .finish(),
        }
    }
}

impl fmt::Display for Step {
    /// One line, as `describe` and errors print it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Step::Op(op) => write!(f, "{op}"),
            Step::Sql { backend: None, sql } => write!(f, "sql: {}", first_line(sql)),
            Step::Sql {
                backend: Some(b),
                sql,
            } => write!(f, "sql ({b} only): {}", first_line(sql)),
            Step::Data { name, .. } => write!(f, "data: {name}"),
            Step::Irreversible { reason } => write!(f, "irreversible: {reason}"),
        }
    }
}

fn first_line(sql: &str) -> &str {
    sql.lines().next().unwrap_or_default()
}

/// The steps of one direction of a migration, in order. Each method records one step.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    steps: Vec<Step>,
}

impl Plan {
    /// An empty plan.
    pub fn new() -> Self {
        Self::default()
    }

    /// The `up` (or `down`) steps of a migration.
    pub fn of(migration: &dyn MigrationTrait, direction: Direction) -> Plan {
        let mut plan = Plan::new();
        match direction {
            Direction::Up => migration.up(&mut plan),
            Direction::Down => migration.down(&mut plan),
        }
        plan
    }

    /// The steps.
    pub fn steps(&self) -> &[Step] {
        &self.steps
    }

    /// Records any op.
    pub fn op(&mut self, op: Op) -> &mut Self {
        self.steps.push(Step::Op(op));
        self
    }

    /// `CREATE TABLE`, with its indexes and foreign keys.
    pub fn create_table(&mut self, table: Table) -> &mut Self {
        self.op(Op::CreateTable { table })
    }

    /// `DROP TABLE`; `table` is its whole definition, so the step can be undone.
    pub fn drop_table(&mut self, table: Table) -> &mut Self {
        self.op(Op::DropTable { table })
    }

    /// Renames a table.
    pub fn rename_table(&mut self, from: &str, to: &str) -> &mut Self {
        self.op(Op::RenameTable {
            from: from.into(),
            to: to.into(),
        })
    }

    /// Adds a column.
    pub fn add_column(&mut self, table: &str, column: Column) -> &mut Self {
        self.op(Op::AddColumn {
            table: table.into(),
            column,
            fill: None,
        })
    }

    /// Adds a NOT NULL column without default to a table that may hold rows: existing rows get
    /// `fill` once.
    pub fn add_column_filled(&mut self, table: &str, column: Column, fill: Fill) -> &mut Self {
        self.op(Op::AddColumn {
            table: table.into(),
            column,
            fill: Some(fill),
        })
    }

    /// Drops a column; `column` is its whole definition, so the step can be undone.
    pub fn drop_column(&mut self, table: &str, column: Column) -> &mut Self {
        self.op(Op::DropColumn {
            table: table.into(),
            column,
        })
    }

    /// Renames a column.
    pub fn rename_column(&mut self, table: &str, from: &str, to: &str) -> &mut Self {
        self.op(Op::RenameColumn {
            table: table.into(),
            from: from.into(),
            to: to.into(),
        })
    }

    /// Changes a column's type, nullability, default or generation.
    pub fn alter_column(&mut self, table: &str, column: &str, changes: ColumnChanges) -> &mut Self {
        self.op(Op::AlterColumn {
            table: table.into(),
            column: column.into(),
            changes,
        })
    }

    /// Creates an index.
    pub fn add_index(&mut self, table: &str, index: Index) -> &mut Self {
        self.op(Op::AddIndex {
            table: table.into(),
            index,
        })
    }

    /// Drops an index; `index` is its whole definition.
    pub fn drop_index(&mut self, table: &str, index: Index) -> &mut Self {
        self.op(Op::DropIndex {
            table: table.into(),
            index,
        })
    }

    /// Adds a foreign key.
    pub fn add_foreign_key(&mut self, table: &str, foreign_key: ForeignKey) -> &mut Self {
        self.op(Op::AddForeignKey {
            table: table.into(),
            foreign_key,
        })
    }

    /// Drops a foreign key; `foreign_key` is its whole definition.
    pub fn drop_foreign_key(&mut self, table: &str, foreign_key: ForeignKey) -> &mut Self {
        self.op(Op::DropForeignKey {
            table: table.into(),
            foreign_key,
        })
    }

    /// Changes the primary key from `from` to `to` (empty: no key).
    pub fn set_primary_key(&mut self, table: &str, from: &[&str], to: &[&str]) -> &mut Self {
        let owned = |columns: &[&str]| columns.iter().map(|c| (*c).to_owned()).collect();
        self.op(Op::SetPrimaryKey {
            table: table.into(),
            from: owned(from),
            to: owned(to),
        })
    }

    /// SQL run on every backend, as written.
    pub fn sql(&mut self, sql: &str) -> &mut Self {
        self.steps.push(Step::Sql {
            backend: None,
            sql: sql.into(),
        });
        self
    }

    /// SQL run on one backend only.
    pub fn sql_for(&mut self, backend: Backend, sql: &str) -> &mut Self {
        self.steps.push(Step::Sql {
            backend: Some(backend),
            sql: sql.into(),
        });
        self
    }

    /// Marks this direction as one that cannot restore what the other changed: running it is
    /// refused, before anything is touched, with `reason` (say why, and what to do instead).
    /// `cargo entmig make` writes it into a `down` that cannot give rows back their values.
    ///
    /// ```
    /// use entmig_runtime::migration::prelude::*;
    /// let mut plan = Plan::new();
    /// plan.irreversible("users.org_id held values that cannot be restored");
    /// assert!(plan.irreversible_reason().is_some());
    /// ```
    pub fn irreversible(&mut self, reason: &str) -> &mut Self {
        self.steps.push(Step::Irreversible {
            reason: reason.to_owned(),
        });
        self
    }

    /// The reason of the plan's irreversible mark, if it has one.
    pub fn irreversible_reason(&self) -> Option<&str> {
        self.steps.iter().find_map(|step| match step {
            Step::Irreversible { reason } => Some(reason.as_str()),
            _ => None,
        })
    }

    /// A data step: `run` is given the migration's open transaction.
    ///
    /// ```
    /// # use entmig_runtime::migration::prelude::*;
    /// # let mut m = Plan::new();
    /// m.data("lowercase emails", |tx| {
    ///     tx.execute("UPDATE users SET email = lower(email)", &[])?;
    ///     Ok(())
    /// });
    /// ```
    pub fn data(
        &mut self,
        name: &str,
        run: impl Fn(&mut Transaction<'_>) -> Result<()> + Send + Sync + 'static,
    ) -> &mut Self {
        self.steps.push(Step::Data {
            name: name.into(),
            run: Arc::new(run),
        });
        self
    }

    /// A data step for a large table: runs `sql` again and again until it changes no row,
    /// reporting progress after each batch. `sql` must change at most `{batch}` rows a run,
    /// and `{batch}` in it is replaced by `batch_size`:
    ///
    /// ```
    /// # use entmig_runtime::migration::prelude::*;
    /// # let mut m = Plan::new();
    /// m.batched(
    ///     "fill users.country",
    ///     "UPDATE users SET country = 'unknown' WHERE id IN \
    ///      (SELECT id FROM users WHERE country IS NULL LIMIT {batch})",
    ///     1000,
    /// );
    /// ```
    pub fn batched(&mut self, name: &str, sql: &str, batch_size: u64) -> &mut Self {
        let sql = sql.replace("{batch}", &batch_size.max(1).to_string());
        let step = name.to_owned();
        self.data(name, move |tx| {
            tx.batched(&step, &sql)?;
            Ok(())
        })
    }

    /// The checksum of the plan: a hash of its canonical steps, so formatting, comments and
    /// line endings of the module never change it.
    ///
    /// The checksum is stored in every user's `entmig_migrations` table, and a different value
    /// makes an applied migration look edited (`run` then refuses it). Its input is therefore a
    /// format that must never change; the tests `checksum_of_a_fixed_plan_is_pinned` and
    /// `the_checksum_of_every_column_type_is_pinned` fail on any change to it. The input, one
    /// line per step, hashed with FNV-1a 64 ([`stable_hash`]), as 16 lowercase hex digits:
    ///
    /// - an op: [`entmig_schema::canonical::json`], the op's JSON with every column type in
    ///   the spelling of entmig 0.1, whatever the snapshot writes now. It still follows the
    ///   serde form of the op types: renaming a field or variant of `Op`, `Table`, `Column`,
    ///   `Index`, `ForeignKey`, `Fill`, `DefaultValue`, `ReferentialAction` or
    ///   `ColumnChanges`, changing their `#[serde(tag/rename/rename_all)]`, reordering fields,
    ///   or changing a `skip_serializing_if` changes the checksum of every migration holding
    ///   that op. Such a change needs the canonical writer to produce the old bytes first.
    /// - SQL: `sql:{backend:?}:{words}`, the `Debug` form of `Option<Backend>` (`None`,
    ///   `Some(Sqlite)`, `Some(Postgres)`: renaming a `Backend` variant changes it too) and the
    ///   statement's words joined by single spaces.
    /// - a data step: `data:{name}`; its code is not hashed.
    /// - an irreversible mark: `irreversible:{reason}` (only `down` has one, and `down` is not
    ///   checksummed).
    pub fn checksum(&self) -> String {
        let mut canonical = String::new();
        for step in &self.steps {
            match step {
                Step::Op(op) => canonical.push_str(&entmig_schema::canonical::json(op)),
                Step::Sql { backend, sql } => {
                    let sql: Vec<&str> = sql.split_whitespace().collect();
                    canonical.push_str(&format!("sql:{backend:?}:{}", sql.join(" ")));
                }
                Step::Data { name, .. } => canonical.push_str(&format!("data:{name}")),
                Step::Irreversible { reason } => {
                    canonical.push_str(&format!("irreversible:{reason}"))
                }
            }
            canonical.push('\n');
        }
        format!("{:016x}", stable_hash(canonical.as_bytes()))
    }
}

/// Which way a migration runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// `up`.
    Up,
    /// `down`.
    Down,
}

#[cfg(test)]
mod tests {
    use super::*;
    use entmig_schema::{ColumnType, DefaultValue};

    /// A plan with one step of each kind: a table with several columns, an index, raw SQL and a
    /// data step.
    fn fixed_plan() -> Plan {
        let mut plan = Plan::new();
        plan.create_table(
            Table::new("users")
                .with_column(Column::new("id", ColumnType::BigInt).auto_increment())
                .with_column(Column::new("email", ColumnType::Text))
                .with_column(
                    Column::new("active", ColumnType::Boolean).default(DefaultValue::Bool(true)),
                )
                .with_column(Column::new("bio", ColumnType::Text).nullable())
                .with_primary_key(["id"]),
        )
        .add_index("users", Index::unique("uq_users_email", ["email"]))
        .sql_for(
            Backend::Postgres,
            "UPDATE users\r\n   SET email = lower(email)",
        )
        .data("welcome", |_| Ok(()));
        plan
    }

    /// DO NOT UPDATE THIS VALUE to make the test pass. Every database that applied a
    /// migration stores its checksum; if the canonical form changes, every such migration
    /// looks edited and `run` refuses to go on, for every user at once. If this fails, find
    /// what changed the canonical input (see `Plan::checksum`: usually a serde attribute of an
    /// op type), and restore the old bytes.
    #[test]
    fn checksum_of_a_fixed_plan_is_pinned() {
        assert_eq!(fixed_plan().checksum(), "e3d6048cea8a2c2c");
    }

    // Applied migrations store checksums: a plan of these ops had this checksum in entmig 0.1,
    // and must keep it (the ops name every column type, in every place an op holds one).
    #[test]
    fn the_checksum_of_every_column_type_is_pinned() {
        let ops = include_str!("../../entmig-schema/tests/canonical/every_type_ops.jsonl");
        let mut plan = Plan::new();
        for line in ops.lines() {
            plan.op(serde_json::from_str(line).unwrap());
        }
        assert_eq!(plan.checksum(), "8a174216ee518d86");
    }
}
