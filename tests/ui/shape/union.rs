use entmig_runtime::Entity;

#[derive(Entity)]
union Bits {
    int: i64,
    float: f64,
}

fn main() {}
