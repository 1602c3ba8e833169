//! What the `migrator` driver tells the host it builds: the workspace root and the app crates
//! (package name → manifest directory), passed through environment variables.
//!
//! A `migrator_cli::main!` binary runs without the driver; it then gets the current directory
//! as its root and an empty app list (the registry still knows every linked model).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The environment variable holding the workspace root.
pub const ENV_WORKSPACE_ROOT: &str = "MIGRATOR_WORKSPACE_ROOT";
/// The environment variable holding the app crates, one `package=manifest_dir` per line.
pub const ENV_APPS: &str = "MIGRATOR_APPS";

/// Where the commands run.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Context {
    /// The workspace root: paths are printed relative to it and the default SQLite database
    /// lives there.
    pub workspace_root: PathBuf,
    /// App packages of the workspace: package name → manifest directory.
    pub apps: BTreeMap<String, PathBuf>,
}

impl Context {
    /// A context rooted at `root` with no app list.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self {
            workspace_root: root.into(),
            apps: BTreeMap::new(),
        }
    }

    /// Reads the context the driver set; falls back to the current directory.
    pub fn from_env() -> Self {
        let root = std::env::var_os(ENV_WORKSPACE_ROOT)
            .map(PathBuf::from)
            .or_else(|| std::env::current_dir().ok())
            .unwrap_or_else(|| PathBuf::from("."));
        let apps = std::env::var(ENV_APPS)
            .map(|s| parse_apps(&s))
            .unwrap_or_default();
        Self {
            workspace_root: root,
            apps,
        }
    }

    /// The environment variables that carry this context to a host process.
    pub fn to_env(&self) -> Vec<(&'static str, String)> {
        let apps: Vec<String> = self
            .apps
            .iter()
            .map(|(name, dir)| format!("{name}={}", dir.display()))
            .collect();
        vec![
            (
                ENV_WORKSPACE_ROOT,
                self.workspace_root.display().to_string(),
            ),
            (ENV_APPS, apps.join("\n")),
        ]
    }

    /// `path` relative to the workspace root when it is inside it, as given otherwise.
    pub fn display_path(&self, path: &Path) -> String {
        path.strip_prefix(&self.workspace_root)
            .unwrap_or(path)
            .display()
            .to_string()
    }
}

fn parse_apps(s: &str) -> BTreeMap<String, PathBuf> {
    s.lines()
        .filter_map(|line| line.split_once('='))
        .map(|(name, dir)| (name.to_string(), PathBuf::from(dir)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apps_round_trip_through_the_environment_format() {
        let mut ctx = Context::new("/ws");
        ctx.apps
            .insert("library".into(), "/ws/examples/library".into());
        ctx.apps.insert("shop".into(), "/ws/shop".into());
        let env = ctx.to_env();
        assert_eq!(parse_apps(&env[1].1), ctx.apps);
        assert_eq!(env[0].1, "/ws");
    }

    #[test]
    fn display_path_is_relative_inside_the_root_only() {
        let ctx = Context::new("/ws");
        assert_eq!(ctx.display_path(Path::new("/ws/a/b.rs")), "a/b.rs");
        assert_eq!(
            ctx.display_path(Path::new("/elsewhere/b.rs")),
            "/elsewhere/b.rs"
        );
    }
}
