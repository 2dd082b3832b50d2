//! Compile-fail UI tests for `#[derive(Entity)]`, in folders by category (as serde's
//! test_suite/tests/ui): each `tests/ui/<category>/<case>.rs` holds one bad input, and its
//! `.stderr` pins the message and its span. Regenerate with
//! `TRYBUILD=overwrite cargo test -p entmig-tests --test ui`, then read every changed `.stderr`.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("ui/*/*.rs");
    // The glob above also matches `ui/pass/`; trybuild lets a later registration of the same
    // file replace the expectation of a glob, so these must compile (and run).
    t.pass("ui/pass/*.rs");
}
