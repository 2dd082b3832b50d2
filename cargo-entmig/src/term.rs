//! The terminal: colored status lines, prompts, and whether a person is there to answer them.

use std::io::{BufRead, IsTerminal, Write};

use crate::cli::{Color, Global};

/// Output settings of one command.
#[derive(Debug, Clone)]
pub struct Term {
    color: bool,
    /// `-q`: only errors and what was asked for.
    pub quiet: bool,
    /// `-v`: the SQL too.
    pub verbose: bool,
}

impl Term {
    /// From the global options and the environment (`NO_COLOR`).
    pub fn new(global: &Global) -> Term {
        let color = match global.color {
            Color::Always => true,
            Color::Never => false,
            Color::Auto => {
                std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none()
            }
        };
        Term {
            color,
            quiet: global.quiet,
            verbose: global.verbose,
        }
    }

    fn paint(&self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }

    /// A cargo-style status line on stderr: `   Applied 20261121_101500_create_user (3 ms)`.
    pub fn status(&self, verb: &str, message: &str) {
        if !self.quiet {
            eprintln!("{} {message}", self.paint("1;32", &format!("{verb:>12}")));
        }
    }

    /// A warning on stderr, always shown.
    pub fn warn(&self, message: &str) {
        eprintln!("{}: {message}", self.paint("1;33", "warning"));
    }

    /// An error on stderr.
    pub fn error(&self, message: &str) {
        eprintln!("{}: {message}", self.paint("1;31", "error"));
    }

    /// `text` marked as dangerous.
    pub fn danger(&self, text: &str) -> String {
        self.paint("1;31", text)
    }

    /// `text` dimmed.
    pub fn dim(&self, text: &str) -> String {
        self.paint("2", text)
    }
}

/// `true` when stdin is a terminal, so questions can be asked.
pub fn interactive() -> bool {
    std::io::stdin().is_terminal()
}

/// Asks a yes/no question on stderr; an empty answer is `default`.
pub fn confirm(question: &str, default: bool) -> bool {
    let hint = if default { "[Y/n]" } else { "[y/N]" };
    match ask(&format!("{question} {hint} ")) {
        Some(answer) if answer.is_empty() => default,
        Some(answer) => matches!(answer.to_ascii_lowercase().as_str(), "y" | "yes"),
        None => default,
    }
}

/// Asks for a line on stderr; `None` at end of input.
pub fn ask(question: &str) -> Option<String> {
    eprint!("{question}");
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    match std::io::stdin().lock().read_line(&mut line) {
        Ok(0) | Err(_) => None,
        Ok(_) => Some(line.trim().to_owned()),
    }
}
