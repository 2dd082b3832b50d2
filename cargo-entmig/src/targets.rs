//! Which databases a command works on: `--target` names from `[package.metadata.entmig.targets]`,
//! `DATABASE_URL` (from the environment or `.env`), and the embedded default.

use std::collections::BTreeMap;
use std::path::Path;

use crate::error::{Error, Result};
use crate::package::Project;

/// A database to work on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// Its name: a `--target` name, `default`, or `DATABASE_URL`.
    pub name: String,
    /// The URL, with variables expanded and relative SQLite paths made absolute.
    pub url: String,
}

/// The environment: process variables over those of `.env` files.
#[derive(Debug, Clone, Default)]
pub struct Env {
    vars: BTreeMap<String, String>,
}

impl Env {
    /// The process environment over `.env` in the package folder over the one in the
    /// workspace root (when `dotenv`; `--no-dotenv` leaves them out). A `.env` that cannot be
    /// read is skipped: the variables it would give are then reported missing by name.
    pub fn load(project: &Project, dotenv: bool) -> Env {
        let mut vars = BTreeMap::new();
        if dotenv {
            for dir in [&project.workspace_root, &project.root] {
                vars.extend(read_dotenv(&dir.join(".env")));
            }
        }
        vars.extend(std::env::vars());
        Env { vars }
    }

    /// An environment of exactly these variables (tests).
    #[cfg(test)]
    pub fn from_vars(vars: impl IntoIterator<Item = (String, String)>) -> Env {
        Env {
            vars: vars.into_iter().collect(),
        }
    }

    /// Sets a variable over every source (`--database-url`).
    pub fn set(&mut self, name: &str, value: &str) {
        self.vars.insert(name.to_owned(), value.to_owned());
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.vars
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }
}

/// The variables of a `.env` file, read by dotenvy without touching the process
/// environment; none when there is no file.
fn read_dotenv(path: &Path) -> Vec<(String, String)> {
    match dotenvy::from_path_iter(path) {
        Ok(lines) => lines.filter_map(std::result::Result::ok).collect(),
        Err(_) => Vec::new(),
    }
}

/// The targets a command works on, each with its URL or why it has none (a missing variable,
/// a URL no backend takes), so that one bad target does not stop the others. No `--target`:
/// `DATABASE_URL`, else the `default` target, else `sqlite://<package>.db` in the package
/// folder; `--target default` is the same database. A name the settings do not have is an
/// error before any target runs.
pub fn resolve(project: &Project, names: &[String], env: &Env) -> Result<Vec<Resolved>> {
    if names.is_empty() {
        let name = if env.get("DATABASE_URL").is_some() {
            "DATABASE_URL"
        } else {
            "default"
        };
        return Ok(vec![Resolved {
            name: name.to_owned(),
            target: default_target(project, name, env),
        }]);
    }
    let mut out = Vec::new();
    for name in names {
        if name != "default" && !project.targets.contains_key(name) {
            let known: Vec<&str> = project.targets.keys().map(String::as_str).collect();
            return Err(Error::msg(format!(
                "no target `{name}` in [package.metadata.entmig.targets]{}",
                if known.is_empty() {
                    "; add one: `[package.metadata.entmig.targets]` `name = \"sqlite://app.db\"`"
                        .to_owned()
                } else {
                    format!("; the targets are: {}", known.join(", "))
                }
            )));
        }
        let target = if name == "default" {
            default_target(project, name, env)
        } else {
            named_target(project, name, env)
        };
        out.push(Resolved {
            name: name.clone(),
            target,
        });
    }
    Ok(out)
}

/// Every database the settings know: the default one (as [`resolve`] without names gives
/// it) and each named target, one entry a database. For `amend`, which must not change a
/// migration that any of them applied.
pub fn all(project: &Project, env: &Env) -> Vec<Resolved> {
    let mut out = resolve(project, &[], env).unwrap_or_default();
    for name in project.targets.keys().filter(|n| *n != "default") {
        let target = named_target(project, name, env);
        let same = |r: &Resolved| match (&r.target, &target) {
            (Ok(a), Ok(b)) => a.url == b.url,
            _ => false,
        };
        if !out.iter().any(same) {
            out.push(Resolved {
                name: name.clone(),
                target,
            });
        }
    }
    out
}

/// A target by name, with its database or the reason it has none.
#[derive(Debug)]
pub struct Resolved {
    /// The name.
    pub name: String,
    /// The database, or why there is none.
    pub target: Result<Target>,
}

/// The default database: `DATABASE_URL`, else the `default` target, else the embedded one.
fn default_target(project: &Project, name: &str, env: &Env) -> Result<Target> {
    let url = match (env.get("DATABASE_URL"), project.targets.get("default")) {
        (Some(url), _) => url.to_owned(),
        (None, Some(url)) => expand(url, "default", env)?,
        (None, None) => format!("sqlite://{}.db", project.name),
    };
    finish(project, name, &url)
}

fn named_target(project: &Project, name: &str, env: &Env) -> Result<Target> {
    let url = project.targets.get(name).map_or("", String::as_str);
    finish(project, name, &expand(url, name, env)?)
}

fn finish(project: &Project, name: &str, url: &str) -> Result<Target> {
    let mut target = Target {
        name: name.to_owned(),
        url: url.to_owned(),
    };
    check_scheme(&target)?;
    target.url = absolute_sqlite(url, &project.root);
    Ok(target)
}

/// Refuses a URL that no backend takes, before the migrations are compiled to use it.
fn check_scheme(target: &Target) -> Result<()> {
    let url = target.url.trim();
    if ["sqlite://", "sqlite:"].contains(&url) {
        return Err(Error::msg(format!(
            "target `{}`: the URL `{url}` names no database file; write sqlite://app.db (relative to the package), sqlite:///var/app.db (absolute) or sqlite::memory:",
            target.name
        )));
    }
    if ["sqlite:", "postgres://", "postgresql://"]
        .iter()
        .any(|scheme| url.starts_with(scheme))
    {
        return Ok(());
    }
    Err(Error::msg(format!(
        "target `{}`: invalid database URL `{}`; entmig takes sqlite://app.db (relative to the package), sqlite:///var/app.db (absolute), sqlite::memory: and postgres://user@host/database",
        target.name,
        entmig_schema::redact(url)
    )))
}

/// `${VAR}` replaced from the environment; a missing variable is an error naming it.
fn expand(url: &str, target: &str, env: &Env) -> Result<String> {
    let mut out = String::new();
    let mut rest = url;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after.find('}').ok_or_else(|| {
            Error::msg(format!(
                "target `{target}`: `${{` without a closing `}}` in its URL"
            ))
        })?;
        let name = &after[..end];
        let value = env.get(name).ok_or_else(|| {
            Error::msg(format!(
                "target `{target}` needs the environment variable {name}, which is not set (nor in .env)"
            ))
        })?;
        out.push_str(value);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// A relative SQLite path is relative to the package folder, wherever the command runs.
fn absolute_sqlite(url: &str, root: &Path) -> String {
    let Some(path) = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
    else {
        return url.to_owned();
    };
    if path.starts_with('/') || path.starts_with(":memory:") || path == ":memory:" {
        return url.to_owned();
    }
    format!("sqlite://{}", root.join(path).display())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn project(targets: &[(&str, &str)]) -> Project {
        Project {
            name: "app".into(),
            root: PathBuf::from("/work/app"),
            roots: vec![],
            migrations: PathBuf::from("/work/app/src/migrations"),
            targets: targets
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            target_directory: PathBuf::from("/work/target"),
            workspace_root: PathBuf::from("/work"),
            runtime: None,
        }
    }

    fn env(vars: &[(&str, &str)]) -> Env {
        Env::from_vars(vars.iter().map(|(k, v)| (k.to_string(), v.to_string())))
    }

    fn targets(p: &Project, names: &[&str], env: &Env) -> Vec<Result<Target>> {
        let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
        resolve(p, &names, env)
            .unwrap()
            .into_iter()
            .map(|r| r.target)
            .collect()
    }

    #[test]
    fn the_embedded_default_lives_in_the_package_folder() {
        let targets = targets(&project(&[]), &[], &env(&[]));
        assert_eq!(
            targets[0].as_ref().unwrap(),
            &Target {
                name: "default".into(),
                url: "sqlite:///work/app/app.db".into()
            }
        );
    }

    #[test]
    fn database_url_overrides_the_default_target() {
        let p = project(&[("default", "sqlite://local.db"), ("other", "sqlite://o.db")]);
        assert_eq!(
            targets(&p, &[], &env(&[]))[0].as_ref().unwrap().url,
            "sqlite:///work/app/local.db"
        );
        let with_url = env(&[("DATABASE_URL", "postgres://u:p@h/db")]);
        let t = targets(&p, &[], &with_url);
        assert_eq!(t[0].as_ref().unwrap().name, "DATABASE_URL");
        assert_eq!(t[0].as_ref().unwrap().url, "postgres://u:p@h/db");
        // `--target default` is the same database as no flag.
        let t = targets(&p, &["default", "other"], &with_url);
        assert_eq!(t[0].as_ref().unwrap().url, "postgres://u:p@h/db");
        assert_eq!(t[1].as_ref().unwrap().url, "sqlite:///work/app/o.db");
    }

    #[test]
    fn named_targets_expand_variables() {
        let p = project(&[
            ("reporting", "${REPORTING_URL}"),
            ("local", "sqlite:///tmp/x.db"),
        ]);
        let t = targets(
            &p,
            &["local", "reporting"],
            &env(&[("REPORTING_URL", "postgres://r@h/rep")]),
        );
        assert_eq!(t[1].as_ref().unwrap().url, "postgres://r@h/rep");
        // A missing variable fails that target alone.
        let t = targets(&p, &["local", "reporting"], &env(&[]));
        assert!(t[0].is_ok());
        assert_eq!(
            t[1].as_ref().unwrap_err().to_string(),
            "target `reporting` needs the environment variable REPORTING_URL, which is not set (nor in .env)"
        );
        let unknown = resolve(&p, &["nope".into()], &env(&[]))
            .unwrap_err()
            .to_string();
        assert!(
            unknown.contains("the targets are: local, reporting"),
            "{unknown}"
        );
    }

    #[test]
    fn all_names_every_database_once() {
        let p = project(&[
            ("default", "sqlite://app.db"),
            ("copy", "sqlite://app.db"),
            ("reporting", "${REPORTING_URL}"),
        ]);
        let all = all(&p, &env(&[]));
        let names: Vec<&str> = all.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["default", "reporting"]);
        assert!(all[1].target.is_err());
    }

    #[test]
    fn unknown_schemes_are_refused_without_the_password() {
        let error = targets(
            &project(&[]),
            &[],
            &env(&[("DATABASE_URL", "mysql://root:hunter2@localhost/app")]),
        )
        .remove(0)
        .unwrap_err()
        .to_string();
        assert!(
            error.starts_with(
                "target `DATABASE_URL`: invalid database URL `mysql://root:***@localhost/app`"
            ),
            "{error}"
        );
        assert!(!error.contains("hunter2"), "{error}");
        let error = targets(&project(&[("default", "sqlite://")]), &[], &env(&[]))
            .remove(0)
            .unwrap_err()
            .to_string();
        assert!(error.contains("names no database file"), "{error}");
    }

    #[test]
    fn dotenv_lines() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".env");
        std::fs::write(
            &path,
            "# comment\nexport DATABASE_URL=\"sqlite://a.db\"\nEMPTY=\nQ='x y'\nURL=postgres://h/db # the main one\n",
        )
        .unwrap();
        assert_eq!(
            read_dotenv(&path),
            [
                ("DATABASE_URL".to_string(), "sqlite://a.db".to_string()),
                ("EMPTY".to_string(), String::new()),
                ("Q".to_string(), "x y".to_string()),
                ("URL".to_string(), "postgres://h/db".to_string()),
            ]
        );
        assert!(read_dotenv(&dir.path().join("missing")).is_empty());
    }
}
