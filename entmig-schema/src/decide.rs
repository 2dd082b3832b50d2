//! What `make` cannot decide from the entities alone, as data: a dropped and an added table or
//! column that may be one renamed ([`PossibleRename`]), and the value that existing rows get in
//! a column that becomes NOT NULL ([`FillQuestion`]). [`decide`] takes the answers, from flags
//! or from a person, and gives the decided diff or every problem with them at once.
//!
//! The CLI asks through a prompt, then calls [`decide`]; without a person (`--no-input`) it
//! calls [`decide`] with the flags alone. Both paths meet the same checks here.
//!
//! ```
//! use entmig_schema::decide::{Answers, decide};
//! use entmig_schema::{Column, ColumnType, Schema, Table};
//!
//! let before = Schema::from_tables([Table::new("users").with_column(Column::new("id", ColumnType::BigInt))]);
//! let after = Schema::from_tables([Table::new("users")
//!     .with_column(Column::new("id", ColumnType::BigInt))
//!     .with_column(Column::new("country", ColumnType::Text))]);
//! // A new NOT NULL column without a default: rows already there need a value.
//! let problems = decide(&before, &after, &Answers::default()).unwrap_err();
//! assert!(problems[0].to_string().contains("--fill users.country=VALUE"));
//! let answers = Answers::from_flags(&[], &["users.country=NL".to_owned()]).unwrap();
//! assert!(decide(&before, &after, &answers).is_ok());
//! ```

use std::fmt;

use crate::diff::{Diff, PossibleRename, diff, diff_accepting};
use crate::model::{Column, ColumnType, Schema, Table};
use crate::op::{Fill, Op, apply_all};

/// The answers to `make`'s questions.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Answers {
    /// Drops and adds to take as renames (`--rename`, or a yes at the prompt).
    pub renames: Vec<PossibleRename>,
    /// Possible renames a person said no to: they stay drops and adds without a warning.
    pub declined: Vec<PossibleRename>,
    /// Values for rows, as typed (`--fill`, or an answer at the prompt).
    pub fills: Vec<GivenFill>,
    /// Values that `down` gives the rows of a column it restores NOT NULL (`--down-fill`, or
    /// an answer at the prompt; `text: None` is a person's choice to mark `down`
    /// irreversible instead).
    pub down_fills: Vec<GivenFill>,
}

/// A value given for the rows of `table.column`, read once the column's type is known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GivenFill {
    /// The table.
    pub table: String,
    /// The column.
    pub column: String,
    /// The value as typed: a literal, or `@column` to copy one. `None`: a person said that no
    /// row holds NULL there (only for a column made NOT NULL).
    pub text: Option<String>,
    /// Whether it came from a flag (its problems then name the flag).
    pub from_flag: bool,
}

impl Answers {
    /// The answers that `--rename` and `--fill` flags give.
    pub fn from_flags(renames: &[String], fills: &[String]) -> Result<Answers, Problem> {
        Ok(Answers {
            renames: renames
                .iter()
                .map(|flag| parse_rename(flag))
                .collect::<Result<_, _>>()?,
            declined: Vec::new(),
            fills: fills
                .iter()
                .map(|flag| parse_fill(flag))
                .collect::<Result<_, _>>()?,
            down_fills: Vec::new(),
        })
    }

    /// These answers with the values of `--down-fill` flags.
    pub fn with_down_fills(mut self, flags: &[String]) -> Result<Answers, Problem> {
        for flag in flags {
            let fill = parse_fill(flag).map_err(|_| Problem::BadDownFillFlag(flag.clone()))?;
            self.down_fills.push(fill);
        }
        Ok(self)
    }

    fn fill(&self, table: &str, column: &str) -> Option<&GivenFill> {
        self.fills
            .iter()
            .find(|f| f.table == table && f.column == column)
    }
}

/// Why rows of a column need a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FillReason {
    /// A new NOT NULL column without a default: every row already in the table.
    NewColumn,
    /// A column made NOT NULL: its rows that hold NULL.
    NullRows,
}

/// A column whose rows need a value from the user.
#[derive(Debug, Clone, PartialEq)]
pub struct FillQuestion {
    /// The table.
    pub table: String,
    /// The column.
    pub column: String,
    /// Its type, which the value must fit.
    pub ty: ColumnType,
    /// Why.
    pub reason: FillReason,
    /// The position of the op that needs it in the diff.
    position: usize,
    /// The table as that op finds it: a copied column must be there.
    before: Option<Table>,
}

impl FillQuestion {
    /// The value `text` read for this column: a literal of its type, or `@column` of the table.
    pub fn read(&self, text: &str) -> Result<Fill, String> {
        Fill::parse_for(text, &self.ty, self.before.as_ref()).map_err(|e| e.to_string())
    }

    /// The question as a prompt asks it.
    pub fn prompt(&self) -> String {
        let (table, column, ty) = (&self.table, &self.column, &self.ty);
        match self.reason {
            FillReason::NewColumn => format!(
                "{table}.{column} ({ty}) is NOT NULL and has no default. Value for the rows already in {table} (a literal, or @column to copy one): "
            ),
            FillReason::NullRows => format!(
                "{table}.{column} ({ty}) becomes NOT NULL. Value for its rows that hold NULL (a literal, or @column to copy one; empty: none do): "
            ),
        }
    }
}

/// A problem with the answers; [`decide`] gives all of them.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Problem {
    /// A `--rename` flag is not written as one.
    BadRenameFlag(String),
    /// A `--fill` flag is not written as one.
    BadFillFlag(String),
    /// A `--down-fill` flag is not written as one.
    BadDownFillFlag(String),
    /// A `--down-fill` value that does not fit its column, or that `down` does not need.
    BadDownFill {
        /// The table.
        table: String,
        /// The column.
        column: String,
        /// Why.
        why: String,
    },
    /// A rename that is no dropped and added pair of the diff.
    NoSuchRename {
        /// The rename.
        rename: PossibleRename,
        /// The renames the diff allows.
        possible: Vec<PossibleRename>,
    },
    /// New NOT NULL columns without a default and without a value for the rows there.
    MissingFills(Vec<(String, String)>),
    /// Columns made NOT NULL without a value for their rows that may hold NULL.
    MissingNullFills(Vec<(String, String)>),
    /// A NOT NULL foreign key added to rows that are there, to a table the same migration
    /// creates: it starts empty, so no value can fill it.
    UnfillableForeignKey {
        /// The table.
        table: String,
        /// The column.
        column: String,
        /// The table it references, which the migration creates.
        parent: String,
    },
    /// A value that does not fit its column.
    BadFill {
        /// The answer.
        fill: GivenFill,
        /// Why it does not fit.
        why: String,
    },
    /// A value for a column that needs none.
    UnneededFill {
        /// The answer.
        fill: GivenFill,
        /// Why it is not needed.
        why: String,
    },
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::BadRenameFlag(flag) => write!(
                f,
                "--rename {flag} is not `table.old=new` (a column) or `old=new` (a table)"
            ),
            Problem::BadFillFlag(flag) => write!(
                f,
                "--fill {flag} is not `table.column=VALUE` (VALUE: a literal, or @column to copy one)"
            ),
            Problem::BadDownFillFlag(flag) => write!(
                f,
                "--down-fill {flag} is not `table.column=VALUE` (VALUE: a literal, or @column to copy one)"
            ),
            Problem::BadDownFill { table, column, why } => {
                write!(f, "--down-fill {table}.{column}: {why}")
            }
            Problem::NoSuchRename { rename, possible } => {
                write!(
                    f,
                    "--rename {} matches no dropped and added {} of one type; ",
                    rename_flag(rename),
                    match rename {
                        PossibleRename::Table { .. } => "table",
                        PossibleRename::Column { .. } => "column",
                    }
                )?;
                if possible.is_empty() {
                    f.write_str("this change has no possible renames")
                } else {
                    let possible: Vec<String> = possible.iter().map(rename_flag).collect();
                    write!(f, "the possible renames are: {}", possible.join(", "))
                }
            }
            Problem::MissingFills(columns) => {
                let names: Vec<String> = columns.iter().map(|(t, c)| format!("{t}.{c}")).collect();
                let one = names.len() == 1;
                write!(
                    f,
                    "the new column{} {} {} NOT NULL without a default, so rows already there need a value: \
                     pass --fill {}=VALUE (one flag a column), or give the field a default or make it an Option",
                    if one { "" } else { "s" },
                    names.join(", "),
                    if one { "is" } else { "are" },
                    names.first().map_or("", String::as_str),
                )
            }
            Problem::MissingNullFills(columns) => {
                let names: Vec<String> = columns.iter().map(|(t, c)| format!("{t}.{c}")).collect();
                let one = names.len() == 1;
                write!(
                    f,
                    "{} {} NOT NULL, and rows that hold NULL there make the migration fail: \
                     pass --fill {}=VALUE (one flag a column; it changes only the rows that hold NULL), or keep the field an Option",
                    names.join(", "),
                    if one { "becomes" } else { "become" },
                    names.first().map_or("", String::as_str),
                )
            }
            Problem::UnfillableForeignKey {
                table,
                column,
                parent,
            } => write!(
                f,
                "{table}.{column} is a NOT NULL foreign key to {parent}, which this migration creates empty, so no value can fill the rows already in {table}: \
                 add {table}.{column} as an Option, fill it in a data step once {parent} has rows, and make it NOT NULL in a later migration"
            ),
            Problem::BadFill { fill, why } => match (&fill.text, fill.from_flag) {
                (Some(text), true) => {
                    write!(f, "--fill {}.{}={text}: {why}", fill.table, fill.column)
                }
                _ => write!(f, "{}.{}: {why}", fill.table, fill.column),
            },
            Problem::UnneededFill { fill, why } => write!(
                f,
                "--fill {}.{}: {why}; remove the flag",
                fill.table, fill.column
            ),
        }
    }
}

/// What [`decide`] leaves to say: the decided diff, and warnings about what it took as given.
#[derive(Debug, Clone, PartialEq)]
pub struct Decided {
    /// The diff, with renames taken and fill values set.
    pub diff: Diff,
    /// The `down` that undoes it.
    pub down: Down,
    /// Warnings, one line each.
    pub warnings: Vec<String>,
}

/// The possible renames of the diff that the answers leave open: a prompt asks about these.
pub fn open_renames(snapshot: &Schema, current: &Schema, answers: &Answers) -> Vec<PossibleRename> {
    unanswered(diff(snapshot, current).possible_renames, answers)
}

fn unanswered(possible: Vec<PossibleRename>, answers: &Answers) -> Vec<PossibleRename> {
    possible
        .into_iter()
        .filter(|r| !answers.renames.contains(r) && !answers.declined.contains(r))
        .collect()
}

/// The columns whose rows need a value and that the answers give none for: a prompt asks about
/// these, after the renames are answered (a rename changes which columns are new).
pub fn open_fills(snapshot: &Schema, current: &Schema, answers: &Answers) -> Vec<FillQuestion> {
    let Ok((d, _)) = with_renames(snapshot, current, answers) else {
        return Vec::new();
    };
    fill_questions(snapshot, current, &d)
        .into_iter()
        .filter(|q| answers.fill(&q.table, &q.column).is_none())
        .collect()
}

/// The diff of `snapshot` to `current` with the answers' renames taken and fill values set,
/// or every problem with the answers.
pub fn decide(
    snapshot: &Schema,
    current: &Schema,
    answers: &Answers,
) -> Result<Decided, Vec<Problem>> {
    let mut problems = Vec::new();
    let mut warnings = Vec::new();
    let (mut d, open) = with_renames(snapshot, current, answers).map_err(|p| vec![p])?;
    for rename in open {
        let (what, old, new) = match &rename {
            PossibleRename::Table { from, to } => ("table", from.clone(), to.clone()),
            PossibleRename::Column { table, from, to } => {
                ("column", format!("{table}.{from}"), format!("{table}.{to}"))
            }
        };
        warnings.push(format!(
            "the {what} {old} is dropped and {new} added; if it was renamed, add #[entmig(renamed_from = \"{}\")] or pass --rename {}",
            old.rsplit('.').next().unwrap_or(&old),
            rename_flag(&rename)
        ));
    }
    let questions = fill_questions(snapshot, current, &d);
    let created = created_tables(&d);
    let mut missing = Vec::new();
    let mut missing_nulls = Vec::new();
    for q in &questions {
        if let Some(parent) = new_parent(current, &created, &q.table, &q.column) {
            problems.push(Problem::UnfillableForeignKey {
                table: q.table.clone(),
                column: q.column.clone(),
                parent,
            });
            continue;
        }
        let Some(given) = answers.fill(&q.table, &q.column) else {
            match q.reason {
                FillReason::NewColumn => missing.push((q.table.clone(), q.column.clone())),
                FillReason::NullRows => missing_nulls.push((q.table.clone(), q.column.clone())),
            }
            continue;
        };
        let Some(text) = &given.text else {
            if q.reason == FillReason::NewColumn {
                missing.push((q.table.clone(), q.column.clone()));
            }
            continue;
        };
        match q.read(text) {
            Ok(fill) => set_fill(&mut d, q, fill),
            Err(why) => problems.push(Problem::BadFill {
                fill: given.clone(),
                why,
            }),
        }
    }
    if !missing_nulls.is_empty() {
        problems.insert(0, Problem::MissingNullFills(missing_nulls));
    }
    if !missing.is_empty() {
        problems.insert(0, Problem::MissingFills(missing));
    }
    warnings.extend(repointed_keys(snapshot, &d, &created));
    for given in &answers.fills {
        if questions
            .iter()
            .any(|q| q.table == given.table && q.column == given.column)
        {
            continue;
        }
        let why = match added_column(&d, &given.table, &given.column) {
            None => format!(
                "this change neither adds the column {0}.{1} nor makes it NOT NULL",
                given.table, given.column
            ),
            Some((_, added)) => format!(
                "the new column {}.{} {}, so the rows already in {} need no fill",
                given.table,
                given.column,
                if added.auto_increment {
                    "is filled by the database".to_owned()
                } else if let Some(default) = &added.default {
                    format!("takes its default ({default})")
                } else {
                    "is nullable and takes NULL".to_owned()
                },
                given.table
            ),
        };
        problems.push(Problem::UnneededFill {
            fill: given.clone(),
            why,
        });
    }
    let down = match down(snapshot, &d.ops, &answers.down_fills) {
        Ok(down) => {
            warnings.extend(down.warnings.iter().cloned());
            Some(down)
        }
        Err(more) => {
            problems.extend(more);
            None
        }
    };
    match down {
        Some(down) if problems.is_empty() => Ok(Decided {
            diff: d,
            down,
            warnings,
        }),
        _ => Err(problems),
    }
}

/// The `down` of a migration: the inverse of its `up`, with what the rows need to be restored.
///
/// `down` gives back the schema `up` started from, but not always the rows: a dropped column
/// comes back without its values, and a column that `up` let hold NULL may hold NULLs by the
/// time `down` makes it NOT NULL again. Such rows get a value: the one `--down-fill` gives, else
/// the type's zero value (`0`, `''`, `false`, the epoch). Where no made-up value can fit — the
/// column is a foreign key, part of a unique index or of the primary key, or its type has no
/// zero — and none is given, `down` is marked irreversible: `revert` then refuses before it
/// touches anything, with the reason, instead of failing half way on the first row.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Down {
    /// Its ops, in order.
    pub ops: Vec<Op>,
    /// Why it cannot run, when it is marked irreversible.
    pub irreversible: Option<String>,
    /// What `make` warns about it.
    pub warnings: Vec<String>,
}

/// A column that `down` restores NOT NULL and for whose rows no made-up value fits: a prompt
/// asks for one (an empty answer marks `down` irreversible).
#[derive(Debug, Clone, PartialEq)]
pub struct DownQuestion {
    /// The table.
    pub table: String,
    /// The column.
    pub column: String,
    /// Its type, which the value must fit.
    pub ty: ColumnType,
    /// Why `up` leaves its rows without a value (`dropped`, `made nullable`).
    pub what: &'static str,
    /// Why no made-up value fits.
    pub why: String,
    /// The table as `down` restores it.
    before: Option<Table>,
}

impl DownQuestion {
    /// The value `text` read for this column.
    pub fn read(&self, text: &str) -> Result<Fill, String> {
        Fill::parse_for(text, &self.ty, self.before.as_ref()).map_err(|e| e.to_string())
    }

    /// The question as a prompt asks it.
    pub fn prompt(&self) -> String {
        format!(
            "{}.{} ({}) is {} here; reverting restores it NOT NULL, and {}. Value its rows get when reverted (empty: mark the revert irreversible): ",
            self.table, self.column, self.ty, self.what, self.why
        )
    }
}

/// One column of `up` whose rows `down` must give a value.
struct DownNeed {
    question: DownQuestion,
    /// The position of the op in `down`.
    at: usize,
    /// Whether the type's zero value may stand in.
    zero: Option<Fill>,
}

fn down_needs(snapshot: &Schema, up: &[Op]) -> Vec<DownNeed> {
    let mut out = Vec::new();
    for (i, op) in up.iter().enumerate() {
        let (table, column, what) = match op {
            Op::DropColumn { table, column }
                if !column.nullable && column.default.is_none() && !column.auto_increment =>
            {
                (table, column.name.as_str(), "dropped")
            }
            Op::AlterColumn {
                table,
                column,
                changes,
            } if changes.nullable.as_ref().is_some_and(|c| !c.from && c.to) => {
                (table, column.as_str(), "made nullable")
            }
            _ => continue,
        };
        let before = apply_all(snapshot, &up[..i])
            .ok()
            .and_then(|s| s.tables.get(table).cloned());
        let Some(restored) = before.as_ref().and_then(|t| t.column(column)).cloned() else {
            continue;
        };
        // The keys and indexes `down` restores with the column: `up` may have dropped them
        // first, so the table as the migration found it counts too.
        let blocker = before
            .as_ref()
            .and_then(|t| no_zero_because(t, &restored))
            .or_else(|| {
                snapshot
                    .tables
                    .get(table)
                    .and_then(|t| no_zero_because(t, &restored))
            });
        out.push(DownNeed {
            zero: match &blocker {
                None => crate::op::zero_value(&restored.ty).map(Fill::Value),
                Some(_) => None,
            },
            question: DownQuestion {
                table: table.clone(),
                column: column.to_owned(),
                ty: restored.ty.clone(),
                what,
                why: blocker.unwrap_or_else(|| format!("{} has no zero value", restored.ty)),
                before,
            },
            at: up.len() - 1 - i,
        });
    }
    out
}

/// Why no made-up value fits `column` of `table`, if none does.
fn no_zero_because(table: &Table, column: &Column) -> Option<String> {
    let name = &column.name;
    if let Some(fk) = table
        .foreign_keys
        .iter()
        .find(|fk| fk.columns.contains(name))
    {
        return Some(format!(
            "as a foreign key to {} no made-up value fits",
            fk.referenced_table
        ));
    }
    if table.primary_key.contains(name) {
        return Some("as part of the primary key no made-up value fits".to_owned());
    }
    if table
        .indexes
        .iter()
        .any(|i| i.unique && i.columns.contains(name))
    {
        return Some("as part of a unique index one made-up value cannot fit every row".to_owned());
    }
    crate::op::zero_value(&column.ty)
        .is_none()
        .then(|| format!("its type ({}) has no zero value", column.ty))
}

/// The columns `down` restores NOT NULL that need a value from a person (no made-up value
/// fits), for the diff the answers decide, that the answers leave open.
pub fn open_down_fills(
    snapshot: &Schema,
    current: &Schema,
    answers: &Answers,
) -> Vec<DownQuestion> {
    let Ok((d, _)) = with_renames(snapshot, current, answers) else {
        return Vec::new();
    };
    down_needs(snapshot, &d.ops)
        .into_iter()
        .filter(|need| need.zero.is_none())
        .map(|need| need.question)
        .filter(|q| {
            !answers
                .down_fills
                .iter()
                .any(|f| f.table == q.table && f.column == q.column)
        })
        .collect()
}

/// The `down` of `up` (ops from `snapshot`), with the rows' values decided (see [`Down`]).
pub fn down(snapshot: &Schema, up: &[Op], fills: &[GivenFill]) -> Result<Down, Vec<Problem>> {
    let mut ops = crate::op::invert(up);
    let mut problems = Vec::new();
    let mut irreversible = Vec::new();
    let mut warnings = Vec::new();
    let needs = down_needs(snapshot, up);
    for need in &needs {
        let q = &need.question;
        let given = fills
            .iter()
            .find(|f| f.table == q.table && f.column == q.column);
        let fill = match given.map(|g| &g.text) {
            Some(Some(text)) => match q.read(text) {
                Ok(fill) => Some(fill),
                Err(why) => {
                    problems.push(Problem::BadDownFill {
                        table: q.table.clone(),
                        column: q.column.clone(),
                        why,
                    });
                    continue;
                }
            },
            Some(None) => None,
            None => need.zero.clone(),
        };
        match (fill, ops.get_mut(need.at)) {
            (Some(fill), Some(Op::AddColumn { fill: slot, .. })) => *slot = Some(fill),
            (Some(fill), Some(Op::AlterColumn { changes, .. })) => {
                changes.fill_nulls = Some(fill)
            }
            (Some(_), _) => {}
            (None, _) => irreversible.push(format!(
                "{}.{} is {} by this migration and, {}, cannot get its rows' values back when it is restored NOT NULL (`make --down-fill {}.{}=VALUE` gives them one)",
                q.table, q.column, q.what, q.why, q.table, q.column
            )),
        }
    }
    for given in fills {
        if !needs
            .iter()
            .any(|n| n.question.table == given.table && n.question.column == given.column)
        {
            problems.push(Problem::BadDownFill {
                table: given.table.clone(),
                column: given.column.clone(),
                why: format!(
                    "this change neither drops a NOT NULL {0}.{1} nor lets it hold NULL, so its down needs no value; remove the flag",
                    given.table, given.column
                ),
            });
        }
    }
    for op in up {
        if let Op::AlterColumn {
            table,
            column,
            changes,
        } = op
            && let Some(ty) = &changes.ty
            && !crate::op::is_widening(&ty.to, &ty.from)
        {
            warnings.push(format!(
                "reverting this migration changes {table}.{column} back from {} to {}, which fails (on both backends, changing nothing) while rows hold values that do not fit {}",
                ty.to, ty.from, ty.from
            ));
        }
    }
    let irreversible = (!irreversible.is_empty()).then(|| irreversible.join("; "));
    if let Some(reason) = &irreversible {
        warnings.push(format!(
            "its down is marked irreversible, so `revert` will refuse it: {reason}"
        ));
    }
    if problems.is_empty() {
        Ok(Down {
            ops,
            irreversible,
            warnings,
        })
    } else {
        Err(problems)
    }
}

/// The tables that the diff creates (new, or renamed by a drop and a create).
fn created_tables(d: &Diff) -> Vec<String> {
    d.ops
        .iter()
        .filter_map(|op| match op {
            Op::CreateTable { table } => Some(table.name.clone()),
            _ => None,
        })
        .collect()
}

/// The table that `table.column` references as a foreign key, when the diff creates it.
fn new_parent(current: &Schema, created: &[String], table: &str, column: &str) -> Option<String> {
    current
        .tables
        .get(table)?
        .foreign_keys
        .iter()
        .find(|fk| fk.columns.iter().any(|c| c == column))
        .map(|fk| fk.referenced_table.clone())
        .filter(|parent| created.contains(parent) && parent != table)
}

/// Warnings for foreign keys of tables that were there, pointed by the diff at a table it
/// creates: rows that hold a value there have nothing to reference yet.
fn repointed_keys(snapshot: &Schema, d: &Diff, created: &[String]) -> Vec<String> {
    d.ops
        .iter()
        .filter_map(|op| match op {
            Op::AddForeignKey { table, foreign_key }
                if created.contains(&foreign_key.referenced_table)
                    && !created.contains(table)
                    && snapshot.tables.contains_key(table) =>
            {
                Some(format!(
                    "the foreign key {} of {table} references {}, which this migration creates empty: rows of {table} that hold a value in {} make the migration fail",
                    foreign_key.name,
                    foreign_key.referenced_table,
                    foreign_key.columns.join(", ")
                ))
            }
            _ => None,
        })
        .collect()
}

/// The diff with the answers' renames taken, and the possible renames left unanswered; a
/// rename the diff does not allow is a problem. One diff when no rename is taken.
fn with_renames(
    snapshot: &Schema,
    current: &Schema,
    answers: &Answers,
) -> Result<(Diff, Vec<PossibleRename>), Problem> {
    let first = diff(snapshot, current);
    let open = unanswered(first.possible_renames.clone(), answers);
    let mut accepted = Vec::new();
    for rename in &answers.renames {
        // Already a rename (`renamed_from` says so): the answer agrees, nothing to decide.
        let already = first.ops.iter().any(|op| match (op, rename) {
            (Op::RenameTable { from, to }, PossibleRename::Table { from: f, to: t }) => {
                from == f && to == t
            }
            (
                Op::RenameColumn { table, from, to },
                PossibleRename::Column {
                    table: tb,
                    from: f,
                    to: t,
                },
            ) => table == tb && from == f && to == t,
            _ => false,
        });
        if already {
            continue;
        }
        if !first.possible_renames.contains(rename) {
            return Err(Problem::NoSuchRename {
                rename: rename.clone(),
                possible: first.possible_renames.clone(),
            });
        }
        accepted.push(rename.clone());
    }
    let d = if accepted.is_empty() {
        first
    } else {
        diff_accepting(snapshot, current, &accepted)
    };
    Ok((d, open))
}

/// Every column of `d` whose rows need a value: new NOT NULL columns without a default, and
/// columns made NOT NULL.
fn fill_questions(snapshot: &Schema, current: &Schema, d: &Diff) -> Vec<FillQuestion> {
    let before = |position: usize, table: &str| {
        apply_all(snapshot, &d.ops[..position])
            .ok()
            .and_then(|s| s.tables.get(table).cloned())
    };
    let mut out = Vec::new();
    for (table, column) in d.needs_fill() {
        if let Some((position, added)) = added_column(d, &table, &column) {
            out.push(FillQuestion {
                ty: added.ty.clone(),
                reason: FillReason::NewColumn,
                position,
                before: before(position, &table),
                table,
                column,
            });
        }
    }
    for (position, op) in d.ops.iter().enumerate() {
        let Op::AlterColumn {
            table,
            column,
            changes,
        } = op
        else {
            continue;
        };
        if !changes.refuses_null() || changes.fill_nulls.is_some() {
            continue;
        }
        let Some(after) = current.tables.get(table).and_then(|t| t.column(column)) else {
            continue;
        };
        out.push(FillQuestion {
            table: table.clone(),
            column: column.clone(),
            ty: after.ty.clone(),
            reason: FillReason::NullRows,
            position,
            before: before(position, table),
        });
    }
    out
}

fn set_fill(d: &mut Diff, q: &FillQuestion, fill: Fill) {
    match q.reason {
        FillReason::NewColumn => {
            d.set_fill(&q.table, &q.column, fill);
        }
        FillReason::NullRows => {
            if let Some(Op::AlterColumn { changes, .. }) = d.ops.get_mut(q.position) {
                changes.fill_nulls = Some(fill);
            }
        }
    }
}

/// The `AddColumn` of `table.column` in the diff: its position and column.
fn added_column<'d>(d: &'d Diff, table: &str, column: &str) -> Option<(usize, &'d Column)> {
    d.ops
        .iter()
        .enumerate()
        .find_map(|(position, op)| match op {
            Op::AddColumn {
                table: t,
                column: c,
                ..
            } if t == table && c.name == column => Some((position, c)),
            _ => None,
        })
}

/// A rename as its flag writes it: `table.old=new` or `old=new`.
pub fn rename_flag(rename: &PossibleRename) -> String {
    match rename {
        PossibleRename::Table { from, to } => format!("{from}={to}"),
        PossibleRename::Column { table, from, to } => format!("{table}.{from}={to}"),
    }
}

/// `table.old=new` (a column) or `old=new` (a table).
pub fn parse_rename(flag: &str) -> Result<PossibleRename, Problem> {
    let bad = || Problem::BadRenameFlag(flag.to_owned());
    let (left, to) = flag.split_once('=').ok_or_else(bad)?;
    let to = to.trim();
    if to.is_empty() {
        return Err(bad());
    }
    Ok(match left.split_once('.') {
        Some((table, from)) if !table.is_empty() && !from.is_empty() => PossibleRename::Column {
            table: table.into(),
            from: from.into(),
            to: to.into(),
        },
        None if !left.is_empty() => PossibleRename::Table {
            from: left.into(),
            to: to.into(),
        },
        _ => return Err(bad()),
    })
}

/// `table.column=VALUE`, the value as typed: it is read once the column's type is known.
pub fn parse_fill(flag: &str) -> Result<GivenFill, Problem> {
    let bad = || Problem::BadFillFlag(flag.to_owned());
    let (left, value) = flag.split_once('=').ok_or_else(bad)?;
    let (table, column) = left.split_once('.').ok_or_else(bad)?;
    if table.is_empty() || column.is_empty() {
        return Err(bad());
    }
    Ok(GivenFill {
        table: table.into(),
        column: column.into(),
        text: Some(value.into()),
        from_flag: true,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::DefaultValue;

    fn users(columns: &[(&str, ColumnType, bool)]) -> Schema {
        let mut table = Table::new("users").with_column(Column::new("id", ColumnType::BigInt));
        for (name, ty, nullable) in columns {
            let mut column = Column::new(*name, ty.clone());
            column.nullable = *nullable;
            table = table.with_column(column);
        }
        Schema::from_tables([table.with_primary_key(["id"])])
    }

    #[test]
    fn flags() {
        assert_eq!(
            parse_fill("users.country=NL").unwrap(),
            GivenFill {
                table: "users".into(),
                column: "country".into(),
                text: Some("NL".into()),
                from_flag: true
            }
        );
        assert!(parse_fill("country=NL").is_err());
        assert!(parse_fill("users.=NL").is_err());
        assert_eq!(
            parse_rename("users.handle=username").unwrap(),
            PossibleRename::Column {
                table: "users".into(),
                from: "handle".into(),
                to: "username".into()
            }
        );
        assert_eq!(
            parse_rename("people=users").unwrap(),
            PossibleRename::Table {
                from: "people".into(),
                to: "users".into()
            }
        );
        assert!(parse_rename("users.handle").is_err());
        assert!(parse_rename(".a=b").is_err());
    }

    #[test]
    fn every_missing_fill_is_reported_at_once() {
        let before = users(&[]);
        let after = users(&[
            ("zip", ColumnType::Text, false),
            ("score", ColumnType::Integer, false),
        ]);
        let problems = decide(&before, &after, &Answers::default()).unwrap_err();
        assert_eq!(
            problems,
            [Problem::MissingFills(vec![
                ("users".into(), "zip".into()),
                ("users".into(), "score".into())
            ])]
        );
        assert!(
            problems[0]
                .to_string()
                .starts_with("the new columns users.zip, users.score are NOT NULL")
        );
        let asked = open_fills(&before, &after, &Answers::default());
        assert_eq!(asked.len(), 2);
        assert!(
            asked[0]
                .prompt()
                .starts_with("users.zip (text) is NOT NULL")
        );
    }

    #[test]
    fn fills_are_read_by_type_and_bad_ones_all_reported() {
        let before = users(&[("email", ColumnType::Text, false)]);
        let after = users(&[
            ("email", ColumnType::Text, false),
            ("zip", ColumnType::Text, false),
            ("score", ColumnType::Integer, false),
        ]);
        let answers = Answers::from_flags(
            &[],
            &[
                "users.zip=01234".into(),
                "users.score=abc".into(),
                "users.email=x".into(),
            ],
        )
        .unwrap();
        let problems: Vec<String> = decide(&before, &after, &answers)
            .unwrap_err()
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(
            problems[0].starts_with("--fill users.score=abc: `abc` is not an integer value"),
            "{problems:?}"
        );
        assert!(
            problems[1].contains("neither adds the column users.email"),
            "{problems:?}"
        );
        let answers = Answers::from_flags(
            &[],
            &["users.zip=01234".into(), "users.score=@email".into()],
        )
        .unwrap();
        let problem = decide(&before, &after, &answers).unwrap_err()[0].to_string();
        assert!(problem.contains("`@email` is a text column"), "{problem}");
        let answers =
            Answers::from_flags(&[], &["users.zip=01234".into(), "users.score=7".into()]).unwrap();
        let decided = decide(&before, &after, &answers).unwrap();
        assert!(decided.warnings.is_empty());
        let fills: Vec<_> = decided
            .diff
            .ops
            .iter()
            .filter_map(|op| match op {
                Op::AddColumn { fill, .. } => fill.clone(),
                _ => None,
            })
            .collect();
        assert_eq!(fills.len(), 2);
    }

    #[test]
    fn a_fill_for_a_column_that_takes_its_default_is_refused() {
        let before = users(&[]);
        let mut after = users(&[("active", ColumnType::Boolean, false)]);
        if let Some(table) = after.tables.get_mut("users") {
            table.columns[1].default = Some(DefaultValue::Bool(true));
        }
        let answers = Answers::from_flags(&[], &["users.active=false".into()]).unwrap();
        let problem = decide(&before, &after, &answers).unwrap_err()[0].to_string();
        assert!(problem.contains("takes its default"), "{problem}");
    }

    #[test]
    fn a_column_made_not_null_asks_for_its_null_rows() {
        let before = users(&[("nick", ColumnType::Text, true)]);
        let after = users(&[("nick", ColumnType::Text, false)]);
        let open = open_fills(&before, &after, &Answers::default());
        assert_eq!(open.len(), 1);
        assert_eq!(open[0].reason, FillReason::NullRows);
        // Without a person, a value is needed, as for a new column.
        let problem = decide(&before, &after, &Answers::default()).unwrap_err()[0].to_string();
        assert_eq!(
            problem,
            "users.nick becomes NOT NULL, and rows that hold NULL there make the migration fail: pass --fill users.nick=VALUE (one flag a column; it changes only the rows that hold NULL), or keep the field an Option"
        );
        // A person said no row holds NULL: no warning.
        let answers = Answers {
            fills: vec![GivenFill {
                table: "users".into(),
                column: "nick".into(),
                text: None,
                from_flag: false,
            }],
            ..Answers::default()
        };
        assert!(
            decide(&before, &after, &answers)
                .unwrap()
                .warnings
                .is_empty()
        );
        let answers = Answers::from_flags(&[], &["users.nick=anon".into()]).unwrap();
        let decided = decide(&before, &after, &answers).unwrap();
        assert!(matches!(
            &decided.diff.ops[0],
            Op::AlterColumn { changes, .. } if changes.fill_nulls.is_some()
        ));
    }

    #[test]
    fn a_not_null_foreign_key_to_a_new_table_cannot_be_filled() {
        use crate::model::ForeignKey;
        let posts = |with_author: bool| {
            let mut table = Table::new("posts")
                .with_column(Column::new("id", ColumnType::BigInt))
                .with_primary_key(["id"]);
            if with_author {
                table = table
                    .with_column(Column::new("author_id", ColumnType::BigInt))
                    .with_foreign_key(ForeignKey::new(
                        "fk_posts_author_id",
                        ["author_id"],
                        "authors",
                        ["id"],
                    ));
            }
            table
        };
        let authors = Table::new("authors")
            .with_column(Column::new("id", ColumnType::BigInt))
            .with_primary_key(["id"]);
        let before = Schema::from_tables([posts(false)]);
        let after = Schema::from_tables([posts(true), authors]);
        let answers = Answers::from_flags(&[], &["posts.author_id=1".into()]).unwrap();
        for answers in [Answers::default(), answers] {
            let problems = decide(&before, &after, &answers).unwrap_err();
            assert_eq!(problems.len(), 1, "{problems:?}");
            assert!(
                problems[0].to_string().starts_with(
                    "posts.author_id is a NOT NULL foreign key to authors, which this migration creates empty"
                ),
                "{}",
                problems[0]
            );
        }
    }

    fn with_org(org_nullable: bool, org: bool) -> Schema {
        use crate::model::ForeignKey;
        let mut users = Table::new("users")
            .with_column(Column::new("id", ColumnType::BigInt))
            .with_column(Column::new("score", ColumnType::Integer))
            .with_primary_key(["id"]);
        if org {
            let mut column = Column::new("org_id", ColumnType::BigInt);
            column.nullable = org_nullable;
            users = users.with_column(column).with_foreign_key(ForeignKey::new(
                "fk_users_org_id",
                ["org_id"],
                "orgs",
                ["id"],
            ));
        }
        let orgs = Table::new("orgs")
            .with_column(Column::new("id", ColumnType::BigInt))
            .with_primary_key(["id"]);
        Schema::from_tables([users, orgs])
    }

    #[test]
    fn a_dropped_not_null_foreign_key_marks_down_irreversible_unless_given_a_value() {
        let (before, after) = (with_org(false, true), with_org(false, false));
        assert_eq!(
            open_down_fills(&before, &after, &Answers::default()).len(),
            1
        );
        let decided = decide(&before, &after, &Answers::default()).unwrap();
        let reason = decided.down.irreversible.clone().unwrap();
        assert!(
            reason.starts_with("users.org_id is dropped by this migration and, as a foreign key to orgs no made-up value fits"),
            "{reason}"
        );
        assert!(
            reason.contains("--down-fill users.org_id=VALUE"),
            "{reason}"
        );
        assert!(
            decided
                .warnings
                .iter()
                .any(|w| w.contains("marked irreversible"))
        );

        let answers = Answers::default()
            .with_down_fills(&["users.org_id=1".into()])
            .unwrap();
        let decided = decide(&before, &after, &answers).unwrap();
        assert_eq!(decided.down.irreversible, None);
        assert!(
            matches!(
                &decided.down.ops[..],
                [
                    Op::AddColumn {
                        fill: Some(Fill::Value(crate::model::DefaultValue::Integer(1))),
                        ..
                    },
                    ..
                ]
            ),
            "{:?}",
            decided.down.ops
        );

        let bad = Answers::default()
            .with_down_fills(&["users.org_id=one".into()])
            .unwrap();
        let problem = decide(&before, &after, &bad).unwrap_err()[0].to_string();
        assert!(
            problem.starts_with("--down-fill users.org_id: `one` is not a bigint value"),
            "{problem}"
        );
        let unneeded = Answers::default()
            .with_down_fills(&["users.score=1".into()])
            .unwrap();
        let problem = decide(&before, &after, &unneeded).unwrap_err()[0].to_string();
        assert!(problem.contains("needs no value"), "{problem}");
        assert!(
            Answers::default()
                .with_down_fills(&["nope".into()])
                .is_err()
        );
    }

    #[test]
    fn other_restored_columns_get_the_zero_value() {
        // A plain NOT NULL column dropped: down restores it with 0 in every row.
        let before = with_org(false, false);
        let mut after = before.clone();
        if let Some(users) = after.tables.get_mut("users") {
            users.columns.retain(|c| c.name != "score");
        }
        let decided = decide(&before, &after, &Answers::default()).unwrap();
        assert_eq!(decided.down.irreversible, None);
        assert!(matches!(
            &decided.down.ops[..],
            [Op::AddColumn { fill: Some(_), .. }]
        ));
        assert!(open_down_fills(&before, &after, &Answers::default()).is_empty());
        // A column made nullable: down fills the NULLs written since before it refuses them;
        // a foreign key cannot take a made-up value, so down is marked.
        let (before, after) = (with_org(false, true), with_org(true, true));
        let decided = decide(&before, &after, &Answers::default()).unwrap();
        assert!(
            decided
                .down
                .irreversible
                .unwrap()
                .contains("is made nullable by this migration")
        );
        let mut after = users(&[("score", ColumnType::Integer, true)]);
        let before = users(&[("score", ColumnType::Integer, false)]);
        let decided = decide(&before, &after, &Answers::default()).unwrap();
        assert!(matches!(
            &decided.down.ops[..],
            [Op::AlterColumn { changes, .. }] if changes.fill_nulls.is_some()
        ));
        // A narrowing revert is warned about.
        if let Some(users) = after.tables.get_mut("users") {
            users.columns[1].ty = ColumnType::Text;
            users.columns[1].nullable = false;
        }
        let decided = decide(&before, &after, &Answers::default()).unwrap();
        assert!(
            decided
                .warnings
                .iter()
                .any(|w| w.contains("back from text to integer")),
            "{:?}",
            decided.warnings
        );
    }

    #[test]
    fn renames_are_taken_checked_or_warned_about() {
        let before = users(&[("handle", ColumnType::Text, false)]);
        let after = users(&[("username", ColumnType::Text, false)]);
        let rename = PossibleRename::Column {
            table: "users".into(),
            from: "handle".into(),
            to: "username".into(),
        };
        assert_eq!(
            open_renames(&before, &after, &Answers::default()),
            std::slice::from_ref(&rename)
        );
        // Unanswered: a drop and an add, which need a fill, and a warning about the rename.
        let problems = decide(&before, &after, &Answers::default()).unwrap_err();
        assert!(matches!(&problems[0], Problem::MissingFills(_)));
        let answers = Answers {
            renames: vec![rename.clone()],
            ..Answers::default()
        };
        let decided = decide(&before, &after, &answers).unwrap();
        assert!(matches!(decided.diff.ops[0], Op::RenameColumn { .. }));
        assert!(open_fills(&before, &after, &answers).is_empty());
        let answers = Answers::from_flags(&["users.handle=nick".into()], &[]).unwrap();
        let problem = decide(&before, &after, &answers).unwrap_err()[0].to_string();
        assert_eq!(
            problem,
            "--rename users.handle=nick matches no dropped and added column of one type; the possible renames are: users.handle=username"
        );
    }
}
