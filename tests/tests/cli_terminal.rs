//! The terminal and the settings as the ecosystem has them: colour decided per stream,
//! `.env` read as dotenvy reads it, `--database-url`, `-v`, and questions only where a person
//! can answer them.

use entmig_tests::project::{ONE_USER, Project, Sqlite};

const ESC: char = '\x1b';

#[test]
fn colour_is_decided_for_each_stream() {
    let p = Project::new("colors", ONE_USER);
    p.entmig(&["make", "init", "--no-input"]).ok();

    // At a terminal, with stdout sent to a file: the file gets no escape codes, while the
    // status lines on the terminal are coloured.
    let shown = p.shell_at_a_terminal(
        "\"$ENTMIG\" entmig run && \"$ENTMIG\" entmig status > status.txt",
        "",
        &[],
    );
    assert_eq!(shown.code, Some(0), "{shown:?}");
    let file = p.read("status.txt");
    assert!(file.contains("applied"), "{file}");
    assert!(!file.contains(ESC), "no escape codes in a file: {file:?}");
    assert!(
        shown.stdout.contains(&format!("{ESC}[")) && shown.stdout.contains("Applied"),
        "coloured at the terminal: {:?}",
        shown.stdout
    );

    // NO_COLOR at a terminal, and TERM=dumb: plain.
    for env in [("NO_COLOR", "1"), ("TERM", "dumb")] {
        let plain = p.shell_at_a_terminal("\"$ENTMIG\" entmig status", "", &[env]);
        assert_eq!(plain.code, Some(0), "{plain:?}");
        assert!(!plain.stdout.contains(ESC), "{env:?}: {:?}", plain.stdout);
    }

    // Piped: plain, unless CLICOLOR_FORCE says otherwise, and --color beats both.
    let piped = p.entmig_colored(&["status"], &[]).ok();
    assert!(!piped.stdout.contains(ESC) && !piped.stderr.contains(ESC));
    let forced = p
        .entmig_colored(&["status"], &[("CLICOLOR_FORCE", "1")])
        .ok();
    assert!(forced.stdout.contains(ESC), "{forced:?}");
    let never = p
        .entmig_colored(&["status", "--color", "never"], &[("CLICOLOR_FORCE", "1")])
        .ok();
    assert!(!never.stdout.contains(ESC), "{never:?}");
    let always = p.entmig_colored(&["--color=always", "status"], &[]).ok();
    assert!(always.stdout.contains(ESC), "{always:?}");

    // --color reaches clap's own errors and help.
    let error = p.entmig_colored(&["--color", "always", "nosuch"], &[]);
    assert_eq!(error.code, Some(2), "{error:?}");
    assert!(error.stderr.contains(ESC), "{error:?}");
    let error = p.entmig_colored(&["--color", "never", "nosuch"], &[("CLICOLOR_FORCE", "1")]);
    assert!(!error.stderr.contains(ESC), "{error:?}");
}

#[test]
fn database_urls_from_dotenv_the_environment_and_the_command_line() {
    let p = Project::new("urls", ONE_USER);
    p.entmig(&["make", "init", "--no-input"]).ok();
    // A comment after the value is not part of it (dotenvy), and quotes are taken off.
    p.write(
        ".env",
        "# local settings\nDATABASE_URL=sqlite://from-dotenv.db # the local one\n",
    );
    p.entmig(&["run"])
        .ok()
        .stderr_has(&["Applied 1 migration(s) to DATABASE_URL"]);
    assert!(
        p.path("from-dotenv.db").is_file(),
        "the comment was left out"
    );
    assert!(
        Sqlite::open(&p.path("from-dotenv.db"))
            .tables()
            .contains(&"users".to_owned())
    );

    // --no-dotenv: the default target, the package's own database.
    p.entmig(&["run", "--no-dotenv"])
        .ok()
        .stderr_has(&["Applied 1 migration(s) to default"]);
    assert!(p.db_path().is_file());

    // --database-url beats .env, and DATABASE_URL in the environment does too.
    p.entmig(&["run", "--database-url", "sqlite://from-flag.db"])
        .ok()
        .stderr_has(&["Applied 1 migration(s) to DATABASE_URL"]);
    assert!(p.path("from-flag.db").is_file());
    p.entmig_with(&["status"], &[("DATABASE_URL", "sqlite://from-env.db")])
        .ok()
        .stdout_has(&["from-env.db", "pending"]);
    assert!(!p.path("from-env.db").exists(), "status creates nothing");

    // The value stays out of the help, which names the variable.
    let help = p.entmig(&["run", "--help"]).ok();
    help.stdout_has(&["--database-url <URL>", "DATABASE_URL"]);
    let help = p.entmig_with(
        &["run", "--help"],
        &[("DATABASE_URL", "postgres://app:hunter2@db/app")],
    );
    assert!(!help.stdout.contains("hunter2"), "{}", help.stdout);
}

#[test]
fn revert_asks_only_where_it_may() {
    let p = Project::new("asks", ONE_USER);
    p.entmig(&["make", "init", "--no-input"]).ok();
    p.entmig(&["run"]).ok();
    // Reverting the first migration drops the table: at a terminal it asks...
    let asked = p.entmig_at_a_terminal(&["revert"], "n\n");
    assert_eq!(asked.code, Some(1), "{asked:?}");
    assert!(
        asked.stdout.contains("Revert on default? [y/N]"),
        "{asked:?}"
    );
    // ...but not with --no-input (or --yes), as make and amend.
    let quiet = p.entmig_at_a_terminal(&["revert", "--no-input"], "");
    assert_eq!(quiet.code, Some(0), "{quiet:?}");
    assert!(!quiet.stdout.contains("[y/N]"), "{quiet:?}");
    assert!(
        quiet
            .stdout
            .contains("Reverted 1 migration(s) on default in "),
        "{quiet:?}"
    );
    assert!(
        !Sqlite::open(&p.db_path())
            .tables()
            .contains(&"users".to_owned())
    );
}

#[test]
fn verbose_shows_each_statement_as_it_runs() {
    let p = Project::new("loud", ONE_USER);
    p.entmig(&["make", "init", "--no-input"]).ok();
    let run = p.entmig(&["run", "-v"]).ok();
    run.stderr_has(&[
        "Target default (sqlite://",
        "Applying",
        "CREATE TABLE \"users\" (",
        "Applied 1 migration(s) to default in ",
    ]);
    let quiet = p.entmig(&["revert"]).ok();
    assert!(!quiet.stderr.contains("DROP TABLE"), "{quiet:?}");
}
