//! The library application: it applies its embedded migrations at start-up with one call,
//! then uses the tables through diesel.
//!
//! ```text
//! cargo run -p library --bin library-app              # migrate, then add a book and list them
//! cargo run -p library --bin library-app -- --pending # only list the migrations not applied yet
//! ```
//!
//! The database is the one the `migrator` CLI uses: `DATABASE_URL`, else `migrator.toml`, else
//! `db.sqlite3` in the current directory.

use std::process::ExitCode;

use diesel::prelude::*;
use migrator_core::database::{connect, resolve};
use migrator_core::executor::{apply_embedded, pending_embedded};

// The app crate is what carries the models and the embedded migrations: name it.
use library as _;

mod schema {
    // diesel's table! generates undocumented public items.
    #![allow(missing_docs)]
    diesel::table! {
        books (id) {
            id -> BigInt,
            title -> Text,
            author -> Text,
        }
    }
}
use schema::books;

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let db = resolve(None, &std::env::current_dir()?)?;
    let mut conn = connect(&db.url)?;
    if std::env::args().any(|a| a == "--pending") {
        let pending = pending_embedded(&mut conn)?;
        if pending.is_empty() {
            println!("No pending migrations on {}", db.url);
        }
        for key in pending {
            println!("pending {key}");
        }
        return Ok(());
    }
    let applied = apply_embedded(&mut conn)?;
    if applied.is_empty() {
        println!("Database {} is up to date", db.url);
    }
    for key in &applied {
        println!("applied {key}");
    }
    diesel::insert_into(books::table)
        .values((
            books::title.eq("The Left Hand of Darkness"),
            books::author.eq("Ursula K. Le Guin"),
        ))
        .execute(&mut conn)?;
    let count: i64 = books::table.count().get_result(&mut conn)?;
    println!("{count} book(s) on the shelf");
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
