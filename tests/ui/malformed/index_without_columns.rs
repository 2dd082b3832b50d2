use entmig_runtime::Entity;

#[derive(Entity)]
#[entmig(index(unique))]
struct User {
    #[entmig(primary_key)]
    id: i64,
    email: String,
}

fn main() {}
