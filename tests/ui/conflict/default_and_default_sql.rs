use entmig_runtime::Entity;

#[derive(Entity)]
struct Post {
    #[entmig(primary_key)]
    id: i64,
    #[entmig(default = "draft", default_sql = "'draft'")]
    status: String,
}

fn main() {}
