//! The driver's unit tests: workspace discovery, the host crate, features.

use super::*;

fn workspace() -> Workspace {
    Workspace {
        root: PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".."),
        target_dir: PathBuf::from("/tmp/target"),
        apps: vec![AppCrate {
            package: "my-shop".into(),
            lib_name: "my_shop".into(),
            manifest_dir: PathBuf::from("/ws/my-shop"),
        }],
        cli: CliSource::Path(PathBuf::from("/ws/migrator-cli")),
        core_at_build_time: true,
        keeps_diesel_schema: false,
    }
}

#[test]
fn host_manifest_names_apps_and_has_an_empty_workspace_table() {
    let host = HostCrate::for_workspace(&workspace()).unwrap();
    assert!(
        host.manifest.contains("\n[workspace]\n"),
        "{}",
        host.manifest
    );
    assert!(host
        .manifest
        .contains(r#"my-shop = { path = "/ws/my-shop" }"#));
    assert!(host
        .manifest
        .contains(r#"migrator-cli = { path = "/ws/migrator-cli", default-features = false }"#));
    assert!(
        host.manifest.contains("[profile.dev]"),
        "profiles are copied"
    );
    assert!(host.main_rs.contains("migrator_cli::main!(my_shop);"));
    assert!(host.dir.starts_with("/tmp/target/migrator-host"));
}

#[test]
fn discovers_this_workspaces_apps_but_not_migrators_own_crates_or_opted_out_ones() {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("../Cargo.toml");
    let ws = Workspace::discover(Some(&manifest)).unwrap();
    let apps: Vec<&str> = ws.apps.iter().map(|a| a.package.as_str()).collect();
    assert!(apps.contains(&"library"), "{apps:?}");
    for not_an_app in [
        "migrator-core",
        "migrator-cli",
        "migrator-derive",
        "migrator-tests",
    ] {
        assert!(
            !apps.contains(&not_an_app),
            "{not_an_app} is not an app: {apps:?}"
        );
    }
    assert_eq!(
        ws.cli,
        CliSource::Path(PathBuf::from(env!("CARGO_MANIFEST_DIR")))
    );
    assert!(ws.host_dir(&[]).starts_with(&ws.target_dir));
}

#[test]
fn server_urls_enable_their_feature_in_the_host() {
    let args = |a: &[&str]| a.iter().map(OsString::from).collect::<Vec<_>>();
    let root = Path::new("/nonexistent-ws");
    let pg = host_features(
        &args(&["migrate", "--database", "postgres://u:pw@h/db"]),
        root,
    );
    assert!(pg.contains(&"postgres"), "{pg:?}");
    let my = host_features(
        &args(&["showmigrations", "--database", "mysql://h/db"]),
        root,
    );
    assert!(my.contains(&"mysql"), "{my:?}");
    let host = HostCrate::for_workspace_with_features(&workspace(), &["postgres"]).unwrap();
    assert!(
        host.manifest
            .contains(r#"migrator-cli = { path = "/ws/migrator-cli", default-features = false, features = ["postgres"] }"#),
        "{}",
        host.manifest
    );
    assert!(
        host.manifest.contains("[build-dependencies]")
            && host.manifest.contains(
                r#"migrator-core = { path = "/ws/migrator-core", features = ["postgres"] }"#
            )
            && host.manifest.contains(r#"build = "build.rs""#),
        "{}",
        host.manifest
    );
    assert!(host.build_rs.is_some());
    let plain = HostCrate::for_workspace(&workspace()).unwrap();
    assert!(plain.build_rs.is_none() && plain.manifest.contains("build = false"));
    // Apps on migrator-build: no build-time migrator-core (so no build-time diesel) at all.
    let mut ws = workspace();
    ws.core_at_build_time = false;
    let light = HostCrate::for_workspace_with_features(&ws, &["postgres", "mysql"]).unwrap();
    assert!(
        light.build_rs.is_none() && !light.manifest.contains("[build-dependencies]"),
        "{}",
        light.manifest
    );
}

#[test]
fn each_feature_set_has_its_own_host() {
    let ws = workspace();
    let plain = HostCrate::for_workspace(&ws).unwrap();
    let pg = HostCrate::for_workspace_with_features(&ws, &["postgres"]).unwrap();
    let both = HostCrate::for_workspace_with_features(&ws, &["mysql", "postgres"]).unwrap();
    let id = ws.host_id();
    assert_eq!(plain.package, format!("migrator-host-{id}"));
    assert_eq!(pg.package, format!("migrator-host-{id}-postgres"));
    assert_eq!(both.package, format!("migrator-host-{id}-mysql-postgres"));
    assert_eq!(plain.dir, ws.host_dir(&[]));
    assert_eq!(pg.dir, ws.host_dir(&["postgres"]));
    assert_ne!(plain.dir, pg.dir);
    assert_ne!(pg.dir, both.dir);
    // The directory name is the package's suffix (the test harness finds hosts that way).
    assert_eq!(
        format!(
            "migrator-host-{}",
            pg.dir.file_name().unwrap().to_string_lossy()
        ),
        pg.package
    );
}

/// Commands that never connect to a database (nor need to know which one). Every other
/// subcommand must take `--database`, and the driver must find it there.
/// (`makemigrations` reads one only for `--update`, but takes `--database` always.)
const WITHOUT_DATABASE: &[&str] = &["squashmigrations"];

#[test]
fn every_command_that_touches_a_database_takes_database_and_the_driver_reads_it() {
    use clap::CommandFactory as _;
    let url = "postgres://u:pw@h/db";
    let cli = crate::Cli::command();
    let mut helps = Vec::new();
    let mut seen = Vec::new();
    for sub in cli.get_subcommands() {
        let name = sub.get_name();
        seen.push(name.to_owned());
        let database = sub
            .get_arguments()
            .find(|a| a.get_long() == Some("database"));
        if WITHOUT_DATABASE.contains(&name) {
            assert!(database.is_none(), "`{name}` is listed as never connecting");
            continue;
        }
        let Some(database) = database else {
            panic!(
                "`{name}` has no `--database`: flatten `DatabaseArgs` into its arguments \
                 (or list it in WITHOUT_DATABASE if it never touches a database)"
            );
        };
        helps.push(database.get_help().map(ToString::to_string));
        // The smallest valid command line: every required positional gets a value.
        let mut args: Vec<OsString> = vec![name.into()];
        for positional in sub.get_positionals().filter(|a| a.is_required_set()) {
            args.push(format!("{}-value", positional.get_id()).into());
        }
        assert_eq!(
            explicit_database(&args),
            None,
            "`{name}` without --database"
        );
        args.extend(["--database".into(), url.into()]);
        assert_eq!(
            explicit_database(&args).as_deref(),
            Some(url),
            "the driver does not find `{name} --database`"
        );
        let features = host_features(&args, Path::new("/nonexistent-ws"));
        assert!(features.contains(&"postgres"), "{name}: {features:?}");
    }
    assert!(
        seen.iter().any(|s| s == "migrate") && seen.len() >= 4,
        "{seen:?}"
    );
    helps.dedup();
    assert_eq!(helps.len(), 1, "one definition of --database: {helps:?}");
    assert_eq!(
        explicit_database(&["makemigrations".into(), "--dry-run".into()]),
        None
    );
}

#[test]
fn command_help_lists_global_options_apart() {
    use clap::CommandFactory as _;
    let mut cli = crate::Cli::command();
    // Global options reach the subcommands when the command is built, as parsing does.
    cli.build();
    let migrate = cli.find_subcommand_mut("migrate").unwrap();
    let help = migrate.render_help().to_string();
    let options = help.find("\nOptions:").expect(&help);
    let global = help.find("\nGlobal Options:").expect(&help);
    assert!(options < global, "{help}");
    let (own, globals) = help.split_at(global);
    assert!(
        own.contains("--fake") && own.contains("--database"),
        "{help}"
    );
    assert!(
        globals.contains("--manifest-path") && globals.contains("--verbosity"),
        "{help}"
    );
    assert!(!own.contains("--manifest-path"), "{help}");
}

#[test]
fn registry_source_pins_this_version() {
    let mut ws = workspace();
    ws.cli = CliSource::Registry("0.1.0".into());
    let host = HostCrate::for_workspace(&ws).unwrap();
    assert!(host
        .manifest
        .contains(r#"migrator-cli = { version = "=0.1.0", default-features = false }"#));
}

#[test]
fn host_ids_differ_per_workspace_and_are_stable() {
    let a = workspace();
    let mut b = workspace();
    b.root = PathBuf::from("/tmp/other ws");
    assert_eq!(a.host_id(), workspace().host_id());
    assert_ne!(a.host_id(), b.host_id());
    assert!(b.host_id().starts_with("other-ws-"), "{}", b.host_id());
}

#[test]
fn patch_paths_become_absolute() {
    let mut doc: DocumentMut = "[patch.crates-io]\nfoo = { path = \"vendor/foo\" }\n"
        .parse()
        .unwrap();
    absolutize_patch_paths(&mut doc["patch"], Path::new("/ws"));
    assert!(doc.to_string().contains("\"/ws/vendor/foo\""), "{doc}");
}
