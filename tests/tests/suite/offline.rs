//! Issue 13.12 / 18.1: no command asks the registry for what the lock file and the local
//! cache already hold. A new workspace's own lock file (what the user's first `cargo build`
//! writes) lacks the crates only the `migrator` host needs; the host resolves them from the
//! cache, offline.

use migrator_tests::TempWorkspace;

#[test]
fn a_workspace_lock_without_the_hosts_crates_needs_no_network() {
    let ws = TempWorkspace::with_library_example();
    // The user's own lock: only what the workspace needs (resolved from this machine's cache,
    // so the versions are the ones already built).
    std::fs::remove_file(ws.path("Cargo.lock")).unwrap();
    ws.cargo(&["generate-lockfile", "--offline"]).expect_code(0);
    assert!(
        !ws.read("Cargo.lock").contains("name = \"clap\""),
        "the workspace's own lock should not hold the host's crates"
    );
    // Any request to a registry fails: every HTTP(S) request goes to a closed port.
    let unreachable = [
        ("CARGO_HTTP_PROXY", "http://127.0.0.1:9"),
        ("HTTPS_PROXY", "http://127.0.0.1:9"),
        ("https_proxy", "http://127.0.0.1:9"),
        ("CARGO_NET_RETRY", "0"),
    ];
    let run = ws.migrator_env(&["makemigrations", "--dry-run", "--noinput"], &unreachable);
    run.expect_code(0);
    assert!(
        !run.stderr.contains("Updating") && !run.stderr.contains("failed to"),
        "{}",
        run.stderr
    );
}
