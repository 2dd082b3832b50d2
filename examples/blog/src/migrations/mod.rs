//! This crate's migrations, oldest first. `cargo entmig make` adds to this list.

entmig_runtime::migrations! {
    m20261122_005508_create_users_and_posts,
    m20261122_005509_add_comments_and_tags,
    m20261122_005511_rename_handle_add_bio_and_views,
}
