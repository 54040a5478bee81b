//! `/staff/outbox`: the emails about a conference (or all), failed ones
//! first with a **Retry** button each, then the rest newest first. The
//! operations are the API's outbox list and `RetryEmail`.

use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::pick;
use crate::email::ops::{self as outbox_ops, RetryEmail};
use crate::email::outbox::{ListFilter, OutboxRow, Status};
use crate::ids::{ConferenceId, EmailId};
use crate::ops::role;
use crate::ops::Error;
use crate::web::error::{sentence, PageError};
use crate::web::fields::{new_idempotency_key, Problems};
use crate::web::format;
use crate::web::pages::{render, run_form, see_other, Choice, Choices, Chrome};
use crate::web::session::{self, Posted, StaffUser};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/staff/outbox", web::get().to(list))
        .route("/staff/outbox/{id}/retry", web::post().to(retry));
}

/// Emails shown in each part of the page (the newest).
const PAGE: i64 = 200;

fn status_label(s: Status) -> (&'static str, &'static str) {
    match s {
        Status::Pending => ("Waiting", "tag-yellow"),
        Status::Sending => ("Sending", "tag-blue"),
        Status::Sent => ("Sent", "tag-green"),
        Status::Failed => ("Failed", "tag-grey"),
    }
}

pub struct Email {
    pub id: String,
    pub recipient: String,
    pub subject: String,
    pub status: &'static str,
    pub status_class: &'static str,
    pub attempts: i32,
    pub last_error: String,
    pub when: String,
    pub failed: bool,
    pub key: String,
}

fn email(r: &OutboxRow) -> Email {
    let status = r.status();
    let (label, class) = status_label(status);
    let at = r.sent_at.unwrap_or(r.created_at).and_utc();
    Email {
        id: r.id.clone(),
        recipient: r.recipient.clone(),
        subject: r.subject.clone(),
        status: label,
        status_class: class,
        attempts: r.attempts,
        last_error: r.last_error.clone().unwrap_or_default(),
        when: format::instant(at, chrono_tz::Europe::London),
        failed: status == Status::Failed,
        key: new_idempotency_key(),
    }
}

#[derive(Deserialize)]
struct Query {
    conference_id: Option<String>,
    status: Option<String>,
    done: Option<String>,
}

#[derive(Template)]
#[template(path = "web/staff/outbox.html")]
struct OutboxPage {
    chrome: Chrome,
    problems: Problems,
    done: String,
    conference: Choices,
    status: Choices,
    failed: Vec<Email>,
    others: Vec<Email>,
    /// The query string of this view, to come back to after a retry.
    back: String,
}

async fn list(
    req: HttpRequest,
    StaffUser(session, _): StaffUser<role::Admin>,
    query: web::Query<Query>,
) -> Result<HttpResponse, PageError> {
    let state = session::state(&req)?;
    let q = query.into_inner();
    let mut problems = Problems::default();
    let conference_value = pick::value(&q.conference_id).to_owned();
    let conference_id = match conference_value.as_str() {
        "" => None,
        c => ConferenceId::parse(c)
            .map(|c| c.to_string())
            .ok()
            .or_else(|| {
                problems.field("conference_id", "Choose a conference from the list");
                None
            }),
    };
    let status_value = pick::value(&q.status).to_owned();
    let status = match status_value.as_str() {
        "" => None,
        "pending" => Some(Status::Pending),
        "failed" => Some(Status::Failed),
        "sent" => Some(Status::Sent),
        _ => {
            problems.field("status", "Choose a status from the list");
            None
        }
    };
    let actor = session.actor().clone();
    let ok = problems.is_empty();
    let (conferences, failed, others) = state
        .db(move |conn| {
            let conferences = pick::conferences(conn)?;
            if !ok {
                return Ok((conferences, Vec::new(), Vec::new()));
            }
            let failed = if status.is_none() || status == Some(Status::Failed) {
                let f = ListFilter {
                    status: Some(Status::Failed),
                    conference_id: conference_id.clone(),
                };
                outbox_ops::list(conn, &actor, &f, PAGE, None)?
            } else {
                Vec::new()
            };
            let others = if status == Some(Status::Failed) {
                Vec::new()
            } else {
                let f = ListFilter {
                    status,
                    conference_id,
                };
                outbox_ops::list(conn, &actor, &f, PAGE, None)?
                    .into_iter()
                    .filter(|r| r.status() != Status::Failed)
                    .collect()
            };
            Ok((conferences, failed, others))
        })
        .await?;
    let mut statuses = vec![Choice::new("", "Any", &status_value)];
    statuses.extend(
        [
            ("failed", "Failed"),
            ("pending", "Waiting"),
            ("sent", "Sent"),
        ]
        .iter()
        .map(|(v, l)| Choice::new(v, l, &status_value)),
    );
    let done = match q.done.as_deref() {
        Some("retried") => "The email is queued again and will be sent shortly.".to_owned(),
        Some(m) if !m.is_empty() => sentence(m),
        _ => String::new(),
    };
    let title = if problems.is_empty() {
        "Outbox"
    } else {
        "Error: Outbox"
    };
    render(&OutboxPage {
        chrome: Chrome::signed_in(title, &session),
        done,
        conference: pick::conference_choices(
            &conferences,
            &conference_value,
            Some("All conferences"),
            &problems,
        ),
        status: Choices::new("status", "Status", statuses, &problems),
        problems,
        failed: failed.iter().take(PAGE as usize).map(email).collect(),
        others: others.iter().take(PAGE as usize).map(email).collect(),
        back: format!(
            "conference_id={}&status={}",
            conference_value.replace(|c: char| !c.is_ascii_alphanumeric() && c != '-', ""),
            status_value.replace(|c: char| !c.is_ascii_alphanumeric(), "")
        ),
    })
}

async fn retry(
    req: HttpRequest,
    post: Posted<StaffUser<role::Admin>>,
    id: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let state = session::state(&req)?;
    let (StaffUser(session, _), form) = (post.who, post.form);
    let id = EmailId::parse(&id.into_inner()).map_err(|_| PageError::NotFound)?;
    let back = form.get("back").to_owned();
    let back = if back
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "-_=&".contains(c))
    {
        back
    } else {
        String::new()
    };
    let outcome = run_form(&state, session.actor(), form.idempotency_key(), || {
        RetryEmail { id: id.clone() }
    })
    .await;
    let done = match outcome {
        Ok(_) => "retried".to_owned(),
        Err(Error::Conflict(_)) => "already".to_owned(),
        Err(e) => return Err(e.into()),
    };
    Ok(see_other(&format!("/staff/outbox?{back}&done={done}")))
}
