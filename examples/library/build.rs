//! Embeds `migrations/*.rs` into the crate (see the `migrator-build` crate).

fn main() {
    migrator_build::embed_migrations();
}
