//! The SQLite database file behind a connection: whether this process can write it, and the
//! lock file beside it that a non-atomic migration holds. A leaf of `lock`.

use diesel::{QueryableByName, RunQueryDsl};

/// Whether this process can write `file` and create files beside it (SQLite's journal).
pub(super) fn writable(file: &std::path::Path) -> Result<(), String> {
    std::fs::OpenOptions::new()
        .append(true)
        .open(file)
        .map_err(|e| format!("the file is not writable ({e})"))?;
    let Some(dir) = file.parent() else {
        return Ok(());
    };
    let name = file
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    let probe = dir.join(format!(
        ".{name}.migrator-write-check-{}",
        std::process::id()
    ));
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&probe)
    {
        Ok(_) => {
            let _ = std::fs::remove_file(&probe);
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(format!(
            "its folder {} is not writable ({e})",
            dir.display()
        )),
    }
}

/// The main database file of an SQLite connection (`None` in memory).
pub(super) fn sqlite_file(c: &mut diesel::SqliteConnection) -> Option<String> {
    let files: Vec<DatabaseFile> =
        diesel::sql_query("SELECT file FROM pragma_database_list WHERE name = 'main'")
            .load(c)
            .ok()?;
    files
        .into_iter()
        .next()
        .map(|f| f.file)
        .filter(|f| !f.is_empty())
}

#[derive(QueryableByName)]
struct DatabaseFile {
    #[diesel(sql_type = diesel::sql_types::Text)]
    file: String,
}

/// The file beside an SQLite database whose OS lock a non-atomic migration holds.
pub(super) fn session_file_of(database: &str) -> std::path::PathBuf {
    std::path::PathBuf::from(format!("{database}-migrator-lock"))
}

/// True when another process (or connection) holds the SQLite session lock file `path`.
pub(super) fn session_busy(path: Option<&std::path::Path>) -> bool {
    let Some(path) = path else {
        return false;
    };
    // No file: no non-atomic migration ever ran here. The probe's lock is released when
    // `file` is dropped.
    let Ok(file) = std::fs::File::open(path) else {
        return false;
    };
    matches!(file.try_lock(), Err(std::fs::TryLockError::WouldBlock))
}
