//! # entmig-schema
//!
//! The pure core of [entmig](https://docs.rs/entmig-runtime): the schema model, deterministic
//! names, the snapshot format, the [`Entity`] trait and, behind the `parser` feature, the
//! `#[entmig(..)]` attribute parser shared by the derive and the `cargo entmig` collector.
//!
//! Nothing here touches a database, the file system or the terminal.

#![warn(missing_docs)]
#![warn(clippy::unwrap_used)]
#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod canonical;
pub mod clock;
pub mod column_type;
pub mod decide;
mod diff;
mod entity;
mod literal;
mod model;
pub mod naming;
mod op;
#[cfg(feature = "parser")]
pub mod parser;
pub mod protocol;
mod redact;
pub mod render;
pub mod snapshot;

pub use diff::{Diff, PossibleRename, diff, diff_accepting};
pub use entity::{Entity, EntitySet};
pub use literal::{FillError, Misfit, is_copyable};
pub use model::{
    Column, ColumnType, DefaultValue, ForeignKey, Index, ReferentialAction, Schema, Table,
};
pub use op::{
    ApplyError, Change, ColumnChanges, Fill, Op, apply_all, invert, is_widening, zero_value,
};
pub use redact::redact;
pub use render::{
    Backend, RenderError, RenderedOp, RenderedRun, Runs, render, render_into, render_op, render_run,
};
