use entmig_runtime::Entity;

#[derive(Entity)]
struct Reading {
    #[entmig(primary_key)]
    id: i64,
    #[entmig(default = 1e999)]
    value: f64,
    #[entmig(default = "Amsterdam", max_length = 3)]
    city: String,
    #[entmig(default = "{not json")]
    extra: serde_json::Value,
}

fn main() {}
