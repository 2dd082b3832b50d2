//! The package to work on, found with cargo_metadata, and its `[package.metadata.entmig]`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use cargo_metadata::{DependencyKind, Metadata, Package, TargetKind};
use serde::Deserialize;

use crate::error::{Error, Result};

/// What entmig needs to know of a package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Project {
    /// The package name.
    pub name: String,
    /// The folder of its Cargo.toml.
    pub root: PathBuf,
    /// The root files of its lib and bin targets, where the collector starts.
    pub roots: Vec<PathBuf>,
    /// The migrations folder (absolute).
    pub migrations: PathBuf,
    /// Named databases: name to URL (possibly with `${VAR}`).
    pub targets: BTreeMap<String, String>,
    /// The workspace's target directory.
    pub target_directory: PathBuf,
    /// The workspace root, where Cargo.lock lives.
    pub workspace_root: PathBuf,
    /// How the package depends on entmig-runtime, for the runner.
    pub runtime: Option<RuntimeDependency>,
}

/// The entmig-runtime dependency, as the package declares it: the runner depends on the same
/// source with the same features.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuntimeDependency {
    /// Where it comes from.
    pub source: RuntimeSource,
    /// `default-features` (true unless the package turns them off).
    pub default_features: bool,
    /// `features = [..]`.
    pub features: Vec<String>,
}

/// Where the entmig-runtime dependency comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RuntimeSource {
    /// `path = ".."`: an absolute path.
    Path(PathBuf),
    /// `git = ".."`, with `branch`, `tag` or `rev` when one is given (as `("branch", "main")`).
    Git {
        /// The repository URL.
        url: String,
        /// The key and value that pin it.
        reference: Option<(String, String)>,
    },
    /// A version requirement from crates.io, or from the registry whose index URL is given.
    Version {
        /// The requirement.
        req: String,
        /// A registry's index URL; `None` for crates.io.
        registry_index: Option<String>,
    },
}

impl RuntimeDependency {
    /// The package's entmig-runtime dependency, as a build of the package with its default
    /// features gets it: the source of its normal entry (a platform-specific one if there is
    /// no other), and the features of every normal entry plus those the package's `default`
    /// feature turns on (`db = ["entmig-runtime/sqlite"]`).
    fn of_package(package: &Package) -> Option<RuntimeDependency> {
        let entries: Vec<&cargo_metadata::Dependency> = package
            .dependencies
            .iter()
            .filter(|d| d.name == "entmig-runtime")
            .collect();
        let normal: Vec<&cargo_metadata::Dependency> = entries
            .iter()
            .copied()
            .filter(|d| d.kind == DependencyKind::Normal)
            .collect();
        let main = normal
            .iter()
            .find(|d| d.target.is_none())
            .or(normal.first())
            .or(entries.first())?;
        let mut dependency = RuntimeDependency::of(main);
        for entry in &normal {
            dependency.default_features |= entry.uses_default_features;
            dependency.features.extend(entry.features.iter().cloned());
        }
        dependency
            .features
            .extend(features_through(package, "default", &mut BTreeSet::new()));
        dependency.features.sort();
        dependency.features.dedup();
        Some(dependency)
    }

    fn of(d: &cargo_metadata::Dependency) -> RuntimeDependency {
        let git = d.source.as_ref().and_then(|s| s.repr.strip_prefix("git+"));
        let source = match (&d.path, git) {
            (Some(path), _) => RuntimeSource::Path(path.as_std_path().to_owned()),
            (None, Some(git)) => {
                // `URL?branch=NAME` (or tag, rev); the name is written raw, so it may hold `&`
                // or `=`, and the URL a query of its own.
                let pinned = git.rsplit_once('?').and_then(|(url, query)| {
                    ["branch", "tag", "rev"].iter().find_map(|key| {
                        let value = query.strip_prefix(key)?.strip_prefix('=')?;
                        Some((url, ((*key).to_owned(), value.to_owned())))
                    })
                });
                match pinned {
                    Some((url, reference)) => RuntimeSource::Git {
                        url: url.to_owned(),
                        reference: Some(reference),
                    },
                    None => RuntimeSource::Git {
                        url: git.to_owned(),
                        reference: None,
                    },
                }
            }
            (None, None) => RuntimeSource::Version {
                req: d.req.to_string(),
                registry_index: d.registry.clone(),
            },
        };
        RuntimeDependency {
            source,
            default_features: d.uses_default_features,
            features: d.features.clone(),
        }
    }
}

/// The entmig-runtime features that the package's feature `name` turns on, through the
/// package's other features.
fn features_through(package: &Package, name: &str, seen: &mut BTreeSet<String>) -> Vec<String> {
    if !seen.insert(name.to_owned()) {
        return Vec::new();
    }
    let mut features = Vec::new();
    for value in package.features.get(name).into_iter().flatten() {
        let runtime = value
            .strip_prefix("entmig-runtime/")
            .or_else(|| value.strip_prefix("entmig-runtime?/"));
        match runtime {
            Some(feature) => features.push(feature.to_owned()),
            None if package.features.contains_key(value) => {
                features.extend(features_through(package, value, seen));
            }
            None => {}
        }
    }
    features
}

/// `[package.metadata.entmig]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Settings {
    migrations: Option<PathBuf>,
    #[serde(default)]
    targets: BTreeMap<String, String>,
}

/// Runs `cargo metadata` (through `$CARGO`) for the manifest.
pub fn metadata(manifest_path: Option<&Path>) -> Result<Metadata> {
    let mut command = cargo_metadata::MetadataCommand::new();
    command.no_deps();
    if let Ok(cargo) = std::env::var("CARGO") {
        command.cargo_path(cargo);
    }
    if let Some(path) = manifest_path {
        command.manifest_path(path);
    }
    command.exec().map_err(|e| {
        let detail = match &e {
            cargo_metadata::Error::CargoMetadata { stderr } => cargo_error(stderr),
            other => other.to_string(),
        };
        let hint = if detail.contains("could not find `Cargo.toml`") {
            "; run it from a crate's folder or pass --manifest-path"
        } else {
            ""
        };
        Error::msg(format!(
            "could not read the package with `cargo metadata`: {detail}{hint}"
        ))
    })
}

/// Cargo's error output on one line: each `error: ` message with the place it points at
/// (` --> Cargo.toml:1:9`), and the first line of each `Caused by:`, joined with `: `.
fn cargo_error(stderr: &str) -> String {
    let mut lines = stderr.lines().map(str::trim).filter(|l| !l.is_empty());
    let mut parts: Vec<String> = Vec::new();
    while let Some(line) = lines.next() {
        if let Some(message) = line.strip_prefix("error: ") {
            parts.push(message.to_owned());
        } else if let (Some(place), Some(last)) = (line.strip_prefix("--> "), parts.last_mut()) {
            last.push_str(&format!(" at {place}"));
        } else if line == "Caused by:" {
            parts.extend(lines.next().map(str::to_owned));
        }
    }
    if parts.is_empty() {
        stderr.trim().lines().last().unwrap_or_default().to_owned()
    } else {
        parts.join(": ")
    }
}

/// The package `spec` names (`-p`), or the one the current folder or the workspace makes the
/// default: the package whose manifest is in `cwd`, else the only default member.
pub fn select(metadata: &Metadata, spec: Option<&str>, cwd: &Path) -> Result<Project> {
    let members: Vec<&Package> = metadata
        .packages
        .iter()
        .filter(|p| metadata.workspace_members.contains(&p.id))
        .collect();
    let names = || {
        members
            .iter()
            .map(|p| p.name.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let package = match spec {
        Some(spec) => members
            .iter()
            .find(|p| p.name.as_str() == spec)
            .ok_or_else(|| {
                Error::msg(format!(
                    "no package `{spec}` in this workspace; its packages are: {}",
                    names()
                ))
            })?,
        None => {
            let here = members.iter().find(|p| {
                p.manifest_path
                    .parent()
                    .is_some_and(|d| d.as_std_path() == cwd)
            });
            let defaults: Vec<&&Package> = if metadata.workspace_default_members.is_available() {
                members
                    .iter()
                    .filter(|p| metadata.workspace_default_members.contains(&p.id))
                    .collect()
            } else {
                Vec::new()
            };
            match (here, members.as_slice(), defaults.as_slice()) {
                (Some(p), _, _) => p,
                (None, [only], _) => only,
                (None, _, [only]) => only,
                _ => {
                    return Err(Error::msg(format!(
                        "this workspace has several packages; choose one with -p: {}",
                        names()
                    )));
                }
            }
        }
    };
    project(metadata, package)
}

fn project(metadata: &Metadata, package: &Package) -> Result<Project> {
    let root = package
        .manifest_path
        .parent()
        .map(|p| p.as_std_path().to_owned())
        .unwrap_or_default();
    let settings: Settings = match package.metadata.get("entmig") {
        None => Settings::default(),
        Some(value) => Settings::deserialize(value).map_err(|e| {
            Error::msg(format!(
                "{}: [package.metadata.entmig] is not valid: {e}; it takes `migrations = \"src/migrations\"` and a [package.metadata.entmig.targets] table of name = \"url\"",
                package.manifest_path
            ))
        })?,
    };
    let roots = package
        .targets
        .iter()
        .filter(|t| {
            t.kind
                .iter()
                .any(|k| matches!(k, TargetKind::Lib | TargetKind::Bin))
        })
        .map(|t| t.src_path.as_std_path().to_owned())
        .collect();
    let runtime = RuntimeDependency::of_package(package);
    Ok(Project {
        name: package.name.to_string(),
        migrations: root.join(
            settings
                .migrations
                .unwrap_or_else(|| PathBuf::from("src/migrations")),
        ),
        root,
        roots,
        targets: settings.targets,
        target_directory: metadata.target_directory.as_std_path().to_owned(),
        workspace_root: metadata.workspace_root.as_std_path().to_owned(),
        runtime,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `cargo metadata --no-deps --format-version 1` of a two-package workspace, recorded.
    const FIXTURE: &str = include_str!("../tests/fixtures/metadata.json");

    fn fixture() -> Metadata {
        serde_json::from_str(FIXTURE).unwrap()
    }

    #[test]
    fn a_package_by_name_with_its_settings() {
        let project = select(&fixture(), Some("shop"), Path::new("/nowhere")).unwrap();
        assert_eq!(project.name, "shop");
        assert_eq!(project.root, Path::new("/ws/shop"));
        assert_eq!(project.migrations, Path::new("/ws/shop/db/migrations"));
        assert_eq!(project.targets["default"], "sqlite://shop.db");
        assert_eq!(project.targets["reporting"], "${REPORTING_DATABASE_URL}");
        assert_eq!(
            project.roots,
            [
                PathBuf::from("/ws/shop/src/lib.rs"),
                PathBuf::from("/ws/shop/src/main.rs")
            ]
        );
        assert_eq!(
            project.runtime,
            Some(RuntimeDependency {
                source: RuntimeSource::Path(PathBuf::from("/ws/entmig-runtime")),
                default_features: true,
                features: Vec::new(),
            })
        );
    }

    #[test]
    fn the_package_of_the_current_folder_or_the_default_member() {
        let here = select(&fixture(), None, Path::new("/ws/blog")).unwrap();
        assert_eq!(here.name, "blog");
        assert_eq!(
            here.migrations,
            Path::new("/ws/blog/src/migrations"),
            "the default folder"
        );
        assert_eq!(
            here.runtime,
            Some(RuntimeDependency {
                source: RuntimeSource::Version {
                    req: "^0.1".into(),
                    registry_index: None,
                },
                default_features: true,
                features: Vec::new(),
            })
        );
        let default = select(&fixture(), None, Path::new("/ws")).unwrap();
        assert_eq!(default.name, "shop");
    }

    #[test]
    fn cargo_errors_fit_on_one_line() {
        assert_eq!(
            cargo_error(
                "error: failed to parse manifest at `/x/Cargo.toml`\n\nCaused by:\n  TOML parse error at line 1, column 9\n    |\n  1 | [package\n"
            ),
            "failed to parse manifest at `/x/Cargo.toml`: TOML parse error at line 1, column 9"
        );
        assert_eq!(
            cargo_error("error: manifest path `/nope/Cargo.toml` does not exist\n"),
            "manifest path `/nope/Cargo.toml` does not exist"
        );
        assert_eq!(
            cargo_error(
                "error: unclosed table, expected `]`\n --> Cargo.toml:1:9\n  |\n1 | [package\n  |         ^\n"
            ),
            "unclosed table, expected `]` at Cargo.toml:1:9"
        );
        assert_eq!(cargo_error("something odd\n"), "something odd");
    }

    #[test]
    fn an_unknown_package_names_the_known_ones() {
        let error = select(&fixture(), Some("nope"), Path::new("/ws"))
            .unwrap_err()
            .to_string();
        assert_eq!(
            error,
            "no package `nope` in this workspace; its packages are: blog, shop, entmig-runtime"
        );
    }

    fn dependency(json: &str) -> RuntimeDependency {
        RuntimeDependency::of(&serde_json::from_str(json).unwrap())
    }

    /// As `cargo metadata` describes a git dependency (recorded from cargo 1.9x).
    #[test]
    fn a_git_dependency_keeps_its_repository_pin_and_features() {
        let pinned = dependency(
            r#"{"name": "entmig-runtime", "source": "git+https://github.com/example/entmig?branch=main", "req": "*", "kind": null, "rename": null, "optional": false, "uses_default_features": false, "features": ["sqlite"], "target": null, "registry": null}"#,
        );
        assert_eq!(
            pinned,
            RuntimeDependency {
                source: RuntimeSource::Git {
                    url: "https://github.com/example/entmig".into(),
                    reference: Some(("branch".into(), "main".into())),
                },
                default_features: false,
                features: vec!["sqlite".into()],
            }
        );
        let unpinned = dependency(
            r#"{"name": "entmig-runtime", "source": "git+https://github.com/example/entmig", "req": "*", "kind": null, "rename": "rt", "optional": false, "uses_default_features": true, "features": [], "target": null, "registry": null}"#,
        );
        assert_eq!(
            unpinned.source,
            RuntimeSource::Git {
                url: "https://github.com/example/entmig".into(),
                reference: None,
            }
        );
    }

    /// cargo writes a git pin raw after the last `?`; the URL may hold a query of its own.
    #[test]
    fn a_git_pin_is_read_whole() {
        let source = |repr: &str| {
            dependency(&format!(
                r#"{{"name": "entmig-runtime", "source": "{repr}", "req": "*", "kind": null, "rename": null, "optional": false, "uses_default_features": true, "features": [], "target": null, "registry": null}}"#
            ))
            .source
        };
        assert_eq!(
            source("git+https://h/entmig?foo=bar?tag=v1&2"),
            RuntimeSource::Git {
                url: "https://h/entmig?foo=bar".into(),
                reference: Some(("tag".into(), "v1&2".into())),
            }
        );
        assert_eq!(
            source("git+https://h/entmig?branch=a&b"),
            RuntimeSource::Git {
                url: "https://h/entmig".into(),
                reference: Some(("branch".into(), "a&b".into())),
            }
        );
        assert_eq!(
            source("git+https://h/entmig?foo=bar"),
            RuntimeSource::Git {
                url: "https://h/entmig?foo=bar".into(),
                reference: None,
            }
        );
    }

    /// The runner gets the features a default build of the package gives entmig-runtime: from
    /// every normal entry, a platform's included, and through the package's own features; a
    /// dev-dependency's default features do not count.
    #[test]
    fn features_come_from_every_entry_and_the_default_feature() {
        let dir = tempfile::tempdir().unwrap();
        let runtime = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../entmig-runtime")
            .canonicalize()
            .unwrap();
        let path = runtime.to_string_lossy().replace('\\', "/");
        std::fs::write(
            dir.path().join("Cargo.toml"),
            format!(
                "[package]\nname = \"feat\"\nversion = \"0.0.0\"\nedition = \"2021\"\n[workspace]\n\
                 [features]\ndefault = [\"db\"]\ndb = [\"entmig-runtime/postgres\"]\n\
                 [dependencies]\nentmig-runtime = {{ path = \"{path}\", default-features = false }}\n\
                 [target.'cfg(unix)'.dependencies]\nentmig-runtime = {{ path = \"{path}\", default-features = false, features = [\"sqlite\"] }}\n\
                 [dev-dependencies]\nentmig-runtime = {{ path = \"{path}\" }}\n"
            ),
        )
        .unwrap();
        std::fs::create_dir(dir.path().join("src")).unwrap();
        std::fs::write(dir.path().join("src/lib.rs"), "").unwrap();
        let metadata = metadata(Some(&dir.path().join("Cargo.toml"))).unwrap();
        let project = select(&metadata, None, dir.path()).unwrap();
        assert_eq!(
            project.runtime,
            Some(RuntimeDependency {
                source: RuntimeSource::Path(runtime),
                default_features: false,
                features: vec!["postgres".into(), "sqlite".into()],
            })
        );
    }
}
