//! The cross-crate test suite: one binary, one module per feature area.
//!
//! Tests here build real crates in temporary workspaces that share this workspace's target
//! directory, so only the small crates under test are compiled.

mod bad_input;
mod check;
mod cli_makemigrations;
mod cli_unattended;
mod concurrency;
mod crash;
mod diesel_queries;
mod diesel_schema;
mod e2e_db;
mod external_crate;
mod fresh_host;
mod inspectdb;
mod json_output;
mod lint;
mod migrate_commands;
mod migrate_e2e;
mod migrate_safety;
mod model_enums;
mod multi_app;
mod multi_app_renames;
mod multi_app_rows;
mod offline;
mod optimize;
mod reliability;
mod secrets;
mod squash;
mod startup;
mod tamper;
mod which_database;
