use entmig_runtime::Entity;

#[derive(Entity)]
struct User {
    #[entmig(primary_key)]
    id: i64,
    #[entmig(max_length = 10)]
    age: i32,
}

fn main() {}
