use entmig_runtime::Entity;

#[derive(Entity)]
struct User {
    #[entmig(primary_key, unique)]
    id: i64,
}

fn main() {}
