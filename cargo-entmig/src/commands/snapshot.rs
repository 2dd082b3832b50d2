//! `cargo entmig snapshot`: the snapshot rebuilt from the migrations' compiled steps, and
//! written when it differs from the file.

use super::Context;
use super::make::rebuilt_snapshot;
use crate::error::Result;
use crate::history::{self, History};
use crate::output::relative;

pub(super) fn snapshot(cx: &mut Context<'_>) -> Result<()> {
    let out = cx.out;
    let mut history = History::load_to_rebuild(&cx.project.migrations)?;
    if let Some(stale) = &history.stale {
        out.warn(&format!("{stale}; rebuilding it from the migrations"));
    }
    let rebuilt =
        rebuilt_snapshot(cx.project, &history, out)?.in_column_order_of(&history.snapshot);
    let path = relative(&history.dir.join(history::SNAPSHOT));
    let d = entmig_schema::diff(&history.snapshot, &rebuilt);
    if d.is_empty() && history.stale.is_none() && history.recorded {
        out.status("Checked", &format!("{path} matches the migrations"));
        return Ok(());
    }
    if d.is_empty() {
        // The same schema: only its record is new. Its column order stays (the rebuilt one
        // lists added columns last).
        let same = history.snapshot.clone();
        history.write_snapshot(&same)?;
    } else {
        out.line(&format!(
            "The migrations make changes that {path} did not hold:"
        ));
        out.steps(&d);
        history.write_snapshot(&rebuilt)?;
    }
    out.status("Rebuilt", &path);
    Ok(())
}
