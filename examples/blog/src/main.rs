//! The blog's binary. For now it prints the schema its entities describe, as the snapshot that
//! `cargo entmig make` will write; the runtime issues make it open and migrate a database.

use blog::entities::{Comment, Post, PostTag, Tag, User};
use entmig_runtime::{Schema, snapshot};

fn main() {
    let schema = Schema::of::<(User, Post, Comment, Tag, PostTag)>();
    print!("{}", snapshot::to_string(&schema));
}
