use entmig_runtime::Entity;

#[derive(Entity)]
struct Post {
    #[entmig(primary_key)]
    id: i64,
    #[entmig(default = now())]
    created_at: String,
}

fn main() {}
