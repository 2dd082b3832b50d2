#!/usr/bin/env bash
# Compile-time cost of #[derive(Entity)] on N generated structs, side by side with
# #[derive(serde::Serialize)] on the same structs and with no derive at all.
#
#   benches/derive-compile/run.sh [N=200] [RUNS=5]
#
# Dependencies are built once; each measured build touches only the generated crate, so the
# figures are the derive's own cost (macro expansion plus compiling what it generates).
set -euo pipefail
N=${1:-200}
RUNS=${2:-5}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
export CARGO_TARGET_DIR="$WORK/target"

make_crate() { # name, dependencies, derive line
    local dir="$WORK/$1"
    mkdir -p "$dir/src"
    cat > "$dir/Cargo.toml" <<TOML
[package]
name = "$1"
version = "0.0.0"
edition = "2024"
publish = false
[workspace]
[dependencies]
$2
TOML
    {
        for i in $(seq 1 "$N"); do
            cat <<RS
$3
pub struct Entity$i {
    $([ "$1" = entmig ] && echo '#[entmig(primary_key, auto_increment)]')
    pub id: i64,
    $([ "$1" = entmig ] && echo '#[entmig(unique, max_length = 255)]')
    pub email: String,
    pub name: Option<String>,
    $([ "$1" = entmig ] && echo '#[entmig(default = 0)]')
    pub score: i32,
    pub ratio: f64,
    pub active: bool,
    $([ "$1" = entmig ] && echo '#[entmig(index)]')
    pub owner_id: i64,
    pub bio: Option<String>,
}
RS
        done
    } > "$dir/src/lib.rs"
}

make_crate none "" ""
make_crate serde 'serde = { version = "1", features = ["derive"] }' '#[derive(serde::Serialize)]'
make_crate entmig "entmig-runtime = { path = \"$ROOT/entmig-runtime\" }" '#[derive(entmig_runtime::Entity)]'
# The same dependencies without the derive: what depending on the crate costs a rebuild
# (cargo checks entmig-runtime's ~90 dependencies, serde's few), apart from the derive.
make_crate serde_plain 'serde = { version = "1", features = ["derive"] }' ''
make_crate entmig_plain "entmig-runtime = { path = \"$ROOT/entmig-runtime\" }" ''

measure() { # crate -> median seconds of RUNS incremental builds of the crate alone
    local dir="$WORK/$1"
    (cd "$dir" && cargo build -q 2>/dev/null)
    local times=()
    for _ in $(seq 1 "$RUNS"); do
        touch "$dir/src/lib.rs"
        local start end
        start=$(date +%s.%N)
        (cd "$dir" && cargo build -q)
        end=$(date +%s.%N)
        times+=("$(awk "BEGIN {print $end - $start}")")
    done
    printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}

none=$(measure none)
serde_plain=$(measure serde_plain)
entmig_plain=$(measure entmig_plain)
serde=$(measure serde)
entmig=$(measure entmig)
printf '\nderive compile time, %s structs x 8 fields, median of %s debug builds\n\n' "$N" "$RUNS"
printf '| derive                    | seconds | over no derive | the derive alone (over its dependency, no derive) |\n'
printf '|---------------------------|---------|----------------|------|\n'
printf '| none                      | %7.2f | %14s | %s |\n' "$none" "-" "-"
printf '| serde::Serialize          | %7.2f | %13.2fs | %.2fs |\n' "$serde" "$(awk "BEGIN {print $serde - $none}")" "$(awk "BEGIN {print $serde - $serde_plain}")"
printf '| entmig_runtime::Entity    | %7.2f | %13.2fs | %.2fs |\n' "$entmig" "$(awk "BEGIN {print $entmig - $none}")" "$(awk "BEGIN {print $entmig - $entmig_plain}")"

# IR=1: the instructions rustc executes for each crate's warm rebuild, under callgrind: exact,
# and unmoved by other load on the machine (wall times on a shared machine move by ±20%).
if [ "${IR:-0}" = 1 ] && command -v valgrind >/dev/null; then
    WRAP="$WORK/wrap.sh"
    cat > "$WRAP" <<'SH'
#!/usr/bin/env bash
if [[ " $* " == *" --crate-name $IR_CRATE "* ]]; then
    exec valgrind --tool=callgrind --callgrind-out-file="$IR_OUT.cg" "$@" 2> >(grep -o "Collected : [0-9]*" | awk '{print $3}' > "$IR_OUT")
fi
exec "$@"
SH
    chmod +x "$WRAP"
    ir() {
        touch "$WORK/$1/src/lib.rs"
        (cd "$WORK/$1" && IR_CRATE=$1 IR_OUT="$WORK/$1.ir" RUSTC_WRAPPER="$WRAP" cargo build -q)
        awk '{printf "%.3f", $1 / 1e9}' "$WORK/$1.ir"
    }
    printf '\nrustc instructions (G) for a warm rebuild of the crate alone\n\n'
    printf '| crate | instructions |\n|---|---|\n'
    for crate in none serde_plain serde entmig_plain entmig; do
        printf '| %s | %s |\n' "$crate" "$(ir "$crate")"
    done
fi
