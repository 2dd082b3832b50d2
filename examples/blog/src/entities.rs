//! The blog's entities: each struct is a table.

use entmig_runtime::Entity;

/// Someone who writes posts and comments.
#[derive(Debug, Clone, Entity)]
#[entmig(table = "users")]
pub struct User {
    #[entmig(primary_key, auto_increment)]
    pub id: i64,
    #[entmig(unique, max_length = 255)]
    pub email: String,
    /// The name shown with posts; called `handle` until the third migration renamed it.
    #[entmig(max_length = 40, renamed_from = "handle")]
    pub display_name: String,
    /// A few words about the author, if they wrote any.
    pub bio: Option<String>,
    #[entmig(sql_type = "timestamp", default_sql = "CURRENT_TIMESTAMP")]
    pub created_at: String,
}

/// An article by one user.
#[derive(Debug, Clone, Entity)]
#[entmig(table = "posts", index(columns = "author_id, published_at"))]
pub struct Post {
    #[entmig(primary_key, auto_increment)]
    pub id: i64,
    #[entmig(references = "User", on_delete = "cascade")]
    pub author_id: i64,
    #[entmig(max_length = 200)]
    pub title: String,
    #[entmig(unique, max_length = 200)]
    pub slug: String,
    pub body: String,
    /// How often the post was read.
    #[entmig(default = 0)]
    pub views: i64,
    #[entmig(sql_type = "timestamp")]
    pub published_at: Option<String>,
    #[entmig(sql_type = "timestamp", default_sql = "CURRENT_TIMESTAMP")]
    pub created_at: String,
}

/// A reply to a post; it stays when its author leaves.
#[derive(Debug, Clone, Entity)]
#[entmig(table = "comments")]
pub struct Comment {
    #[entmig(primary_key, auto_increment)]
    pub id: i64,
    #[entmig(references = "Post", on_delete = "cascade", index)]
    pub post_id: i64,
    #[entmig(references = "User", on_delete = "set_null")]
    pub author_id: Option<i64>,
    pub body: String,
    #[entmig(sql_type = "timestamp", default_sql = "CURRENT_TIMESTAMP")]
    pub created_at: String,
}

/// A label that posts share.
#[derive(Debug, Clone, Entity)]
#[entmig(table = "tags")]
pub struct Tag {
    #[entmig(primary_key, auto_increment)]
    pub id: i64,
    #[entmig(unique, max_length = 50)]
    pub name: String,
}

/// The join table between posts and tags.
#[derive(Debug, Clone, Entity)]
#[entmig(table = "post_tags", primary_key(columns = "post_id, tag_id"))]
pub struct PostTag {
    #[entmig(references = "Post", on_delete = "cascade")]
    pub post_id: i64,
    #[entmig(references = "Tag", on_delete = "cascade", index)]
    pub tag_id: i64,
}
