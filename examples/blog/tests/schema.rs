//! The blog's entities describe the tables the app expects.

use blog::entities::{Comment, Post, PostTag, Tag, User};
use entmig_runtime::{ReferentialAction, Schema};

#[test]
fn every_entity_is_registered() {
    let named = Schema::of::<(User, Post, Comment, Tag, PostTag)>();
    let registered = Schema::registered();
    assert_eq!(named, registered);
    assert_eq!(
        registered.tables.keys().collect::<Vec<_>>(),
        ["comments", "post_tags", "posts", "tags", "users"]
    );
}

#[test]
fn deleting_a_post_cascades_to_its_comments_and_tags() {
    let schema = Schema::registered();
    for table in ["comments", "post_tags"] {
        let fk = schema.tables[table]
            .foreign_keys
            .iter()
            .find(|fk| fk.referenced_table == "posts")
            .expect("references posts");
        assert_eq!(fk.on_delete, ReferentialAction::Cascade, "{table}");
    }
    let comment_author = &schema.tables["comments"].foreign_keys[0];
    assert_eq!(comment_author.columns, ["author_id"]);
    assert_eq!(comment_author.on_delete, ReferentialAction::SetNull);
}
