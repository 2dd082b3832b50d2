//! `cargo entmig resolve`: mark a dirty (non-transactional, interrupted) migration as applied
//! or as rolled back, after checking the database by hand.

use super::{Branches, Context, each_target, prepare};
use crate::cli::ResolveArgs;
use crate::error::Result;

pub(super) fn resolve(cx: &mut Context<'_>, args: &ResolveArgs) -> Result<()> {
    let (targets, runner) = prepare(cx, &args.targets, Branches::Warn)?;
    let out = cx.out;
    each_target(&targets, out, |target| {
        runner.resolve(&target.url, &args.id, args.applied)?;
        out.status("Resolved", &format!("{} on {}", args.id, target.name));
        Ok(())
    })
}
