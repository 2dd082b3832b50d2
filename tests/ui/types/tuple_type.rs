use entmig_runtime::Entity;

#[derive(Entity)]
struct Place {
    #[entmig(primary_key)]
    id: i64,
    point: (f64, f64),
}

fn main() {}
