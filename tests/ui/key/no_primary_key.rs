use entmig_runtime::Entity;

#[derive(Entity)]
struct User {
    id: i64,
    email: String,
}

fn main() {}
