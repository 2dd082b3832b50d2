//! The SQL that `describe`, dry runs and `revert`'s confirmation show: what the migrator would
//! execute, rendered the way [`run_plan`](super::run_plan) renders it, executing nothing.

use entmig_schema::protocol::{Described, Preview, StepLine};
use entmig_schema::{Backend, Runs, Schema};

use super::{Group, Migrator, groups, to_revert, tracking};
use crate::database::Database;
use crate::error::Result;
use crate::migration::{Direction, Plan, Step};

impl Migrator {
    /// What `revert` would undo on `db` now, newest first: each migration's `down`, its steps
    /// and its SQL rendered against the live schema as the reverts before it leave it. Reads
    /// only.
    pub fn revert_sql(&self, db: &mut Database, which: super::Revert) -> Result<Vec<Preview>> {
        let Some(applied) = tracking::read_if_exists(db)? else {
            return Ok(Vec::new());
        };
        self.check(&applied, false)?;
        let chosen = to_revert(&applied, &which)?;
        let backend = db.backend();
        let mut schema = db.introspect()?;
        let mut out = Vec::new();
        for id in chosen {
            let entry = self.applied_entry(&id)?;
            let plan = Plan::of(entry.migration(), Direction::Down);
            out.push(Preview {
                id: id.clone(),
                steps: step_lines(&plan),
                sql: plan_sql(&plan, backend, &mut schema)?,
            });
        }
        Ok(out)
    }

    /// The SQL that `run` would execute on `db` now (with `force`, for late ones): each pending
    /// migration's `up`, rendered against the live schema as the migrations before it leave it.
    /// Reads only.
    pub fn pending_sql(&self, db: &mut Database) -> Result<Vec<Preview>> {
        let pending: Vec<String> = self
            .status(db)?
            .into_iter()
            .filter(|s| s.state.is_pending())
            .map(|s| s.id)
            .collect();
        let backend = db.backend();
        let mut schema = db.introspect()?;
        let mut out = Vec::new();
        for entry in self.entries.iter().filter(|e| pending.contains(&e.id)) {
            let plan = Plan::of(entry.migration(), Direction::Up);
            out.push(Preview {
                id: entry.id.clone(),
                steps: step_lines(&plan),
                sql: plan_sql(&plan, backend, &mut schema)?,
            });
        }
        Ok(out)
    }

    /// Every migration's `up` with its steps and its SQL for `backend`, as [`Migrator::sql`]
    /// renders it: what `describe` shows. Needs no database.
    pub fn describe(&self, backend: Backend) -> Result<Vec<Described>> {
        let sql = self.sql(backend)?;
        Ok(self
            .entries
            .iter()
            .zip(sql)
            .map(|(entry, (_, sql))| Described {
                id: entry.id.clone(),
                transactional: entry.migration().transactional(),
                steps: step_lines(&Plan::of(entry.migration(), Direction::Up)),
                sql,
                irreversible: Plan::of(entry.migration(), Direction::Down)
                    .irreversible_reason()
                    .map(str::to_owned),
            })
            .collect())
    }

    /// The SQL of every migration's `up` for `backend`, each rendered against the schema the
    /// migrations before it build: what `run` would execute on a fresh database. Needs no
    /// database.
    pub fn sql(&self, backend: Backend) -> Result<Vec<(String, Vec<String>)>> {
        let mut schema = Schema::new();
        let mut out = Vec::new();
        for entry in &self.entries {
            let plan = Plan::of(entry.migration(), Direction::Up);
            out.push((entry.id.clone(), plan_sql(&plan, backend, &mut schema)?));
        }
        Ok(out)
    }
}

/// Each step of a plan, one line, marked when it loses data.
pub(crate) fn step_lines(plan: &Plan) -> Vec<StepLine> {
    plan.steps()
        .iter()
        .map(|step| StepLine {
            text: step.to_string(),
            destructive: matches!(step, Step::Op(op) if op.is_destructive()),
            irreversible: matches!(step, Step::Irreversible { .. }),
        })
        .collect()
}

/// The statements of a plan for `backend`, rendered against `schema`, which follows along.
/// Data steps show as a comment; SQL for the other backend is left out.
pub fn plan_sql(plan: &Plan, backend: Backend, schema: &mut Schema) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for group in groups(plan.steps()) {
        match group {
            Group::Ops { first, ops } => {
                let mut runs = Runs::new(&ops, backend).numbered_from(first);
                while let Some(run) = runs.next(schema) {
                    out.extend(run?.rendered.statements);
                }
            }
            Group::Other {
                step: Step::Sql { backend: only, sql },
                ..
            } if only.is_none_or(|b| b == backend) => out.push(sql.clone()),
            Group::Other {
                step: Step::Data { name, .. },
                ..
            } => out.push(format!("-- data step: {name}")),
            Group::Other {
                step: Step::Irreversible { reason },
                ..
            } => out.push(format!("-- irreversible: {reason}")),
            Group::Other { .. } => {}
        }
    }
    Ok(out)
}
