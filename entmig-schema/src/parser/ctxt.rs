//! Collects every error of one struct, so a user sees all bad attributes in one compile.

use std::fmt::Display;

use proc_macro2::Span;

/// The errors found so far. [`Ctxt::check`] must be called: a dropped `Ctxt` that still holds
/// errors would lose them, so its drop guard panics in debug builds (as serde's does).
#[derive(Default)]
pub(crate) struct Ctxt {
    errors: Option<Vec<syn::Error>>,
}

impl Ctxt {
    pub(crate) fn new() -> Self {
        Self {
            errors: Some(Vec::new()),
        }
    }

    /// Records an error at `span`.
    pub(crate) fn error(&mut self, span: Span, message: impl Display) {
        self.push(syn::Error::new(span, message));
    }

    /// Records an error.
    pub(crate) fn push(&mut self, error: syn::Error) {
        if let Some(errors) = &mut self.errors {
            errors.push(error);
        }
    }

    /// How many errors were recorded so far, to tell whether a step added any.
    pub(crate) fn count(&self) -> usize {
        self.errors.as_ref().map_or(0, Vec::len)
    }

    /// Records the error of a failed result and gives its value otherwise.
    pub(crate) fn ok<T>(&mut self, result: syn::Result<T>) -> Option<T> {
        result.map_err(|e| self.push(e)).ok()
    }

    /// Ends collection: every error combined into one, or `Ok` when there were none.
    pub(crate) fn check(mut self) -> syn::Result<()> {
        let errors = self.errors.take().unwrap_or_default();
        let mut iter = errors.into_iter();
        let Some(mut combined) = iter.next() else {
            return Ok(());
        };
        for error in iter {
            combined.combine(error);
        }
        Err(combined)
    }
}

impl Drop for Ctxt {
    fn drop(&mut self) {
        if !std::thread::panicking() && self.errors.as_ref().is_some_and(|e| !e.is_empty()) {
            debug_assert!(
                false,
                "entmig parser: errors were collected but never checked"
            );
        }
    }
}
