use entmig_runtime::Entity;

#[derive(Entity)]
struct User {
    #[entmig(primary_key)]
    id: i64,
    email: String,
    #[entmig(column = "email")]
    contact: String,
}

fn main() {}
