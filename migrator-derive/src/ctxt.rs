//! The error collector shared by every parsing and checking step (serde's `Ctxt` habit).
//!
//! Steps record errors here and keep going, so one build reports every mistake in a struct.
//! This module only collects and combines errors; it decides nothing about what is wrong.

use std::cell::RefCell;
use std::fmt::Display;

use proc_macro2::Span;

/// Collects `syn::Error`s; [`Ctxt::finish`] combines them into one.
#[derive(Default)]
pub(crate) struct Ctxt {
    errors: RefCell<Vec<syn::Error>>,
}

impl Ctxt {
    /// A fresh, empty collector.
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// Records an error at `span`.
    pub(crate) fn error(&self, span: Span, message: impl Display) {
        self.errors
            .borrow_mut()
            .push(syn::Error::new(span, message));
    }

    /// Records an error produced by syn.
    pub(crate) fn syn_error(&self, error: syn::Error) {
        self.errors.borrow_mut().push(error);
    }

    /// Every recorded error combined into one (in the order they were found), or `Ok`.
    pub(crate) fn finish(self) -> Result<(), syn::Error> {
        let mut errors = self.errors.into_inner().into_iter();
        let Some(mut first) = errors.next() else {
            return Ok(());
        };
        for e in errors {
            first.combine(e);
        }
        Err(first)
    }
}
