//! `cargo entmig`: see the crate's library for the commands.

fn main() -> std::process::ExitCode {
    cargo_entmig::main(std::env::args_os().collect())
}
