use entmig_runtime::Entity;

#[derive(Entity)]
#[entmig(primary_key(columns = "a, b"))]
struct Node {
    a: i64,
    b: i64,
    #[entmig(references = "Self")]
    parent: Option<i64>,
}

fn main() {}
