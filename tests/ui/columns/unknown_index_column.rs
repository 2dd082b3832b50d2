use entmig_runtime::Entity;

#[derive(Entity)]
#[entmig(index(columns = "emial"))]
struct User {
    #[entmig(primary_key)]
    id: i64,
    email: String,
}

fn main() {}
