//! `/staff/conferences/{id}/check-in`: the credentials desk on a phone.
//! Type a badge's code, or a booking reference and the delegate's name, and
//! the answer is shown large: arrived, already arrived (and when), or
//! refused with the reason. Where the browser has `BarcodeDetector`, the
//! script adds a "Scan badge" button that reads the QR code with the camera
//! and submits the code form; typing stays the fallback. The operation is
//! the API's `CheckIn`.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use crate::checkin::ops::{Arrival, CheckIn, Presented};
use crate::conferences::Conference;
use crate::ids::ConferenceId;
use crate::ops::role;
use crate::ops::Error;
use crate::web::error::{sentence, PageError};
use crate::web::fields::Problems;
use crate::web::format;
use crate::web::pages::{Chrome, Input};
use crate::web::session::{self, Posted, SignedIn, StaffUser};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/staff/conferences/{id}/check-in", web::get().to(show))
        .route("/staff/conferences/{id}/check-in", web::post().to(check_in));
}

/// What the desk is told about the last person.
pub enum Answer {
    Arrived(Arrival),
    /// Already checked in, at this time (as people say it).
    Already(Arrival, String),
    Refused(String),
}

#[derive(Template)]
#[template(path = "web/staff/check_in.html")]
struct CheckInPage {
    chrome: Chrome,
    problems: Problems,
    id: String,
    conference: String,
    answer: Option<Answer>,
    code: Input,
    reference: Input,
    name: Input,
}

#[derive(Default)]
struct Typed {
    code: String,
    reference: String,
    name: String,
}

fn page(
    session: &SignedIn,
    conference: &Conference,
    t: &Typed,
    problems: Problems,
    answer: Option<Answer>,
) -> CheckInPage {
    let title = if problems.is_empty() {
        "Check-in"
    } else {
        "Error: Check-in"
    };
    CheckInPage {
        chrome: Chrome::signed_in(title, session),
        id: conference.id.to_string(),
        conference: conference.spec.name.clone(),
        answer,
        code: Input::new("code", "Badge code", &t.code, &problems)
            .hint("Scan the QR code on the badge: with the camera, or with a barcode scanner that types into this box.")
            .autocomplete("off"),
        reference: Input::new("reference", "Booking reference", &t.reference, &problems)
            .hint("For example, PL-7K3M-9QXA.")
            .autocomplete("off")
            .width("width-10"),
        name: Input::new("name", "Name on the booking", &t.name, &problems).autocomplete("off"),
        problems,
    }
}

async fn conference(
    state: &crate::state::AppState,
    id: uuid::Uuid,
) -> Result<Conference, PageError> {
    let id = ConferenceId::from(id);
    Ok(state
        .db(move |conn| crate::conferences::ops::get(conn, &id))
        .await?)
}

fn respond(status: StatusCode, p: &CheckInPage) -> Result<HttpResponse, PageError> {
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(p.render()?))
}

async fn show(
    req: HttpRequest,
    StaffUser(session, _): StaffUser<role::Credentials>,
    id: web::Path<uuid::Uuid>,
) -> Result<HttpResponse, PageError> {
    let state = session::state(&req)?;
    let c = conference(&state, id.into_inner()).await?;
    respond(
        StatusCode::OK,
        &page(&session, &c, &Typed::default(), Problems::default(), None),
    )
}

fn describe(field: &str, message: &str) -> String {
    let label = match field {
        "code" => "Badge code",
        "reference" => "Booking reference",
        "name" => "Name on the booking",
        _ => return sentence(message),
    };
    sentence(&format!("{label} {message}"))
}

/// Checks a delegate in (staff; role `credentials`).
async fn check_in(
    req: HttpRequest,
    id: web::Path<uuid::Uuid>,
    post: Posted<StaffUser<role::Credentials>>,
) -> Result<HttpResponse, PageError> {
    let state = session::state(&req)?;
    let (StaffUser(session, _), form) = (post.who, post.form);
    let c = conference(&state, id.into_inner()).await?;
    let t = Typed {
        code: form.get("code").trim().to_owned(),
        reference: form.get("reference").trim().to_owned(),
        name: form.get("name").trim().to_owned(),
    };
    let inputs = ["code", "reference", "name"].map(str::to_owned);
    let presented = match Presented::from_fields(
        Some(t.code.clone()),
        Some(t.reference.clone()),
        Some(t.name.clone()),
    ) {
        Ok(p) => p,
        Err(errors) => {
            let problems = Problems::from_fields(&errors, &inputs, describe);
            return respond(
                StatusCode::UNPROCESSABLE_ENTITY,
                &page(&session, &c, &t, problems, None),
            );
        }
    };
    let command = CheckIn {
        conference_id: c.id.clone(),
        presented,
    };
    let (status, answer) = match state.run(session.actor(), command).await {
        Ok(a) if a.first => (StatusCode::OK, Answer::Arrived(a)),
        Ok(a) => {
            let when = format::instant(a.checked_in_at, c.spec.timezone);
            (StatusCode::OK, Answer::Already(a, when))
        }
        Err(Error::Conflict(reason)) => (StatusCode::CONFLICT, Answer::Refused(reason)),
        Err(Error::Validation(errors)) => {
            let problems = Problems::from_fields(&errors, &inputs, describe);
            return respond(
                StatusCode::UNPROCESSABLE_ENTITY,
                &page(&session, &c, &t, problems, None),
            );
        }
        Err(e) => return Err(e.into()),
    };
    // The form is left empty for the next person.
    respond(
        status,
        &page(
            &session,
            &c,
            &Typed::default(),
            Problems::default(),
            Some(answer),
        ),
    )
}
