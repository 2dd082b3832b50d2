use entmig_runtime::Entity;

#[derive(Entity)]
#[entmig(index(columns = "cache"))]
struct User {
    #[entmig(primary_key)]
    id: i64,
    #[entmig(skip)]
    cache: Vec<String>,
}

fn main() {}
