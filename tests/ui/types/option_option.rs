use entmig_runtime::Entity;

#[derive(Entity)]
struct User {
    #[entmig(primary_key)]
    id: i64,
    nickname: Option<Option<String>>,
}

fn main() {}
