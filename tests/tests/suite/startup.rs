//! The start-up API as an application uses it: `examples/library`'s `library-app` binary
//! applies its embedded migrations with one call (`apply_embedded`), lists what is pending
//! (`pending_embedded`), and then uses the tables it created through the diesel schema
//! `makemigrations` wrote (insert, filter, update, delete).

use migrator_tests::{run_example, Run};

/// Runs `library-app ARGS` from this repository against `url`.
fn library_app(url: &str, args: &[&str]) -> Run {
    let mut all = vec!["-p", "library", "--bin", "library-app", "--"];
    all.extend_from_slice(args);
    run_example(&all, url)
}

#[test]
fn the_library_app_migrates_itself_at_start_up_with_one_call() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("app.sqlite3").display());

    let pending = library_app(&url, &["--pending"]);
    pending.expect_code(0);
    assert_eq!(
        pending.stdout,
        "pending library.0001_initial\npending library.0002_book_published_date\n"
    );

    let first = library_app(&url, &[]);
    first.expect_code(0);
    assert_eq!(
        first.stdout,
        "applied library.0001_initial\napplied library.0002_book_published_date\n\
         shelved \"The Left Hand of Darkness\" by Ursula K. Le Guin, published 1969-03-01\n\
         1 book(s) on the shelf\n"
    );

    let second = library_app(&url, &[]);
    second.expect_code(0);
    assert_eq!(
        second.stdout,
        format!(
            "Database {url} is up to date\n\
             shelved \"The Left Hand of Darkness\" by Ursula K. Le Guin, published 1969-03-01\n\
             2 book(s) on the shelf\n"
        )
    );
    let none = library_app(&url, &["--pending"]);
    assert_eq!(none.stdout, format!("No pending migrations on {url}\n"));
}

#[test]
fn the_library_app_reports_an_unusable_database_and_fails() {
    let run = library_app("sqlite:///nonexistent-dir/for/sure/app.sqlite3", &[]);
    assert_eq!(run.code, Some(1), "{run:?}");
    assert!(run.stderr.starts_with("error: "), "{}", run.stderr);
    assert!(run.stderr.contains("app.sqlite3"), "{}", run.stderr);
}
