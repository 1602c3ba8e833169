//! The migrator command line as a library (the sqlx-cli shape: a library with thin binaries).
//!
//! - [`cli`]: the clap grammar (doc comments are the help text).
//! - [`commands`]: every command as a function, e.g. `makemigrations(&args, &ctx, &mut out)`.
//! - [`output`]: the only module that prints.
//! - [`prompt`]: the interactive questioner (terminal questions, one-off default literals).
//! - `driver` (cargo feature `driver`, on by default): what the `migrator` binary does first:
//!   find the app crates with `cargo metadata`, build a host crate that names them, run it.
//!   The host links this crate without it.
//! - [`main!`]: the host's `main`, also usable directly as a two-line `manage` binary.
//!
//! Exit codes: 0 success, 1 a `--check` found pending work, 2 an error.

pub mod cli;
pub mod commands;
pub mod context;
#[cfg(feature = "driver")]
pub mod driver;
pub mod error;
pub mod output;
pub mod prompt;

use std::process::ExitCode;

use clap::Parser;

pub use cli::{Cli, Command};
pub use commands::{
    check, inspectdb, lint, makemigrations, migrate, optimizemigration, showmigrations, sqlmigrate,
    squashmigrations,
};
pub use context::Context;
pub use error::CliError;
pub use output::Output;

/// How a command that did not fail ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Done (exit code 0).
    Done,
    /// A `--check` found pending work (exit code 1).
    Pending,
}

impl Status {
    /// The process exit code: 0 or 1.
    pub fn exit_code(self) -> u8 {
        match self {
            Self::Done => 0,
            Self::Pending => 1,
        }
    }
}

/// Runs one parsed command in this process, against the models and migrations linked into
/// this binary.
pub fn run(cli: &Cli, ctx: &Context, out: &mut Output) -> Result<Status, CliError> {
    match &cli.command {
        Command::Makemigrations(args) => commands::makemigrations(args, ctx, out),
        Command::Migrate(args) => commands::migrate(args, ctx, out),
        Command::Showmigrations(args) => commands::showmigrations(args, ctx, out),
        Command::Sqlmigrate(args) => commands::sqlmigrate(args, ctx, out),
        Command::Inspectdb(args) => commands::inspectdb(args, ctx, out),
        Command::Squashmigrations(args) => commands::squashmigrations(args, ctx, out),
        Command::Check(args) => commands::check(args, ctx, out),
        Command::Optimizemigration(args) => commands::optimizemigration(args, ctx, out),
        Command::Lint(args) => commands::lint(args, ctx, out),
    }
}

/// Parses the process arguments, runs the command and maps the result to an exit code.
/// This is the body of [`main!`]; the context comes from the driver's environment variables
/// (or the current directory).
pub fn run_main() -> ExitCode {
    let cli = match parse_args(std::env::args_os()) {
        Ok(cli) => cli,
        Err(code) => return code,
    };
    let ctx = Context::from_env();
    let mut out = Output::stdio_with(cli.verbosity, cli.format, cli.color);
    match run(&cli, &ctx, &mut out) {
        Ok(status) => ExitCode::from(status.exit_code()),
        Err(err) => {
            out.failed(err.code(), &err, err.exit_code());
            ExitCode::from(err.exit_code())
        }
    }
}

/// Parses the command line as [`Cli::parse`] does, except that a usage error of a command
/// line asking for `--format json` is also written as a JSON error object on stdout
/// (`"error": "usage"`). `Err` holds the exit code to end with (0 after `--help`).
pub fn parse_args(args: impl IntoIterator<Item = std::ffi::OsString>) -> Result<Cli, ExitCode> {
    let args: Vec<std::ffi::OsString> = args.into_iter().collect();
    match Cli::try_parse_from(&args) {
        Ok(cli) => Ok(cli),
        Err(err) => {
            let json = wants_json(&args);
            let code = err.exit_code();
            if json && err.use_stderr() {
                let mut out = Output::stdio_with(1, cli::Format::Json, cli::ColorWhen::Never);
                let message = err.render().to_string();
                let message = message.trim_end().trim_start_matches("error: ");
                out.emit(&output::json::Error {
                    error: "usage",
                    message: message.to_owned(),
                    exit_code: u8::try_from(code).unwrap_or(2),
                });
            }
            let _ = err.print();
            Err(ExitCode::from(u8::try_from(code).unwrap_or(2)))
        }
    }
}

/// Whether a command line that did not parse asked for `--format json`.
fn wants_json(args: &[std::ffi::OsString]) -> bool {
    args.iter().enumerate().any(|(i, a)| {
        a == "--format=json" || (a == "--format" && args.get(i + 1).is_some_and(|v| v == "json"))
    })
}

/// A `manage`-style binary: names the app crates (so their models and migrations link in)
/// and runs the command line in-process.
///
/// ```ignore
/// // src/bin/manage.rs
/// migrator_cli::main!(my_app, other_app);
/// ```
#[macro_export]
macro_rules! main {
    ($($app:ident),* $(,)?) => {
        $(
            #[allow(unused_imports)]
            use $app as _;
        )*
        fn main() -> ::std::process::ExitCode {
            $crate::run_main()
        }
    };
}
