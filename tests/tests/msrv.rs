//! The declared `rust-version` is true: no crate that entmig's own crates build with (normal
//! and build dependencies, as locked) needs a newer Rust.

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

use serde_json::Value;

/// `1.89` and `1.89.0` alike, as three numbers.
fn version(text: &str) -> [u64; 3] {
    let mut parts = text.split('.').map(|p| p.parse().unwrap_or(0));
    [(); 3].map(|()| parts.next().unwrap_or(0))
}

#[test]
fn no_locked_dependency_needs_a_newer_rust_than_declared() {
    let root = entmig_tests::project::workspace_root();
    let output = Command::new(entmig_tests::project::cargo())
        .args(["metadata", "--format-version", "1", "--locked"])
        .current_dir(&root)
        .output()
        .expect("cargo metadata runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metadata: Value = serde_json::from_slice(&output.stdout).unwrap();
    let packages: BTreeMap<&str, &Value> = metadata["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["id"].as_str().unwrap(), p))
        .collect();
    let nodes: BTreeMap<&str, &Value> = metadata["resolve"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| (n["id"].as_str().unwrap(), n))
        .collect();
    let ours = [
        "entmig-schema",
        "entmig-derive",
        "entmig-runtime",
        "cargo-entmig",
    ];
    let mut todo: Vec<&str> = packages
        .iter()
        .filter(|(_, p)| ours.contains(&p["name"].as_str().unwrap()))
        .map(|(id, _)| *id)
        .collect();
    let declared = packages[todo[0]]["rust_version"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut seen = BTreeSet::new();
    let mut newer = Vec::new();
    while let Some(id) = todo.pop() {
        if !seen.insert(id) {
            continue;
        }
        let package = packages[id];
        if let Some(needs) = package["rust_version"].as_str()
            && version(needs) > version(&declared)
        {
            newer.push(format!(
                "{} {} needs {needs}",
                package["name"], package["version"]
            ));
        }
        for dep in nodes[id]["deps"].as_array().unwrap() {
            // Dev-dependencies build only entmig's own tests.
            let shipped = dep["dep_kinds"]
                .as_array()
                .unwrap()
                .iter()
                .any(|k| k["kind"].as_str() != Some("dev"));
            if shipped {
                todo.push(dep["pkg"].as_str().unwrap());
            }
        }
    }
    assert!(
        newer.is_empty(),
        "the workspace declares rust-version = \"{declared}\", but: {}; raise it in Cargo.toml and the README",
        newer.join(", ")
    );
}
