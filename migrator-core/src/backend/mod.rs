//! Database backends: the connection type over the three backends, and the per-backend
//! schema editors that turn operations into SQL.
//!
//! SQLite is always built (bundled); PostgreSQL and MySQL/MariaDB are the cargo features
//! `postgres` and `mysql`.

pub use connection::DbConnection;

mod connection {
    // diesel's MultiConnection derive generates undocumented public items.
    #![allow(missing_docs)]

    /// One connection type over every enabled backend (DESIGN decision 7).
    #[derive(diesel::MultiConnection)]
    pub enum DbConnection {
        /// An embedded SQLite database.
        Sqlite(diesel::SqliteConnection),
        /// A PostgreSQL server.
        #[cfg(feature = "postgres")]
        Postgres(diesel::PgConnection),
        /// A MySQL or MariaDB server.
        #[cfg(feature = "mysql")]
        Mysql(diesel::MysqlConnection),
    }
}
