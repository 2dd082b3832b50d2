//! Everything the CLI prints. Status lines, warnings and errors go to stderr, what a command
//! was asked to show (status tables, steps, SQL) to stdout. Colour is decided per stream by
//! anstream: a stream that is not a terminal gets no escape codes, and `NO_COLOR`,
//! `CLICOLOR`, `CLICOLOR_FORCE` and `TERM=dumb` are honoured unless `--color` says otherwise.

use anstream::{eprintln, println};
use anstyle::{AnsiColor, Style};
use entmig_schema::Diff;

use crate::cli::{Color, Global};

const GOOD: Style = AnsiColor::Green.on_default().bold();
const WARN: Style = AnsiColor::Yellow.on_default().bold();
const BAD: Style = AnsiColor::Red.on_default().bold();
const DIM: Style = Style::new().dimmed();

/// The output of one command.
#[derive(Debug, Clone)]
pub(crate) struct Output {
    /// `-q`: only errors and what was asked for.
    pub quiet: bool,
    /// `-v`: each statement's SQL as it runs, and the target of every command.
    pub verbose: bool,
}

/// How `--color` is applied to every stream, clap's help and errors included.
pub(crate) fn color_choice(color: Color) -> anstream::ColorChoice {
    match color {
        Color::Auto => anstream::ColorChoice::Auto,
        Color::Always => anstream::ColorChoice::Always,
        Color::Never => anstream::ColorChoice::Never,
    }
}

fn paint(style: Style, text: &str) -> String {
    format!("{style}{text}{style:#}")
}

impl Output {
    /// From the global options; sets the colour choice of every stream.
    pub fn new(global: &Global) -> Output {
        color_choice(global.color).write_global();
        Output {
            quiet: global.quiet,
            verbose: global.verbose,
        }
    }

    /// A cargo-style status line: `     Applied 20261121_101500_create_user (3 ms)`.
    pub fn status(&self, verb: &str, message: &str) {
        if !self.quiet {
            eprintln!("{} {message}", paint(GOOD, &format!("{verb:>12}")));
        }
    }

    /// A warning, always shown.
    pub fn warn(&self, message: &str) {
        eprintln!("{}: {message}", paint(WARN, "warning"));
    }

    /// An error.
    pub fn error(&self, message: &str) {
        eprintln!("{}: {message}", paint(BAD, "error"));
    }

    /// A line of detail under an error.
    pub fn cause(&self, message: &str) {
        eprintln!("  caused by: {message}");
    }

    /// A statement about to run (`-v`).
    pub fn statement(&self, sql: &str) {
        if self.verbose {
            for line in sql.lines() {
                eprintln!("{}", paint(DIM, &format!("{:>12} {line}", "")));
            }
        }
    }

    /// `text` marked as dangerous.
    pub fn danger(&self, text: &str) -> String {
        paint(BAD, text)
    }

    /// `text` dimmed.
    pub fn dim(&self, text: &str) -> String {
        paint(DIM, text)
    }

    /// A line of a report, on stdout.
    pub fn line(&self, text: &str) {
        println!("{text}");
    }

    /// Each step of a diff, one line; destructive steps marked.
    pub fn steps(&self, d: &Diff) {
        for op in &d.ops {
            self.step("  - ", &op.to_string(), op.is_destructive());
        }
    }

    /// One step: `prefix` and its text, marked when it loses data.
    pub fn step(&self, prefix: &str, text: &str, destructive: bool) {
        if destructive {
            println!(
                "{prefix}{text} {}",
                self.danger("(destructive: data is lost)")
            );
        } else {
            println!("{prefix}{text}");
        }
    }

    /// Statements as a script: each ends with `;`.
    pub fn script(&self, statements: &[String]) {
        for sql in statements {
            println!("{sql};");
        }
    }
}

/// A path relative to the current folder, for messages.
pub(crate) fn relative(path: &std::path::Path) -> String {
    let cwd = std::env::current_dir().unwrap_or_default();
    path.strip_prefix(&cwd)
        .unwrap_or(path)
        .display()
        .to_string()
}
