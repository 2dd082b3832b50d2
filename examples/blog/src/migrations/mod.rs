//! This crate's migrations, oldest first. `cargo entmig make` adds to this list.

entmig_runtime::migrations! {
    m20261122_003900_create_users_and_posts,
    m20261122_003904_add_comments_and_tags,
    m20261122_003907_rename_handle_add_bio_and_views,
}
