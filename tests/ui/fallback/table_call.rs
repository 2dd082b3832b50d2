use entmig_runtime::Entity;

#[derive(Entity)]
struct User {
    #[entmig(primary_key)]
    id: i64,
    #[entmig(uniqe)]
    email: String,
}

fn main() {
    // Only the typo above is an error: the failed derive still implements `Entity`.
    let _ = <User as entmig_runtime::Entity>::table();
    let _ = entmig_runtime::Schema::of::<User>();
}
