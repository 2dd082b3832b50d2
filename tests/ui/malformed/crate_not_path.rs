use entmig_runtime::Entity;

#[derive(Entity)]
#[entmig(crate = "entmig runtime")]
struct User {
    #[entmig(primary_key)]
    id: i64,
}

fn main() {}
