use entmig_runtime::Entity;

#[derive(Entity)]
struct User<'a> {
    #[entmig(primary_key)]
    id: i64,
    name: &'a str,
}

fn main() {}
