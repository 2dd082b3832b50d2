use entmig_runtime::Entity;

#[derive(Entity)]
struct User {
    #[entmig(primary_key)]
    id: i64,
    #[entmig(max_length = 255 512)]
    email: String,
}

fn main() {}
