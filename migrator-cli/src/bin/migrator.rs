//! The `migrator` binary: the driver. It parses the command line (so `--help` and usage errors
//! need no build), builds the workspace's host crate and runs the command there.
//!
//! The only place that uses `anyhow`; exit codes: the host's own (0, 1 for `--check`, 2 for
//! errors), or 2 when the driver itself fails.

use std::process::ExitCode;

use migrator_cli::{driver, Cli, Output};

fn drive(cli: &Cli) -> anyhow::Result<u8> {
    let args: Vec<_> = std::env::args_os().skip(1).collect();
    let code = driver::drive(cli.manifest_path.as_deref(), &args, cli.verbosity)?;
    Ok(u8::try_from(code).unwrap_or(2))
}

fn main() -> ExitCode {
    let cli = match migrator_cli::parse_args(std::env::args_os()) {
        Ok(cli) => cli,
        Err(code) => return code,
    };
    match drive(&cli) {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            // Every driver error's message already includes its cause: print it once.
            let code = err
                .downcast_ref::<driver::DriverError>()
                .map_or("driver", driver::DriverError::code);
            Output::stdio_with(cli.verbosity, cli.format, cli.color).failed(code, &err, 2);
            ExitCode::from(2)
        }
    }
}
