//! What the blog does with its tables: publish, comment, tag, and report.

use entmig_runtime::{Database, Result, Value};

/// Writes a user with a post, two tags and a comment, unless users exist already.
pub fn seed(db: &mut Database) -> Result<bool> {
    let users = db.query("SELECT COUNT(*) FROM users", &[])?;
    if users
        .first()
        .and_then(|r| r.first())
        .and_then(Value::as_i64)
        != Some(0)
    {
        return Ok(false);
    }
    db.transaction(|tx| {
        tx.execute(
            "INSERT INTO users (email, display_name, bio) VALUES ($1, $2, $3)",
            &[
                "ada@example.com".into(),
                "Ada".into(),
                "Writes about engines.".into(),
            ],
        )?;
        tx.execute(
            "INSERT INTO users (email, display_name) VALUES ($1, $2)",
            &["bob@example.com".into(), "Bob".into()],
        )?;
        tx.execute(
            "INSERT INTO posts (author_id, title, slug, body, published_at) \
             VALUES (1, 'Hello, entmig', 'hello-entmig', 'Entities first.', CURRENT_TIMESTAMP)",
            &[],
        )?;
        tx.execute(
            "INSERT INTO tags (name) VALUES ('rust'), ('databases')",
            &[],
        )?;
        tx.execute(
            "INSERT INTO post_tags (post_id, tag_id) VALUES (1, 1), (1, 2)",
            &[],
        )?;
        tx.execute(
            "INSERT INTO comments (post_id, author_id, body) VALUES (1, 2, 'Nice!')",
            &[],
        )?;
        Ok(())
    })?;
    Ok(true)
}

/// Counts a read of the post with this slug.
pub fn read(db: &mut Database, slug: &str) -> Result<u64> {
    db.execute(
        "UPDATE posts SET views = views + 1 WHERE slug = $1",
        &[slug.into()],
    )
}

/// One line a post: title, author, views, comments and tags.
pub fn report(db: &mut Database) -> Result<Vec<String>> {
    let rows = db.query(
        "SELECT p.title, u.display_name, p.views, \
                (SELECT COUNT(*) FROM comments c WHERE c.post_id = p.id), \
                (SELECT COUNT(*) FROM post_tags t WHERE t.post_id = p.id) \
         FROM posts p JOIN users u ON u.id = p.author_id ORDER BY p.id",
        &[],
    )?;
    Ok(rows
        .iter()
        .map(|row| {
            let text = |i: usize| {
                row.get(i)
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned()
            };
            let number = |i: usize| row.get(i).and_then(Value::as_i64).unwrap_or_default();
            format!(
                "{:?} by {}: {} views, {} comments, {} tags",
                text(0),
                text(1),
                number(2),
                number(3),
                number(4)
            )
        })
        .collect())
}
