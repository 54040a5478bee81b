//! The pages, by area: signing in and out (`auth`), the organisation's home
//! (`home`), registering delegates (`register`), bookings with
//! substitution and cancellation (`bookings`), submissions (`submissions`)
//! and the staff placeholder (`staff`). Shared here: the page frame
//! ([`Chrome`]), form inputs as templates show them, and rendering.

pub mod auth;
pub mod bookings;
pub mod documents;
pub mod home;
pub mod notice;
pub mod person;
pub mod register;
pub mod staff;
pub mod submissions;

use std::time::Duration;

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::error::PageError;
use super::fields::Problems;
pub use super::frame::Chrome;
use crate::ops::idempotency::IdempotencyKey;
use crate::ops::{Actor, Command, Error, Outcome};
use crate::state::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    auth::routes(cfg);
    home::routes(cfg);
    register::routes(cfg);
    bookings::routes(cfg);
    submissions::routes(cfg);
    staff::routes(cfg);
    documents::routes(cfg);
    notice::routes(cfg);
}

/// A page as a response.
pub fn render<T: Template>(page: &T) -> Result<HttpResponse, PageError> {
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(page.render()?))
}

/// A page shown in answer to a form post that was refused (422): the form
/// again, with its problems.
pub fn render_refused<T: Template>(page: &T) -> Result<HttpResponse, PageError> {
    Ok(HttpResponse::UnprocessableEntity()
        .content_type("text/html; charset=utf-8")
        .body(page.render()?))
}

/// "See this page next" after a form post: the browser fetches it with GET,
/// so a reload never posts again.
pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .finish()
}

/// Runs a form's operation once per idempotency key (the form's hidden
/// field): a double click or a reload of the post gets the first result.
/// A second post that arrives while the first is still running waits for
/// it (up to five seconds) rather than failing.
pub async fn run_form<C: Command>(
    state: &AppState,
    actor: &Actor,
    key: Option<IdempotencyKey>,
    command: impl Fn() -> C,
) -> Result<Outcome<C::Output>, Error> {
    for _ in 0..20 {
        match state.run_once(actor, key.as_ref(), command()).await {
            Err(Error::InProgress) => tokio::time::sleep(Duration::from_millis(250)).await,
            other => return other,
        }
    }
    Err(Error::InProgress)
}

/// `?done=…` on the page a form redirects to: what the form just did.
#[derive(Debug, Deserialize)]
pub struct Done {
    pub done: Option<String>,
}

/// One input as templates show it: label, hint, value typed, and its
/// problem if it has one.
#[derive(Debug, Clone)]
pub struct Input {
    pub id: String,
    pub label: String,
    pub hint: String,
    pub value: String,
    pub error: Option<String>,
    /// `text`, `email`, `password` …
    pub kind: &'static str,
    pub autocomplete: &'static str,
    /// A CSS width class (`width-20`), or "".
    pub width: &'static str,
}

impl Input {
    pub fn new(id: &str, label: &str, value: &str, problems: &Problems) -> Self {
        Self {
            id: id.to_owned(),
            label: label.to_owned(),
            hint: String::new(),
            value: value.to_owned(),
            error: problems.for_input(id).map(str::to_owned),
            kind: "text",
            autocomplete: "off",
            width: "",
        }
    }

    pub fn hint(mut self, hint: &str) -> Self {
        self.hint = hint.to_owned();
        self
    }

    pub fn kind(mut self, kind: &'static str) -> Self {
        self.kind = kind;
        self
    }

    pub fn autocomplete(mut self, autocomplete: &'static str) -> Self {
        self.autocomplete = autocomplete;
        self
    }

    pub fn width(mut self, width: &'static str) -> Self {
        self.width = width;
        self
    }

    /// `aria-describedby`: the hint and the error, if any.
    pub fn described_by(&self) -> String {
        let mut ids = Vec::new();
        if !self.hint.is_empty() {
            ids.push(format!("{}-hint", self.id));
        }
        if self.error.is_some() {
            ids.push(format!("{}-error", self.id));
        }
        ids.join(" ")
    }
}

/// One choice of a radio group or select.
#[derive(Debug, Clone)]
pub struct Choice {
    pub value: String,
    pub label: String,
    pub hint: String,
    pub selected: bool,
}

impl Choice {
    pub fn new(value: &str, label: &str, current: &str) -> Self {
        Self {
            value: value.to_owned(),
            label: label.to_owned(),
            hint: String::new(),
            selected: value == current,
        }
    }

    pub fn hint(mut self, hint: &str) -> Self {
        self.hint = hint.to_owned();
        self
    }
}

/// A radio group or a select: its legend or label, choices and problem.
#[derive(Debug, Clone)]
pub struct Choices {
    pub id: String,
    pub label: String,
    pub hint: String,
    pub choices: Vec<Choice>,
    pub error: Option<String>,
}

impl Choices {
    pub fn new(id: &str, label: &str, choices: Vec<Choice>, problems: &Problems) -> Self {
        Self {
            id: id.to_owned(),
            label: label.to_owned(),
            hint: String::new(),
            choices,
            error: problems.for_input(id).map(str::to_owned),
        }
    }

    pub fn hint(mut self, hint: &str) -> Self {
        self.hint = hint.to_owned();
        self
    }

    pub fn described_by(&self) -> String {
        let mut ids = Vec::new();
        if !self.hint.is_empty() {
            ids.push(format!("{}-hint", self.id));
        }
        if self.error.is_some() {
            ids.push(format!("{}-error", self.id));
        }
        ids.join(" ")
    }
}
