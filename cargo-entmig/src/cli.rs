//! The command line, with clap. cargo calls the binary as `cargo-entmig entmig <args>`; run
//! directly, it is `cargo-entmig <args>`: [`parse`] accepts both.

use std::ffi::OsString;
use std::path::PathBuf;

use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};

/// `cargo entmig`, as cargo sees it: `cargo` with one subcommand.
#[derive(Debug, Parser)]
#[command(name = "cargo", bin_name = "cargo", styles = clap::builder::Styles::styled())]
pub enum Cargo {
    /// Generate and run schema migrations from #[derive(Entity)] structs.
    Entmig(Cli),
}

/// The options every command takes, and the command.
#[derive(Debug, Args)]
#[command(
    version,
    about = "Generate and run schema migrations from #[derive(Entity)] structs"
)]
pub struct Cli {
    /// Options of every command.
    #[command(flatten)]
    pub global: Global,
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// Options of every command.
#[derive(Debug, Args, Clone)]
pub struct Global {
    /// Path to Cargo.toml.
    #[arg(long, global = true, value_name = "PATH")]
    pub manifest_path: Option<PathBuf>,
    /// The package whose entities and migrations to use.
    #[arg(short, long, global = true, value_name = "SPEC")]
    pub package: Option<String>,
    /// Coloring.
    #[arg(long, global = true, value_enum, default_value_t = Color::Auto)]
    pub color: Color,
    /// Print less.
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// Print more: the SQL of each statement as it runs, and the database of each command.
    #[arg(short, long, global = true)]
    pub verbose: bool,
    /// The database URL (the `default` target's database); overrides `.env` and the settings.
    #[arg(
        long,
        global = true,
        env = "DATABASE_URL",
        hide_env_values = true,
        value_name = "URL"
    )]
    pub database_url: Option<String>,
    /// Do not read `.env` files.
    #[arg(long, global = true)]
    pub no_dotenv: bool,
}

/// When to color the output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Color {
    /// When the output is a terminal.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write a migration for the differences between the entities and the migrations.
    Make(MakeArgs),
    /// Apply pending migrations.
    Run(RunArgs),
    /// Undo the newest migration (or several).
    Revert(RevertArgs),
    /// Show which migrations are applied, pending, changed or missing.
    Status(TargetArgs),
    /// Show the steps of migrations, with their SQL.
    Describe(DescribeArgs),
    /// Regenerate the newest migration from the current entities (when it is applied nowhere).
    Amend(AmendArgs),
    /// Mark a dirty (non-transactional, interrupted) migration as resolved.
    Resolve(ResolveArgs),
    /// Rebuild snapshot.json from the migrations' steps (after a hand-written schema step).
    Snapshot,
}

/// `make`.
#[derive(Debug, Args)]
pub struct MakeArgs {
    /// The migration's name: lowercase letters, digits and underscores.
    pub name: Option<String>,
    /// Write an empty migration, for hand-written steps.
    #[arg(long)]
    pub empty: bool,
    /// Write nothing; exit 1 if the entities and the migrations differ (for CI).
    #[arg(long)]
    pub check: bool,
    /// Print the steps and their SQL; write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Never ask: possible renames stay drops and adds, fill values must come from --fill.
    #[arg(long)]
    pub no_input: bool,
    /// Write without asking for confirmation.
    #[arg(short, long)]
    pub yes: bool,
    /// Treat a drop and an add as a rename: `table.old=new` (columns) or `old=new` (tables).
    #[arg(long, value_name = "RENAME")]
    pub rename: Vec<String>,
    /// The value existing rows get in a new NOT NULL column: `table.column=LITERAL`.
    #[arg(long, value_name = "FILL")]
    pub fill: Vec<String>,
    /// The value `down` gives the rows of a column it restores NOT NULL (one that `up` drops
    /// or makes nullable): `table.column=LITERAL`.
    #[arg(long, value_name = "FILL")]
    pub down_fill: Vec<String>,
}

/// The databases a command works on.
#[derive(Debug, Args, Clone)]
pub struct TargetArgs {
    /// A named database of [package.metadata.entmig.targets]; repeatable.
    #[arg(long = "target", value_name = "NAME")]
    pub targets: Vec<String>,
}

/// `run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The databases.
    #[command(flatten)]
    pub targets: TargetArgs,
    /// Print the SQL each target would run; change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Apply pending migrations older than the newest applied one.
    #[arg(long)]
    pub force: bool,
    /// Copy each SQLite database aside (VACUUM INTO) before applying.
    #[arg(long)]
    pub backup: bool,
    /// How long to wait for a database that does not accept connections yet (still
    /// starting); a refusal by a running server is final at once.
    #[arg(long, value_name = "SECONDS", default_value_t = 0)]
    pub connect_timeout: u64,
}

/// `revert`.
#[derive(Debug, Args)]
pub struct RevertArgs {
    /// The databases.
    #[command(flatten)]
    pub targets: TargetArgs,
    /// How many migrations to undo, newest first.
    #[arg(long, conflicts_with = "to")]
    pub steps: Option<usize>,
    /// Undo every migration applied after this one (an id, or a unique part of it).
    #[arg(long, value_name = "ID")]
    pub to: Option<String>,
    /// Print the steps and SQL each target would run; change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Never ask: steps that drop data are reverted without a question, as with --yes (for
    /// scripts; at a terminal, --yes says the same).
    #[arg(long)]
    pub no_input: bool,
    /// Revert without asking, even when a step drops data.
    #[arg(short, long)]
    pub yes: bool,
}

/// `describe`.
#[derive(Debug, Args)]
pub struct DescribeArgs {
    /// One migration (by id, or a unique part of it); all when left out.
    pub id: Option<String>,
    /// Print only the SQL.
    #[arg(long, conflicts_with = "no_sql")]
    pub sql_only: bool,
    /// Print only the steps.
    #[arg(long)]
    pub no_sql: bool,
    /// The dialect of the SQL.
    #[arg(long, value_enum, default_value_t = BackendArg::Sqlite)]
    pub backend: BackendArg,
}

/// `amend`.
#[derive(Debug, Args)]
pub struct AmendArgs {
    /// The databases.
    #[command(flatten)]
    pub targets: TargetArgs,
    /// Never ask.
    #[arg(long)]
    pub no_input: bool,
    /// Rewrite without asking for confirmation.
    #[arg(short, long)]
    pub yes: bool,
    /// Treat a drop and an add as a rename (see `make`).
    #[arg(long, value_name = "RENAME")]
    pub rename: Vec<String>,
    /// Fill values (see `make`).
    #[arg(long, value_name = "FILL")]
    pub fill: Vec<String>,
    /// Values for `down` (see `make`).
    #[arg(long, value_name = "FILL")]
    pub down_fill: Vec<String>,
}

/// `resolve`.
#[derive(Debug, Args)]
pub struct ResolveArgs {
    /// The dirty migration.
    pub id: String,
    /// It did apply completely: record it as applied.
    #[arg(
        long,
        conflicts_with = "rolled_back",
        required_unless_present = "rolled_back"
    )]
    pub applied: bool,
    /// It did not apply (you undid what ran): forget it, so `run` applies it again.
    #[arg(long)]
    pub rolled_back: bool,
    /// The databases.
    #[command(flatten)]
    pub targets: TargetArgs,
}

/// A SQL dialect on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BackendArg {
    /// SQLite.
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

/// Parses the arguments as cargo passes them (`cargo-entmig entmig make`) or as typed directly
/// (`cargo-entmig make`).
pub fn parse(mut args: Vec<OsString>) -> Result<Cli, clap::Error> {
    // cargo runs `cargo-entmig entmig <args>`; a direct call has no `entmig`: add it.
    if args.get(1).is_none_or(|a| a != "entmig") {
        args.insert(1.min(args.len()), OsString::from("entmig"));
    }
    // `--color` reaches clap's own help and errors too, which are written before the
    // options are known.
    let color = color_of(&args);
    let command = Cargo::command().color(match color {
        Color::Auto => clap::ColorChoice::Auto,
        Color::Always => clap::ColorChoice::Always,
        Color::Never => clap::ColorChoice::Never,
    });
    crate::output::color_choice(color).write_global();
    let matches = command.try_get_matches_from(args)?;
    let Cargo::Entmig(cli) = Cargo::from_arg_matches(&matches)?;
    Ok(cli)
}

/// The last `--color` of the arguments (`--color always` or `--color=always`), read before
/// clap parses them.
fn color_of(args: &[OsString]) -> Color {
    let mut color = Color::Auto;
    let mut args = args.iter().map(|a| a.to_string_lossy());
    while let Some(arg) = args.next() {
        if arg == "--" {
            break;
        }
        let value = match arg.strip_prefix("--color") {
            Some("") => args.next().map(|v| v.into_owned()),
            Some(rest) => rest.strip_prefix('=').map(str::to_owned),
            None => None,
        };
        if let Some(value) = value.and_then(|v| Color::from_str(&v, true).ok()) {
            color = value;
        }
    }
    color
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_line_is_consistent() {
        Cargo::command().debug_assert();
    }

    fn args(line: &str) -> Vec<OsString> {
        line.split_whitespace().map(OsString::from).collect()
    }

    #[test]
    fn cargo_and_direct_calls_parse_alike() {
        let via_cargo = parse(args("cargo-entmig entmig make add_email --no-input")).unwrap();
        let direct = parse(args("cargo-entmig make add_email --no-input")).unwrap();
        for cli in [via_cargo, direct] {
            match cli.command {
                Command::Make(make) => {
                    assert_eq!(make.name.as_deref(), Some("add_email"));
                    assert!(make.no_input);
                }
                other => panic!("{other:?}"),
            }
        }
    }

    #[test]
    fn color_is_read_before_parsing() {
        assert_eq!(color_of(&args("cargo-entmig entmig status")), Color::Auto);
        assert_eq!(
            color_of(&args("cargo-entmig entmig --color never status")),
            Color::Never
        );
        assert_eq!(
            color_of(&args("cargo-entmig entmig status --color=always")),
            Color::Always
        );
        assert_eq!(
            color_of(&args("cargo-entmig entmig status --color bogus")),
            Color::Auto,
            "clap reports the bad value"
        );
    }

    #[test]
    fn targets_repeat_and_globals_go_anywhere() {
        let cli = parse(args(
            "cargo-entmig run --target local --target main -p blog",
        ))
        .unwrap();
        assert_eq!(cli.global.package.as_deref(), Some("blog"));
        match cli.command {
            Command::Run(run) => assert_eq!(run.targets.targets, ["local", "main"]),
            other => panic!("{other:?}"),
        }
    }
}
