use entmig_runtime::Entity;

#[derive(Entity)]
#[entmig(max_length = 255)]
struct User {
    #[entmig(primary_key)]
    id: i64,
    email: String,
}

fn main() {}
