use entmig_runtime::Entity;

mod rust_decimal {
    pub struct Decimal;
}

#[derive(Entity)]
struct Invoice {
    #[entmig(primary_key)]
    id: i64,
    #[entmig(scale = 2)]
    total: rust_decimal::Decimal,
}

fn main() {}
