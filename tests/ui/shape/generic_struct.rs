use entmig_runtime::Entity;

#[derive(Entity)]
struct Wrapper<T> {
    #[entmig(primary_key)]
    id: i64,
    value: T,
}

fn main() {}
