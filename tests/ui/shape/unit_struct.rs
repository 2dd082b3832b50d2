use entmig_runtime::Entity;

#[derive(Entity)]
struct Marker;

fn main() {}
