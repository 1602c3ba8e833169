//! The questions makemigrations asks while detecting changes: "did you rename X to Y?" and "what
//! one-off default fills existing rows?". This module owns the [`Questioner`] trait, the
//! [`NonInteractiveQuestioner`] (`--noinput`: renames only through `renamed_from` hints, NOT
//! NULL additions fail with a clear error), the [`CheckQuestioner`] (`--check`: never asks,
//! never fails, records what a real run would ask), the [`ScopedQuestioner`] (`makemigrations
//! app…`: questions about other apps are not asked) and the [`ScriptedQuestioner`] used by
//! tests. It also
//! words the prompts ([`Question::prompt`]) so every front end asks the same thing. Terminal
//! I/O lives in migrator-cli, never here.

use std::collections::VecDeque;
use std::fmt;

use thiserror::Error;

use crate::state::{DefaultValue, FieldState, ModelState};

/// Why a question could not be answered; makemigrations stops and writes nothing.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum QuestionError {
    /// A NOT NULL field without default is added and nobody can supply a one-off default.
    #[error(
        "it is impossible to add the non-nullable field `{app}.{model}.{field}` without a default, \
because existing rows of `{model}` need a value in the new column. Either make the field \
nullable (`Option<T>`), or give it a default in the model (`#[model(default = …)]`), or run \
makemigrations interactively (in a terminal, without --noinput) and enter a one-off default for \
existing rows when it asks"
    )]
    NotNullAddition {
        /// App label.
        app: String,
        /// Model name.
        model: String,
        /// Field name.
        field: String,
    },
    /// A NOT NULL foreign key is added without default and nobody can name an existing row of
    /// its target for the existing rows (a made-up value such as `0` would break the key).
    #[error(
        "it is impossible to add the non-nullable foreign key `{app}.{model}.{field}` without a \
default, because existing rows of `{model}` need a value that names an existing `{target}` row. \
Either add the field as nullable (`Option<T>`) first, fill it (a RunSql or RunRust step), then \
make it non-nullable in a later migration; or run makemigrations interactively (in a terminal, \
without --noinput) and enter the primary key of an existing `{target}` row when it asks"
    )]
    NotNullForeignKeyAddition {
        /// App label.
        app: String,
        /// Model name.
        model: String,
        /// Field name.
        field: String,
        /// The referenced model, `app.Model`.
        target: String,
    },
    /// A NULL → NOT NULL change that needs an answer nobody can give.
    #[error(
        "the field `{app}.{model}.{field}` changes from nullable to non-nullable without a default; \
existing NULLs need a value. Either keep it `Option<T>`, or give it a default in the model \
(`#[model(default = …)]`), or run makemigrations interactively (in a terminal, without \
--noinput) and enter a one-off default when it asks"
    )]
    NotNullAlteration {
        /// App label.
        app: String,
        /// Model name.
        model: String,
        /// Field name.
        field: String,
    },
    /// The user chose to quit at a prompt.
    #[error("makemigrations was aborted at the prompt: {0}; no migration was written")]
    Aborted(String),
}

impl QuestionError {
    /// Nobody can give `model.field` (added NOT NULL without default) a one-off default:
    /// [`QuestionError::NotNullForeignKeyAddition`] for a foreign key, else
    /// [`QuestionError::NotNullAddition`].
    pub fn not_null_addition(model: &ModelState, field: &FieldState) -> Self {
        match &field.foreign_key {
            Some(fk) => Self::NotNullForeignKeyAddition {
                app: model.app.clone(),
                model: model.name.clone(),
                field: field.name.clone(),
                target: format!("{}.{}", fk.app, fk.model),
            },
            None => Self::NotNullAddition {
                app: model.app.clone(),
                model: model.name.clone(),
                field: field.name.clone(),
            },
        }
    }
}

/// Answers the questions the autodetector asks. Implementations: [`NonInteractiveQuestioner`],
/// [`ScriptedQuestioner`], and migrator-cli's terminal questioner.
pub trait Questioner {
    /// Was `old` renamed to `new`? (Same app; same fields.)
    fn ask_rename_model(&mut self, old: &ModelState, new: &ModelState) -> bool;
    /// Was field `old` of `model` renamed to `new`? (Same definition apart from name/column.)
    fn ask_rename_field(&mut self, model: &ModelState, old: &FieldState, new: &FieldState) -> bool;
    /// NOT NULL field added without default: a one-off default, or Err to abort.
    fn ask_not_null_addition(
        &mut self,
        model: &ModelState,
        field: &FieldState,
    ) -> Result<DefaultValue, QuestionError>;
    /// Field altered from NULL to NOT NULL without default: `Some` one-off default to fill the
    /// NULLs, `None` to leave existing NULLs to the user (a later data migration), or Err to
    /// abort.
    fn ask_not_null_alteration(
        &mut self,
        model: &ModelState,
        field: &FieldState,
    ) -> Result<Option<DefaultValue>, QuestionError>;
}

/// The questioner of `makemigrations --noinput`: renames only through `renamed_from` hints
/// (it answers "no" to every rename question), a NOT NULL addition is an error naming the field
/// and the fixes, and a NULL → NOT NULL alteration goes ahead without a default (Django's
/// behaviour: existing NULLs must be handled by a data migration).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NonInteractiveQuestioner;

impl Questioner for NonInteractiveQuestioner {
    fn ask_rename_model(&mut self, _old: &ModelState, _new: &ModelState) -> bool {
        false
    }

    fn ask_rename_field(&mut self, _m: &ModelState, _old: &FieldState, _new: &FieldState) -> bool {
        false
    }

    fn ask_not_null_addition(
        &mut self,
        model: &ModelState,
        field: &FieldState,
    ) -> Result<DefaultValue, QuestionError> {
        Err(QuestionError::not_null_addition(model, field))
    }

    fn ask_not_null_alteration(
        &mut self,
        _model: &ModelState,
        _field: &FieldState,
    ) -> Result<Option<DefaultValue>, QuestionError> {
        Ok(None)
    }
}

/// The questioner of `makemigrations --check`, which only needs to know whether a migration
/// is due: it never asks and never fails. Renames are answered "no" (as under `--noinput`;
/// `renamed_from` hints still make renames), a NOT NULL field added without a default gets
/// [`CheckQuestioner::PLACEHOLDER`] as its one-off default (so the change is still reported
/// as pending instead of failing), and a NULL → NOT NULL alteration goes ahead without one.
/// Every question a real run would ask is recorded in [`CheckQuestioner::asked`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CheckQuestioner {
    /// The questions a real `makemigrations` run would ask, in order.
    pub asked: Vec<Question>,
}

impl CheckQuestioner {
    /// The SQL text standing in for a one-off default nobody was asked for. It only appears
    /// in what `--check` shows; nothing is written.
    pub const PLACEHOLDER: &'static str =
        "<one-off default: makemigrations asks for it when run in a terminal>";
}

impl Questioner for CheckQuestioner {
    fn ask_rename_model(&mut self, old: &ModelState, new: &ModelState) -> bool {
        self.asked.push(Question::rename_model(old, new));
        false
    }

    fn ask_rename_field(&mut self, model: &ModelState, old: &FieldState, new: &FieldState) -> bool {
        self.asked.push(Question::rename_field(model, old, new));
        false
    }

    fn ask_not_null_addition(
        &mut self,
        model: &ModelState,
        field: &FieldState,
    ) -> Result<DefaultValue, QuestionError> {
        self.asked.push(Question::not_null_addition(model, field));
        Ok(DefaultValue::Sql(Self::PLACEHOLDER.to_owned()))
    }

    fn ask_not_null_alteration(
        &mut self,
        model: &ModelState,
        field: &FieldState,
    ) -> Result<Option<DefaultValue>, QuestionError> {
        self.asked.push(Question::not_null_alteration(model, field));
        Ok(None)
    }
}

/// What [`ScopedQuestioner`] remembers of an answer, so a question asked again (detection runs
/// again when a requested app turns out to need an app outside the scope) is not asked twice.
#[derive(Clone, Debug)]
enum Remembered {
    Rename(bool),
    Addition(Result<DefaultValue, QuestionError>),
    Alteration(Result<Option<DefaultValue>, QuestionError>),
}

/// Keeps `makemigrations app…` to its apps: questions about models of the apps in scope go to
/// the wrapped questioner, the others are not asked — renames are "no", one-off defaults are
/// [`CheckQuestioner::PLACEHOLDER`] — and their apps are noted in
/// [`ScopedQuestioner::unasked`], so a caller that ends up keeping one of them (a requested app
/// depends on it) widens the scope and detects again. Every answer is remembered, so no
/// question is asked twice.
pub struct ScopedQuestioner<'a> {
    inner: &'a mut dyn Questioner,
    /// `None`: every app is in scope.
    scope: Option<std::collections::BTreeSet<String>>,
    remembered: Vec<(Question, Remembered)>,
    /// The apps outside the scope that had a question nobody was asked.
    pub unasked: std::collections::BTreeSet<String>,
}

impl<'a> ScopedQuestioner<'a> {
    /// Asks `inner` about models of `apps` only; an empty `apps` means every app.
    pub fn new(inner: &'a mut dyn Questioner, apps: &[String]) -> Self {
        Self {
            inner,
            scope: (!apps.is_empty()).then(|| apps.iter().cloned().collect()),
            remembered: Vec::new(),
            unasked: std::collections::BTreeSet::new(),
        }
    }

    /// Puts `apps` in scope too.
    pub fn widen(&mut self, apps: impl IntoIterator<Item = String>) {
        if let Some(scope) = &mut self.scope {
            scope.extend(apps);
        }
    }

    fn in_scope(&mut self, app: &str) -> bool {
        let yes = self.scope.as_ref().is_none_or(|s| s.contains(app));
        if !yes {
            self.unasked.insert(app.to_string());
        }
        yes
    }

    fn recall(&self, q: &Question) -> Option<Remembered> {
        self.remembered
            .iter()
            .find(|(k, _)| k == q)
            .map(|(_, a)| a.clone())
    }
}

impl Questioner for ScopedQuestioner<'_> {
    fn ask_rename_model(&mut self, old: &ModelState, new: &ModelState) -> bool {
        if !self.in_scope(&new.app) {
            return false;
        }
        let q = Question::rename_model(old, new);
        if let Some(Remembered::Rename(yes)) = self.recall(&q) {
            return yes;
        }
        let yes = self.inner.ask_rename_model(old, new);
        self.remembered.push((q, Remembered::Rename(yes)));
        yes
    }

    fn ask_rename_field(&mut self, model: &ModelState, old: &FieldState, new: &FieldState) -> bool {
        if !self.in_scope(&model.app) {
            return false;
        }
        let q = Question::rename_field(model, old, new);
        if let Some(Remembered::Rename(yes)) = self.recall(&q) {
            return yes;
        }
        let yes = self.inner.ask_rename_field(model, old, new);
        self.remembered.push((q, Remembered::Rename(yes)));
        yes
    }

    fn ask_not_null_addition(
        &mut self,
        model: &ModelState,
        field: &FieldState,
    ) -> Result<DefaultValue, QuestionError> {
        if !self.in_scope(&model.app) {
            return Ok(DefaultValue::Sql(CheckQuestioner::PLACEHOLDER.to_owned()));
        }
        let q = Question::not_null_addition(model, field);
        if let Some(Remembered::Addition(answer)) = self.recall(&q) {
            return answer;
        }
        let answer = self.inner.ask_not_null_addition(model, field);
        self.remembered
            .push((q, Remembered::Addition(answer.clone())));
        answer
    }

    fn ask_not_null_alteration(
        &mut self,
        model: &ModelState,
        field: &FieldState,
    ) -> Result<Option<DefaultValue>, QuestionError> {
        if !self.in_scope(&model.app) {
            return Ok(None);
        }
        let q = Question::not_null_alteration(model, field);
        if let Some(Remembered::Alteration(answer)) = self.recall(&q) {
            return answer;
        }
        let answer = self.inner.ask_not_null_alteration(model, field);
        self.remembered
            .push((q, Remembered::Alteration(answer.clone())));
        answer
    }
}

/// A question the autodetector asked, as recorded by [`ScriptedQuestioner`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Question {
    /// "Did you rename the `app.old` model to `new`?"
    RenameModel {
        /// App label.
        app: String,
        /// The old model name.
        old: String,
        /// The new model name.
        new: String,
    },
    /// "Did you rename `app.model.old` to `app.model.new`?"
    RenameField {
        /// App label.
        app: String,
        /// Model name.
        model: String,
        /// The old field name.
        old: String,
        /// The new field name.
        new: String,
    },
    /// "Which one-off default fills `app.model.field` in existing rows?"
    NotNullAddition {
        /// App label.
        app: String,
        /// Model name.
        model: String,
        /// Field name.
        field: String,
    },
    /// "Which one-off default replaces NULLs in `app.model.field`?"
    NotNullAlteration {
        /// App label.
        app: String,
        /// Model name.
        model: String,
        /// Field name.
        field: String,
    },
}

impl Question {
    /// The rename-model question.
    pub fn rename_model(old: &ModelState, new: &ModelState) -> Self {
        Self::RenameModel {
            app: new.app.clone(),
            old: old.name.clone(),
            new: new.name.clone(),
        }
    }

    /// The rename-field question.
    pub fn rename_field(model: &ModelState, old: &FieldState, new: &FieldState) -> Self {
        Self::RenameField {
            app: model.app.clone(),
            model: model.name.clone(),
            old: old.name.clone(),
            new: new.name.clone(),
        }
    }

    /// The NOT NULL addition question.
    pub fn not_null_addition(model: &ModelState, field: &FieldState) -> Self {
        Self::NotNullAddition {
            app: model.app.clone(),
            model: model.name.clone(),
            field: field.name.clone(),
        }
    }

    /// The NULL → NOT NULL alteration question.
    pub fn not_null_alteration(model: &ModelState, field: &FieldState) -> Self {
        Self::NotNullAlteration {
            app: model.app.clone(),
            model: model.name.clone(),
            field: field.name.clone(),
        }
    }

    /// The prompt text in Django's wording (without the answer choices).
    pub fn prompt(&self) -> String {
        match self {
            Self::RenameModel { app, old, new } => {
                format!("Did you rename the {app}.{old} model to {new}?")
            }
            Self::RenameField {
                app,
                model,
                old,
                new,
            } => format!("Did you rename {app}.{model}.{old} to {app}.{model}.{new}?"),
            Self::NotNullAddition { app, model, field } => format!(
                "It is impossible to add a non-nullable field '{field}' to {app}.{model} without \
specifying a default. This is because the database needs something to populate existing rows."
            ),
            Self::NotNullAlteration { app, model, field } => format!(
                "It is impossible to change a nullable field '{field}' on {app}.{model} to \
non-nullable without providing a default. This is because the database needs something to \
populate existing rows."
            ),
        }
    }
}

impl fmt::Display for Question {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.prompt())
    }
}

/// One prepared answer for [`ScriptedQuestioner`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answer {
    /// Yes/no to a rename question.
    Rename(bool),
    /// A one-off default (NOT NULL addition or alteration).
    Default(DefaultValue),
    /// No default for a NULL → NOT NULL alteration (existing NULLs handled later).
    NoDefault,
    /// Quit at this question.
    Abort,
}

/// A questioner for tests: answers from a queue, in order, and records every question asked.
///
/// A question whose next answer does not fit it (or that finds the queue empty) is answered
/// "no" for renames and aborts for defaults; it is still recorded, so tests can assert on
/// [`ScriptedQuestioner::asked`].
#[derive(Clone, Debug, Default)]
pub struct ScriptedQuestioner {
    answers: VecDeque<Answer>,
    /// Every question asked so far, in order.
    pub asked: Vec<Question>,
}

impl ScriptedQuestioner {
    /// A questioner that gives `answers` in order.
    pub fn new(answers: impl IntoIterator<Item = Answer>) -> Self {
        Self {
            answers: answers.into_iter().collect(),
            asked: Vec::new(),
        }
    }

    /// The answers not used yet.
    pub fn remaining(&self) -> usize {
        self.answers.len()
    }

    fn rename(&mut self, q: Question) -> bool {
        self.asked.push(q);
        match self.answers.front() {
            Some(Answer::Rename(yes)) => {
                let yes = *yes;
                self.answers.pop_front();
                yes
            }
            _ => false,
        }
    }

    fn default(
        &mut self,
        q: Question,
        allow_none: bool,
    ) -> Result<Option<DefaultValue>, QuestionError> {
        let text = q.prompt();
        self.asked.push(q);
        match self.answers.front() {
            Some(Answer::Default(d)) => {
                let d = d.clone();
                self.answers.pop_front();
                Ok(Some(d))
            }
            Some(Answer::NoDefault) if allow_none => {
                self.answers.pop_front();
                Ok(None)
            }
            Some(Answer::Abort) => {
                self.answers.pop_front();
                Err(QuestionError::Aborted(text))
            }
            _ => Err(QuestionError::Aborted(format!(
                "no scripted answer for: {text}"
            ))),
        }
    }
}

impl Questioner for ScriptedQuestioner {
    fn ask_rename_model(&mut self, old: &ModelState, new: &ModelState) -> bool {
        self.rename(Question::rename_model(old, new))
    }

    fn ask_rename_field(&mut self, model: &ModelState, old: &FieldState, new: &FieldState) -> bool {
        self.rename(Question::rename_field(model, old, new))
    }

    fn ask_not_null_addition(
        &mut self,
        model: &ModelState,
        field: &FieldState,
    ) -> Result<DefaultValue, QuestionError> {
        let q = Question::not_null_addition(model, field);
        self.default(q, false)?
            .ok_or_else(|| QuestionError::Aborted("no default given".to_string()))
    }

    fn ask_not_null_alteration(
        &mut self,
        model: &ModelState,
        field: &FieldState,
    ) -> Result<Option<DefaultValue>, QuestionError> {
        self.default(Question::not_null_alteration(model, field), true)
    }
}
