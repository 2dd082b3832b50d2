// The stand-in impl of a failed derive honours `crate = ".."`: `User` implements `em::Entity`, so
// the use below adds no "trait not implemented" error to the typo.
mod em {
    pub struct Table;

    pub trait Entity {
        const TABLE: &'static str;
        const PRIMARY_KEY: &'static [&'static str];
        #[doc(hidden)]
        const __ENTMIG_FALLBACK: bool = false;
        fn table() -> Table;
    }
}

#[derive(entmig_runtime::Entity)]
#[entmig(crate = "em", table = "users")]
struct User {
    #[entmig(primary_key)]
    id: i64,
    #[entmig(uniqe)]
    email: String,
}

fn main() {
    let _ = <User as em::Entity>::TABLE;
}
