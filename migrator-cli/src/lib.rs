//! The migrator command line as a library. Placeholder until the CLI lands.
