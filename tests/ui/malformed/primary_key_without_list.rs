use entmig_runtime::Entity;

#[derive(Entity)]
#[entmig(primary_key)]
struct PostTag {
    post_id: i64,
    tag_id: i64,
}

fn main() {}
