//! A small blog, as an entmig user writes it: users, posts, comments and tags.

pub mod entities;
