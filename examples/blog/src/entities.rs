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
    /// Shown instead of the email when set.
    pub display_name: Option<String>,
    #[entmig(default_sql = "CURRENT_TIMESTAMP", sql_type = "timestamp")]
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
    pub body: String,
    #[entmig(unique, max_length = 200)]
    pub slug: String,
    pub published_at: Option<String>,
}

/// A reply to a post.
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
