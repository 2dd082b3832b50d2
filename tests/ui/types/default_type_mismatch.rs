use entmig_runtime::Entity;

#[derive(Entity)]
struct User {
    #[entmig(primary_key)]
    id: i64,
    #[entmig(default = "zero")]
    karma: i32,
}

fn main() {}
