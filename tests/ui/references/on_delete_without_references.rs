use entmig_runtime::Entity;

#[derive(Entity)]
struct Post {
    #[entmig(primary_key)]
    id: i64,
    #[entmig(on_delete = "cascade")]
    author_id: i64,
}

fn main() {}
