//! The one connection type over every enabled backend (DESIGN decision 7): a diesel
//! `MultiConnection` enum with a variant per backend built into this crate. Opening one from a
//! URL is `database::connect`; which backend a connection talks to is [`DbConnection::backend`],
//! whose [`Backend::features`](crate::backend::Backend::features) core code asks.

use crate::backend::features::Backend;

pub use inner::DbConnection;

mod inner {
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

impl DbConnection {
    /// Which backend this connection talks to.
    pub fn backend(&self) -> Backend {
        match self {
            Self::Sqlite(_) => Backend::Sqlite,
            #[cfg(feature = "postgres")]
            Self::Postgres(_) => Backend::Postgres,
            #[cfg(feature = "mysql")]
            Self::Mysql(_) => Backend::Mysql,
        }
    }
}
