-- Fixture of tests/testing.rs (`attribute::applies_fixtures`): three books.
INSERT INTO shelf_book (title) VALUES ('Emma');
INSERT INTO shelf_book (title) VALUES ('Ulysses');
INSERT INTO shelf_book (title) VALUES ('Kim');
