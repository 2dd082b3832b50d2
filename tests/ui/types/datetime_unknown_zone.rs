use entmig_runtime::Entity;

mod chrono {
    pub struct DateTime<Tz>(pub Tz);
}

mod chrono_tz {
    pub struct Tz;
}

#[derive(Entity)]
struct Event {
    #[entmig(primary_key)]
    id: i64,
    at: chrono::DateTime<chrono_tz::Tz>,
}

fn main() {}
