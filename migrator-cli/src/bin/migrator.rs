//! The `migrator` binary. Placeholder until the CLI lands.
fn main() {}
