use entmig_runtime::Entity;

struct Money(i64);

#[derive(Entity)]
struct Invoice {
    #[entmig(primary_key)]
    id: i64,
    total: Money,
}

fn main() {}
