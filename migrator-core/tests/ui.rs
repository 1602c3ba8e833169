//! Compile-fail tests of `#[derive(Model)]` and of `#[migrator_core::test]` (folder
//! `test_attribute/`, which needs the `testing` feature; `migrator-tests` turns it on for this
//! crate's tests): one folder per concern under `tests/ui/`, each case with its committed
//! `.stderr`. Regenerate with `TRYBUILD=overwrite cargo test -p
//! migrator-core --test ui`, then read every changed `.stderr`: each error must name the
//! problem and the fix, and point at the offending token.
//!
//! The compile-fail run happens only without the `postgres` and `mysql` features: with them,
//! diesel's PostgreSQL and MySQL types are in the dependency graph and rustc stops trimming
//! paths in its messages (it prints `std::string::String` where the committed `.stderr`
//! files say `String`), so the same cases would "fail" on wording alone. The derive's
//! diagnostics do not depend on those features; the default-feature run (`cargo test -p
//! migrator-core --test ui`, part of `cargo test --workspace` in `scripts/test`) covers them.
//! Under the features, a note says so and the cases are only checked to have their `.stderr`.

#[cfg(not(any(feature = "postgres", feature = "mysql")))]
#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*/*.rs");
}

/// Under the server features: a printed note (straight to stderr, so `cargo test` shows it
/// for a passing test) that the compile-fail cases run in the default-feature build, and a
/// check that every case has its committed `.stderr` for that run to compare against.
#[cfg(any(feature = "postgres", feature = "mysql"))]
#[test]
fn ui_cases_run_without_the_server_features() {
    use std::io::Write as _;
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/ui");
    let mut cases = 0;
    for dir in std::fs::read_dir(&root).unwrap() {
        let dir = dir.unwrap().path();
        if !dir.is_dir() {
            continue;
        }
        for file in std::fs::read_dir(&dir).unwrap() {
            let file = file.unwrap().path();
            if file.extension().is_some_and(|e| e == "rs") {
                cases += 1;
                assert!(
                    file.with_extension("stderr").is_file(),
                    "{} has no committed .stderr",
                    file.display()
                );
            }
        }
    }
    assert!(cases > 0, "no UI cases under {}", root.display());
    let _ = writeln!(
        std::io::stderr(),
        "note: the {cases} derive compile-fail (trybuild) cases are not compiled with the postgres/mysql features (rustc then spells `String` as `std::string::String`); `cargo test -p migrator-core --test ui` without them runs them"
    );
}
