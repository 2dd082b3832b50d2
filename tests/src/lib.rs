//! Shared helpers of entmig's end-to-end and property tests.

pub mod db;
pub mod generate;
pub mod project;
