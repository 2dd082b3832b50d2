//! The collector: the package's entities, read from its source without building it.
//!
//! It walks the module tree from the lib and bin roots as rustc would (`mod` declarations,
//! `#[path]`, `mod.rs` and `name.rs` layouts, inline modules), parses each file with syn, and
//! runs the derive's own parser on every `#[derive(Entity)]` struct. `#[cfg(test)]` modules and
//! the migrations folder are skipped.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use entmig_schema::parser::{EntityDef, LookupError, parse_entity};
use entmig_schema::{Schema, Table};
use syn::punctuated::Punctuated;
use syn::{Attribute, Item, Token};

use crate::error::{Error, Result};

/// One entity and where it was found.
struct Found {
    entity: EntityDef,
    file: PathBuf,
    /// The module it is declared in, from the crate root: `["blog", "model"]`.
    module: Vec<String>,
}

/// The schema of every entity of the package whose module roots are `roots`, skipping files
/// under `skip` (the migrations folder). Problems name their files by their whole paths; the
/// CLI shows them from the current folder ([`Error::relative_to`]).
pub fn collect(roots: &[PathBuf], skip: &Path) -> Result<Schema> {
    let mut walker = Walker {
        skip: skip.to_owned(),
        seen: BTreeSet::new(),
        found: Vec::new(),
        errors: Vec::new(),
        imports: BTreeMap::new(),
    };
    for root in roots {
        let dir = root.parent().unwrap_or(Path::new(".")).to_owned();
        walker.file(root, &dir, &[]);
    }
    if !walker.errors.is_empty() {
        return Err(Error::msg(
            walker
                .errors
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n"),
        ));
    }
    resolve(walker.found, &walker.imports)
}

/// Entities read while `cargo metadata` still runs, from where the package most likely is: the
/// folder of the manifest (or of the nearest one above the current folder), its `src/lib.rs` and
/// `src/main.rs`, with `src/migrations` skipped. They are used only when cargo's answer names
/// exactly these inputs, so a wrong guess costs time, never a wrong schema.
pub struct HeadStart {
    roots: Vec<PathBuf>,
    skip: PathBuf,
    schema: Result<Schema>,
}

impl HeadStart {
    /// Reads the guessed package; `None` when there is nothing to guess from.
    pub fn read(manifest_path: Option<&Path>, cwd: &Path) -> Option<HeadStart> {
        let base = match manifest_path {
            Some(manifest) => cwd.join(manifest).parent()?.to_owned(),
            None => cwd
                .ancestors()
                .find(|dir| dir.join("Cargo.toml").is_file())?
                .to_owned(),
        };
        let roots: Vec<PathBuf> = ["src/lib.rs", "src/main.rs"]
            .iter()
            .map(|root| base.join(root))
            .filter(|root| root.is_file())
            .collect();
        if roots.is_empty() {
            return None;
        }
        let skip = base.join("src/migrations");
        let schema = collect(&roots, &skip);
        Some(HeadStart {
            roots,
            skip,
            schema,
        })
    }

    /// What [`collect`] would return for these inputs, if they are the guessed ones.
    pub fn result_for(self, roots: &[PathBuf], skip: &Path) -> Option<Result<Schema>> {
        (self.roots == roots && self.skip == skip).then_some(self.schema)
    }
}

struct Walker {
    skip: PathBuf,
    seen: BTreeSet<PathBuf>,
    found: Vec<Found>,
    errors: Vec<Error>,
    /// The `use` declarations of each module, by module path: what `references` names there.
    imports: Imports,
}

/// The `use` declarations of each module, by module path.
type Imports = BTreeMap<Vec<String>, Vec<Import>>;

/// One name a `use` brings into a module.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Import {
    /// `use a::b::User;` (`name` "User") or `use a::b::User as Author;` (`name` "Author"),
    /// with the path as written.
    Name { name: String, path: Vec<String> },
    /// `use a::b::*;`.
    Glob { path: Vec<String> },
}

/// Where the items being read sit: their file, the folder of their child modules' files, and
/// their module path.
struct Place<'a> {
    file: &'a Path,
    dir: PathBuf,
    module: Vec<String>,
    /// Inside an inline `mod name { .. }`, where `#[path]` is relative to `dir` rather than to
    /// the file's folder (the Reference's "path attributes inside inline module blocks").
    inline: bool,
}

impl Walker {
    /// Reads a module file; `dir` is where its child modules' files are.
    fn file(&mut self, path: &Path, dir: &Path, module: &[String]) {
        if path.starts_with(&self.skip) || !self.seen.insert(path.to_owned()) {
            return;
        }
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(error) => {
                self.errors.push(Error::file(path, error));
                return;
            }
        };
        match syn::parse_file(&text) {
            Ok(file) => {
                let place = Place {
                    file: path,
                    dir: dir.to_owned(),
                    module: module.to_owned(),
                    inline: false,
                };
                self.items(file.items, &place);
            }
            Err(error) => {
                // The lexer's own words say nothing of what is wrong; its position does.
                let what = match error.to_string().as_str() {
                    "cannot parse string into token stream" => {
                        "unbalanced here: a bracket, string or comment that is never closed, or a closing bracket that does not match".to_owned()
                    }
                    other => other.to_owned(),
                };
                self.errors.push(Error::Source {
                    path: path.to_owned(),
                    line: error.span().start().line,
                    column: error.span().start().column + 1,
                    message: format!("this file does not parse: {what}"),
                })
            }
        }
    }

    fn items(&mut self, items: Vec<Item>, place: &Place<'_>) {
        for item in items {
            match item {
                Item::Struct(mut item) if might_derive_entity(&item.attrs) => {
                    expand_cfg_attr(&mut item.attrs);
                    if !derives_entity(&item.attrs) || is_cfg_test(&item.attrs) {
                        continue;
                    }
                    for field in item.fields.iter_mut() {
                        expand_cfg_attr(&mut field.attrs);
                    }
                    match parse_entity(&syn::DeriveInput::from(item)) {
                        Ok(entity) => self.found.push(Found {
                            entity,
                            file: place.file.to_owned(),
                            module: place.module.clone(),
                        }),
                        Err(errors) => self
                            .errors
                            .extend(errors.into_iter().map(|e| Error::syn(place.file, &e))),
                    }
                }
                Item::Mod(module) if !is_cfg_test(&module.attrs) => self.module(module, place),
                Item::Use(item) if item.leading_colon.is_none() && !is_cfg_test(&item.attrs) => {
                    let imports = self.imports.entry(place.module.clone()).or_default();
                    flatten_use(&item.tree, &mut Vec::new(), imports);
                }
                _ => {}
            }
        }
    }

    /// A `mod name;` or `mod name { .. }`, read where rustc would read it.
    fn module(&mut self, module: syn::ItemMod, place: &Place<'_>) {
        let name = module.ident.to_string();
        let name = name.trim_start_matches("r#").to_owned();
        let mut path = place.module.clone();
        path.push(name.clone());
        // `#[path]` is relative to the file's folder, or inside an inline module to its folder.
        let attr_base = if place.inline {
            place.dir.clone()
        } else {
            place.file.parent().unwrap_or(&place.dir).to_owned()
        };
        let path_attr = path_attribute(&module.attrs).map(|p| attr_base.join(p));
        match module.content {
            Some((_, items)) => {
                let inner = Place {
                    file: place.file,
                    dir: path_attr.unwrap_or_else(|| place.dir.join(&name)),
                    module: path,
                    inline: true,
                };
                self.items(items, &inner);
            }
            None => {
                let candidates = match &path_attr {
                    Some(file) => vec![file.clone()],
                    None => vec![
                        place.dir.join(format!("{name}.rs")),
                        place.dir.join(&name).join("mod.rs"),
                    ],
                };
                // A missing module file is rustc's to report; nothing to read.
                if let Some(child) = candidates.iter().find(|c| c.is_file()) {
                    let child_dir = if child.file_name().is_some_and(|f| f == "mod.rs")
                        || path_attr.is_some()
                    {
                        child.parent().unwrap_or(&place.dir).to_owned()
                    } else {
                        place.dir.join(&name)
                    };
                    self.file(child, &child_dir, &path);
                }
            }
        }
    }
}

/// A cheap first look: a `derive` or `cfg_attr` that names `Entity` somewhere.
fn might_derive_entity(attrs: &[Attribute]) -> bool {
    attrs.iter().any(|a| match &a.meta {
        syn::Meta::List(list) if list.path.is_ident("derive") || list.path.is_ident("cfg_attr") => {
            list.tokens.to_string().contains("Entity")
        }
        _ => false,
    })
}

/// `#[cfg_attr(predicate, a, b)]` becomes `#[a] #[b]`, as if the predicate held: the collector
/// cannot know which features a build turns on, so an entity behind a feature is part of the
/// schema. Test-only predicates are left out, as `#[cfg(test)]` is.
fn expand_cfg_attr(attrs: &mut Vec<Attribute>) {
    if !attrs.iter().any(|a| a.path().is_ident("cfg_attr")) {
        return;
    }
    let mut out = Vec::with_capacity(attrs.len());
    for attr in attrs.drain(..) {
        if !attr.path().is_ident("cfg_attr") {
            out.push(attr);
            continue;
        }
        let Ok(parts) = attr.parse_args_with(Punctuated::<syn::Meta, Token![,]>::parse_terminated)
        else {
            out.push(attr);
            continue;
        };
        let mut parts = parts.into_iter();
        if parts.next().is_none_or(|predicate| needs_test(&predicate)) {
            continue;
        }
        let mut expanded: Vec<Attribute> = parts
            .map(|meta| Attribute {
                pound_token: attr.pound_token,
                style: attr.style,
                bracket_token: attr.bracket_token,
                meta,
            })
            .collect();
        expand_cfg_attr(&mut expanded);
        out.extend(expanded);
    }
    *attrs = out;
}

/// `#[derive(.., Entity, ..)]`, by bare name or any path ending in `Entity`.
fn derives_entity(attrs: &[Attribute]) -> bool {
    attrs
        .iter()
        .filter(|a| a.path().is_ident("derive"))
        .any(|attr| {
            attr.parse_args_with(Punctuated::<syn::Path, Token![,]>::parse_terminated)
                .map(|paths| {
                    paths
                        .iter()
                        .any(|p| p.segments.last().is_some_and(|s| s.ident == "Entity"))
                })
                .unwrap_or(false)
        })
}

/// `#[cfg(test)]`, or a `cfg` that holds only when testing (`all(test, ..)`): compiled out of
/// the crate that runs the migrations.
fn is_cfg_test(attrs: &[Attribute]) -> bool {
    attrs
        .iter()
        .filter(|a| a.path().is_ident("cfg"))
        .any(|attr| attr.parse_args::<syn::Meta>().is_ok_and(|m| needs_test(&m)))
}

fn needs_test(predicate: &syn::Meta) -> bool {
    match predicate {
        syn::Meta::Path(path) => path.is_ident("test"),
        syn::Meta::List(list) if list.path.is_ident("all") => list
            .parse_args_with(Punctuated::<syn::Meta, Token![,]>::parse_terminated)
            .is_ok_and(|all| all.iter().any(needs_test)),
        _ => false,
    }
}

fn path_attribute(attrs: &[Attribute]) -> Option<PathBuf> {
    attrs
        .iter()
        .find(|a| a.path().is_ident("path"))
        .and_then(|attr| match &attr.meta {
            syn::Meta::NameValue(nv) => match &nv.value {
                syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(s),
                    ..
                }) => Some(PathBuf::from(s.value())),
                _ => None,
            },
            _ => None,
        })
}

/// Resolves `references = "Entity"` and builds the schema. Two entities with one table name are
/// an error naming both.
fn resolve(found: Vec<Found>, imports: &Imports) -> Result<Schema> {
    let mut tables: BTreeMap<String, (Table, &Found)> = BTreeMap::new();
    let mut errors = Vec::new();
    for f in &found {
        let lookup = |path: &syn::Path| {
            find_entity(&found, imports, f, path).map(|e| {
                (
                    e.entity.table.name.clone(),
                    e.entity.table.primary_key.clone(),
                )
            })
        };
        match f.entity.resolve(lookup) {
            Ok(table) => {
                if let Some((_, first)) = tables.get(&table.name) {
                    let at = first.entity.ident.span().start();
                    errors.push(Error::Source {
                        path: f.file.clone(),
                        line: f.entity.ident.span().start().line,
                        column: f.entity.ident.span().start().column + 1,
                        message: format!(
                            "entities `{}` ({}:{}:{}) and `{}` both map to the table `{}`; give one of them #[entmig(table = \"...\")]",
                            first.entity.ident,
                            first.file.display(),
                            at.line,
                            at.column + 1,
                            f.entity.ident,
                            table.name
                        ),
                    });
                } else {
                    tables.insert(table.name.clone(), (table, f));
                }
            }
            Err(error) => errors.push(Error::syn(&f.file, &error)),
        }
    }
    if !errors.is_empty() {
        return Err(Error::msg(
            errors
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n"),
        ));
    }
    Ok(Schema::from_tables(tables.into_values().map(|(t, _)| t)))
}

/// The names a `use` tree brings in.
fn flatten_use(tree: &syn::UseTree, prefix: &mut Vec<String>, out: &mut Vec<Import>) {
    let ident = |i: &syn::Ident| i.to_string().trim_start_matches("r#").to_owned();
    match tree {
        syn::UseTree::Path(p) => {
            prefix.push(ident(&p.ident));
            flatten_use(&p.tree, prefix, out);
            prefix.pop();
        }
        syn::UseTree::Name(n) if n.ident == "self" => {
            if let Some(last) = prefix.last() {
                out.push(Import::Name {
                    name: last.clone(),
                    path: prefix.clone(),
                });
            }
        }
        syn::UseTree::Name(n) => {
            let mut path = prefix.clone();
            path.push(ident(&n.ident));
            out.push(Import::Name {
                name: ident(&n.ident),
                path,
            });
        }
        syn::UseTree::Rename(r) => {
            let mut path = prefix.clone();
            if r.ident != "self" {
                path.push(ident(&r.ident));
            }
            out.push(Import::Name {
                name: ident(&r.rename),
                path,
            });
        }
        syn::UseTree::Glob(_) => out.push(Import::Glob {
            path: prefix.clone(),
        }),
        syn::UseTree::Group(g) => {
            for tree in &g.items {
                flatten_use(tree, prefix, out);
            }
        }
    }
}

/// Where a path written in `module` may lead, as `(module, name)` from the crate root, most
/// likely first, the way rustc resolves it: `crate::`, `self::` and `super::` paths; a first
/// segment brought in by a `use` of the module; an item of the module itself; a name of a
/// glob import; and, last, the path read from the crate root.
fn destinations(
    imports: &Imports,
    module: &[String],
    segments: &[String],
    depth: usize,
) -> Vec<(Vec<String>, String)> {
    let Some((name, prefix)) = segments.split_last() else {
        return Vec::new();
    };
    if depth > 8 {
        return Vec::new();
    }
    let first = prefix.first().map(String::as_str).unwrap_or(name.as_str());
    let mut out = Vec::new();
    match first {
        "crate" if !prefix.is_empty() => out.push((prefix[1..].to_vec(), name.clone())),
        "self" | "super" => {
            // The rest of the path is read in the module these lead to, imports and all.
            let mut at = module.to_vec();
            let mut rest = segments;
            while let Some((segment, tail)) = rest.split_first() {
                match segment.as_str() {
                    "self" => {}
                    "super" => {
                        at.pop();
                    }
                    _ => break,
                }
                rest = tail;
            }
            out.extend(destinations(imports, &at, rest, depth + 1));
        }
        _ => {
            let here = imports.get(module).map(Vec::as_slice).unwrap_or_default();
            for import in here {
                match import {
                    Import::Name { name: bound, path } if bound == first => {
                        let mut expanded = path.clone();
                        expanded.extend(segments.iter().skip(1).cloned());
                        out.extend(destinations(imports, module, &expanded, depth + 1));
                    }
                    _ => {}
                }
            }
            let mut local = module.to_vec();
            local.extend(prefix.iter().cloned());
            out.push((local, name.clone()));
            if prefix.is_empty() {
                for import in here {
                    if let Import::Glob { path } = import {
                        let mut expanded = path.clone();
                        expanded.push(name.clone());
                        out.extend(destinations(imports, module, &expanded, depth + 1));
                    }
                }
            }
            out.push((prefix.to_vec(), name.clone()));
        }
    }
    out
}

/// The entity that `path`, written in `from`'s module, names: the one at a destination rustc
/// would take ([`destinations`]), else the one entity of that name; several of that name
/// with none at a destination is an ambiguity.
fn find_entity<'a>(
    found: &'a [Found],
    imports: &Imports,
    from: &Found,
    path: &syn::Path,
) -> std::result::Result<&'a Found, LookupError> {
    let segments: Vec<String> = path
        .segments
        .iter()
        .map(|s| s.ident.to_string().trim_start_matches("r#").to_owned())
        .collect();
    let Some(name) = segments.last() else {
        return Err(LookupError::Unknown);
    };
    if path.leading_colon.is_none() {
        for (module, item) in destinations(imports, &from.module, &segments, 0) {
            if let Some(entity) = found
                .iter()
                .find(|f| f.module == module && f.entity.ident == item)
            {
                return Ok(entity);
            }
        }
    }
    let named: Vec<&Found> = found.iter().filter(|f| f.entity.ident == name).collect();
    match named.as_slice() {
        [] => Err(LookupError::Unknown),
        [one] => Ok(one),
        several => Err(LookupError::Ambiguous(
            several
                .iter()
                .map(|f| {
                    std::iter::once("crate")
                        .chain(f.module.iter().map(String::as_str))
                        .chain(std::iter::once(name.as_str()))
                        .collect::<Vec<_>>()
                        .join("::")
                })
                .collect(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(root: &Path, files: &[(&str, &str)]) {
        for (path, text) in files {
            let path = root.join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
    }

    const USER: &str = "#[derive(Entity)] #[entmig(table = \"users\")] pub struct User { #[entmig(primary_key)] pub id: i64 }";

    #[test]
    fn walks_every_module_layout() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(
            root,
            &[
                (
                    "src/lib.rs",
                    "mod a; mod b; #[path = \"custom/place.rs\"] mod c; mod inline { mod deep; } #[cfg(test)] mod tests; mod migrations;",
                ),
                ("src/a.rs", &format!("{USER}\nmod child;")),
                (
                    "src/a/child.rs",
                    "#[derive(Debug, entmig_runtime::Entity)] pub struct Post { #[entmig(primary_key)] pub id: i64, #[entmig(references = \"User\")] pub author: i64 }",
                ),
                (
                    "src/b/mod.rs",
                    "#[derive(Entity)] #[entmig(no_primary_key)] pub struct Log { pub line: String }",
                ),
                (
                    "src/custom/place.rs",
                    "#[derive(Entity)] pub struct Tag { #[entmig(primary_key)] pub id: i64 }",
                ),
                (
                    "src/inline/deep.rs",
                    "#[derive(Entity)] pub struct Deep { #[entmig(primary_key)] pub id: i64 }",
                ),
                (
                    "src/tests.rs",
                    "#[derive(Entity)] pub struct OnlyInTests { #[entmig(primary_key)] pub id: i64 }",
                ),
                ("src/migrations/mod.rs", "this is not parsed"),
            ],
        );
        let schema = collect(&[root.join("src/lib.rs")], &root.join("src/migrations")).unwrap();
        assert_eq!(
            schema.tables.keys().collect::<Vec<_>>(),
            ["deep", "log", "post", "tag", "users"]
        );
        assert_eq!(
            schema.tables["post"].foreign_keys[0].referenced_table,
            "users"
        );
    }

    /// `#[path]` inside an inline module is relative to the inline module's folder, and
    /// entities compiled only for tests are not part of the schema.
    #[test]
    fn path_attributes_in_inline_modules_and_test_only_items() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let entity = |name: &str| {
            format!("#[derive(Entity)] pub struct {name} {{ #[entmig(primary_key)] pub id: i64 }}")
        };
        write(
            root,
            &[
                (
                    "src/lib.rs",
                    &format!(
                        "mod inline {{ #[path = \"other.rs\"] mod inner; }} mod a; \
                         #[cfg(all(test, feature = \"x\"))] mod only_tests; \
                         #[cfg(test)] {}\n{}",
                        entity("TestOnly"),
                        entity("Kept")
                    ),
                ),
                ("src/inline/other.rs", &entity("Right")),
                ("src/other.rs", &entity("Wrong")),
                ("src/a.rs", "mod b { #[path = \"c.rs\"] mod c; }"),
                ("src/a/b/c.rs", &entity("Nested")),
                ("src/only_tests.rs", &entity("Hidden")),
            ],
        );
        let schema = collect(&[root.join("src/lib.rs")], &root.join("src/migrations")).unwrap();
        assert_eq!(
            schema.tables.keys().collect::<Vec<_>>(),
            ["kept", "nested", "right"]
        );
    }

    /// An entity behind a feature (`cfg_attr`) is part of the schema, with the attributes the
    /// feature turns on; one behind a test-only predicate is not.
    #[test]
    fn cfg_attr_derives_and_attributes_are_read() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(
            root,
            &[(
                "src/lib.rs",
                "#[cfg_attr(feature = \"db\", derive(Debug, Entity), entmig(table = \"alphas\"))]\n\
                 pub struct Alpha { #[cfg_attr(feature = \"db\", entmig(primary_key))] pub id: i64,\n\
                 #[cfg_attr(all(), cfg_attr(feature = \"db\", entmig(unique)))] pub code: String }\n\
                 #[cfg_attr(test, derive(Entity))] pub struct OnlyInTests { #[entmig(primary_key)] pub id: i64 }\n\
                 #[derive(Debug)] #[cfg_attr(feature = \"x\", allow(dead_code))] pub struct Plain { pub id: i64 }",
            )],
        );
        let schema = collect(&[root.join("src/lib.rs")], &root.join("src/migrations")).unwrap();
        assert_eq!(schema.tables.keys().collect::<Vec<_>>(), ["alphas"]);
        let alphas = &schema.tables["alphas"];
        assert_eq!(alphas.primary_key, ["id"]);
        assert_eq!(alphas.indexes[0].name, "uq_alphas_code");
    }

    /// A `User` entity on the table `table`.
    fn user(table: &str) -> String {
        format!(
            "#[derive(Entity)] #[entmig(table = \"{table}\")] pub struct User {{ #[entmig(primary_key)] pub id: i64 }}"
        )
    }

    /// A `Post` entity on the table `table`, whose `author` references `target`.
    fn post(table: &str, target: &str) -> String {
        format!(
            "#[derive(Entity)] #[entmig(table = \"{table}\")] pub struct Post {{ #[entmig(primary_key)] pub id: i64, #[entmig(references = \"{target}\")] pub author: i64 }}"
        )
    }

    /// A name that several entities share resolves as rustc resolves it: in the referencing
    /// entity's module first, or along the path written; otherwise it is an error.
    #[test]
    fn references_to_a_shared_name_follow_the_module_path() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(
            root,
            &[
                ("src/lib.rs", "mod b; mod z;"),
                (
                    "src/b.rs",
                    &format!(
                        "{}\n{}\nmod inner {{ {} }}",
                        user("b_users"),
                        post("b_posts", "User"),
                        post("inner_posts", "super::super::z::User")
                    ),
                ),
                (
                    "src/z.rs",
                    &format!("{}\n{}", user("z_users"), post("z_posts", "crate::b::User")),
                ),
            ],
        );
        let schema = collect(&[root.join("src/lib.rs")], &root.join("src/migrations")).unwrap();
        let target = |table: &str| {
            schema.tables[table].foreign_keys[0]
                .referenced_table
                .clone()
        };
        assert_eq!(target("b_posts"), "b_users");
        assert_eq!(target("z_posts"), "b_users");
        assert_eq!(target("inner_posts"), "z_users");

        write(
            root,
            &[(
                "src/lib.rs",
                &format!("mod b; mod z;\n{}", post("root_posts", "User")),
            )],
        );
        let error = collect(&[root.join("src/lib.rs")], &root.join("src/migrations"))
            .unwrap_err()
            .relative_to(root)
            .to_string();
        assert!(
            error.starts_with("src/lib.rs:2:"),
            "the error is at the attribute: {error}"
        );
        assert!(
            error.contains(
                "`references = \"User\"` could name any of the entities crate::b::User, crate::z::User; write the path of the one you mean"
            ),
            "{error}"
        );
    }

    /// `use` declarations are followed as rustc follows them: a name, a rename, a glob, and a
    /// `super::` path that lands on an import.
    #[test]
    fn references_follow_use_declarations() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(
            root,
            &[(
                "src/lib.rs",
                &format!(
                    "{}\nmod a {{ {} }}\nmod b {{ {} }}\n\
                     mod c {{ use crate::b::User; {} }}\n\
                     mod d {{ use crate::a::{{self as model, User as Author}}; {}\n mod e {{ {} }} }}\n\
                     mod g {{ use super::b::*; {} }}\n\
                     mod h {{ use crate::a; {} }}",
                    user("root_users"),
                    user("a_users"),
                    user("b_users"),
                    post("c_posts", "User"),
                    post("d_posts", "Author"),
                    post("e_posts", "super::model::User"),
                    post("g_posts", "User"),
                    post("h_posts", "a::User"),
                ),
            )],
        );
        let schema = collect(&[root.join("src/lib.rs")], &root.join("src/migrations")).unwrap();
        let target = |table: &str| {
            schema.tables[table].foreign_keys[0]
                .referenced_table
                .clone()
        };
        assert_eq!(target("c_posts"), "b_users");
        assert_eq!(target("d_posts"), "a_users");
        assert_eq!(target("e_posts"), "a_users");
        assert_eq!(target("g_posts"), "b_users");
        assert_eq!(target("h_posts"), "a_users");
    }

    #[test]
    fn problems_are_reported_at_file_line_and_column() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(
            root,
            &[
                ("src/main.rs", "mod bad; mod broken;"),
                (
                    "src/bad.rs",
                    "\n#[derive(Entity)]\npub struct A {\n    #[entmig(primary_key, uniqe)]\n    pub id: i64,\n}\n",
                ),
                ("src/broken.rs", "fn ("),
            ],
        );
        let error = collect(&[root.join("src/main.rs")], &root.join("src/migrations"))
            .unwrap_err()
            .relative_to(root)
            .to_string();
        assert!(
            error.contains(
                "src/bad.rs:4:27: unknown entmig field attribute `uniqe`; did you mean `unique`?"
            ),
            "{error}"
        );
        assert!(!error.contains(&*root.to_string_lossy()), "{error}");
        assert!(error.contains("broken.rs:1:"), "{error}");
        assert!(error.contains("this file does not parse"), "{error}");
    }

    #[test]
    fn two_entities_with_one_table_are_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(
            root,
            &[
                ("src/lib.rs", &format!("{USER}\nmod other;")),
                (
                    "src/other.rs",
                    "#[derive(Entity)] #[entmig(table = \"users\")] pub struct Person { #[entmig(primary_key)] pub id: i64 }",
                ),
            ],
        );
        let error = collect(&[root.join("src/lib.rs")], &root.join("src/migrations"))
            .unwrap_err()
            .to_string();
        assert!(error.contains("entities `User`"), "{error}");
        assert!(
            error.contains("and `Person` both map to the table `users`"),
            "{error}"
        );
    }

    /// The guess is what cargo answers for a package laid out as `cargo new` lays it out, from
    /// its folder, a subfolder or `--manifest-path`; a package elsewhere is read again.
    #[test]
    fn the_head_start_is_used_only_when_cargo_agrees() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        write(
            &root,
            &[
                (
                    "Cargo.toml",
                    "[package]\nname = \"guess\"\nversion = \"0.0.0\"\nedition = \"2021\"\n[workspace]\n",
                ),
                ("src/lib.rs", &format!("pub mod model;\n{USER}")),
                ("src/model.rs", ""),
                ("src/main.rs", "fn main() {}"),
            ],
        );
        let manifest = root.join("Cargo.toml");
        let metadata = crate::package::metadata(Some(&manifest)).unwrap();
        let project = crate::package::select(&metadata, None, &root).unwrap();
        let same =
            |head_start: HeadStart| head_start.result_for(&project.roots, &project.migrations);

        let from_folder = HeadStart::read(None, &root.join("src")).unwrap();
        let schema = same(from_folder).expect("the guess matches cargo").unwrap();
        assert_eq!(
            schema,
            collect(&project.roots, &project.migrations).unwrap()
        );
        assert_eq!(schema.tables.len(), 1);
        let from_flag = HeadStart::read(Some(Path::new("Cargo.toml")), &root).unwrap();
        assert!(same(from_flag).is_some());

        std::fs::remove_file(root.join("src/main.rs")).unwrap();
        let without_main = HeadStart::read(None, &root).unwrap();
        assert!(
            same(without_main).is_none(),
            "a guess of other roots is not used"
        );
    }
}
