//! The migrations folder: its `mod.rs` (the list of modules), the module files, and the one
//! snapshot of the schema that the migrations describe.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use entmig_schema::clock::{self, UtcTime};
use entmig_schema::{Schema, snapshot};
use syn::punctuated::Punctuated;
use syn::{Ident, Item, Token};

use crate::error::{Error, Result};

/// The snapshot's file name, in the migrations folder.
pub const SNAPSHOT: &str = "snapshot.json";

/// The state of a migrations folder.
#[derive(Debug)]
pub struct History {
    /// The folder.
    pub dir: PathBuf,
    /// The module names listed in `mod.rs`, oldest first (`m20261121_101500_create_user`).
    pub modules: Vec<String>,
    /// The schema the migrations describe (empty before the first).
    pub snapshot: Schema,
}

impl History {
    /// Reads the folder. A missing folder is an empty history.
    pub fn load(dir: &Path) -> Result<History> {
        let mod_rs = dir.join("mod.rs");
        let modules = if mod_rs.is_file() {
            read_modules(&mod_rs)?
        } else {
            Vec::new()
        };
        for module in &modules {
            if !dir.join(format!("{module}.rs")).is_file()
                && !dir.join(module).join("mod.rs").is_file()
            {
                return Err(Error::msg(format!(
                    "{}: lists the migration `{module}`, but {} is missing; restore it from version control, or remove the migration from mod.rs if it was never applied anywhere",
                    mod_rs.display(),
                    dir.join(format!("{module}.rs")).display()
                )));
            }
        }
        let snapshot_path = dir.join(SNAPSHOT);
        let snapshot = match std::fs::read_to_string(&snapshot_path) {
            Ok(text) => snapshot::from_str(&text).map_err(|e| {
                Error::msg(format!(
                    "{}: {e}; restore the file from version control (it must describe the schema after the newest migration)",
                    snapshot_path.display()
                ))
            })?,
            Err(_) if modules.is_empty() => Schema::new(),
            Err(_) => {
                return Err(Error::msg(format!(
                    "{} is missing, but mod.rs lists {} migration(s); restore it from version control",
                    snapshot_path.display(),
                    modules.len()
                )));
            }
        };
        Ok(History {
            dir: dir.to_owned(),
            modules,
            snapshot,
        })
    }

    /// The id of the newest migration (module name without its `m`).
    pub fn newest_id(&self) -> Option<String> {
        self.modules.last().map(|m| id_of(m))
    }

    /// Fails when two migrations were generated after the same one — two branches that each
    /// added a migration, merged — naming both.
    pub fn check_branches(&self) -> Result<()> {
        let mut by_parent: BTreeMap<Option<String>, Vec<String>> = BTreeMap::new();
        for module in &self.modules {
            let path = self.module_path(module);
            let text = std::fs::read_to_string(&path).map_err(|e| Error::file(&path, e))?;
            if let Some(after) = generated_after(&text) {
                by_parent.entry(after).or_default().push(id_of(module));
            }
        }
        for (parent, children) in by_parent {
            if let [a, b, ..] = children.as_slice() {
                let parent = parent.map_or("the start".to_owned(), |p| format!("migration {p}"));
                return Err(Error::msg(format!(
                    "migrations {a} and {b} were both generated after {parent}: two branches were merged; \
                     revert {b} where it is applied, delete it, and generate it again with `cargo entmig make`"
                )));
            }
        }
        Ok(())
    }

    /// The file of a module.
    pub fn module_path(&self, module: &str) -> PathBuf {
        let file = self.dir.join(format!("{module}.rs"));
        if file.is_file() {
            file
        } else {
            self.dir.join(module).join("mod.rs")
        }
    }

    /// Writes a new migration module, lists it in `mod.rs`, and writes the snapshot.
    pub fn add(&mut self, module: &str, text: &str, snapshot: &Schema) -> Result<PathBuf> {
        std::fs::create_dir_all(&self.dir).map_err(|e| Error::file(&self.dir, e))?;
        let path = self.dir.join(format!("{module}.rs"));
        write(&path, text)?;
        self.modules.push(module.to_owned());
        self.modules.sort();
        self.write_index_and_snapshot(snapshot)?;
        Ok(path)
    }

    /// Removes the newest migration's module and entry, and writes `snapshot` (the schema
    /// before it).
    pub fn remove_newest(&mut self, snapshot: &Schema) -> Result<()> {
        if let Some(module) = self.modules.pop() {
            let path = self.module_path(&module);
            std::fs::remove_file(&path).map_err(|e| Error::file(&path, e))?;
        }
        self.write_index_and_snapshot(snapshot)
    }

    fn write_index_and_snapshot(&mut self, schema: &Schema) -> Result<()> {
        let mut index = String::from(
            "//! This crate's migrations, oldest first. `cargo entmig make` adds to this list.\n\nentmig_runtime::migrations! {\n",
        );
        for module in &self.modules {
            index.push_str(&format!("    {module},\n"));
        }
        index.push_str("}\n");
        write(&self.dir.join("mod.rs"), &index)?;
        write(&self.dir.join(SNAPSHOT), &snapshot::to_string(schema))?;
        self.snapshot = schema.clone();
        Ok(())
    }
}

fn write(path: &Path, text: &str) -> Result<()> {
    std::fs::write(path, text).map_err(|e| Error::file(path, e))
}

/// `m20261121_101500_create_user` → `20261121_101500_create_user`.
pub fn id_of(module: &str) -> String {
    module.strip_prefix('m').unwrap_or(module).to_owned()
}

/// The modules listed in `entmig_runtime::migrations! { .. }`.
fn read_modules(mod_rs: &Path) -> Result<Vec<String>> {
    let text = std::fs::read_to_string(mod_rs).map_err(|e| Error::file(mod_rs, e))?;
    let file = syn::parse_file(&text).map_err(|e| Error::syn(mod_rs, &e))?;
    for item in &file.items {
        if let Item::Macro(item) = item {
            if item
                .mac
                .path
                .segments
                .last()
                .is_some_and(|s| s.ident == "migrations")
            {
                let list = item
                    .mac
                    .parse_body_with(Punctuated::<Ident, Token![,]>::parse_terminated)
                    .map_err(|e| Error::syn(mod_rs, &e))?;
                let mut modules: Vec<String> = list.iter().map(ToString::to_string).collect();
                modules.sort();
                return Ok(modules);
            }
        }
    }
    Err(Error::msg(format!(
        "{} does not list its migrations in `entmig_runtime::migrations! {{ .. }}`; write them there, one module name a line",
        mod_rs.display()
    )))
}

/// The id in `fn generated_after(..) { Some("..") }`, `Some(None)` for a first migration's
/// `None`, or `None` when the module does not say (a hand-written one). The id may sit on a
/// line of its own, as a formatter writes a long one: `Some(\n    "..",\n)`.
fn generated_after(text: &str) -> Option<Option<String>> {
    let start = text.find("fn generated_after")?;
    let body = &text[start..];
    let body = &body[body.find('{')? + 1..];
    let body = &body[..body.find('}')?];
    let Some(after_some) = body.trim_start().strip_prefix("Some") else {
        return Some(None);
    };
    let quoted = after_some
        .trim_start()
        .strip_prefix('(')?
        .trim_start()
        .strip_prefix('"')?;
    quoted.find('"').map(|end| Some(quoted[..end].to_owned()))
}

/// A new module name: `m<UTC timestamp>_<name>`, later than every existing one.
pub fn next_module(name: &str, newest: Option<&str>) -> String {
    let newest = newest
        .and_then(UtcTime::parse_compact)
        .map_or(0, |t| t.to_unix() + 1);
    let seconds = clock::unix_now().max(newest);
    format!("m{}_{name}", UtcTime::from_unix(seconds).compact())
}

/// A migration name as given: dashes become underscores; anything but lowercase letters,
/// digits and underscores is refused.
pub fn migration_name(name: &str) -> Result<String> {
    let name = name.trim().replace('-', "_");
    let valid = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !name.starts_with(|c: char| c.is_ascii_digit());
    if !valid {
        return Err(Error::msg(format!(
            "`{name}` is not a valid migration name: use lowercase letters, digits and underscores, starting with a letter (e.g. add_user_email)"
        )));
    }
    Ok(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_ids_always_come_after_the_newest() {
        let next = next_module("later", Some("29990101_000000_future"));
        assert_eq!(next, "m29990101_000001_later");
        assert!(next_module("now", None).starts_with("m20"));
    }

    #[test]
    fn names_are_checked() {
        assert_eq!(migration_name("add-email").unwrap(), "add_email");
        assert!(
            migration_name("Add Email")
                .unwrap_err()
                .to_string()
                .contains("lowercase letters")
        );
        assert!(migration_name("").is_err());
        assert!(migration_name("1st").is_err());
    }

    #[test]
    fn generated_after_is_read_from_the_module() {
        assert_eq!(
            generated_after(
                "fn generated_after(&self) -> Option<&'static str> {\n Some(\"2026_x\")\n }"
            ),
            Some(Some("2026_x".into()))
        );
        assert_eq!(
            generated_after("fn generated_after(&self) -> Option<&'static str> { None }"),
            Some(None)
        );
        assert_eq!(generated_after("fn up(&self) {}"), None);
        // A long id, as prettyplease and rustfmt break it.
        let long = "20261122_101500_add_notification_preferences_and_digest_settings_to_accounts";
        assert_eq!(
            generated_after(&format!(
                "fn generated_after(&self) -> Option<&'static str> {{\n        Some(\n            \"{long}\",\n        )\n    }}"
            )),
            Some(Some(long.to_owned()))
        );
    }

    /// What codegen writes, history reads back, however long the parent's name.
    #[test]
    fn the_parent_of_a_generated_module_is_read_back() {
        for length in [1, 34, 58, 120] {
            let id = format!("20261122_101500_{}", "x".repeat(length));
            let text = crate::codegen::module("next", &[], Some(&id));
            assert_eq!(generated_after(&text), Some(Some(id)), "{text}");
        }
        let first = crate::codegen::module("init", &[], None);
        assert_eq!(generated_after(&first), Some(None));
    }

    #[test]
    fn a_folder_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let mut history = History::load(dir.path()).unwrap();
        assert!(history.modules.is_empty());
        let schema = Schema::from_tables([entmig_schema::Table::new("t")]);
        history
            .add("m20260101_000000_first", "// one\n", &schema)
            .unwrap();
        let again = History::load(dir.path()).unwrap();
        assert_eq!(again.modules, ["m20260101_000000_first"]);
        assert_eq!(again.snapshot, schema);
        std::fs::write(dir.path().join(SNAPSHOT), "{").unwrap();
        let error = History::load(dir.path()).unwrap_err().to_string();
        assert!(error.contains("the snapshot is not valid"), "{error}");
        assert!(
            error.contains("restore the file from version control"),
            "{error}"
        );
    }
}
