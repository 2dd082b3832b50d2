use entmig_runtime::Entity;

// A struct-level problem and problems on two fields, with no primary key at all.
#[derive(Entity)]
#[entmig(crate = "not a path")]
struct Log {
    #[entmig(unique = yes)]
    message: String,
    #[entmig(skip, index)]
    cache: Vec<String>,
}

fn main() {}
