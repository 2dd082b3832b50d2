#!/usr/bin/env bash
# Wall time of `cargo entmig make` on a crate with N entities x 10 fields, process start
# included: the first migration, and then a migration after one field changes.
#
#   benches/make/run.sh [N=500] [RUNS=5]
#
# Each run starts from a fresh copy of the crate, so every first migration writes the whole
# schema and every second one diffs 500 tables to find one change. Each is timed twice: the
# binary called directly, and `cargo entmig make` as a user types it (through cargo, and
# rustup's proxy when there is one).
set -euo pipefail
N=${1:-500}
RUNS=${2:-5}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
(cd "$ROOT" && cargo build -q --release -p cargo-entmig)
BIN="$ROOT/target/release/cargo-entmig"

mkdir -p "$WORK/template/src"
cat > "$WORK/template/Cargo.toml" <<TOML
[package]
name = "many"
version = "0.0.0"
edition = "2021"
publish = false
[workspace]
[dependencies]
entmig-runtime = { path = "$ROOT/entmig-runtime" }
TOML
echo "pub mod entities;" > "$WORK/template/src/lib.rs"
{
    echo "use entmig_runtime::Entity;"
    for i in $(seq 1 "$N"); do
        cat <<RS
#[derive(Entity)]
pub struct Entity$i {
    #[entmig(primary_key, auto_increment)]
    pub id: i64,
    #[entmig(unique, max_length = 255)]
    pub email: String,
    pub name: Option<String>,
    #[entmig(default = 0)]
    pub score: i32,
    pub ratio: f64,
    pub active: bool,
    #[entmig(index)]
    pub owner_id: i64,
    pub bio: Option<String>,
    pub created: Option<String>,
    pub updated: Option<String>,
}
RS
    done
} > "$WORK/template/src/entities.rs"

now() { date +%s%N; }
first=()
second=()
first_cargo=()
second_cargo=()
ms() { echo $(( ($2 - $1) / 1000000 )); }
for run in $(seq 1 "$RUNS"); do
    for how in direct cargo; do
        rm -rf "$WORK/crate"
        cp -r "$WORK/template" "$WORK/crate"
        cd "$WORK/crate"
        if [ "$how" = direct ]; then make=("$BIN" make); else make=(cargo entmig make); fi
        start=$(now); PATH="$(dirname "$BIN"):$PATH" "${make[@]}" init --no-input -q >/dev/null; end=$(now)
        [ "$how" = direct ] && first+=("$(ms "$start" "$end")") || first_cargo+=("$(ms "$start" "$end")")
        sed -i '0,/pub bio: Option<String>,/s//pub bio: Option<String>,\n    pub extra: Option<String>,/' src/entities.rs
        start=$(now); PATH="$(dirname "$BIN"):$PATH" "${make[@]}" one_more_field --no-input -q >/dev/null; end=$(now)
        [ "$how" = direct ] && second+=("$(ms "$start" "$end")") || second_cargo+=("$(ms "$start" "$end")")
    done
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
printf '\ncargo entmig make, %s entities x 10 fields, median of %s runs (release build)\n\n' "$N" "$RUNS"
printf '| make                    | cargo-entmig make | cargo entmig make |\n'
printf '|-------------------------|-------------------|-------------------|\n'
printf '| first migration         | %14s ms | %14s ms |\n' "$(median "${first[@]}")" "$(median "${first_cargo[@]}")"
printf '| after one field changes | %14s ms | %14s ms |\n' "$(median "${second[@]}")" "$(median "${second_cargo[@]}")"
