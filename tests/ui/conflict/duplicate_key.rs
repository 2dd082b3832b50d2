use entmig_runtime::Entity;

#[derive(Entity)]
struct User {
    #[entmig(primary_key)]
    id: i64,
    #[entmig(column = "mail")]
    #[entmig(column = "email_address")]
    email: String,
}

fn main() {}
