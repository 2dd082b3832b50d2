use entmig_runtime::Entity;

#[derive(Entity)]
struct Counter {
    #[entmig(primary_key)]
    id: i64,
    hits: Option<usize>,
}

fn main() {}
