use entmig_runtime::Entity;

#[derive(Entity)]
enum Status {
    Draft,
    Published,
}

fn main() {}
