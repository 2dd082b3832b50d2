use entmig_runtime::Entity;

#[derive(Entity)]
struct User {
    #[entmig(primary_key, nullable)]
    id: i64,
}

fn main() {}
