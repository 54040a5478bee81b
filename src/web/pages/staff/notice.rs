//! `/staff/conferences/{id}/privacy-notice`: the conference's privacy
//! notice as published, every earlier version, and a form that publishes a
//! new version (the API's `PublishNotice`).

use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use crate::ids::ConferenceId;
use crate::ops::{role, Error};
use crate::privacy::notices::{self, Overview, PublishNotice};
use crate::state::AppState;
use crate::web::error::{sentence, PageError};
use crate::web::fields::{new_idempotency_key, Problems};
use crate::web::format;
use crate::web::pages::{render, render_refused, run_form, see_other, Chrome, Done, Input};
use crate::web::session::{self, Posted, SignedIn, StaffUser};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/staff/conferences/{id}/privacy-notice",
        web::get().to(show),
    )
    .route(
        "/staff/conferences/{id}/privacy-notice",
        web::post().to(publish),
    );
}

pub struct VersionLine {
    pub version: i32,
    pub published: String,
    pub href: String,
}

#[derive(Template)]
#[template(path = "web/staff/privacy_notice.html")]
struct NoticePage {
    chrome: Chrome,
    problems: Problems,
    /// What the last publication did: a new version, or nothing new.
    done: Option<&'static str>,
    id: String,
    conference_name: String,
    current: Option<i32>,
    versions: Vec<VersionLine>,
    text: Input,
    key: String,
}

async fn load(state: &AppState, id: ConferenceId) -> Result<Overview, PageError> {
    Ok(state.db(move |conn| notices::overview(conn, &id)).await?)
}

fn page(
    session: &SignedIn,
    Overview {
        conference,
        current,
        versions,
    }: Overview,
    typed: Option<&str>,
    problems: Problems,
    done: Option<&'static str>,
) -> NoticePage {
    let id = conference.id.to_string();
    let text = typed
        .map(str::to_owned)
        .or_else(|| current.as_ref().map(|n| n.text.clone()))
        .unwrap_or_default();
    NoticePage {
        chrome: Chrome::signed_in(
            if problems.is_empty() {
                "Privacy notice"
            } else {
                "Error: Privacy notice"
            },
            session,
        ),
        done,
        current: current.as_ref().map(|n| n.version),
        versions: versions
            .into_iter()
            .map(|(version, at)| VersionLine {
                version,
                published: format::date(at.date_naive()),
                href: notices::page_path(&conference.id, version),
            })
            .collect(),
        conference_name: conference.spec.name,
        id,
        text: Input::new("text", "Text of the notice", &text, &problems).hint(
            "What the party keeps about delegates, why, for how long, and how to ask for it. \
             Leave a blank line between paragraphs. Publishing a change makes a new version; \
             registrations keep the version their organisation accepted.",
        ),
        problems,
        key: new_idempotency_key(),
    }
}

async fn show(
    req: HttpRequest,
    StaffUser(session, _): StaffUser<role::Conference>,
    id: web::Path<uuid::Uuid>,
    query: web::Query<Done>,
) -> Result<HttpResponse, PageError> {
    let state = session::state(&req)?;
    let loaded = load(&state, id.into_inner().into()).await?;
    let done = match query.done.as_deref() {
        Some("new") => Some("The new version has been published."),
        Some(_) => Some("The text was the same as the current version, so nothing changed."),
        None => None,
    };
    render(&page(&session, loaded, None, Problems::default(), done))
}

async fn publish(
    req: HttpRequest,
    post: Posted<StaffUser<role::Conference>>,
    id: web::Path<uuid::Uuid>,
) -> Result<HttpResponse, PageError> {
    let state = session::state(&req)?;
    let (StaffUser(session, _), form) = (post.who, post.form);
    let conference_id = ConferenceId::from(id.into_inner());
    let text = form.get("text").to_owned();
    let outcome = run_form(&state, session.actor(), form.idempotency_key(), || {
        PublishNotice {
            conference_id: conference_id.clone(),
            text: text.clone(),
        }
    })
    .await;
    let mut problems = Problems::default();
    match outcome {
        Ok(done) => {
            let how = if done.value.new_version {
                "new"
            } else {
                "same"
            };
            return Ok(see_other(&format!(
                "/staff/conferences/{conference_id}/privacy-notice?done={how}"
            )));
        }
        Err(Error::Validation(errors)) => {
            for e in errors {
                problems.field("text", sentence(&e.message));
            }
        }
        Err(Error::Conflict(m)) => problems.general(sentence(&m)),
        Err(e) => return Err(e.into()),
    }
    let loaded = load(&state, conference_id).await?;
    render_refused(&page(&session, loaded, Some(&text), problems, None))
}
