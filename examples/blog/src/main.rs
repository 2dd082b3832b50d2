//! The blog's binary: migrates its database at start-up, as an application would, then does a
//! little real work. The database is `DATABASE_URL`, or `blog.db` in the package folder.
//!
//! `blog migrate up|down|status|resolve` is entmig's shipped migrate command instead: what an
//! image without cargo runs to apply, inspect and undo the blog's migrations.

use std::process::ExitCode;

fn main() -> ExitCode {
    if std::env::args_os()
        .nth(1)
        .is_some_and(|arg| arg == "migrate")
    {
        // `migrate` stands where the program's name does for the command.
        return entmig_runtime::cli::run(
            &blog::migrations::migrator(),
            std::env::args_os().skip(1),
        );
    }
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::var("DATABASE_URL").unwrap_or_else(|_| blog::default_database_url());
    let mut db = entmig_runtime::Database::connect(&url)?;
    let report = blog::migrations::migrator().run(&mut db)?;
    for done in &report.done {
        println!(
            "applied migration {} ({} ms)",
            done.id,
            done.duration.as_millis()
        );
    }
    if blog::app::seed(&mut db)? {
        println!("wrote the first users, post, tags and comment");
    }
    blog::app::read(&mut db, "hello-entmig")?;
    for line in blog::app::report(&mut db)? {
        println!("{line}");
    }
    Ok(())
}
