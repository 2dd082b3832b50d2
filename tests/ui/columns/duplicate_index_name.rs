use entmig_runtime::Entity;

#[derive(Entity)]
#[entmig(index(columns = "email", name = "users_lookup"))]
#[entmig(index(columns = "name", name = "users_lookup"))]
struct User {
    #[entmig(primary_key)]
    id: i64,
    email: String,
    name: String,
}

fn main() {}
