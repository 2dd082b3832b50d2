//! `cargo entmig describe`: the steps of migrations and their SQL, as on a fresh database.

use entmig_schema::Backend;

use super::{Context, find_id};
use crate::cli::{BackendArg, DescribeArgs};
use crate::error::Result;
use crate::runner::Runner;

pub(super) fn describe(cx: &mut Context<'_>, args: &DescribeArgs) -> Result<()> {
    let out = cx.out;
    let runner = Runner::build(cx.project, out)?;
    let backend = match args.backend {
        BackendArg::Sqlite => Backend::Sqlite,
        BackendArg::Postgres => Backend::Postgres,
    };
    let migrations = runner.describe(backend)?;
    let chosen: Vec<_> = match &args.id {
        None => migrations.iter().collect(),
        Some(wanted) => {
            let ids: Vec<&str> = migrations.iter().map(|m| m.id.as_str()).collect();
            let id = find_id(&ids, wanted)?;
            migrations.iter().filter(|m| m.id == id).collect()
        }
    };
    for m in chosen {
        if args.sql_only {
            out.line(&format!("-- {}", m.id));
            out.script(&m.sql);
            continue;
        }
        out.line(&format!(
            "{}{}",
            m.id,
            if m.transactional {
                ""
            } else {
                " (runs outside a transaction)"
            }
        ));
        for (i, step) in m.steps.iter().enumerate() {
            let mark = if step.destructive {
                format!(" {}", out.danger("(destructive)"))
            } else {
                String::new()
            };
            out.line(&format!("  {}. {}{mark}", i + 1, step.text));
        }
        if let Some(reason) = &m.irreversible {
            out.line(&format!(
                "  {} {reason}",
                out.danger("(revert refused: its down is marked irreversible)")
            ));
        }
        if !args.no_sql {
            out.line(&format!("  SQL ({backend}):"));
            for sql in &m.sql {
                for line in sql.lines() {
                    out.line(&format!("    {line}"));
                }
            }
        }
        out.line("");
    }
    Ok(())
}
