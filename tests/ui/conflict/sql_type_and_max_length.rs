use entmig_runtime::Entity;

#[derive(Entity)]
struct User {
    #[entmig(primary_key)]
    id: i64,
    #[entmig(sql_type = "citext", max_length = 255)]
    email: String,
}

fn main() {}
