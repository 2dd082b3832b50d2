use entmig_runtime::Entity;

#[derive(Entity)]
struct User {
    #[entmig(primary_key)]
    id: i64,
    #[entmig(max_length = 5000000000)]
    email: String,
}

fn main() {}
