//! The runner: the crate's migrations compiled into a small binary kept under the package's
//! target directory, which `run`, `revert`, `status` and `describe` call. It includes
//! `src/migrations/mod.rs` by path and depends on entmig-runtime as the package does (with the
//! package's Cargo.lock), so the user's crate needs no extra binary or feature. Cargo's own
//! incremental build makes a second call cheap.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use entmig_schema::Op;
use serde_json::Value as Json;

use crate::error::{Error, Result};
use crate::package::{Project, RuntimeDependency, RuntimeSource};
use crate::term::Term;

/// A built runner.
pub struct Runner {
    binary: PathBuf,
}

fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".into())
}

impl Runner {
    /// Writes the runner's crate (when it changed) and builds it.
    pub fn build(project: &Project, term: &Term) -> Result<Runner> {
        let runtime = project.runtime.as_ref().ok_or_else(|| {
            Error::msg(format!(
                "package `{}` does not depend on entmig-runtime, which its migrations need; add it with `cargo add entmig-runtime`",
                project.name
            ))
        })?;
        let mod_rs = project.migrations.join("mod.rs");
        if !mod_rs.is_file() {
            return Err(Error::msg(format!(
                "{} does not exist: there are no migrations yet; write the first with `cargo entmig make <name>`",
                mod_rs.display()
            )));
        }
        let key = format!(
            "{:08x}",
            entmig_schema::naming::stable_hash(project.migrations.to_string_lossy().as_bytes())
                as u32
        );
        let name = format!("entmig-runner-{key}");
        let dir = project.target_directory.join("entmig").join(&name);
        std::fs::create_dir_all(dir.join("src")).map_err(|e| Error::file(&dir, e))?;
        let manifest = manifest(&name, runtime);
        let main = format!(
            "// Written by cargo entmig.\n#[path = {}]\nmod migrations;\n\nfn main() {{\n    \
             std::process::exit(entmig_runtime::runner::main(migrations::migrator()));\n}}\n",
            toml_string(&mod_rs.to_string_lossy())
        );
        write_if_changed(&dir.join("Cargo.toml"), &manifest)?;
        write_if_changed(&dir.join("src/main.rs"), &main)?;
        copy_lock(&project.workspace_root.join("Cargo.lock"), &dir)?;

        let target_dir = std::env::var_os("ENTMIG_RUNNER_TARGET_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| project.target_directory.join("entmig").join("target"));
        let mut child = Command::new(cargo())
            .arg("build")
            .arg("--quiet")
            .arg("--manifest-path")
            .arg(dir.join("Cargo.toml"))
            .env("CARGO_TARGET_DIR", &target_dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| {
                Error::msg(format!(
                    "could not run cargo to compile the migrations: {e}"
                ))
            })?;
        let stderr = drain(child.stderr.take());
        // An up-to-date runner is checked in a moment; say "Compiling" only when cargo is
        // really at work.
        let started = Instant::now();
        let mut announced = false;
        let status = loop {
            match child.try_wait() {
                Ok(Some(status)) => break status,
                Ok(None) => {
                    if !announced && started.elapsed() > Duration::from_millis(300) {
                        term.status("Compiling", &format!("migrations of {}", project.name));
                        announced = true;
                    }
                    std::thread::sleep(Duration::from_millis(5));
                }
                Err(e) => return Err(Error::msg(format!("waiting for cargo: {e}"))),
            }
        };
        if !status.success() {
            let stderr = stderr.join().unwrap_or_default();
            return Err(Error::msg(format!(
                "the migrations in {} do not compile (cargo's messages follow); fix them, or revert the change to them:\n{}",
                project.migrations.display(),
                stderr.trim_end()
            )));
        }
        Ok(Runner {
            binary: target_dir.join("debug").join(&name),
        })
    }

    /// Runs a runner command with `url` in its environment; `on_event` sees each progress
    /// line; the result line is returned (an error result becomes an error).
    pub fn call(
        &self,
        args: &[&str],
        url: Option<&str>,
        mut on_event: impl FnMut(&Json),
    ) -> Result<Json> {
        let mut command = Command::new(&self.binary);
        command
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        match url {
            Some(url) => command.env("ENTMIG_URL", url),
            None => command.env_remove("ENTMIG_URL"),
        };
        let mut child = command.spawn().map_err(|e| {
            Error::msg(format!(
                "could not start the migrations runner {}: {e}",
                self.binary.display()
            ))
        })?;
        let stdout = child
            .stdout
            .take()
            .ok_or_else(|| Error::msg("the runner has no output"))?;
        // Read while the runner writes, so that a migration printing much to stderr cannot
        // block it on a full pipe.
        let stderr = drain(child.stderr.take());
        let mut result = None;
        for line in BufReader::new(stdout).lines() {
            let line = line.map_err(|e| Error::msg(format!("reading the runner's output: {e}")))?;
            let Ok(json) = serde_json::from_str::<Json>(&line) else {
                continue;
            };
            if json.get("event").is_some() {
                on_event(&json);
            } else if json.get("result").is_some() {
                result = Some(json);
            }
        }
        child
            .wait()
            .map_err(|e| Error::msg(format!("waiting for the runner: {e}")))?;
        match result {
            Some(json) => Ok(json),
            None => Err(Error::msg(format!(
                "the migrations runner stopped without a result: {}",
                stderr.join().unwrap_or_default().trim()
            ))),
        }
    }

    /// Every migration's `up`, oldest first, as the runner reads the compiled modules.
    pub fn plans(&self) -> Result<Vec<Planned>> {
        let result = self.call(&["plan"], None, |_| {})?;
        if result.get("result").and_then(Json::as_str) != Some("plan") {
            return Err(Error::msg(format!(
                "the migrations runner could not list the migrations: {}",
                result
                    .get("message")
                    .and_then(Json::as_str)
                    .unwrap_or_default()
            )));
        }
        result
            .get("migrations")
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
            .map(|m| {
                serde_json::from_value(m.clone())
                    .map_err(|e| Error::msg(format!("the runner's list of migrations: {e}")))
            })
            .collect()
    }
}

/// One migration's `up` as the runner reads it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct Planned {
    /// Its id.
    pub id: String,
    /// Its schema changes.
    pub ops: Vec<Op>,
    /// Its other steps (SQL, data), one line each: changes no snapshot can follow.
    pub other_steps: Vec<String>,
}

/// A thread that reads a pipe to its end.
fn drain(pipe: Option<impl Read + Send + 'static>) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut text = String::new();
        if let Some(mut pipe) = pipe {
            let _ = pipe.read_to_string(&mut text);
        }
        text
    })
}

/// Gives the runner the package's Cargo.lock (the same versions, entmig-runtime's among them),
/// again whenever the package's changes: after `cargo update` the runner follows.
fn copy_lock(lock: &Path, dir: &Path) -> Result<()> {
    let Ok(text) = std::fs::read_to_string(lock) else {
        return Ok(());
    };
    let seen = dir.join("Cargo.lock.source");
    let fingerprint = format!(
        "{:016x}\n",
        entmig_schema::naming::stable_hash(text.as_bytes())
    );
    if std::fs::read_to_string(&seen).ok().as_deref() == Some(fingerprint.as_str())
        && dir.join("Cargo.lock").is_file()
    {
        return Ok(());
    }
    std::fs::write(dir.join("Cargo.lock"), &text).map_err(|e| Error::file(dir, e))?;
    std::fs::write(&seen, fingerprint).map_err(|e| Error::file(&seen, e))
}

/// The runner crate's Cargo.toml.
fn manifest(name: &str, runtime: &RuntimeDependency) -> String {
    format!(
        "# Written by cargo entmig: the package's migrations, compiled to run them.\n\
         [package]\nname = \"{name}\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n\
         [dependencies]\nentmig-runtime = {}\n\n\
         [profile.dev]\ndebug = false\n\n[workspace]\n",
        dependency_toml(runtime)
    )
}

/// The runner's `entmig-runtime = { .. }`: the package's source, default features and features.
fn dependency_toml(runtime: &RuntimeDependency) -> String {
    let mut keys = match &runtime.source {
        RuntimeSource::Path(path) => {
            vec![format!("path = {}", toml_string(&path.to_string_lossy()))]
        }
        RuntimeSource::Git { url, reference } => {
            let mut keys = vec![format!("git = {}", toml_string(url))];
            if let Some((key, value)) = reference {
                keys.push(format!("{key} = {}", toml_string(value)));
            }
            keys
        }
        RuntimeSource::Version {
            req,
            registry_index,
        } => {
            let mut keys = vec![format!("version = {}", toml_string(req))];
            if let Some(index) = registry_index {
                keys.push(format!("registry-index = {}", toml_string(index)));
            }
            keys
        }
    };
    if !runtime.default_features {
        keys.push("default-features = false".to_owned());
    }
    if !runtime.features.is_empty() {
        let features: Vec<String> = runtime.features.iter().map(|f| toml_string(f)).collect();
        keys.push(format!("features = [{}]", features.join(", ")));
    }
    format!("{{ {} }}", keys.join(", "))
}

fn toml_string(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

fn write_if_changed(path: &Path, text: &str) -> Result<()> {
    if std::fs::read_to_string(path).ok().as_deref() == Some(text) {
        return Ok(());
    }
    std::fs::write(path, text).map_err(|e| Error::file(path, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_runner_depends_on_entmig_runtime_as_the_package_does() {
        let git = RuntimeDependency {
            source: RuntimeSource::Git {
                url: "https://github.com/example/entmig".into(),
                reference: Some(("tag".into(), "v0.1.0".into())),
            },
            default_features: false,
            features: vec!["sqlite".into()],
        };
        assert_eq!(
            dependency_toml(&git),
            r#"{ git = "https://github.com/example/entmig", tag = "v0.1.0", default-features = false, features = ["sqlite"] }"#
        );
        let path = RuntimeDependency {
            source: RuntimeSource::Path(PathBuf::from("/ws/entmig \"runtime\"")),
            default_features: true,
            features: Vec::new(),
        };
        assert_eq!(
            dependency_toml(&path),
            r#"{ path = "/ws/entmig \"runtime\"" }"#
        );
        let version = RuntimeDependency {
            source: RuntimeSource::Version {
                req: "^0.1".into(),
                registry_index: None,
            },
            default_features: true,
            features: vec!["postgres".into()],
        };
        assert_eq!(
            dependency_toml(&version),
            r#"{ version = "^0.1", features = ["postgres"] }"#
        );
    }

    /// cargo reads the runner's manifest as the package's dependency: same path, features.
    #[test]
    fn cargo_reads_the_runner_manifest() {
        let dir = tempfile::tempdir().unwrap();
        let runtime = Path::new(env!("CARGO_MANIFEST_DIR")).join("../entmig-runtime");
        let dependency = RuntimeDependency {
            source: RuntimeSource::Path(runtime.canonicalize().unwrap()),
            default_features: false,
            features: vec!["sqlite".into()],
        };
        std::fs::write(
            dir.path().join("Cargo.toml"),
            manifest("entmig-runner-test", &dependency),
        )
        .unwrap();
        std::fs::create_dir(dir.path().join("src")).unwrap();
        std::fs::write(dir.path().join("src/main.rs"), "fn main() {}").unwrap();
        let metadata = crate::package::metadata(Some(&dir.path().join("Cargo.toml"))).unwrap();
        let project = crate::package::select(&metadata, None, dir.path()).unwrap();
        assert_eq!(project.runtime, Some(dependency));
    }
}
