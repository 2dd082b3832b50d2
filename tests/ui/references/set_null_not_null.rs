use entmig_runtime::Entity;

#[derive(Entity)]
struct Post {
    #[entmig(primary_key)]
    id: i64,
    #[entmig(references = "users(id)", on_delete = "set_null")]
    author_id: i64,
}

fn main() {}
