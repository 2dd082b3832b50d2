use entmig_runtime::Entity;

#[derive(Entity)]
struct User {
    #[entmig(primary_key, auto_increment, default = 1)]
    id: i64,
}

fn main() {}
