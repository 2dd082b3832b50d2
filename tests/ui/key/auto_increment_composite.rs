use entmig_runtime::Entity;

#[derive(Entity)]
struct PostTag {
    #[entmig(primary_key, auto_increment)]
    post_id: i64,
    #[entmig(primary_key)]
    tag_id: i64,
}

fn main() {}
