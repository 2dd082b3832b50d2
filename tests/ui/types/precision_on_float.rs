use entmig_runtime::Entity;

#[derive(Entity)]
struct Invoice {
    #[entmig(primary_key)]
    id: i64,
    #[entmig(precision = 10, scale = 2)]
    total: f64,
}

fn main() {}
