use entmig_runtime::Entity;

// A malformed key must not hide the keys after it in the same attribute.
#[derive(Entity)]
#[entmig(primary_key, tabel = "users")]
struct User {
    id: i64,
    #[entmig(column, uniqe)]
    email: String,
}

fn main() {}
