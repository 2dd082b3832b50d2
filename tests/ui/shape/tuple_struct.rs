use entmig_runtime::Entity;

#[derive(Entity)]
struct User(i64, String);

fn main() {}
