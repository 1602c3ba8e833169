//! Embeds `migrations/*.rs` into the crate (see `migrator_core::build`).

fn main() {
    migrator_core::build::embed_migrations();
}
