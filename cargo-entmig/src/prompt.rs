//! Questions to a person, behind a trait: the terminal in the binary, a script in tests, so
//! that every branch of a prompt is reached without a pseudo-terminal.

use std::io::{BufRead, IsTerminal, Write};

/// Where answers come from.
pub(crate) trait Prompt {
    /// Whether a person is there to answer.
    fn interactive(&self) -> bool;
    /// A yes/no question; an empty answer is `default`.
    fn confirm(&mut self, question: &str, default: bool) -> bool;
    /// A line; `None` at the end of input.
    fn ask(&mut self, question: &str) -> Option<String>;
}

/// The terminal: questions on stderr, answers from stdin.
pub(crate) struct Terminal;

impl Prompt for Terminal {
    fn interactive(&self) -> bool {
        std::io::stdin().is_terminal()
    }

    fn confirm(&mut self, question: &str, default: bool) -> bool {
        let hint = if default { "[Y/n]" } else { "[y/N]" };
        match self.ask(&format!("{question} {hint} ")) {
            Some(answer) if answer.is_empty() => default,
            Some(answer) => matches!(answer.to_ascii_lowercase().as_str(), "y" | "yes"),
            None => default,
        }
    }

    fn ask(&mut self, question: &str) -> Option<String> {
        anstream::eprint!("{question}");
        let _ = std::io::stderr().flush();
        let mut line = String::new();
        match std::io::stdin().lock().read_line(&mut line) {
            Ok(0) | Err(_) => None,
            Ok(_) => Some(line.trim().to_owned()),
        }
    }
}

/// Answers written in advance, for tests: each question takes the next answer and is kept.
#[cfg(test)]
#[derive(Debug, Default)]
pub(crate) struct Scripted {
    /// The answers still to give, in order.
    pub answers: std::collections::VecDeque<String>,
    /// The questions asked so far.
    pub asked: Vec<String>,
}

#[cfg(test)]
impl Scripted {
    /// A person who will answer these, in order.
    pub fn new(answers: &[&str]) -> Scripted {
        Scripted {
            answers: answers.iter().map(|a| (*a).to_owned()).collect(),
            asked: Vec::new(),
        }
    }
}

#[cfg(test)]
impl Prompt for Scripted {
    fn interactive(&self) -> bool {
        true
    }

    fn confirm(&mut self, question: &str, default: bool) -> bool {
        match self.ask(question) {
            Some(answer) if answer.is_empty() => default,
            Some(answer) => answer == "y",
            None => default,
        }
    }

    fn ask(&mut self, question: &str) -> Option<String> {
        self.asked.push(question.to_owned());
        self.answers.pop_front()
    }
}
