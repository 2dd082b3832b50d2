use entmig_runtime::Entity;

#[derive(Entity)]
struct User {
    #[entmig(primary_key, auto_increment)]
    id: String,
}

fn main() {}
