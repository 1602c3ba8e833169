//! The library example: books and their authors.
