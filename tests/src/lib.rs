//! Shared helpers of entmig's end-to-end tests.
