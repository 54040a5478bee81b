//! `/staff/extensions`: grant one organisation a later date for one
//! deadline of a conference, and see every extension granted. The
//! operation is the API's `GrantExtension` (audited; a new grant for the
//! same organisation and deadline replaces the old).

use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::pick;
use crate::conferences::Conference;
use crate::deadlines::ops::{self as deadlines, GrantExtension};
use crate::deadlines::rules::DeadlineKey;
use crate::ids::OrganisationId;
use crate::ops::role;
use crate::ops::Error;
use crate::organisations::OrganisationRow;
use crate::state::AppState;
use crate::values;
use crate::web::error::{sentence, PageError};
use crate::web::fields::{new_idempotency_key, Problems};
use crate::web::format;
use crate::web::pages::{
    render, render_refused, run_form, see_other, Choice, Choices, Chrome, Input,
};
use crate::web::session::{self, Posted, SignedIn, StaffUser};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/staff/extensions", web::get().to(list))
        .route("/staff/extensions", web::post().to(grant));
}

/// Extensions shown on one page (the newest).
const PAGE: i64 = 500;

pub struct Granted {
    pub organisation: String,
    pub deadline: &'static str,
    pub was: String,
    pub until: String,
    pub granted: String,
    pub by: String,
}

#[derive(Template)]
#[template(path = "web/staff/extensions.html")]
struct ExtensionsPage {
    chrome: Chrome,
    problems: Problems,
    done: bool,
    has_conference: bool,
    conference_id: String,
    conference_name: String,
    conference: Choices,
    organisation: Choices,
    deadline: Choices,
    until: Input,
    granted: Vec<Granted>,
    key: String,
}

#[derive(Default)]
struct Typed {
    organisation: String,
    deadline: String,
    until: String,
}

/// Everything the page shows.
struct Loaded {
    conferences: Vec<Conference>,
    conference: Option<Conference>,
    organisations: Vec<OrganisationRow>,
    granted: Vec<Granted>,
}

async fn load(
    state: &AppState,
    session: &SignedIn,
    asked: Option<String>,
) -> Result<Loaded, PageError> {
    let actor = session.actor().clone();
    Ok(state
        .db(move |conn| {
            let conferences = pick::conferences(conn)?;
            let conference = pick::conference(&conferences, asked.as_deref())?;
            let organisations = pick::organisations(conn, &actor)?;
            let names = pick::organisation_names(&organisations);
            let people = pick::people(conn, &actor)?;
            let granted = match &conference {
                Some(c) => deadlines::list(conn, &c.id, PAGE, None)?
                    .into_iter()
                    .take(PAGE as usize)
                    .map(|e| Granted {
                        organisation: names.get(&e.organisation_id).cloned().unwrap_or_default(),
                        deadline: format::deadline(e.deadline),
                        was: c
                            .spec
                            .closes(e.deadline)
                            .map(format::date)
                            .unwrap_or_default(),
                        until: format::date(e.until),
                        granted: format::instant(e.created_at.and_utc(), c.spec.timezone),
                        by: people.name(&e.granted_by),
                    })
                    .collect(),
                None => Vec::new(),
            };
            Ok(Loaded {
                conferences,
                conference,
                organisations,
                granted,
            })
        })
        .await?)
}

fn page(
    session: &SignedIn,
    l: Loaded,
    t: &Typed,
    problems: Problems,
    done: bool,
) -> ExtensionsPage {
    let current = l
        .conference
        .as_ref()
        .map(|c| c.id.to_string())
        .unwrap_or_default();
    let title = if problems.is_empty() {
        "Extensions"
    } else {
        "Error: Extensions"
    };
    let mut deadlines = vec![Choice::new("", "Choose a deadline", &t.deadline)];
    deadlines.extend(l.conference.iter().flat_map(|c| {
        DeadlineKey::ALL.iter().filter_map(|k| {
            Some(Choice::new(
                k.as_str(),
                &format!(
                    "{} (closes {})",
                    format::deadline(*k),
                    format::date(c.spec.closes(*k)?)
                ),
                &t.deadline,
            ))
        })
    }));
    ExtensionsPage {
        chrome: Chrome::signed_in(title, session),
        done,
        has_conference: l.conference.is_some(),
        conference_id: current.clone(),
        conference_name: l
            .conference
            .as_ref()
            .map(|c| c.spec.name.clone())
            .unwrap_or_default(),
        conference: pick::conference_choices(&l.conferences, &current, None, &problems),
        organisation: pick::organisation_choices(
            &l.organisations,
            "organisation_id",
            "Organisation",
            "Choose an organisation",
            &t.organisation,
            &problems,
        ),
        deadline: Choices::new("deadline", "Deadline", deadlines, &problems),
        until: Input::new("until", "New last day", &t.until, &problems)
            .hint("The organisation may act up to the end of this day, in the conference's time zone. For example, 2016-08-29.")
            .width("width-10"),
        problems,
        granted: l.granted,
        key: new_idempotency_key(),
    }
}

#[derive(Deserialize)]
struct Query {
    conference_id: Option<String>,
    done: Option<String>,
}

async fn list(
    req: HttpRequest,
    StaffUser(session, _): StaffUser<role::Conference>,
    query: web::Query<Query>,
) -> Result<HttpResponse, PageError> {
    let state = session::state(&req)?;
    let q = query.into_inner();
    let l = load(&state, &session, q.conference_id).await?;
    render(&page(
        &session,
        l,
        &Typed::default(),
        Problems::default(),
        q.done.is_some(),
    ))
}

fn describe(field: &str, message: &str) -> String {
    let label = match field {
        "organisation_id" => "Organisation",
        "deadline" => "Deadline",
        "until" => "New last day",
        _ => return sentence(message),
    };
    sentence(&format!("{label} {message}"))
}

async fn grant(
    req: HttpRequest,
    post: Posted<StaffUser<role::Conference>>,
) -> Result<HttpResponse, PageError> {
    let state = session::state(&req)?;
    let (StaffUser(session, _), form) = (post.who, post.form);
    let t = Typed {
        organisation: form.get("organisation_id").to_owned(),
        deadline: form.get("deadline").to_owned(),
        until: form.get("until").trim().to_owned(),
    };
    let l = load(&state, &session, Some(form.get("conference_id").to_owned())).await?;
    let Some(conference) = l.conference.clone() else {
        return Err(PageError::NotFound);
    };
    let mut problems = Problems::default();
    let organisation_id = OrganisationId::parse(&t.organisation).ok();
    if organisation_id.is_none() {
        problems.field("organisation_id", "Choose an organisation");
    }
    let deadline = DeadlineKey::parse(&t.deadline);
    if deadline.is_none() {
        problems.field("deadline", "Choose a deadline");
    }
    let until = if t.until.is_empty() {
        problems.field("until", "Enter the new last day");
        None
    } else {
        values::date(&t.until)
            .map_err(|m| problems.field("until", format!("New last day {m}")))
            .ok()
    };
    let (Some(organisation_id), Some(deadline), Some(until)) = (organisation_id, deadline, until)
    else {
        return render_refused(&page(&session, l, &t, problems, false));
    };
    let outcome = run_form(&state, session.actor(), form.idempotency_key(), || {
        GrantExtension {
            conference_id: conference.id.clone(),
            organisation_id: organisation_id.clone(),
            deadline,
            until,
        }
    })
    .await;
    match outcome {
        Ok(_) => Ok(see_other(&format!(
            "/staff/extensions?conference_id={}&done=1",
            conference.id
        ))),
        Err(Error::Validation(errors)) => {
            let inputs = ["organisation_id", "deadline", "until"].map(str::to_owned);
            let problems = Problems::from_fields(&errors, &inputs, describe);
            render_refused(&page(&session, l, &t, problems, false))
        }
        Err(e) => Err(e.into()),
    }
}
