//! The `build.rs` helper, re-exported from the `migrator-build` crate (DESIGN decision 5).
//!
//! App crates should depend on `migrator-build` under `[build-dependencies]` and call
//! `migrator_build::embed_migrations()`: a build-dependency on migrator-core compiles it,
//! diesel and the bundled SQLite a second time for the build script. This re-export keeps
//! `migrator_core::build::embed_migrations()` working for build scripts written before.

pub use migrator_build::*;
