//! Unit tests of `database.rs`: URL parsing, precedence, configuration, redaction.

use super::*;

const SECRET: &str = "s3cr3t-pw";

fn root() -> PathBuf {
    PathBuf::from("/work/space")
}

#[test]
fn explicit_beats_env_beats_config_beats_default() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join(CONFIG_FILE),
        "[database]\nurl = \"sqlite://from_config.db\"\n",
    )
    .unwrap();
    let r = resolve_from(
        Some("sqlite://explicit.db"),
        Some("sqlite://env.db"),
        dir.path(),
    )
    .unwrap();
    assert_eq!(r.source, UrlSource::Explicit);
    assert_eq!(
        r.url.sqlite_path(),
        Some(dir.path().join("explicit.db").as_path())
    );

    let r = resolve_from(None, Some("sqlite://env.db"), dir.path()).unwrap();
    assert_eq!(r.source, UrlSource::Environment);
    assert_eq!(
        r.url.sqlite_path(),
        Some(dir.path().join("env.db").as_path())
    );

    let r = resolve_from(None, None, dir.path()).unwrap();
    assert_eq!(
        r.source,
        UrlSource::ConfigFile(dir.path().join(CONFIG_FILE))
    );
    assert_eq!(
        r.url.sqlite_path(),
        Some(dir.path().join("from_config.db").as_path())
    );

    std::fs::remove_file(dir.path().join(CONFIG_FILE)).unwrap();
    let r = resolve_from(None, None, dir.path()).unwrap();
    assert_eq!(r.source, UrlSource::Default);
    assert_eq!(
        r.url.sqlite_path(),
        Some(dir.path().join("db.sqlite3").as_path())
    );
}

#[test]
fn config_without_url_falls_back_to_default_and_bad_config_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(CONFIG_FILE), "[database]\n").unwrap();
    let r = resolve_from(None, None, dir.path()).unwrap();
    assert_eq!(r.source, UrlSource::Default);
    std::fs::write(dir.path().join(CONFIG_FILE), "").unwrap();
    let r = resolve_from(None, None, dir.path()).unwrap();
    assert_eq!(r.source, UrlSource::Default);

    std::fs::write(dir.path().join(CONFIG_FILE), "[database\nurl = ").unwrap();
    let err = resolve_from(None, None, dir.path())
        .unwrap_err()
        .to_string();
    assert!(err.contains("migrator.toml"), "{err}");

    std::fs::write(dir.path().join(CONFIG_FILE), "[database]\nurl = 3\n").unwrap();
    let err = resolve_from(None, None, dir.path())
        .unwrap_err()
        .to_string();
    assert!(err.contains("not a string"), "{err}");
}

#[test]
fn unknown_config_keys_are_errors_naming_the_key_the_valid_keys_and_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join(CONFIG_FILE);
    for (text, key) in [
        (
            "[database]\nurll = \"sqlite://typo.db\"\n",
            "`database.urll`",
        ),
        (
            "[database]\nurl = \"sqlite://a.db\"\nuser = \"x\"\n",
            "`database.user`",
        ),
        ("[databse]\nurl = \"sqlite://a.db\"\n", "`databse`"),
        ("url = \"sqlite://a.db\"\n", "`url`"),
    ] {
        std::fs::write(&file, text).unwrap();
        let err = resolve_from(None, None, dir.path()).unwrap_err();
        let msg = err.to_string();
        assert!(
            matches!(err, DatabaseError::UnknownConfigKey { .. }),
            "{text}: {msg}"
        );
        assert!(msg.contains(&format!("unknown key {key}")), "{msg}");
        assert!(msg.contains("`database.url`"), "{msg}");
        assert!(msg.contains(&file.display().to_string()), "{msg}");
    }
    // The file is only read when no earlier source names a database.
    let r = resolve_from(Some("sqlite://x.db"), None, dir.path());
    assert!(r.is_ok(), "an explicit URL does not need the file");
    std::fs::write(&file, "database = \"sqlite://a.db\"\n").unwrap();
    let msg = resolve_from(None, None, dir.path())
        .unwrap_err()
        .to_string();
    assert!(msg.contains("`database` is not a table"), "{msg}");
}

#[test]
fn empty_urls_are_errors_naming_their_source() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join(CONFIG_FILE),
        "[database]\nurl = \"sqlite://from_config.db\"\n",
    )
    .unwrap();
    let msg = resolve_from(None, Some(""), dir.path())
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("DATABASE_URL environment variable is set but empty")
            && msg.contains("unset DATABASE_URL"),
        "{msg}"
    );
    let msg = resolve_from(None, Some("  "), dir.path())
        .unwrap_err()
        .to_string();
    assert!(msg.contains("set but empty"), "{msg}");
    let msg = resolve_from(Some(""), None, dir.path())
        .unwrap_err()
        .to_string();
    assert!(msg.contains("`--database` is empty"), "{msg}");
    std::fs::write(dir.path().join(CONFIG_FILE), "[database]\nurl = \"\"\n").unwrap();
    let msg = resolve_from(None, None, dir.path())
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("`url` in the [database] section of")
            && msg.contains(CONFIG_FILE)
            && msg.contains("is empty"),
        "{msg}"
    );
}

#[test]
fn a_non_utf8_database_url_is_an_error_never_skipped() {
    use std::os::unix::ffi::OsStrExt as _;
    // The only test in this binary that sets DATABASE_URL; resolve() reads it.
    let dir = tempfile::tempdir().unwrap();
    let value = std::ffi::OsStr::from_bytes(b"sqlite://caf\xe9.db");
    std::env::set_var(DATABASE_URL_ENV, value);
    let result = resolve(None, dir.path());
    std::env::remove_var(DATABASE_URL_ENV);
    let err = result.unwrap_err();
    assert!(matches!(err, DatabaseError::EnvNotUnicode), "{err}");
    assert!(err.to_string().contains("not valid UTF-8"), "{err}");
}

#[test]
fn connect_existing_never_creates_an_sqlite_file() {
    let dir = tempfile::tempdir().unwrap();
    let url = DatabaseUrl::parse("sqlite://typo.db", dir.path()).unwrap();
    let err = connect_existing(&url).err().expect("the file is missing");
    let msg = err.to_string();
    assert!(
        msg.contains(&dir.path().join("typo.db").display().to_string())
            && msg.contains("does not exist"),
        "{msg}"
    );
    assert!(!dir.path().join("typo.db").exists(), "the file was created");
    connect(&url).unwrap();
    connect_existing(&url).unwrap();
}

#[test]
fn sqlite_urls() {
    let u = DatabaseUrl::parse("sqlite:///abs/x.db", &root()).unwrap();
    assert_eq!(u.sqlite_path(), Some(Path::new("/abs/x.db")));
    let u = DatabaseUrl::parse("sqlite://rel/x.db", &root()).unwrap();
    assert_eq!(u.sqlite_path(), Some(Path::new("/work/space/rel/x.db")));
    let u = DatabaseUrl::parse("sqlite::memory:", &root()).unwrap();
    assert_eq!(u.backend(), Backend::Sqlite);
    assert_eq!(u.sqlite_path(), None);
    assert_eq!(u.to_string(), "sqlite::memory:");
    assert!(DatabaseUrl::parse("sqlite://", &root()).is_err());
}

#[test]
fn server_urls_pick_their_backend() {
    for (url, backend) in [
        ("postgres://u@h/db", Backend::Postgres),
        ("postgresql://u@h/db", Backend::Postgres),
        ("mysql://u@h/db", Backend::Mysql),
        ("mariadb://u@h/db", Backend::Mysql),
    ] {
        assert_eq!(
            DatabaseUrl::parse(url, &root()).unwrap().backend(),
            backend,
            "{url}"
        );
    }
}

#[test]
fn passwords_never_show() {
    let raw = format!("postgres://alice:{SECRET}@db.example:5432/app?sslmode=require");
    let u = DatabaseUrl::parse(&raw, &root()).unwrap();
    assert_eq!(
        u.to_string(),
        "postgres://alice:***@db.example:5432/app?sslmode=require"
    );
    assert!(!format!("{u:?}").contains(SECRET));
    assert_eq!(u.expose(), raw);
    let resolved = resolve_from(Some(&raw), None, &root()).unwrap();
    assert!(!format!("{resolved:?}").contains(SECRET));

    // A password containing '@' and '/' is still fully hidden.
    let raw2 = format!("mysql://bob:{SECRET}@x@host/db");
    let u2 = DatabaseUrl::parse(&raw2, &root()).unwrap();
    assert_eq!(u2.to_string(), "mysql://bob:***@host/db");

    // Unencoded '/', '?' and '#' in a password (a common copy-paste).
    for (raw, shown) in [
        (
            format!("mysql://u:pa/{SECRET}@127.0.0.1:3306/app"),
            "mysql://u:***@127.0.0.1:3306/app",
        ),
        (
            format!("postgres://u:a?{SECRET}#x@h/db"),
            "postgres://u:***@h/db",
        ),
        // Passwords as query parameters.
        (
            format!("postgres://u@127.0.0.1:1/app?password={SECRET}"),
            "postgres://u@127.0.0.1:1/app?password=***",
        ),
        (
            format!("postgres://u@h/app?sslmode=require&sslpassword={SECRET}&x=1"),
            "postgres://u@h/app?sslmode=require&sslpassword=***&x=1",
        ),
    ] {
        let u = DatabaseUrl::parse(&raw, &root()).unwrap();
        assert_eq!(u.to_string(), shown, "{raw}");
        assert!(!format!("{u:?}").contains(SECRET));
        let scrubbed = u.scrub(&format!("failed: {raw} (password={SECRET})"));
        assert!(!scrubbed.contains(SECRET), "{scrubbed}");
        // A driver that parsed the URL its own way echoes a piece of it.
        let scrubbed = u.scrub(&format!("invalid port: \"{SECRET}#x@h\""));
        assert!(!scrubbed.contains(SECRET), "{scrubbed}");
    }
    // Percent-encoded passwords are hidden in driver messages in both spellings.
    let u = DatabaseUrl::parse("postgres://u:a%2Fb%40c@h/db", &root()).unwrap();
    assert_eq!(u.scrub("bad password a/b@c"), "bad password ***");
}

#[cfg(not(feature = "postgres"))]
#[test]
fn disabled_backend_names_the_feature_without_the_password() {
    let raw = format!("postgresql://alice:{SECRET}@localhost/app");
    let u = DatabaseUrl::parse(&raw, &root()).unwrap();
    let err = connect(&u).err().expect("postgres is not built in");
    let msg = err.to_string();
    assert!(msg.contains("`postgres` cargo feature"), "{msg}");
    assert!(!msg.contains(SECRET), "{msg}");
    assert!(!format!("{err:?}").contains(SECRET));
}

#[test]
fn driver_messages_are_scrubbed() {
    let raw = format!("postgres://alice:{SECRET}@localhost/app");
    let u = DatabaseUrl::parse(&raw, &root()).unwrap();
    assert_eq!(
        u.scrub(&format!("could not connect with {raw}")),
        "could not connect with postgres://alice:***@localhost/app"
    );
}

#[test]
fn bad_scheme_lists_the_valid_ones_without_the_rest_of_the_url() {
    let raw = format!("mongodb://alice:{SECRET}@localhost/app");
    let msg = DatabaseUrl::parse(&raw, &root()).unwrap_err().to_string();
    assert!(msg.contains("`mongodb://`"), "{msg}");
    assert!(
        msg.contains("sqlite://PATH") && msg.contains("mariadb://"),
        "{msg}"
    );
    assert!(!msg.contains(SECRET), "{msg}");
    let msg = DatabaseUrl::parse("db2.sqlite3", &root())
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("`db2.sqlite3` is not a database URL (it has no scheme)")
            && msg.contains("write `sqlite://db2.sqlite3`"),
        "{msg}"
    );
    // Text that could hold a password is never echoed.
    let msg = DatabaseUrl::parse(&format!("alice:{SECRET}@localhost/app"), &root())
        .unwrap_err()
        .to_string();
    assert!(msg.contains("no scheme") && !msg.contains(SECRET), "{msg}");
}

#[test]
fn connect_sqlite_enforces_foreign_keys() {
    use diesel::RunQueryDsl;
    let dir = tempfile::tempdir().unwrap();
    let url = DatabaseUrl::parse("sqlite://t.db", dir.path()).unwrap();
    let mut conn = connect(&url).unwrap();
    conn.batch_execute(
        "CREATE TABLE a (id INTEGER PRIMARY KEY); \
         CREATE TABLE b (id INTEGER PRIMARY KEY, a_id INTEGER REFERENCES a (id));",
    )
    .unwrap();
    let res = diesel::sql_query("INSERT INTO b (id, a_id) VALUES (1, 99)").execute(&mut conn);
    assert!(res.is_err(), "foreign keys are not enforced");
    assert!(dir.path().join("t.db").exists());

    let missing = DatabaseUrl::parse("sqlite://nope/t.db", dir.path()).unwrap();
    let msg = connect(&missing).err().unwrap().to_string();
    assert!(msg.contains("does not exist"), "{msg}");
}

#[test]
fn project_backends_come_from_the_config_list_or_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join(CONFIG_FILE);
    std::fs::write(
        &file,
        "[database]\nurl = \"postgres://u@h/db\"\n\n[project]\nbackends = [\"sqlite\", \"MariaDB\", \"mysql\"]\n",
    )
    .unwrap();
    assert_eq!(
        project_backends(dir.path()).unwrap(),
        [Backend::Sqlite, Backend::Mysql]
    );
    // Without the list: the backend of the database the commands use.
    std::fs::write(&file, "[database]\nurl = \"postgres://u@h/db\"\n").unwrap();
    if std::env::var_os(DATABASE_URL_ENV).is_none() {
        assert_eq!(project_backends(dir.path()).unwrap(), [Backend::Postgres]);
    }
    for (text, says) in [
        ("[project]\nbackends = [\"oracle\"]\n", "`oracle`"),
        ("[project]\nbackends = \"sqlite\"\n", "not a list"),
        ("[project]\nbackend = [\"sqlite\"]\n", "project.backend"),
    ] {
        std::fs::write(&file, text).unwrap();
        let err = project_backends(dir.path()).unwrap_err().to_string();
        assert!(err.contains(says), "{text}: {err}");
    }
}

#[test]
fn with_database_replaces_only_the_path_of_a_server_url() {
    let with = |url: &str, name: &str| {
        DatabaseUrl::parse(url, &root())
            .unwrap()
            .with_database(name)
            .map(|u| u.expose())
    };
    assert_eq!(
        with("postgres://u:p@h:5432/app?sslmode=require", "t1").as_deref(),
        Some("postgres://u:p@h:5432/t1?sslmode=require")
    );
    assert_eq!(
        with("mysql://root@127.0.0.1:3306", "t2").as_deref(),
        Some("mysql://root@127.0.0.1:3306/t2")
    );
    // A password holding `/` and `@`: the user part ends at the last `@`.
    assert_eq!(
        with("postgres://u:a/b@c@h/app", "t3").as_deref(),
        Some("postgres://u:a/b@c@h/t3")
    );
    assert_eq!(with("sqlite://db.sqlite3", "t4"), None);
}
