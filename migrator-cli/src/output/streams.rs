//! Where an [`Output`] writes: the process's streams or memory ([`Captured`]), in text
//! (coloured or not, see [`super::style`]) or JSON ([`Output::emit`], [`Output::failed`]).

use std::fmt::Display;
use std::io::{self, Write};

use anstream::{AutoStream, ColorChoice};

use super::capture::{Captured, SharedBuf};
use super::{json, style, Output};
use crate::cli::{ColorWhen, Format};

impl Output {
    /// Writes text to the process's stdout and stderr, coloured as `auto` decides.
    pub fn stdio(verbosity: u8) -> Self {
        Self::stdio_with(verbosity, Format::Text, ColorWhen::Auto)
    }

    /// Writes to the process's stdout and stderr in `format`, coloured per `color` (each
    /// stream decided on its own: a terminal stdout and a piped stderr differ).
    pub fn stdio_with(verbosity: u8, format: Format, color: ColorWhen) -> Self {
        let out_choice = style::choice(color, &io::stdout());
        let err_choice = style::choice(color, &io::stderr());
        Self::new(
            Box::new(io::stdout()),
            Box::new(io::stderr()),
            (out_choice, err_choice),
            format,
            verbosity,
        )
    }

    fn new(
        out: Box<dyn Write>,
        err: Box<dyn Write>,
        (out_choice, err_choice): (ColorChoice, ColorChoice),
        format: Format,
        verbosity: u8,
    ) -> Self {
        let err: Box<dyn Write> = Box::new(AutoStream::new(err, err_choice));
        let (out, json): (Box<dyn Write>, _) = match format {
            Format::Text => (Box::new(AutoStream::new(out, out_choice)), None),
            Format::Json => (Box::new(io::sink()), Some(out)),
        };
        Self {
            out,
            err,
            json,
            verbosity,
            operations_shown: false,
            operation_open: false,
        }
    }

    /// Writes text into memory, without colour; read it back through the returned
    /// [`Captured`].
    pub fn captured(verbosity: u8) -> (Self, Captured) {
        Self::captured_with(verbosity, Format::Text, false)
    }

    /// Writes into memory in `format`, coloured when `color`.
    pub fn captured_with(verbosity: u8, format: Format, color: bool) -> (Self, Captured) {
        let cap = Captured::default();
        let choice = if color {
            ColorChoice::AlwaysAnsi
        } else {
            ColorChoice::Never
        };
        let output = Self::new(
            Box::new(SharedBuf(cap.out.clone())),
            Box::new(SharedBuf(cap.err.clone())),
            (choice, choice),
            format,
            verbosity,
        );
        (output, cap)
    }

    /// `--format json`: stdout holds only [`Output::emit`]'s objects.
    pub fn is_json(&self) -> bool {
        self.json.is_some()
    }

    /// Writes one JSON object (one line) on stdout: `schema`, `kind`, then `doc`'s fields.
    /// Does nothing in text mode.
    pub fn emit<T: json::Document>(&mut self, doc: &T) {
        let Some(w) = self.json.as_mut() else {
            return;
        };
        let line = json::Envelope {
            schema: json::SCHEMA,
            kind: T::KIND,
            body: doc,
        };
        // Serialising plain data cannot fail; a closed pipe only loses the line.
        if serde_json::to_writer(&mut *w, &line).is_ok() {
            let _ = w.write_all(b"\n");
            let _ = w.flush();
        }
    }

    /// A failed command: `error: …` on stderr and, in JSON mode, the error object on stdout.
    /// `code` is the error's stable name ([`crate::CliError::code`]).
    pub fn failed(&mut self, code: &'static str, message: &dyn Display, exit_code: u8) {
        self.error(message);
        self.emit(&json::Error {
            error: code,
            message: message.to_string(),
            exit_code,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::ShowRow;

    fn rows() -> Vec<ShowRow> {
        vec![ShowRow {
            applied: true,
            name: "0001_initial".into(),
            dependencies: Vec::new(),
            problem: None,
            note: None,
        }]
    }

    #[test]
    fn json_mode_keeps_text_off_stdout_and_writes_one_object_per_line() {
        let (mut out, cap) = Output::captured_with(1, Format::Json, false);
        out.show_app("library", &rows());
        out.line("Operations to perform:");
        out.warning(&"careful");
        out.emit(&json::LockWait {
            holder: None,
            timeout_s: 60,
        });
        out.failed("unknown_app", &"no app named `x`", 2);
        assert_eq!(
            cap.stdout(),
            "{\"schema\":\"migrator/1\",\"kind\":\"lock_wait\",\"holder\":null,\"timeout_s\":60}\n\
             {\"schema\":\"migrator/1\",\"kind\":\"error\",\"error\":\"unknown_app\",\
             \"message\":\"no app named `x`\",\"exit_code\":2}\n"
        );
        assert_eq!(cap.stderr(), "warning: careful\nerror: no app named `x`\n");
    }

    #[test]
    fn text_mode_emits_no_json_and_colours_only_when_asked() {
        let (mut out, cap) = Output::captured_with(1, Format::Text, false);
        out.emit(&json::LockWait {
            holder: None,
            timeout_s: 60,
        });
        out.show_app("library", &rows());
        out.failed("unknown_app", &"boom", 2);
        assert_eq!(cap.stdout(), "library\n [X] 0001_initial\n");
        assert_eq!(cap.stderr(), "error: boom\n");

        let (mut out, cap) = Output::captured_with(1, Format::Text, true);
        out.show_app("library", &rows());
        out.error(&"boom");
        assert_eq!(
            cap.stdout(),
            "\u{1b}[1mlibrary\u{1b}[0m\n \u{1b}[32m[X]\u{1b}[0m 0001_initial\n"
        );
        assert_eq!(cap.stderr(), "\u{1b}[1m\u{1b}[31merror:\u{1b}[0m boom\n");
    }
}
