use entmig_runtime::Entity;

#[derive(Entity)]
#[entmig(no_primary_key)]
struct AuditLog {
    #[entmig(primary_key)]
    id: i64,
    message: String,
}

fn main() {}
