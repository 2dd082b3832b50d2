//! The runner: the crate's migrations compiled into a small binary kept under the package's
//! target directory, which `run`, `revert`, `status` and `describe` call. It includes
//! `src/migrations/mod.rs` by path and depends on entmig-runtime as the package does (with the
//! package's Cargo.lock), so the user's crate needs no extra binary or feature. Cargo's own
//! incremental build makes a second call cheap.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use entmig_schema::Backend;
use entmig_schema::protocol::{
    self, Described, Event, Hello, Message, MigrationStatus, Outcome, Planned, Preview, Reply,
    Request,
};

use crate::error::{Error, Result};
use crate::output::Output;
use crate::package::{Project, RuntimeDependency, RuntimeSource};

/// A built runner.
pub struct Runner {
    binary: PathBuf,
}

fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".into())
}

impl Runner {
    /// Writes the runner's crate (when it changed) and builds it.
    pub fn build(project: &Project, out: &Output) -> Result<Runner> {
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
                        out.status("Compiling", &format!("migrations of {}", project.name));
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

    /// Sends `request` to the runner, with `url` in its environment; `on_event` sees each
    /// progress event. An error reply becomes an error.
    pub fn call(
        &self,
        request: &Request,
        url: Option<&str>,
        on_event: impl FnMut(&Event),
    ) -> Result<Reply> {
        let mut command = Command::new(&self.binary);
        let request_json = serde_json::to_string(request)
            .map_err(|e| Error::msg(format!("writing the runner's request: {e}")))?;
        command
            .env(protocol::REQUEST_VAR, request_json)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        match url {
            Some(url) => command.env(protocol::URL_VAR, url),
            None => command.env_remove(protocol::URL_VAR),
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
        let read = read_messages(BufReader::new(stdout), on_event);
        if read.is_err() {
            // A runner of another protocol: its answer would not be understood either.
            let _ = child.kill();
        }
        let status = child
            .wait()
            .map_err(|e| Error::msg(format!("waiting for the runner: {e}")))?;
        let stderr = stderr.join().unwrap_or_default();
        match read? {
            Some(Reply::Error { message }) => Err(Error::msg(message)),
            Some(reply) => Ok(reply),
            None => Err(Error::msg(stopped(status, stderr.trim()))),
        }
    }

    /// Where every migration stands on the database at `url`.
    pub fn status(&self, url: &str) -> Result<Vec<MigrationStatus>> {
        match self.call(&Request::Status, Some(url), |_| {})? {
            Reply::Status { migrations } => Ok(migrations),
            other => Err(unexpected("status", &other)),
        }
    }

    /// Every migration's `up`, oldest first, as the runner reads the compiled modules.
    pub fn plans(&self) -> Result<Vec<Planned>> {
        match self.call(&Request::Plan { id: None }, None, |_| {}) {
            Ok(Reply::Plan { migrations }) => Ok(migrations),
            Ok(other) => Err(unexpected("plan", &other)),
            Err(error) => Err(Error::msg(format!(
                "the migrations runner could not list the migrations: {error}"
            ))),
        }
    }

    /// Every migration's steps and SQL for `backend`, on a fresh database.
    pub fn describe(&self, backend: Backend) -> Result<Vec<Described>> {
        match self.call(&Request::Describe { backend }, None, |_| {})? {
            Reply::Describe { migrations } => Ok(migrations),
            other => Err(unexpected("describe", &other)),
        }
    }

    /// What a run (`PendingSql`) or a revert (`RevertPlan`) would execute on `url` now.
    pub fn preview(&self, request: &Request, url: &str) -> Result<Vec<Preview>> {
        match self.call(request, Some(url), |_| {})? {
            Reply::Preview { migrations } => Ok(migrations),
            other => Err(unexpected("preview", &other)),
        }
    }

    /// A copy of the SQLite database at `url`; where it went, if anywhere.
    pub fn backup(&self, url: &str) -> Result<Option<String>> {
        match self.call(&Request::Backup, Some(url), |_| {})? {
            Reply::Backup { path } => Ok(path),
            other => Err(unexpected("backup", &other)),
        }
    }

    /// Marks the dirty migration `id` as applied, or forgets it.
    pub fn resolve(&self, url: &str, id: &str, applied: bool) -> Result<()> {
        let request = Request::Resolve {
            id: id.to_owned(),
            applied,
        };
        match self.call(&request, Some(url), |_| {})? {
            Reply::Done(_) => Ok(()),
            other => Err(unexpected("resolve", &other)),
        }
    }

    /// A run or a revert: what it did, or what it did before it failed.
    pub fn apply(
        &self,
        request: &Request,
        url: &str,
        on_event: impl FnMut(&Event),
    ) -> Result<Applied> {
        match self.call(request, Some(url), on_event)? {
            Reply::Done(outcome) => Ok(Applied::Done(outcome)),
            Reply::Failed { outcome, message } => Ok(Applied::Failed { outcome, message }),
            other => Err(unexpected("run", &other)),
        }
    }
}

/// What a run or revert did.
#[derive(Debug)]
pub enum Applied {
    /// It finished.
    Done(Outcome),
    /// It failed after `outcome` (kept).
    Failed {
        /// What did apply (or revert) before the failure.
        outcome: Outcome,
        /// The failure.
        message: String,
    },
}

fn unexpected(asked: &str, reply: &Reply) -> Error {
    Error::msg(format!(
        "the migrations runner answered a {asked} request with {reply:?}; remove target/entmig and try again"
    ))
}

/// Reads the runner's lines: the hello first (a runner of another protocol is refused with
/// the install command that matches it), then events, then the reply. A line that is no
/// message (a migration that prints) goes to stderr as it is. `None` when no reply came.
fn read_messages(reader: impl BufRead, mut on_event: impl FnMut(&Event)) -> Result<Option<Reply>> {
    let mut hello = false;
    let mut reply = None;
    for line in reader.lines() {
        let line = line.map_err(|e| Error::msg(format!("reading the runner's output: {e}")))?;
        match Message::from_line(&line) {
            Some(Message::Hello(h)) if h.is_compatible() => hello = true,
            Some(Message::Hello(h)) => return Err(mismatch(&h)),
            Some(Message::Event(event)) if hello => on_event(&event),
            Some(Message::Reply(r)) if hello => reply = Some(r),
            Some(_) => return Err(no_hello()),
            None if !hello && line.starts_with('{') => return Err(no_hello()),
            None => anstream::eprintln!("{line}"),
        }
    }
    Ok(reply)
}

/// The refusal of a runner that speaks another protocol.
fn mismatch(hello: &Hello) -> Error {
    Error::msg(format!(
        "the migrations runner was built with entmig-runtime {} (protocol {}), but this cargo-entmig {} speaks protocol {}; install the CLI that matches Cargo.lock: `cargo install cargo-entmig --version {} --locked`",
        hello.runtime,
        hello.protocol,
        env!("CARGO_PKG_VERSION"),
        protocol::VERSION,
        hello.runtime
    ))
}

/// The refusal of a runner that says no hello: an entmig-runtime from before the protocol.
fn no_hello() -> Error {
    Error::msg(format!(
        "the migrations runner says no protocol version (an entmig-runtime older than this cargo-entmig {}); install the CLI that matches the entmig-runtime in Cargo.lock: `cargo install cargo-entmig --version <that version> --locked`",
        env!("CARGO_PKG_VERSION")
    ))
}

/// Why a runner gave no reply: a signal, or what it printed.
fn stopped(status: std::process::ExitStatus, stderr: &str) -> String {
    use std::os::unix::process::ExitStatusExt;
    let mut message = match status.signal() {
        Some(signal) => format!("the migrations runner was killed by signal {signal}"),
        None => format!("the migrations runner stopped without a result ({status})"),
    };
    if !stderr.is_empty() {
        message.push_str(": ");
        message.push_str(stderr);
    }
    message
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

    /// A runner that is a shell script: what a runner of another version would print.
    fn script(dir: &Path, body: &str) -> Runner {
        use std::os::unix::fs::PermissionsExt;
        let binary = dir.join("runner.sh");
        std::fs::write(&binary, format!("#!/bin/sh\n{body}\n")).unwrap();
        std::fs::set_permissions(&binary, std::fs::Permissions::from_mode(0o755)).unwrap();
        Runner { binary }
    }

    #[test]
    fn a_runner_of_another_protocol_is_refused_with_the_matching_install() {
        let dir = tempfile::tempdir().unwrap();
        let runner = script(
            dir.path(),
            r#"echo '{"kind":"hello","protocol":99,"runtime":"0.9.3"}'; echo '{"kind":"reply","result":"status","whatever":1}'"#,
        );
        let error = runner.status("sqlite::memory:").unwrap_err().to_string();
        assert_eq!(
            error,
            format!(
                "the migrations runner was built with entmig-runtime 0.9.3 (protocol 99), but this cargo-entmig {} speaks protocol {}; install the CLI that matches Cargo.lock: `cargo install cargo-entmig --version 0.9.3 --locked`",
                env!("CARGO_PKG_VERSION"),
                protocol::VERSION
            )
        );
        // A runner from before the protocol says no hello at all.
        let runner = script(dir.path(), r#"echo '{"result":"status","migrations":[]}'"#);
        let error = runner.status("sqlite::memory:").unwrap_err().to_string();
        assert!(error.contains("says no protocol version"), "{error}");
    }

    #[test]
    fn the_runner_reads_the_request_whole_and_its_prints_pass_through() {
        let dir = tempfile::tempdir().unwrap();
        // Echoes the request it was given back as an error, after a line of its own.
        let runner = script(
            dir.path(),
            r#"echo '{"kind":"hello","protocol":1,"runtime":"0.1.0"}'; echo 'a data step prints'; printf '{"kind":"reply","result":"error","message":"%s %s"}\n' "$ENTMIG_URL" "$(echo "$ENTMIG_REQUEST" | tr -d '"')""#,
        );
        let error = runner
            .call(
                &Request::Revert {
                    which: protocol::Which::Steps(2),
                },
                Some("sqlite://x.db"),
                |_| {},
            )
            .unwrap_err()
            .to_string();
        assert_eq!(error, "sqlite://x.db {request:revert,which:{steps:2}}");
    }

    #[test]
    fn a_killed_runner_says_by_which_signal() {
        let dir = tempfile::tempdir().unwrap();
        let runner = script(
            dir.path(),
            r#"echo '{"kind":"hello","protocol":1,"runtime":"0.1.0"}'; kill -9 $$"#,
        );
        let error = runner.status("sqlite::memory:").unwrap_err().to_string();
        assert_eq!(error, "the migrations runner was killed by signal 9");
    }

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
