use entmig_runtime::Entity;

#[derive(Entity)]
#[entmig(table = users)]
struct User {
    #[entmig(primary_key)]
    id: i64,
}

fn main() {}
