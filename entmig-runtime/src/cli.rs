//! A migrate command to ship inside the application's own binary, so that an image without
//! cargo or the sources can run, inspect and undo its migrations (behind the `cli` feature):
//!
//! ```text
//! myapp migrate up [--force] [--dry-run]
//! myapp migrate down [--steps N | --to ID] [--dry-run]
//! myapp migrate status
//! myapp migrate resolve ID --applied | --rolled-back
//!   --database-url URL (or DATABASE_URL)  --connect-timeout SECONDS  --lock-timeout SECONDS  -v
//! ```
//!
//! A second binary, `src/bin/myapp-migrate.rs`:
//!
//! ```ignore
//! fn main() -> std::process::ExitCode {
//!     entmig_runtime::cli::main(myapp::migrations::migrator())
//! }
//! ```
//!
//! or a subcommand of the application's binary: `cli::run(&migrator, args.skip(1))` when the
//! first argument is `migrate` (the first argument `run` sees is the program's name).
//!
//! Output and exit codes follow `cargo entmig`'s: progress and errors on stderr, the status
//! table and dry-run SQL on stdout; 0 on success, 1 on a failure, 2 on a usage error.
//! `status` exits 1 when a migration blocks a run ([`State::blocks_run`]: changed, missing,
//! dirty, late); pending ones are normal. Passwords are never printed. `down` does not ask
//! before running `down` steps that drop data: `--dry-run` shows them first.

use std::ffi::OsString;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

use crate::migrator::{Event, Migrator, Report, Revert, RunOptions, State};
use crate::{ConnectOptions, Database, redact};

/// Apply, inspect and undo this application's database migrations.
#[derive(Debug, Parser)]
#[command(name = "migrate")]
struct Cli {
    /// The database: sqlite://app.db, postgres://user@host/db.
    #[arg(
        long,
        env = "DATABASE_URL",
        hide_env_values = true,
        global = true,
        value_name = "URL"
    )]
    database_url: Option<String>,
    /// How long to wait for a database that does not accept connections yet (still
    /// starting); a refusal by a running server is final at once.
    #[arg(long, global = true, value_name = "SECONDS", default_value_t = 0)]
    connect_timeout: u64,
    /// How long to wait for another migrator's lock.
    #[arg(long, global = true, value_name = "SECONDS", default_value_t = 60)]
    lock_timeout: u64,
    /// Print each statement as it runs.
    #[arg(short, long, global = true)]
    verbose: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Apply every pending migration, each in its own transaction.
    Up {
        /// Apply pending migrations older than the newest applied one (a branch merged late).
        #[arg(long)]
        force: bool,
        /// Print the SQL that would run, and change nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Undo the newest applied migration (or more) with its `down`.
    Down(DownArgs),
    /// Where each migration stands; exits 1 when one blocks `up`.
    Status,
    /// Mark a dirty migration (non-transactional, interrupted) after checking the database.
    Resolve(ResolveArgs),
}

#[derive(Debug, Args)]
struct DownArgs {
    /// How many migrations to undo, newest first.
    #[arg(long, value_name = "N", conflicts_with = "to")]
    steps: Option<usize>,
    /// Undo every migration applied after this one (its full id, or a unique part of it).
    #[arg(long, value_name = "ID")]
    to: Option<String>,
    /// Print the SQL that would run, and change nothing.
    #[arg(long)]
    dry_run: bool,
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("outcome").required(true).args(["applied", "rolled_back"])))]
struct ResolveArgs {
    /// The migration (its full id, or a unique part of it).
    id: String,
    /// It did apply: record it as applied.
    #[arg(long)]
    applied: bool,
    /// It did not: forget it, so that `up` applies it again.
    #[arg(long)]
    rolled_back: bool,
}

/// Runs the migrate command with the process's arguments; the exit code. For a binary whose
/// whole job is migrating: `fn main() -> ExitCode { entmig_runtime::cli::main(migrator()) }`.
pub fn main(migrator: Migrator) -> ExitCode {
    run(&migrator, std::env::args_os())
}

/// Runs the migrate command with `args`, the program's name first (as clap reads them); the
/// exit code: 0 on success, 1 on a failure (one `error:` line on stderr), 2 on a usage error.
///
/// ```
/// use entmig_runtime::Migrator;
/// let code = entmig_runtime::cli::run(&Migrator::new(vec![]), ["migrate", "status", "--database-url", "sqlite::memory:"]);
/// assert_eq!(code, std::process::ExitCode::SUCCESS);
/// ```
pub fn run<I, T>(migrator: &Migrator, args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(error) => {
            let _ = error.print();
            return ExitCode::from(if error.use_stderr() { 2 } else { 0 });
        }
    };
    match execute(migrator, &cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {}", in_this_command(&message));
            ExitCode::FAILURE
        }
    }
}

/// A message of the runtime in this command's words: the errors and states name the fix as
/// `cargo entmig`'s commands, which an image without cargo does not have.
fn in_this_command(message: &str) -> String {
    message
        .replace("`cargo entmig run", "`migrate up")
        .replace("`cargo entmig revert", "`migrate down")
        .replace("`cargo entmig ", "`migrate ")
}

fn execute(migrator: &Migrator, cli: &Cli) -> Result<(), String> {
    match &cli.command {
        Command::Up { force, dry_run } => up(migrator, cli, *force, *dry_run),
        Command::Down(args) => down(migrator, cli, args),
        Command::Status => status(migrator, cli),
        Command::Resolve(args) => {
            let id = find_id(migrator, &args.id)?;
            let mut db = cli.connect(false)?;
            migrator
                .resolve(&mut db, &id, args.applied)
                .map_err(|e| e.to_string())?;
            let how = if args.applied {
                "as applied"
            } else {
                "as rolled back"
            };
            status_line("Resolved", &format!("{id} {how}"));
            Ok(())
        }
    }
}

impl Cli {
    /// The database; when `reading`, a SQLite file that does not exist is not created.
    fn connect(&self, reading: bool) -> Result<Database, String> {
        let url = self.database_url.as_deref().ok_or(
            "no database given: pass --database-url URL or set DATABASE_URL (sqlite://app.db, postgres://user@host/db)",
        )?;
        let options = ConnectOptions {
            timeout: Duration::from_secs(self.connect_timeout),
        };
        crate::runner::open(url, reading, &options)
    }

    /// The shown form of the database: its URL without a password.
    fn shown(&self) -> String {
        self.database_url.as_deref().map(redact).unwrap_or_default()
    }

    /// Run options that print the migrator's events as progress lines on stderr.
    fn options(&self, force: bool) -> RunOptions {
        let verbose = self.verbose;
        RunOptions {
            force,
            lock_timeout: Duration::from_secs(self.lock_timeout),
            on_event: Some(Arc::new(move |event: &Event| progress(event, verbose))),
        }
    }
}

fn up(migrator: &Migrator, cli: &Cli, force: bool, dry_run: bool) -> Result<(), String> {
    if dry_run {
        let mut db = cli.connect(true)?;
        let pending = migrator.pending_sql(&mut db).map_err(|e| e.to_string())?;
        if pending.is_empty() {
            println!("-- up to date");
        }
        for migration in pending {
            println!("-- {}", migration.id);
            script(&migration.sql);
        }
        return Ok(());
    }
    let mut db = cli.connect(false)?;
    let report = migrator
        .run_with(&mut db, &cli.options(force))
        .map_err(|failure| kept(failure.error.to_string(), &failure.report, "applied"))?;
    if report.done.is_empty() {
        status_line(
            "Fresh",
            &format!("{}: up to date, nothing to apply", cli.shown()),
        );
    } else {
        status_line(
            "Applied",
            &format!(
                "{} migration(s) to {} in {} ms",
                report.done.len(),
                cli.shown(),
                report.elapsed.as_millis()
            ),
        );
    }
    Ok(())
}

fn down(migrator: &Migrator, cli: &Cli, args: &DownArgs) -> Result<(), String> {
    let which = match &args.to {
        Some(wanted) => Revert::To(find_id(migrator, wanted)?),
        None => Revert::Steps(args.steps.unwrap_or(1)),
    };
    let mut db = cli.connect(true)?;
    if args.dry_run {
        let undo = migrator
            .revert_sql(&mut db, which)
            .map_err(|e| e.to_string())?;
        if undo.is_empty() {
            println!("-- nothing to revert");
        }
        for migration in &undo {
            let marks = match (migration.irreversible(), migration.is_destructive()) {
                (Some(_), _) => " (irreversible: down refuses it)",
                (None, true) => " (drops data)",
                (None, false) => "",
            };
            println!("-- revert {}{marks}", migration.id);
            script(&migration.sql);
        }
        return Ok(());
    }
    let report = migrator
        .revert_with(&mut db, which, &cli.options(false))
        .map_err(|failure| kept(failure.error.to_string(), &failure.report, "reverted"))?;
    if report.done.is_empty() {
        status_line("Unchanged", &format!("{}: nothing to revert", cli.shown()));
    } else {
        status_line(
            "Reverted",
            &format!(
                "{} migration(s) on {} in {} ms",
                report.done.len(),
                cli.shown(),
                report.elapsed.as_millis()
            ),
        );
    }
    Ok(())
}

fn status(migrator: &Migrator, cli: &Cli) -> Result<(), String> {
    let mut db = cli.connect(true)?;
    let migrations = migrator.status(&mut db).map_err(|e| e.to_string())?;
    println!("{}", cli.shown());
    if migrations.is_empty() {
        println!("  no migrations");
    }
    let mut problems = Vec::new();
    for m in &migrations {
        let detail = match &m.state {
            State::Applied {
                applied_at,
                duration_ms,
            } => format!("  {applied_at} ({duration_ms} ms)"),
            _ => String::new(),
        };
        println!("  {:<8} {}{detail}", m.state.to_string(), m.id);
        problems.extend(m.state.problem(&m.id));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "`migrate up` refuses until this is fixed: {}",
            problems.join("; ")
        ))
    }
}

/// A failure's message, with the migrations done before it, which stay.
fn kept(message: String, report: &Report, done: &str) -> String {
    if report.done.is_empty() {
        return message;
    }
    let ids: Vec<&str> = report.done.iter().map(|d| d.id.as_str()).collect();
    format!(
        "{message}\n({done} before the failure, and kept: {})",
        ids.join(", ")
    )
}

/// The one migration whose id is `wanted` or contains it (`add_email` for
/// `20261121_101500_add_email`).
fn find_id(migrator: &Migrator, wanted: &str) -> Result<String, String> {
    let ids: Vec<&str> = migrator.entries().iter().map(|e| e.id()).collect();
    if ids.contains(&wanted) {
        return Ok(wanted.to_owned());
    }
    let matching: Vec<&str> = ids.into_iter().filter(|id| id.contains(wanted)).collect();
    match matching.as_slice() {
        [one] => Ok((*one).to_owned()),
        [] => Err(format!(
            "no migration matches `{wanted}`; see `migrate status`"
        )),
        several => Err(format!(
            "`{wanted}` matches several migrations: {}; give more of the id",
            several.join(", ")
        )),
    }
}

/// A progress line for one of the migrator's events, on stderr.
fn progress(event: &Event, verbose: bool) {
    match event {
        Event::Started {
            id,
            reverting: true,
        } => status_line("Reverting", id),
        Event::Started { id, .. } => status_line("Applying", id),
        Event::Statement { sql, .. } if verbose => {
            for line in sql.lines() {
                eprintln!("{:>12} {line}", "");
            }
        }
        Event::Statement { .. } => {}
        Event::Batch { step, rows, .. } => status_line("Progress", &format!("{step}: {rows} rows")),
        Event::Finished { id, ms, .. } => status_line("Done", &format!("{id} in {ms} ms")),
        Event::LockWait { timeout_ms } => status_line(
            "Waiting",
            &format!(
                "for another migrator's lock (at most {} s)",
                timeout_ms.div_ceil(1000)
            ),
        ),
    }
}

/// A cargo-style status line on stderr: `     Applied 2 migration(s) ...`.
fn status_line(verb: &str, message: &str) {
    eprintln!("{verb:>12} {message}");
}

/// Statements as a script on stdout, each ending with `;`.
fn script(statements: &[String]) {
    for sql in statements {
        println!("{sql};");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn fixes_name_this_command_not_cargo_entmig() {
        assert_eq!(
            in_this_command(
                "a is dirty (check the database, then `cargo entmig resolve` it); b is late (`cargo entmig run --force` applies it)"
            ),
            "a is dirty (check the database, then `migrate resolve` it); b is late (`migrate up --force` applies it)"
        );
    }

    #[test]
    fn the_command_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn steps_and_to_exclude_each_other_and_resolve_needs_an_outcome() {
        let parse = |args: &[&str]| Cli::try_parse_from(args).map(|_| ());
        assert!(parse(&["migrate", "down", "--steps", "2", "--to", "x"]).is_err());
        assert!(parse(&["migrate", "resolve", "x"]).is_err());
        assert!(parse(&["migrate", "resolve", "x", "--applied", "--rolled-back"]).is_err());
        assert!(parse(&["migrate", "resolve", "x", "--rolled-back"]).is_ok());
        assert!(parse(&["migrate", "status", "--database-url", "sqlite::memory:"]).is_ok());
    }
}
