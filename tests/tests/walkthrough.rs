//! The README's five-minute walkthrough, run as written: every ```` ```sh walkthrough ```` block
//! as shell commands and every ```` ```rust file=PATH ```` block as the file a reader writes, in
//! the README's order, in a temporary folder. If the README changes, this test runs the change.

use std::path::Path;
use std::process::Command;

use entmig_tests::project::{entmig_binary, runner_target_dir, workspace_root};

/// The walkthrough as one bash script: commands as they are, files as heredocs.
fn script(readme: &str) -> String {
    let mut script = String::from("set -euxo pipefail\n");
    let mut lines = readme.lines();
    while let Some(line) = lines.next() {
        let fence = line.trim_start();
        let file = fence
            .strip_prefix("```rust file=")
            .map(|path| path.trim().to_owned());
        let commands = fence.trim_end() == "```sh walkthrough";
        if file.is_none() && !commands {
            continue;
        }
        let body: Vec<&str> = lines
            .by_ref()
            .take_while(|l| l.trim_start() != "```")
            .collect();
        match file {
            Some(path) => {
                script.push_str(&format!("cat > {path} <<'WALKTHROUGH_EOF'\n"));
                for line in body {
                    script.push_str(line);
                    script.push('\n');
                }
                script.push_str("WALKTHROUGH_EOF\n");
            }
            None => {
                for line in body {
                    script.push_str(line);
                    script.push('\n');
                }
            }
        }
    }
    script
}

#[test]
fn the_readme_walkthrough_runs_as_written() {
    let root = workspace_root();
    let readme = std::fs::read_to_string(root.join("README.md")).expect("README.md");
    let script = script(&readme);
    assert!(
        script.contains("cargo entmig make create_notes"),
        "the walkthrough was found:\n{script}"
    );
    assert!(script.contains("cat > src/entities.rs"), "{script}");

    // The reader installed the CLI with the main-job command; here it is the workspace's build.
    let binary = entmig_binary();
    let bin_dir = binary.parent().expect("binary folder");
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let output = Command::new("bash")
        .arg("-c")
        .arg(&script)
        .current_dir(dir.path())
        .env("PATH", path)
        .env("ENTMIG", &root)
        .env("ENTMIG_RUNNER_TARGET_DIR", runner_target_dir())
        .env_remove("DATABASE_URL")
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run bash");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "the walkthrough failed:\n--- stdout\n{stdout}\n--- stderr\n{stderr}"
    );

    // It left what the README says: two migrations, applied to notes.db, matching the entities.
    let notes = dir.path().join("notes");
    let migrations: Vec<String> = std::fs::read_dir(notes.join("src/migrations"))
        .expect("the migrations folder")
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .filter(|n| n.starts_with("m2") && n.ends_with(".rs"))
        .collect();
    assert_eq!(migrations.len(), 2, "{migrations:?}");
    assert!(
        stderr.contains("Checked the entities match the migrations"),
        "{stderr}"
    );
    assert!(
        stdout.contains("applied"),
        "status shows applied migrations: {stdout}"
    );
    let db = Path::new(&notes).join("notes.db");
    let mut db =
        entmig_runtime::Database::connect(&format!("sqlite://{}", db.display())).expect("notes.db");
    let notes_table = db
        .introspect()
        .expect("introspect")
        .tables
        .remove("notes")
        .expect("a notes table");
    let columns: Vec<&str> = notes_table
        .columns
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(columns, ["id", "title", "body", "pinned"]);
}
