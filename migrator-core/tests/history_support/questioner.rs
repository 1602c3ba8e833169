//! The questioner of the random histories: rename questions answered with the developer's
//! intent, one-off defaults that keep the seeded rows valid.

use migrator_core::questioner::{QuestionError, Questioner};
use migrator_core::{DefaultValue, FieldState, ModelState};

use super::{typed_default, World};

/// Answers rename questions with the developer's intent and gives one-off defaults (in SQLite
/// mode always the value 1, which every table's seeded row has as its id, so foreign keys
/// filled with it stay valid).
pub struct IntentQuestioner<'a> {
    world: &'a World,
    alterations: u32,
}

impl<'a> IntentQuestioner<'a> {
    /// A questioner answering with `world`'s intent.
    pub fn new(world: &'a World) -> Self {
        Self {
            world,
            alterations: 0,
        }
    }
}

impl Questioner for IntentQuestioner<'_> {
    fn ask_rename_model(&mut self, old: &ModelState, new: &ModelState) -> bool {
        self.world
            .model_renames
            .contains(&(new.app.clone(), old.name.clone(), new.name.clone()))
    }

    fn ask_rename_field(&mut self, model: &ModelState, old: &FieldState, new: &FieldState) -> bool {
        self.world.field_renames.contains(&(
            model.app.clone(),
            model.name.clone(),
            old.name.clone(),
            new.name.clone(),
        ))
    }

    fn ask_not_null_addition(
        &mut self,
        _model: &ModelState,
        field: &FieldState,
    ) -> Result<DefaultValue, QuestionError> {
        if self.world.sqlite || field.foreign_key.is_some() {
            return Ok(DefaultValue::Int(i64::from(self.world.sqlite)));
        }
        Ok(typed_default(&field.column_type, 0))
    }

    fn ask_not_null_alteration(
        &mut self,
        _model: &ModelState,
        field: &FieldState,
    ) -> Result<Option<DefaultValue>, QuestionError> {
        self.alterations += 1;
        if self.world.sqlite {
            return Ok(Some(DefaultValue::Int(1)));
        }
        let value = if field.foreign_key.is_some() {
            DefaultValue::Int(7)
        } else {
            typed_default(&field.column_type, 7)
        };
        Ok(self.alterations.is_multiple_of(2).then_some(value))
    }
}
