//! Form bodies as the browser sent them, and the errors a page shows: the
//! operations report problems by field path (`delegates[1].email`); a form
//! names its inputs by the same path with `-` for punctuation
//! (`delegates-1-email`), so each problem lands beside its input and the
//! summary at the top links to it.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpRequest};

use super::error::PageError;
use crate::ops::idempotency::IdempotencyKey;
use crate::values::FieldError;

/// The name of the hidden field holding a form's idempotency key.
pub const IDEMPOTENCY_FIELD: &str = "idempotency_key";

/// A urlencoded form body, in order.
#[derive(Debug, Clone, Default)]
pub struct Fields(pub Vec<(String, String)>);

impl Fields {
    /// The first value of a field, or "".
    pub fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    }

    /// Whether a checkbox was ticked (sent at all).
    pub fn checked(&self, name: &str) -> bool {
        self.0.iter().any(|(k, _)| k == name)
    }

    /// The form's idempotency key, if it carries a well-formed one.
    pub fn idempotency_key(&self) -> Option<IdempotencyKey> {
        IdempotencyKey::parse(self.get(IDEMPOTENCY_FIELD)).ok()
    }
}

impl FromRequest for Fields {
    type Error = PageError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, PageError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let form = web::Form::<Vec<(String, String)>>::from_request(req, payload);
        Box::pin(async move {
            form.await
                .map(|f| Fields(f.into_inner()))
                .map_err(|_| PageError::BadForm)
        })
    }
}

/// A new idempotency key for a form about to be shown.
pub fn new_idempotency_key() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// The input id of an operation's field path: `delegates[1].email` →
/// `delegates-1-email`.
pub fn input_id(field: &str) -> String {
    let mut id = String::with_capacity(field.len());
    for c in field.chars() {
        match c {
            '[' | '.' => id.push('-'),
            ']' => {}
            c => id.push(c),
        }
    }
    id
}

/// One problem as a page shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The input it belongs to (`None`: the form as a whole).
    pub input: Option<String>,
    /// The whole sentence, for the summary and beside the input.
    pub message: String,
}

/// The problems of a form, in the order the summary lists them.
#[derive(Debug, Clone, Default)]
pub struct Problems(pub Vec<Problem>);

impl Problems {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// A problem with the form as a whole.
    pub fn general(&mut self, message: impl Into<String>) {
        self.0.push(Problem {
            input: None,
            message: message.into(),
        });
    }

    /// A problem with one input.
    pub fn field(&mut self, input: impl Into<String>, message: impl Into<String>) {
        self.0.push(Problem {
            input: Some(input.into()),
            message: message.into(),
        });
    }

    /// The operation's field errors, each turned into a sentence by
    /// `describe` (given the field path and the operation's message) and
    /// placed on the input of that path when the form has it (`inputs`);
    /// otherwise on the form as a whole.
    pub fn from_fields(
        errors: &[FieldError],
        inputs: &[String],
        describe: impl Fn(&str, &str) -> String,
    ) -> Self {
        let mut p = Problems::default();
        for e in errors {
            let id = input_id(&e.field);
            let message = describe(&e.field, &e.message);
            if inputs.contains(&id) {
                p.field(id, message);
            } else {
                p.general(message);
            }
        }
        p
    }

    /// The message for an input, if it has a problem.
    pub fn for_input(&self, input: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|p| p.input.as_deref() == Some(input))
            .map(|p| p.message.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_paths_become_input_ids() {
        assert_eq!(input_id("delegates[1].email"), "delegates-1-email");
        assert_eq!(input_id("title"), "title");
        assert_eq!(input_id("delegates"), "delegates");
    }

    #[test]
    fn problems_land_on_their_inputs() {
        let errors = vec![
            FieldError::new("delegates[1].email", "must be a valid email address"),
            FieldError::new("delegates", "at most 50 delegates"),
        ];
        let inputs = vec!["delegates-1-email".to_owned()];
        let p = Problems::from_fields(&errors, &inputs, |f, m| format!("{f}: {m}"));
        assert_eq!(
            p.for_input("delegates-1-email"),
            Some("delegates[1].email: must be a valid email address")
        );
        assert_eq!(p.0[1].input, None);
    }

    #[test]
    fn checkboxes_and_values() {
        let f = Fields(vec![
            ("a".into(), "1".into()),
            ("b".into(), "on".into()),
            (IDEMPOTENCY_FIELD.into(), "k-1".into()),
        ]);
        assert_eq!(f.get("a"), "1");
        assert_eq!(f.get("z"), "");
        assert!(f.checked("b"));
        assert!(!f.checked("c"));
        assert_eq!(f.idempotency_key().unwrap().as_str(), "k-1");
    }
}
