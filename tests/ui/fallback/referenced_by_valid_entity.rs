use entmig_runtime::Entity;

#[derive(Entity)]
struct User {
    #[entmig(primary_key)]
    id: i64,
    #[entmig(uniqe)]
    email: String,
}

// Valid itself: it must not gain errors because `User` failed.
#[derive(Entity)]
struct Post {
    #[entmig(primary_key)]
    id: i64,
    #[entmig(references = "User")]
    author_id: i64,
}

fn main() {}
