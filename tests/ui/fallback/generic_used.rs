use entmig_runtime::Entity;

#[derive(Entity)]
struct Wrapper<T> {
    #[entmig(primary_key)]
    id: i64,
    value: T,
}

fn main() {
    // Only the generic parameter above is an error.
    let _ = <Wrapper<i64> as entmig_runtime::Entity>::table();
}
