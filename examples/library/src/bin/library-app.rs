//! The library application: it applies its embedded migrations at start-up with one call,
//! then uses the tables through diesel — with the schema `migrator makemigrations` writes
//! (`library::schema`) and the model structs as diesel's structs, no hand-written `table!`.
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

// The app crate carries the models, their diesel schema and the embedded migrations.
use library::schema::books;
use library::{Book, NewBook};

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
    // Insert, read back, update and delete through the generated schema.
    let new = NewBook {
        title: "The Left Hand of Darkness",
        author: "Ursula K. Le Guin",
        published_date: None,
    };
    diesel::insert_into(books::table)
        .values(&new)
        .execute(&mut conn)?;
    let mut book: Book = books::table
        .filter(books::title.eq(new.title))
        .order(books::id.desc())
        .select(Book::as_select())
        .first(&mut conn)?;
    book.published_date = chrono::NaiveDate::from_ymd_opt(1969, 3, 1);
    diesel::update(&book).set(&book).execute(&mut conn)?;
    let draft = NewBook {
        title: "Untitled draft",
        ..new
    };
    diesel::insert_into(books::table)
        .values(&draft)
        .execute(&mut conn)?;
    diesel::delete(books::table.filter(books::title.eq(draft.title))).execute(&mut conn)?;
    let shelved: Book = books::table
        .find(book.id)
        .select(Book::as_select())
        .first(&mut conn)?;
    println!(
        "shelved \"{}\" by {}, published {}",
        shelved.title,
        shelved.author,
        shelved
            .published_date
            .map_or("on an unknown date".to_owned(), |d| d.to_string())
    );
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
