use entmig_runtime::Entity;

// Every problem below must be reported in the same compile, each at its own key or value.
#[derive(Entity)]
#[entmig(tabel = "users", index(columns = "nope"))]
struct User {
    #[entmig(primary_key, auto_increment)]
    id: String,
    #[entmig(uniqe, max_length = "255")]
    email: String,
    #[entmig(on_delete = "cascade")]
    org_id: i64,
    hits: u64,
    #[entmig(default = "x", default_sql = "'x'")]
    role: String,
}

fn main() {}
