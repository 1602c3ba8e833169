//! The interactive questioner: asks makemigrations' questions on the terminal (through
//! [`Output`]) and reads the answers line by line from any reader (stdin in the binary).
//!
//! When the input ends before an answer, a rename question is answered "no" and a one-off
//! default question aborts, so nothing is ever guessed. Without a terminal, makemigrations
//! does not use this questioner at all (unless `--interactive`): the [`UnattendedQuestioner`]
//! answers as `--noinput` does and says which questions it did not ask. The non-interactive
//! questioner (`--noinput`) lives in migrator-core; this module only does terminal I/O and
//! the small literal parser for one-off defaults ([`parse_default_literal`]).

use std::io::BufRead;

use migrator_core::questioner::{NonInteractiveQuestioner, Question, QuestionError, Questioner};
use migrator_core::{DefaultValue, FieldState, ModelState};

use crate::output::Output;

/// Asks on `output`, reads answers from `input`.
pub struct InteractiveQuestioner<'a> {
    input: Box<dyn BufRead + 'a>,
    output: &'a mut Output,
}

/// Why a one-off default was not given.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NoDefault {
    /// The user chose to quit (or typed `exit`).
    Quit,
    /// The input ended before an answer.
    EndOfInput,
}

/// `book.writer`: the model name in lower case, as Django prints it, and the field.
fn field_label(model: &ModelState, field: &FieldState) -> String {
    format!("{}.{}", model.name.to_lowercase(), field.name)
}

impl<'a> InteractiveQuestioner<'a> {
    /// A questioner over `input` (e.g. `std::io::stdin().lock()`) printing on `output`.
    pub fn new(input: impl BufRead + 'a, output: &'a mut Output) -> Self {
        Self {
            input: Box::new(input),
            output,
        }
    }

    /// The next input line without its line ending; `None` at end of input.
    fn read_line(&mut self) -> Option<String> {
        let mut line = String::new();
        match self.input.read_line(&mut line) {
            Ok(0) | Err(_) => None,
            Ok(_) => Some(line.trim_end_matches(['\n', '\r']).to_string()),
        }
    }

    /// A yes/no question answered "no" by default and at end of input.
    pub fn ask_yes_no(&mut self, question: &str) -> bool {
        loop {
            self.output.prompt(&format!("{question} [y/N] "));
            let Some(answer) = self.read_line() else {
                self.output.end_prompt();
                return false;
            };
            match answer.trim().to_lowercase().as_str() {
                "y" | "yes" => return true,
                "" | "n" | "no" => return false,
                _ => self.output.ask_line("Please answer y or n."),
            }
        }
    }

    /// A line of free text; `None` when it is empty or the input ended.
    pub fn ask_text(&mut self, question: &str) -> Option<String> {
        self.output.prompt(&format!("{question} "));
        let Some(answer) = self.read_line() else {
            self.output.end_prompt();
            return None;
        };
        let answer = answer.trim();
        (!answer.is_empty()).then(|| answer.to_owned())
    }

    /// `Did you rename the library.Writer model to Author? [y/N]`
    pub fn rename_model(&mut self, old: &ModelState, new: &ModelState) -> bool {
        self.ask_yes_no(&format!(
            "Did you rename the {}.{} model to {}?",
            old.app, old.name, new.name
        ))
    }

    /// `Did you rename book.writer to book.author (a VARCHAR(100))? [y/N]`
    pub fn rename_field(&mut self, model: &ModelState, old: &FieldState, new: &FieldState) -> bool {
        self.ask_yes_no(&format!(
            "Did you rename {} to {} (a {})?",
            field_label(model, old),
            field_label(model, new),
            new.column_type
        ))
    }

    /// Picks one of `choices` (1-based); `None` at end of input.
    fn choose(&mut self, choices: &[&str]) -> Option<usize> {
        self.output.ask_line("Please select a fix:");
        for (i, choice) in choices.iter().enumerate() {
            self.output.ask_line(&format!(" {}) {choice}", i + 1));
        }
        loop {
            self.output.prompt("Select an option: ");
            let Some(answer) = self.read_line() else {
                self.output.end_prompt();
                return None;
            };
            match answer.trim().parse::<usize>() {
                Ok(n) if (1..=choices.len()).contains(&n) => return Some(n),
                _ => self.output.ask_line(&format!(
                    "Please select a valid option (1-{}).",
                    choices.len()
                )),
            }
        }
    }

    /// Reads a one-off default literal, re-asking until it parses.
    fn read_default(&mut self, field: &FieldState) -> Result<DefaultValue, NoDefault> {
        self.output.ask_line(&format!(
            "Enter the default for {} ({}): a literal such as 0, -1.5, true, 'text' or \
             sql:CURRENT_TIMESTAMP.\nType 'exit' to quit.",
            field.name, field.column_type
        ));
        self.read_literal()
    }

    /// Reads a literal after the prompt text, re-asking until it parses.
    fn read_literal(&mut self) -> Result<DefaultValue, NoDefault> {
        loop {
            self.output.prompt(">>> ");
            let Some(line) = self.read_line() else {
                self.output.end_prompt();
                return Err(NoDefault::EndOfInput);
            };
            let text = line.trim();
            if text == "exit" {
                return Err(NoDefault::Quit);
            }
            if text.is_empty() {
                self.output
                    .ask_line("Please enter a value, or 'exit' (without quotes) to quit.");
                continue;
            }
            match parse_default_literal(text) {
                Ok(value) => return Ok(value),
                Err(why) => self.output.ask_line(&format!("Invalid default: {why}")),
            }
        }
    }

    /// A NOT NULL field added to a model whose table may have rows: a one-off default.
    pub fn not_null_addition(
        &mut self,
        model: &ModelState,
        field: &FieldState,
    ) -> Result<DefaultValue, NoDefault> {
        if let Some(fk) = &field.foreign_key {
            return self.not_null_foreign_key(model, field, &format!("{}.{}", fk.app, fk.model));
        }
        self.output.ask_line(&format!(
            "It is impossible to add the non-nullable field '{}' to {} without a default: the \
             database needs a value for the existing rows.",
            field.name,
            model.name.to_lowercase()
        ));
        let choice = self.choose(&[
            "Provide a one-off default now (set on all existing rows)",
            "Quit and add `#[model(default = …)]` to the field, or make it an `Option<…>`",
        ]);
        match choice {
            None => Err(NoDefault::EndOfInput),
            Some(1) => self.read_default(field),
            Some(_) => Err(NoDefault::Quit),
        }
    }

    /// A NOT NULL foreign key added to a model whose table may have rows: the one-off value
    /// must be the primary key of an existing row of `target` (a made-up `0` breaks the key),
    /// or the user quits to add the field as nullable first.
    fn not_null_foreign_key(
        &mut self,
        model: &ModelState,
        field: &FieldState,
        target: &str,
    ) -> Result<DefaultValue, NoDefault> {
        self.output.ask_line(&format!(
            "It is impossible to add the non-nullable foreign key '{}' to {} without a default: \
             the existing rows need a value, and it must be the primary key of an existing {} row.",
            field.name,
            model.name.to_lowercase(),
            target
        ));
        let provide = format!(
            "Provide the primary key of an existing {target} row now (set on all existing rows)"
        );
        let choice = self.choose(&[
            &provide,
            "Quit and add the field as nullable (`Option<…>`) first, fill it, then make it \
             non-nullable in a later migration",
        ]);
        match choice {
            None => return Err(NoDefault::EndOfInput),
            Some(1) => {}
            Some(_) => return Err(NoDefault::Quit),
        }
        self.output.ask_line(&format!(
            "Enter the primary key of an existing {target} row for {} ({}); a value that \
             names no row makes the migration fail.\nType 'exit' to quit.",
            field.name, field.column_type
        ));
        self.read_literal()
    }

    /// A field altered from NULL to NOT NULL without a default: `Some` one-off default for the
    /// existing NULLs, `None` to leave them to the user (a RunSql/RunRust step), or quit.
    pub fn not_null_alteration(
        &mut self,
        model: &ModelState,
        field: &FieldState,
    ) -> Result<Option<DefaultValue>, NoDefault> {
        self.output.ask_line(&format!(
            "You are changing the nullable field '{}' on {} to non-nullable without a default; \
             existing rows may hold NULL.",
            field.name,
            model.name.to_lowercase()
        ));
        let choice = self.choose(&[
            "Provide a one-off default now (replaces the existing NULLs)",
            "Ignore for now: existing NULLs must be fixed by you (a RunSql or RunRust step), \
             or the migration fails",
            "Quit and add `#[model(default = …)]` to the field",
        ]);
        match choice {
            None => Err(NoDefault::EndOfInput),
            Some(1) => self.read_default(field).map(Some),
            Some(2) => Ok(None),
            Some(_) => Err(NoDefault::Quit),
        }
    }
}

impl Questioner for InteractiveQuestioner<'_> {
    fn ask_rename_model(&mut self, old: &ModelState, new: &ModelState) -> bool {
        self.rename_model(old, new)
    }

    fn ask_rename_field(&mut self, model: &ModelState, old: &FieldState, new: &FieldState) -> bool {
        self.rename_field(model, old, new)
    }

    fn ask_not_null_addition(
        &mut self,
        model: &ModelState,
        field: &FieldState,
    ) -> Result<DefaultValue, QuestionError> {
        self.not_null_addition(model, field)
            .map_err(|why| match why {
                // No answer possible: the same error as `--noinput`, naming both fixes.
                NoDefault::EndOfInput => QuestionError::not_null_addition(model, field),
                NoDefault::Quit => QuestionError::Aborted(format!(
                    "you chose to quit instead of giving `{}.{}.{}` a one-off default",
                    model.app, model.name, field.name
                )),
            })
    }

    fn ask_not_null_alteration(
        &mut self,
        model: &ModelState,
        field: &FieldState,
    ) -> Result<Option<DefaultValue>, QuestionError> {
        self.not_null_alteration(model, field)
            .map_err(|why| match why {
                NoDefault::EndOfInput => QuestionError::NotNullAlteration {
                    app: model.app.clone(),
                    model: model.name.clone(),
                    field: field.name.clone(),
                },
                NoDefault::Quit => QuestionError::Aborted(format!(
                    "you chose to quit instead of giving `{}.{}.{}` a one-off default",
                    model.app, model.name, field.name
                )),
            })
    }
}

/// The questioner when stdin is not a terminal (CI, `< /dev/null`, a pipe): nobody can answer,
/// so it answers as `--noinput` does ([`NonInteractiveQuestioner`]) — renames are "no" unless
/// a `renamed_from` hint says otherwise, a NOT NULL field without a default is an error — and
/// tells the user, once, why nothing was asked, then each question it did not ask.
pub struct UnattendedQuestioner<'a> {
    output: &'a mut Output,
    told: bool,
}

impl<'a> UnattendedQuestioner<'a> {
    /// A questioner that reports on `output`.
    pub fn new(output: &'a mut Output) -> Self {
        Self {
            output,
            told: false,
        }
    }

    fn tell_once(&mut self) {
        if !self.told {
            self.output.no_terminal();
            self.told = true;
        }
    }

    fn not_asked(&mut self, question: &Question, answer: &str) {
        self.tell_once();
        self.output.not_asked(&question.prompt(), answer);
    }
}

impl Questioner for UnattendedQuestioner<'_> {
    fn ask_rename_model(&mut self, old: &ModelState, new: &ModelState) -> bool {
        self.not_asked(
            &Question::rename_model(old, new),
            &format!(
                "taken as no; `#[model(renamed_from = \"{}\")]` on {} makes it a rename",
                old.name, new.name
            ),
        );
        NonInteractiveQuestioner.ask_rename_model(old, new)
    }

    fn ask_rename_field(&mut self, model: &ModelState, old: &FieldState, new: &FieldState) -> bool {
        self.not_asked(
            &Question::rename_field(model, old, new),
            &format!(
                "taken as no; `#[model(renamed_from = \"{}\")]` on the field `{}` makes it a \
                 rename",
                old.name, new.name
            ),
        );
        NonInteractiveQuestioner.ask_rename_field(model, old, new)
    }

    fn ask_not_null_addition(
        &mut self,
        model: &ModelState,
        field: &FieldState,
    ) -> Result<DefaultValue, QuestionError> {
        // The error that follows names the field and every way out.
        self.tell_once();
        NonInteractiveQuestioner.ask_not_null_addition(model, field)
    }

    fn ask_not_null_alteration(
        &mut self,
        model: &ModelState,
        field: &FieldState,
    ) -> Result<Option<DefaultValue>, QuestionError> {
        self.not_asked(
            &Question::not_null_alteration(model, field),
            "left without a one-off default: rows holding NULL make the migration fail",
        );
        NonInteractiveQuestioner.ask_not_null_alteration(model, field)
    }
}

/// Parses a one-off default typed at the prompt.
///
/// The grammar is deliberately small:
/// - `true` / `false` → [`DefaultValue::Bool`]
/// - an integer (`0`, `-42`) → [`DefaultValue::Int`]
/// - a decimal number (`1.5`, `-0.25`, `1e3`) → [`DefaultValue::Float`], kept as typed
/// - a quoted string, `'text'` or `"text"`, with the escapes `\\`, `\'`, `\"`, `\n`, `\t`
///   → [`DefaultValue::Text`]
/// - `sql:EXPR` (e.g. `sql:CURRENT_TIMESTAMP`) → [`DefaultValue::Sql`], emitted verbatim
///
/// ```
/// use migrator_cli::prompt::parse_default_literal;
/// use migrator_core::DefaultValue;
///
/// assert_eq!(parse_default_literal("0"), Ok(DefaultValue::Int(0)));
/// assert_eq!(parse_default_literal("'it''s'").is_err(), true);
/// assert_eq!(parse_default_literal(r"'it\'s'"), Ok(DefaultValue::Text("it's".into())));
/// ```
pub fn parse_default_literal(text: &str) -> Result<DefaultValue, String> {
    let text = text.trim();
    if let Some(sql) = text.strip_prefix("sql:") {
        let sql = sql.trim();
        if sql.is_empty() {
            return Err(
                "`sql:` needs an SQL expression after it, e.g. sql:CURRENT_TIMESTAMP".into(),
            );
        }
        return Ok(DefaultValue::Sql(sql.to_string()));
    }
    match text {
        "true" => return Ok(DefaultValue::Bool(true)),
        "false" => return Ok(DefaultValue::Bool(false)),
        _ => {}
    }
    if let Some(quote) = text.chars().next().filter(|c| *c == '\'' || *c == '"') {
        return parse_quoted(text, quote).map(DefaultValue::Text);
    }
    if let Ok(i) = text.parse::<i64>() {
        return Ok(DefaultValue::Int(i));
    }
    if text.parse::<f64>().is_ok_and(f64::is_finite)
        && text
            .chars()
            .all(|c| c.is_ascii_digit() || "+-.eE".contains(c))
    {
        return Ok(DefaultValue::Float(text.to_string()));
    }
    Err(format!(
        "`{text}` is not a literal: use a number (0, 1.5), true/false, a quoted string \
         ('text') or sql:EXPRESSION"
    ))
}

fn parse_quoted(text: &str, quote: char) -> Result<String, String> {
    let mut out = String::new();
    let mut chars = text[1..].chars();
    loop {
        match chars.next() {
            None => return Err(format!("the string is not closed: add a final {quote}")),
            Some(c) if c == quote => break,
            Some('\\') => match chars.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some(c @ ('\\' | '\'' | '"')) => out.push(c),
                Some(c) => {
                    return Err(format!(
                        "unknown escape `\\{c}` (use \\\\, \\', \\\", \\n or \\t)"
                    ))
                }
                None => return Err(format!("the string is not closed: add a final {quote}")),
            },
            Some(c) => out.push(c),
        }
    }
    let rest: String = chars.collect();
    if !rest.trim().is_empty() {
        return Err(format!(
            "unexpected `{}` after the closing quote",
            rest.trim()
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use migrator_core::ColumnType;

    #[test]
    fn literals_parse_to_the_right_kind() {
        assert_eq!(parse_default_literal("-42"), Ok(DefaultValue::Int(-42)));
        assert_eq!(
            parse_default_literal("1.5"),
            Ok(DefaultValue::Float("1.5".into()))
        );
        assert_eq!(parse_default_literal("true"), Ok(DefaultValue::Bool(true)));
        assert_eq!(
            parse_default_literal("\"a b\""),
            Ok(DefaultValue::Text("a b".into()))
        );
        assert_eq!(
            parse_default_literal("''"),
            Ok(DefaultValue::Text(String::new()))
        );
        assert_eq!(
            parse_default_literal("sql:CURRENT_TIMESTAMP"),
            Ok(DefaultValue::Sql("CURRENT_TIMESTAMP".into()))
        );
    }

    #[test]
    fn bad_literals_say_what_is_accepted() {
        for bad in ["hello", "'open", "'a' b", "sql:", "nan", "inf", "'\\q'"] {
            assert!(
                parse_default_literal(bad).is_err(),
                "{bad} should be rejected"
            );
        }
        assert!(parse_default_literal("hello")
            .unwrap_err()
            .contains("quoted string"));
    }

    fn book() -> (ModelState, FieldState, FieldState) {
        let model = ModelState::new("library", "Book", "books");
        let old = FieldState::new("writer", ColumnType::Varchar(100));
        let new = FieldState::new("author", ColumnType::Varchar(100));
        (model, old, new)
    }

    #[test]
    fn rename_prompt_text_and_answers() {
        let (model, old, new) = book();
        let (mut out, cap) = Output::captured(1);
        let mut q = InteractiveQuestioner::new(&b"maybe\ny\n"[..], &mut out);
        assert!(q.rename_field(&model, &old, &new));
        assert!(!q.rename_field(&model, &old, &new), "EOF means no");
        assert!(cap
            .stdout()
            .starts_with("Did you rename book.writer to book.author (a VARCHAR(100))? [y/N] "));
        assert!(cap.stdout().contains("Please answer y or n."));
    }

    #[test]
    fn one_off_default_reprompts_until_valid_and_aborts_at_eof() {
        let (model, _, field) = book();
        let (mut out, cap) = Output::captured(1);
        let mut q = InteractiveQuestioner::new(&b"3\n1\nbare\n'anon'\n"[..], &mut out);
        assert_eq!(
            q.not_null_addition(&model, &field),
            Ok(DefaultValue::Text("anon".into()))
        );
        assert_eq!(
            q.not_null_addition(&model, &field),
            Err(NoDefault::EndOfInput)
        );
        let text = cap.stdout();
        assert!(
            text.contains("Please select a valid option (1-2)."),
            "{text}"
        );
        assert!(
            text.contains("Invalid default: `bare` is not a literal"),
            "{text}"
        );
    }

    #[test]
    fn alteration_can_be_ignored_or_quit() {
        let (model, _, field) = book();
        let (mut out, _cap) = Output::captured(1);
        let mut q = InteractiveQuestioner::new(&b"2\n3\n1\nexit\n"[..], &mut out);
        assert_eq!(q.not_null_alteration(&model, &field), Ok(None));
        assert_eq!(q.not_null_alteration(&model, &field), Err(NoDefault::Quit));
        assert_eq!(q.not_null_alteration(&model, &field), Err(NoDefault::Quit));
    }

    #[test]
    fn unattended_questions_are_not_asked_but_reported_once_each() {
        let (model, old, new) = book();
        let (mut out, cap) = Output::captured(1);
        let mut q = UnattendedQuestioner::new(&mut out);
        assert!(!q.ask_rename_field(&model, &old, &new));
        assert!(!q.ask_rename_model(&model, &model));
        let err = q.ask_not_null_addition(&model, &new).unwrap_err();
        assert!(
            matches!(err, QuestionError::NotNullAddition { .. }),
            "{err}"
        );
        assert_eq!(cap.stdout(), "", "nothing is prompted");
        let err_text = cap.stderr();
        assert_eq!(
            err_text.matches("stdin is not a terminal").count(),
            1,
            "{err_text}"
        );
        for needle in [
            "not asked: Did you rename library.Book.writer to library.Book.author?",
            "renamed_from = \"writer\"",
            "--interactive",
        ] {
            assert!(err_text.contains(needle), "{needle}:\n{err_text}");
        }
    }

    #[test]
    fn end_of_input_gives_the_noinput_error_with_both_fixes() {
        let (model, _, field) = book();
        let (mut out, _cap) = Output::captured(1);
        let mut q = InteractiveQuestioner::new(&b""[..], &mut out);
        let err = q.ask_not_null_addition(&model, &field).unwrap_err();
        assert!(
            matches!(err, QuestionError::NotNullAddition { .. }),
            "{err}"
        );
        assert!(!q.ask_rename_model(&model, &model));
    }

    /// Issue 20.5: a NOT NULL foreign key asks for an existing row's primary key, or to add
    /// the field as nullable first; without an answer the error says the same.
    #[test]
    fn a_foreign_key_asks_for_an_existing_primary_key() {
        use migrator_core::{ForeignKey, OnDelete};
        let (model, _, _) = book();
        let field = FieldState::new("shelf", ColumnType::BigInt).foreign_key(ForeignKey::new(
            "library",
            "Shelf",
            OnDelete::Cascade,
        ));
        let (mut out, cap) = Output::captured(1);
        let mut q = InteractiveQuestioner::new(&b"1\n7\n"[..], &mut out);
        assert_eq!(
            q.not_null_addition(&model, &field),
            Ok(DefaultValue::Int(7))
        );
        let text = cap.stdout();
        for needle in [
            "it must be the primary key of an existing library.Shelf row",
            "Provide the primary key of an existing library.Shelf row now",
            "add the field as nullable (`Option<…>`) first",
            "Enter the primary key of an existing library.Shelf row for shelf (BIGINT)",
        ] {
            assert!(text.contains(needle), "{needle}:\n{text}");
        }
        assert!(!text.contains("such as 0"), "{text}");
        let (mut out, _cap) = Output::captured(1);
        let mut q = InteractiveQuestioner::new(&b""[..], &mut out);
        let err = q.ask_not_null_addition(&model, &field).unwrap_err();
        assert!(
            matches!(err, QuestionError::NotNullForeignKeyAddition { .. }),
            "{err}"
        );
        let err = NonInteractiveQuestioner
            .ask_not_null_addition(&model, &field)
            .unwrap_err()
            .to_string();
        for needle in [
            "non-nullable foreign key `library.Book.shelf`",
            "existing `library.Shelf` row",
            "nullable (`Option<T>`) first",
        ] {
            assert!(err.contains(needle), "{needle}: {err}");
        }
    }
}
