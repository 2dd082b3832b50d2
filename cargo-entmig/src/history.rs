//! The migrations folder: its `mod.rs` (the list of modules), the module files, and the one
//! snapshot of the schema that the migrations describe.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use entmig_schema::clock::UtcTime;
use entmig_schema::snapshot::{self, Provenance};
use entmig_schema::{Schema, apply_all};
use syn::punctuated::Punctuated;
use syn::{Ident, Item, Token};

use crate::error::{Error, Result};
use entmig_schema::protocol::Planned;

/// The snapshot's file name, in the migrations folder.
pub const SNAPSHOT: &str = "snapshot.json";

/// The state of a migrations folder.
#[derive(Debug)]
pub struct History {
    /// The folder.
    pub dir: PathBuf,
    /// The module names listed in `mod.rs`, oldest first (`m20261121_101500_create_user`).
    pub modules: Vec<String>,
    /// The schema the migrations describe (empty before the first), as the snapshot holds it.
    pub snapshot: Schema,
    /// Why the snapshot cannot be trusted to describe the migrations listed, if it cannot: it
    /// is then rebuilt from them ([`replay`]).
    pub stale: Option<Stale>,
    /// Module files in the folder that `mod.rs` does not list (an interrupted `make`, or a
    /// module not added to the list).
    pub unlisted: Vec<PathBuf>,
    /// `false` for a snapshot written by an entmig that did not record its migration and
    /// digest: trusted, and written in the current form by the next command that writes it.
    pub recorded: bool,
}

/// Why a snapshot does not describe the migrations it sits beside.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stale {
    /// It was written after another migration than the newest listed: a migration was
    /// deleted or merged in, or a `make` was interrupted.
    Behind {
        /// The migration it was written after.
        recorded: Option<String>,
        /// The newest migration listed.
        newest: Option<String>,
    },
    /// Its tables changed since entmig wrote it: git merged two branches' snapshots, or it
    /// was edited.
    Edited,
    /// It holds git's conflict markers: a merge left it for a person to resolve.
    Conflicted,
    /// It is missing, though migrations are listed.
    Missing {
        /// How many.
        migrations: usize,
    },
    /// The newest migration's module changed since the snapshot was written: it may hold
    /// schema steps written by hand.
    ModuleEdited {
        /// Its id.
        id: String,
    },
    /// It cannot be read (only [`History::load_to_rebuild`] takes that as stale).
    Unreadable(String),
}

impl std::fmt::Display for Stale {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let id = |id: &Option<String>| id.clone().unwrap_or_else(|| "no migration".to_owned());
        match self {
            Stale::Behind { recorded, newest } => write!(
                f,
                "{SNAPSHOT} holds the schema after {}, but the newest migration is {} (a migration was deleted or merged in, or a `make` was interrupted)",
                id(recorded),
                id(newest)
            ),
            Stale::Edited => write!(
                f,
                "{SNAPSHOT} was changed since entmig wrote it (a merge of two branches, or an edit)"
            ),
            Stale::Conflicted => write!(f, "{SNAPSHOT} holds a merge's conflict markers"),
            Stale::Missing { migrations } => write!(
                f,
                "{SNAPSHOT} is missing, but mod.rs lists {migrations} migration(s)"
            ),
            Stale::ModuleEdited { id } => write!(
                f,
                "the newest migration, {id}, was edited since `make` wrote {SNAPSHOT} (it may hold schema steps written by hand)"
            ),
            Stale::Unreadable(why) => write!(f, "{SNAPSHOT} cannot be read ({why})"),
        }
    }
}

impl History {
    /// Reads the folder. A missing folder is an empty history. A snapshot that is not JSON
    /// (but for a merge's conflict markers, which make it stale) is an error that says how to
    /// restore or rebuild it.
    pub fn load(dir: &Path) -> Result<History> {
        History::read(dir, false)
    }

    /// [`History::load`] for `cargo entmig snapshot`, which rebuilds the snapshot: one that
    /// cannot be read is stale, not an error.
    pub fn load_to_rebuild(dir: &Path) -> Result<History> {
        History::read(dir, true)
    }

    fn read(dir: &Path, tolerant: bool) -> Result<History> {
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
        let newest = modules.last().map(|m| id_of(m));
        let snapshot_path = dir.join(SNAPSHOT);
        let mut recorded = true;
        let newest_module = match modules.last() {
            Some(m) => {
                let path = module_file(dir, m);
                Some(std::fs::read_to_string(&path).map_err(|e| Error::file(&path, e))?)
            }
            None => None,
        };
        let (snapshot, stale) = match std::fs::read_to_string(&snapshot_path) {
            Ok(text) if has_conflict_markers(&text) => (Schema::new(), Some(Stale::Conflicted)),
            Ok(text) => match snapshot::read(&text) {
                Err(e) if tolerant => (Schema::new(), Some(Stale::Unreadable(e.to_string()))),
                Err(e) => {
                    return Err(Error::msg(format!(
                        "{}: {e}; restore the file from version control, or rebuild it from the migrations with `cargo entmig snapshot`",
                        snapshot_path.display()
                    )));
                }
                Ok(read) => {
                    let stale = match read.provenance {
                        Provenance::After(recorded) if recorded != newest => {
                            Some(Stale::Behind { recorded, newest })
                        }
                        Provenance::Edited { .. } => Some(Stale::Edited),
                        Provenance::Unrecorded => {
                            recorded = false;
                            None
                        }
                        Provenance::After(_) => match (read.module_digest, &newest_module) {
                            (Some(written), Some(text))
                                if written != snapshot::module_digest(text) =>
                            {
                                newest.map(|id| Stale::ModuleEdited { id })
                            }
                            _ => None,
                        },
                    };
                    (read.schema, stale)
                }
            },
            Err(_) if modules.is_empty() => (Schema::new(), None),
            Err(_) => (
                Schema::new(),
                Some(Stale::Missing {
                    migrations: modules.len(),
                }),
            ),
        };
        let unlisted = unlisted_modules(dir, &modules);
        Ok(History {
            dir: dir.to_owned(),
            modules,
            snapshot,
            stale,
            unlisted,
            recorded,
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
                     revert {b} where it is applied (`cargo entmig status --target ..` shows where; there it is mostly the newest, which `cargo entmig revert` undoes), delete its file and its line in mod.rs, \
                     and run `cargo entmig make` again, which rebuilds the snapshot from the migrations that remain"
                )));
            }
        }
        Ok(())
    }

    /// The file of a module.
    pub fn module_path(&self, module: &str) -> PathBuf {
        module_file(&self.dir, module)
    }

    /// Writes a new migration module, the snapshot after it, and then lists it in `mod.rs`:
    /// each file whole or not at all, and `mod.rs` last, so that an interruption leaves at
    /// worst an unlisted module and a snapshot that [`History::load`] calls stale.
    pub fn add(&mut self, module: &str, text: &str, snapshot: &Schema) -> Result<PathBuf> {
        std::fs::create_dir_all(&self.dir).map_err(|e| Error::file(&self.dir, e))?;
        let path = self.dir.join(format!("{module}.rs"));
        write(&path, text)?;
        self.modules.push(module.to_owned());
        self.modules.sort();
        self.write_snapshot(snapshot)?;
        self.write_index()?;
        Ok(path)
    }

    /// Removes the newest migration's entry and module, and writes `snapshot` (the schema
    /// before it).
    pub fn remove_newest(&mut self, snapshot: &Schema) -> Result<()> {
        if let Some(module) = self.modules.pop() {
            let path = self.module_path(&module);
            self.write_index()?;
            std::fs::remove_file(&path).map_err(|e| Error::file(&path, e))?;
        }
        self.write_snapshot(snapshot)
    }

    /// Writes the snapshot: `schema`, as the schema after the newest migration listed, whose
    /// module it records as it is now.
    pub fn write_snapshot(&mut self, schema: &Schema) -> Result<()> {
        let module = match self.modules.last() {
            Some(m) => {
                let path = self.module_path(m);
                Some(std::fs::read_to_string(&path).map_err(|e| Error::file(&path, e))?)
            }
            None => None,
        };
        let text = snapshot::write(schema, self.newest_id().as_deref(), module.as_deref());
        write(&self.dir.join(SNAPSHOT), &text)?;
        self.snapshot = schema.clone();
        self.stale = None;
        self.recorded = true;
        Ok(())
    }

    fn write_index(&self) -> Result<()> {
        let mut index = String::from(
            "//! This crate's migrations, oldest first. `cargo entmig make` adds to this list.\n\nentmig_runtime::migrations! {\n",
        );
        for module in &self.modules {
            index.push_str(&format!("    {module},\n"));
        }
        index.push_str("}\n");
        write(&self.dir.join("mod.rs"), &index)
    }
}

/// The schema that these migrations build, from nothing: each one's steps applied in turn. A
/// migration whose steps do not apply to the schema before it is an error that names it.
pub fn replay(plans: &[Planned]) -> Result<Schema> {
    let mut schema = Schema::new();
    for plan in plans {
        schema = apply_all(&schema, &plan.ops).map_err(|e| {
            Error::msg(format!(
                "migration {}: its steps do not apply to the schema the migrations before it build ({e}); a table or column made by raw SQL is invisible to entmig: make it with a schema step (m.create_table, m.add_column), or restore {SNAPSHOT} from version control",
                plan.id
            ))
        })?;
    }
    Ok(schema.without_hints())
}

/// The file of a module in `dir`: `name.rs`, or `name/mod.rs`.
fn module_file(dir: &Path, module: &str) -> PathBuf {
    let file = dir.join(format!("{module}.rs"));
    if file.is_file() {
        file
    } else {
        dir.join(module).join("mod.rs")
    }
}

/// Whether a file holds the lines git writes around a conflict it leaves for a person.
fn has_conflict_markers(text: &str) -> bool {
    text.lines()
        .any(|line| line.starts_with("<<<<<<< ") || line.starts_with(">>>>>>> "))
}

/// `m<digits>_<name>.rs` files in the folder (and `m…/mod.rs` folders) that are not listed.
fn unlisted_modules(dir: &Path, listed: &[String]) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut unlisted: Vec<PathBuf> = entries
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| {
            let stem = if path.is_dir() {
                path.join("mod.rs")
                    .is_file()
                    .then(|| path.file_name())
                    .flatten()
            } else if path.extension().is_some_and(|e| e == "rs") {
                path.file_stem()
            } else {
                None
            };
            stem.and_then(|s| s.to_str()).is_some_and(|stem| {
                stem.strip_prefix('m')
                    .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_digit()))
                    && !listed.iter().any(|m| m == stem)
            })
        })
        .collect();
    unlisted.sort();
    unlisted
}

/// Writes a file whole or not at all: a temporary file beside it, renamed over it.
fn write(path: &Path, text: &str) -> Result<()> {
    let mut temporary = path.as_os_str().to_owned();
    temporary.push(".entmig-tmp");
    let temporary = PathBuf::from(temporary);
    std::fs::write(&temporary, text).map_err(|e| Error::file(&temporary, e))?;
    std::fs::rename(&temporary, path).map_err(|e| Error::file(path, e))
}

/// `m20261121_101500_create_user` → `20261121_101500_create_user`.
pub fn id_of(module: &str) -> String {
    module.strip_prefix('m').unwrap_or(module).to_owned()
}

/// The modules listed in `entmig_runtime::migrations! { .. }`.
fn read_modules(mod_rs: &Path) -> Result<Vec<String>> {
    let text = std::fs::read_to_string(mod_rs).map_err(|e| Error::file(mod_rs, e))?;
    if has_conflict_markers(&text) {
        return Err(Error::msg(format!(
            "{} holds a merge's conflict markers: keep the migrations of both sides, one module name a line, remove the markers, and run the command again",
            mod_rs.display()
        )));
    }
    let file = syn::parse_file(&text).map_err(|e| Error::syn(mod_rs, &e))?;
    for item in &file.items {
        if let Item::Macro(item) = item
            && item
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
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let seconds = now.max(newest);
    format!("m{}_{name}", UtcTime::from_unix(seconds).compact())
}

/// The longest migration name: its id, `YYYYMMDD_HHMMSS_<name>`, must fit a file name and the
/// tracking table's id column with room to spare.
pub const MAX_NAME: usize = 100;

/// A migration name as given: dashes become underscores; anything but lowercase letters,
/// digits and underscores, starting with a letter, is refused.
pub fn migration_name(given: &str) -> Result<String> {
    let name = given.trim().replace('-', "_");
    let valid = name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !valid {
        return Err(Error::msg(format!(
            "`{given}` is not a valid migration name: use lowercase letters, digits and underscores, starting with a letter (e.g. add_user_email)"
        )));
    }
    if name.len() > MAX_NAME {
        return Err(Error::msg(format!(
            "the migration name is {} characters long; shorten it to at most {MAX_NAME} (the module's doc comment can say more)",
            name.len()
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
        assert!(migration_name("_x").is_err());
        assert!(
            migration_name("Add-Thing")
                .unwrap_err()
                .to_string()
                .starts_with("`Add-Thing` is not")
        );
        assert!(migration_name(&"x".repeat(MAX_NAME)).is_ok());
        assert!(
            migration_name(&"x".repeat(MAX_NAME + 1))
                .unwrap_err()
                .to_string()
                .contains("at most 100")
        );
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
            let text = crate::codegen::module("next", &[], &Default::default(), Some(&id));
            assert_eq!(generated_after(&text), Some(Some(id)), "{text}");
        }
        let first = crate::codegen::module("init", &[], &Default::default(), None);
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
