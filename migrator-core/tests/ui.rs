//! Compile-fail tests of `#[derive(Model)]`: one folder per concern under `tests/ui/`, each
//! case with its committed `.stderr`. Regenerate with `TRYBUILD=overwrite cargo test -p
//! migrator-core --test ui`, then read every changed `.stderr`: each error must name the
//! problem and the fix, and point at the offending token.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*/*.rs");
}
