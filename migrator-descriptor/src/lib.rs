//! The model descriptor format: the one string literal in which `#[derive(Model)]`
//! (migrator-derive, through [`Writer`]) records everything it knows about a model, and which
//! `migrator_core::model::build_definition` (through [`Reader`]) turns back into the model's
//! state. This crate is the format's only spelling: its version, every tag, and how values
//! are written and read. It has no dependencies, prints nothing and knows nothing of models;
//! what a setting *means* is the decoder's business, in migrator-core. Not a public API of
//! migrator: migrator-derive and migrator-core pin this exact version.
//!
//! Two rules about the values both sides must apply alike live here too, so each is written
//! once: [`sql`], what verbatim SQL text (a check's condition, an SQL default, a column type)
//! may be, and [`names`], the names migrator gives the indexes and constraints nobody named.
//!
//! # Format
//!
//! A descriptor is [`VERSION`], then a sequence of one-byte tags, each followed by its value,
//! if any. Values are of three kinds:
//!
//! - a *text*: its length in bytes (decimal), [`TEXT_LENGTH_END`], and the bytes, which may
//!   contain anything, the format's own punctuation included;
//! - a *number*: a decimal integer (maybe negative), then [`NUMBER_END`];
//! - a *rule*: one tag byte of a namespace of its own (the [`on_delete`] rules), then
//!   [`NUMBER_END`].
//!
//! Tags come in sections, one module each: the model's own settings ([`model`]) first, then
//! one section per field ([`field`], started by [`field::NAME`]), per index ([`index`],
//! started by [`index::NAME`]), per check constraint ([`check`], started by
//! [`check::NAME`]) and per many-to-many relation ([`many_to_many`], started by
//! [`many_to_many::NAME`]). Every setting tag belongs to the section most recently started. The
//! reader reads all of these tags from one stream, so they share one namespace and differ
//! from each other ([`STREAM`]); only the values of a rule ([`on_delete`]) are a namespace of
//! their own. Every tag is an ASCII letter, so it never reads as a digit, a sign or a
//! separator.
//!
//! ```
//! use migrator_descriptor::{field, model, Reader, Writer};
//!
//! let mut w = Writer::new();
//! w.text(model::COMMENT, "Books: 1;");
//! w.text(field::NAME, "id");
//! w.flag(field::PRIMARY_KEY);
//! w.number(field::MAX_LENGTH, 80_u32);
//! assert_eq!(w.as_str(), "1c9:Books: 1;F2:idpL80;");
//!
//! let mut r = Reader::new(w.as_str()).unwrap();
//! assert_eq!(r.next_tag(), Some(model::COMMENT));
//! assert_eq!(r.text(), Ok("Books: 1;"));
//! assert_eq!(r.next_tag(), Some(field::NAME));
//! assert_eq!(r.text(), Ok("id"));
//! assert_eq!(r.next_tag(), Some(field::PRIMARY_KEY));
//! assert_eq!(r.next_tag(), Some(field::MAX_LENGTH));
//! assert_eq!(r.number::<u32>(), Ok(80));
//! assert_eq!(r.next_tag(), None);
//! ```

use std::fmt;

pub mod names;
pub mod sql;

/// The format version: the descriptor's first byte. Change it with any change of the format
/// that a reader of the previous version would misread.
pub const VERSION: u8 = b'1';

/// Ends the length of a text value, before the text's bytes.
pub const TEXT_LENGTH_END: u8 = b':';

/// Ends a number value and a rule value.
pub const NUMBER_END: u8 = b';';

/// Declares the sections: per section a module of tag constants (each an ASCII letter,
/// `b'…'`) and `ALL`, the list of them, generated so it cannot miss a tag.
macro_rules! sections {
    ($(
        $(#[$doc:meta])*
        pub mod $section:ident {
            $(
                $(#[$tag_doc:meta])*
                $tag:ident = $byte:literal,
            )*
        }
    )*) => {$(
        $(#[$doc])*
        pub mod $section {
            $(
                $(#[$tag_doc])*
                pub const $tag: u8 = $byte;
            )*

            /// Every tag of this section.
            pub const ALL: &[u8] = &[$($tag),*];
        }
    )*};
}

sections! {
    /// The model's own settings. They come before the first section.
    pub mod model {
        /// Text: the model's comment (the struct's doc comment).
        COMMENT = b'c',
        /// Text: the model's previous name (`renamed_from` on the struct).
        RENAMED_FROM = b'r',
    }

    /// A field's settings: [`NAME`](crate::field::NAME) starts the section, the other tags follow it.
    pub mod field {
        /// Text: starts a field; the field's name.
        NAME = b'F',
        /// Text: the column name, when it is not the field's name.
        COLUMN = b'k',
        /// Text: the column type spelled verbatim (`db_type`). Such a field takes no column
        /// constant from the type system.
        DB_TYPE = b'T',
        /// Flag: the column accepts NULL. Only written with [`DB_TYPE`]; otherwise the field's
        /// type decides.
        NULLABLE = b'n',
        /// Number: `max_length`.
        MAX_LENGTH = b'L',
        /// Number: `precision`.
        PRECISION = b'P',
        /// Number: `scale`.
        SCALE = b'S',
        /// Flag: the primary key.
        PRIMARY_KEY = b'p',
        /// Flag: auto-increment (`auto`).
        AUTO = b'a',
        /// Flag: auto-increment when the column type is an integer (the implicit `id` key).
        AUTO_IF_INTEGER = b'A',
        /// Flag: unique.
        UNIQUE = b'u',
        /// Flag: a single-column index.
        INDEX = b'i',
        /// Text: a string literal default.
        DEFAULT_TEXT = b't',
        /// Number: an integer literal default.
        DEFAULT_INT = b'I',
        /// Text: a float literal default, as written.
        DEFAULT_FLOAT = b'f',
        /// Number: a bool literal default, `0` or `1`.
        DEFAULT_BOOL = b'b',
        /// Text: an SQL expression default (`default_sql`).
        DEFAULT_SQL = b's',
        /// Rule: a foreign key, with its [`on_delete`](crate::on_delete) rule. The target is the
        /// next model constant of the descriptor.
        FOREIGN_KEY = b'R',
        /// Text: the column's comment (the field's doc comment).
        COMMENT = b'h',
        /// Text: the field's previous name (`renamed_from` on the field).
        RENAMED_FROM = b'o',
        /// Text: a stored generated column's expression (`generated(sql = …, stored)`).
        GENERATED_STORED = b'G',
        /// Text: a virtual generated column's expression (`generated(sql = …, virtual)`).
        GENERATED_VIRTUAL = b'V',
    }

    /// The `on_delete` rules: the value of [`field::FOREIGN_KEY`], a namespace of their own.
    pub mod on_delete {
        /// `on_delete = "cascade"`.
        CASCADE = b'c',
        /// `on_delete = "restrict"`.
        RESTRICT = b'r',
        /// `on_delete = "set_null"`.
        SET_NULL = b'n',
        /// `on_delete = "set_default"`.
        SET_DEFAULT = b'd',
        /// `on_delete = "no_action"`.
        NO_ACTION = b'x',
    }

    /// An index (`index(...)` on the struct): [`NAME`](crate::index::NAME) starts the section.
    pub mod index {
        /// Text: starts an index; its name (given or defaulted by the derive).
        NAME = b'X',
        /// Flag: a unique index.
        UNIQUE = b'U',
        /// Text: one of the index's fields, in order; repeated.
        FIELD = b'x',
        /// Text: a partial index's condition (one SQL expression).
        CONDITION = b'W',
        /// Flag: a unique index whose NULLs are not distinct (`nulls_distinct = false`).
        NULLS_NOT_DISTINCT = b'N',
        /// Text: the index method (`btree`, `hash`, `gin`, `gist`).
        METHOD = b'H',
        /// Text: one of the index's non-key (`INCLUDE`) fields, in order; repeated.
        INCLUDE = b'Y',
        /// Text: one key expression of an expression index (one SQL expression), in order;
        /// repeated. An index has fields or expressions, never both.
        EXPRESSION = b'E',
    }

    /// A check constraint (`check(...)` on the struct): [`NAME`](crate::check::NAME) then
    /// [`SQL`](crate::check::SQL), always both.
    pub mod check {
        /// Text: starts a check constraint; its name.
        NAME = b'K',
        /// Text: the constraint's SQL; right after [`NAME`].
        SQL = b'q',
    }
}

sections! {
    /// A many-to-many relation (`many_to_many(...)` on the struct):
    /// [`NAME`](crate::many_to_many::NAME) starts the section. Its target is the next model
    /// constant of the descriptor (after those of the foreign keys, which all come first),
    /// and a [`THROUGH`](crate::many_to_many::THROUGH) model the one after it. Relation
    /// sections come after every field, index and check section.
    pub mod many_to_many {
        /// Text: starts a relation; its name (`tags`).
        NAME = b'M',
        /// Flag: the relation goes through a model of the user's (`through = …`), the next
        /// model constant after the target's.
        THROUGH = b'J',
        /// Text: the relation's previous name (`renamed_from` inside `many_to_many(...)`).
        RENAMED_FROM = b'O',
        /// Text: the join table's name (`db_table` inside `many_to_many(...)`), instead of
        /// `{owner table}_{name}`.
        DB_TABLE = b'D',
    }

    /// A multi-column foreign key (`foreign_key(fields = [...], to = …, on_delete = "…")` on
    /// the struct): [`NAME`](crate::foreign_key::NAME) starts the section. Its target is the
    /// next model constant of the descriptor, after those of the relations. These sections
    /// come last.
    pub mod foreign_key {
        /// Text: starts a foreign key; its name, or empty for the name migrator-core derives
        /// from the table, the columns and the target's table.
        NAME = b'B',
        /// Text: one of the referencing fields, in the target key's order; repeated.
        FIELD = b'y',
        /// Rule: the [`on_delete`](crate::on_delete) rule.
        RULE = b'Q',
    }
}

/// The sections whose tags the reader takes from one stream, so they must all differ.
pub const STREAM: &[&[u8]] = &[
    model::ALL,
    field::ALL,
    index::ALL,
    check::ALL,
    many_to_many::ALL,
    foreign_key::ALL,
];

/// Builds a descriptor: [`VERSION`], then tags and their values.
#[derive(Clone, Debug)]
pub struct Writer(String);

impl Default for Writer {
    /// Same as [`Writer::new`]: the version is already written.
    fn default() -> Self {
        Self::new()
    }
}

impl Writer {
    /// A descriptor holding only [`VERSION`].
    pub fn new() -> Self {
        Self(char::from(VERSION).to_string())
    }

    /// Writes a tag that takes no value.
    pub fn flag(&mut self, tag: u8) {
        self.tag(tag);
    }

    /// Writes `tag` and a text value.
    pub fn text(&mut self, tag: u8, value: &str) {
        self.tag(tag);
        self.0.push_str(&value.len().to_string());
        self.0.push(char::from(TEXT_LENGTH_END));
        self.0.push_str(value);
    }

    /// Writes `tag` and a text value when there is one.
    pub fn text_opt(&mut self, tag: u8, value: Option<&str>) {
        if let Some(value) = value {
            self.text(tag, value);
        }
    }

    /// Writes `tag` and a number.
    pub fn number(&mut self, tag: u8, value: impl Into<i64>) {
        self.tag(tag);
        self.0.push_str(&value.into().to_string());
        self.0.push(char::from(NUMBER_END));
    }

    /// Writes `tag` and a rule (one tag of the rule's own namespace, such as an
    /// [`on_delete`] rule).
    pub fn rule(&mut self, tag: u8, rule: u8) {
        self.tag(tag);
        self.tag(rule);
        self.0.push(char::from(NUMBER_END));
    }

    /// The descriptor so far.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The finished descriptor.
    pub fn finish(self) -> String {
        self.0
    }

    /// Writes one tag byte.
    ///
    /// # Panics
    ///
    /// When `tag` is not ASCII: a wider character would not be one byte.
    fn tag(&mut self, tag: u8) {
        assert!(tag.is_ascii(), "descriptor tag {tag:#04x} is not ASCII");
        self.0.push(char::from(tag));
    }
}

/// Why a descriptor cannot be read. Its text says what is wrong; the caller adds where and
/// which model.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReadError {
    /// The first byte is not [`VERSION`].
    UnknownVersion,
    /// A number, text length or rule without its terminator.
    Unterminated,
    /// A number that is not a decimal integer of the expected type.
    MalformedNumber,
    /// A text length that is not a decimal integer.
    MalformedTextLength,
    /// A text length past the end of the descriptor.
    TextTooLong,
    /// A text length that ends inside a multi-byte character.
    SplitCharacter,
    /// A rule value that is missing or is more than one byte.
    MalformedRule,
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::UnknownVersion => "unknown format version",
            Self::Unterminated => "an unterminated value",
            Self::MalformedNumber => "a malformed number",
            Self::MalformedTextLength => "a malformed text length",
            Self::TextTooLong => "a text longer than the descriptor",
            Self::SplitCharacter => "a text length that splits a character",
            Self::MalformedRule => "a malformed rule",
        })
    }
}

impl std::error::Error for ReadError {}

/// Reads a descriptor: the caller takes a tag with [`Reader::next_tag`], then its value with
/// the method for the tag's kind.
#[derive(Clone, Debug)]
pub struct Reader<'a> {
    /// The descriptor.
    src: &'a str,
    /// The next byte to read.
    pos: usize,
}

impl<'a> Reader<'a> {
    /// A reader positioned after the version, which must be [`VERSION`].
    pub fn new(descriptor: &'a str) -> Result<Self, ReadError> {
        if descriptor.as_bytes().first() != Some(&VERSION) {
            return Err(ReadError::UnknownVersion);
        }
        Ok(Self {
            src: descriptor,
            pos: 1,
        })
    }

    /// The byte offset of the next byte to read, for error messages.
    pub fn position(&self) -> usize {
        self.pos
    }

    /// The next tag, or `None` at the end.
    pub fn next_tag(&mut self) -> Option<u8> {
        let tag = self.src.as_bytes().get(self.pos).copied()?;
        self.pos += 1;
        Some(tag)
    }

    /// A text value.
    pub fn text(&mut self) -> Result<&'a str, ReadError> {
        let len: usize = self
            .until(TEXT_LENGTH_END)?
            .parse()
            .map_err(|_| ReadError::MalformedTextLength)?;
        let end = self
            .pos
            .checked_add(len)
            .filter(|&end| end <= self.src.len())
            .ok_or(ReadError::TextTooLong)?;
        let text = self
            .src
            .get(self.pos..end)
            .ok_or(ReadError::SplitCharacter)?;
        self.pos = end;
        Ok(text)
    }

    /// A number value.
    pub fn number<T: std::str::FromStr>(&mut self) -> Result<T, ReadError> {
        self.until(NUMBER_END)?
            .parse()
            .map_err(|_| ReadError::MalformedNumber)
    }

    /// A rule value: one byte of the rule's namespace, which the caller interprets.
    pub fn rule(&mut self) -> Result<u8, ReadError> {
        match self.until(NUMBER_END)?.as_bytes() {
            &[rule] => Ok(rule),
            _ => Err(ReadError::MalformedRule),
        }
    }

    /// The text up to (not including) `end`, consuming `end`.
    fn until(&mut self, end: u8) -> Result<&'a str, ReadError> {
        let rest = self.src.get(self.pos..).unwrap_or_default();
        let len = rest
            .bytes()
            .position(|b| b == end)
            .ok_or(ReadError::Unterminated)?;
        self.pos += len + 1;
        // `end` is ASCII, so the slice ends on a character boundary.
        Ok(&rest[..len])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every tag of the stream namespace differs from every other, and so does every rule.
    #[test]
    fn tags_within_a_namespace_are_unique() {
        let stream: Vec<u8> = STREAM.iter().flat_map(|s| s.iter().copied()).collect();
        for namespace in [&stream[..], on_delete::ALL] {
            for (i, a) in namespace.iter().enumerate() {
                for b in &namespace[i + 1..] {
                    assert_ne!(a, b, "tag `{}` is used twice", char::from(*a));
                }
            }
        }
    }

    /// Tags are ASCII letters, so a tag never reads as a digit, a sign or a separator, and
    /// the version and separators are what the format says.
    #[test]
    fn tags_are_ascii_letters() {
        for tag in STREAM.iter().flat_map(|s| s.iter()).chain(on_delete::ALL) {
            assert!(tag.is_ascii_alphabetic(), "tag {tag:#04x}");
        }
        assert!(VERSION.is_ascii_digit());
        assert!(!TEXT_LENGTH_END.is_ascii_alphanumeric() && !NUMBER_END.is_ascii_alphanumeric());
        assert_ne!(TEXT_LENGTH_END, NUMBER_END);
    }

    #[test]
    fn values_round_trip() {
        let mut w = Writer::new();
        w.text(field::NAME, "a:1;é");
        w.text(field::COMMENT, "");
        w.number(field::DEFAULT_INT, -3_i64);
        w.number(field::MAX_LENGTH, u32::MAX);
        w.rule(field::FOREIGN_KEY, on_delete::SET_NULL);
        w.flag(field::UNIQUE);
        w.text_opt(field::RENAMED_FROM, None);
        let s = w.finish();
        assert_eq!(s, "1F6:a:1;éh0:I-3;L4294967295;Rn;u");
        let mut r = Reader::new(&s).unwrap();
        assert_eq!(r.next_tag(), Some(field::NAME));
        assert_eq!(r.text(), Ok("a:1;é"));
        assert_eq!(r.next_tag(), Some(field::COMMENT));
        assert_eq!(r.text(), Ok(""));
        assert_eq!(r.next_tag(), Some(field::DEFAULT_INT));
        assert_eq!(r.number::<i64>(), Ok(-3));
        assert_eq!(r.next_tag(), Some(field::MAX_LENGTH));
        assert_eq!(r.number::<u32>(), Ok(u32::MAX));
        assert_eq!(r.next_tag(), Some(field::FOREIGN_KEY));
        assert_eq!(r.rule(), Ok(on_delete::SET_NULL));
        assert_eq!(r.next_tag(), Some(field::UNIQUE));
        assert_eq!(r.next_tag(), None);
        assert_eq!(r.next_tag(), None);
    }

    #[test]
    fn malformed_values_are_errors() {
        assert_eq!(Reader::new("2").unwrap_err(), ReadError::UnknownVersion);
        assert_eq!(Reader::new("").unwrap_err(), ReadError::UnknownVersion);
        let text = |s| Reader::new(s).unwrap().text();
        assert_eq!(text("15:ab"), Err(ReadError::TextTooLong));
        assert_eq!(text("1x:ab"), Err(ReadError::MalformedTextLength));
        assert_eq!(text("12"), Err(ReadError::Unterminated));
        assert_eq!(text("11:é"), Err(ReadError::SplitCharacter));
        assert_eq!(
            Reader::new("1x;").unwrap().number::<u32>(),
            Err(ReadError::MalformedNumber)
        );
        assert_eq!(
            Reader::new("1-1;").unwrap().number::<u32>(),
            Err(ReadError::MalformedNumber)
        );
        assert_eq!(
            Reader::new("1cc;").unwrap().rule(),
            Err(ReadError::MalformedRule)
        );
        assert_eq!(
            Reader::new("1;").unwrap().rule(),
            Err(ReadError::MalformedRule)
        );
        assert_eq!(
            Reader::new("1c").unwrap().rule(),
            Err(ReadError::Unterminated)
        );
    }
}
