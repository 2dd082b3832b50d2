use entmig_runtime::Entity;

#[derive(Entity)]
struct User {
    #[entmig(primary_key)]
    id: i64,
    #[entmig(renamed_from = "email")]
    email: String,
}

fn main() {}
