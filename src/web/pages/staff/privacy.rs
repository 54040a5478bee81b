//! `/staff/privacy/subject-access` and `/staff/privacy/erasure`: a subject
//! access request answered as a readable summary or a JSON download, and a
//! person erased. The operations are the API's (`privacy::ops`). The
//! address travels in form posts, never in a link. Role: `data_protection`.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use crate::ops::role;
use crate::ops::Error;
use crate::privacy::ops::{Erase, Erased, SubjectAccess, SubjectAccessFile};
use crate::privacy::rules::Keep;
use crate::values::{self, EmailAddress};
use crate::web::error::PageError;
use crate::web::fields::{new_idempotency_key, Problems};
use crate::web::format;
use crate::web::pages::{render, render_refused, run_form, Chrome, Input};
use crate::web::session::{self, Posted, StaffUser};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/staff/privacy/subject-access", web::get().to(ask))
        .route("/staff/privacy/subject-access", web::post().to(answer))
        .route("/staff/privacy/erasure", web::get().to(erasure_form))
        .route("/staff/privacy/erasure", web::post().to(erase));
}

/// The longest reason an erasure takes (as the API).
const REASON_MAX: usize = 500;

#[derive(Template)]
#[template(path = "web/staff/subject_access.html")]
struct SubjectAccessPage {
    chrome: Chrome,
    problems: Problems,
    email: Input,
    file: Option<SubjectAccessFile>,
    /// When the file was prepared, in words.
    prepared: String,
}

/// The summary a person is sent: what is held about them, on a page of
/// its own (no console around it).
#[derive(Template)]
#[template(path = "web/staff/subject_access_file.html")]
struct SubjectAccessSummary {
    email: String,
    party: String,
    prepared: String,
    file: Option<SubjectAccessFile>,
}

fn subject_access_page(
    session: &session::SignedIn,
    typed: &str,
    problems: Problems,
    file: Option<SubjectAccessFile>,
) -> SubjectAccessPage {
    let title = if problems.is_empty() {
        "Subject access"
    } else {
        "Error: Subject access"
    };
    SubjectAccessPage {
        chrome: Chrome::signed_in(title, session),
        email: Input::new("email", "Email address", typed, &problems)
            .kind("email")
            .hint("Everything Plenary holds about the person with this address, in any case."),
        prepared: file
            .as_ref()
            .map(|f| format::instant(f.prepared_at, chrono_tz::Europe::London))
            .unwrap_or_default(),
        problems,
        file,
    }
}

/// Role: `data_protection`.
async fn ask(
    StaffUser(session, _): StaffUser<role::DataProtection>,
) -> Result<HttpResponse, PageError> {
    render(&subject_access_page(
        &session,
        "",
        Problems::default(),
        None,
    ))
}

/// The file as a summary page, or (`format=json`) as a download.
/// Role: `data_protection`.
async fn answer(
    req: HttpRequest,
    post: Posted<StaffUser<role::DataProtection>>,
) -> Result<HttpResponse, PageError> {
    let state = session::state(&req)?;
    let (StaffUser(session, _), form) = (post.who, post.form);
    let typed = form.get("email").trim().to_owned();
    let email = match EmailAddress::parse(&typed) {
        Ok(e) => e,
        Err(m) => {
            let mut problems = Problems::default();
            problems.field("email", format!("Email address {m}"));
            return render_refused(&subject_access_page(&session, &typed, problems, None));
        }
    };
    let file = state.run(session.actor(), SubjectAccess { email }).await?;
    if form.get("format") == "summary" {
        let summary = SubjectAccessSummary {
            email: file.email.clone(),
            party: state.settings.invoice_party_name.clone(),
            prepared: format::instant(file.prepared_at, chrono_tz::Europe::London),
            file: Some(file),
        };
        let body = summary
            .render()
            .map_err(|e| PageError::from(Error::Internal(e.into())))?;
        return Ok(HttpResponse::Ok()
            .content_type("text/html; charset=utf-8")
            .insert_header((
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"subject-access.html\"",
            ))
            .body(body));
    }
    if form.get("format") == "json" {
        let body = serde_json::to_string_pretty(&file)
            .map_err(|e| PageError::from(Error::Internal(e.into())))?;
        return Ok(HttpResponse::Ok()
            .content_type("application/json")
            .insert_header((
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"subject-access.json\"",
            ))
            .body(body));
    }
    render(&subject_access_page(
        &session,
        &typed,
        Problems::default(),
        Some(file),
    ))
}

#[derive(Template)]
#[template(path = "web/staff/erasure.html")]
struct ErasurePage {
    chrome: Chrome,
    problems: Problems,
    email: Input,
    reason: Input,
    keep_contacts: bool,
    erased: Option<Erased>,
    key: String,
}

fn erasure_page(
    session: &session::SignedIn,
    typed: (&str, &str, bool),
    problems: Problems,
    erased: Option<Erased>,
) -> ErasurePage {
    let title = if problems.is_empty() {
        "Erase a person"
    } else {
        "Error: Erase a person"
    };
    ErasurePage {
        chrome: Chrome::signed_in(title, session),
        email: Input::new("email", "Email address", typed.0, &problems).kind("email"),
        reason: Input::new("reason", "Reason", typed.1, &problems)
            .hint("Kept in the audit log, for example \"request by letter of 3 October\". Write no personal data here."),
        keep_contacts: typed.2,
        problems,
        erased,
        key: new_idempotency_key(),
    }
}

/// Role: `data_protection`.
async fn erasure_form(
    StaffUser(session, _): StaffUser<role::DataProtection>,
) -> Result<HttpResponse, PageError> {
    render(&erasure_page(
        &session,
        ("", "", false),
        Problems::default(),
        None,
    ))
}

/// Role: `data_protection`.
async fn erase(
    req: HttpRequest,
    post: Posted<StaffUser<role::DataProtection>>,
) -> Result<HttpResponse, PageError> {
    let state = session::state(&req)?;
    let (StaffUser(session, _), form) = (post.who, post.form);
    let typed_email = form.get("email").trim().to_owned();
    let typed_reason = form.get("reason").to_owned();
    let keep_contacts = form.checked("keep");
    let typed = (typed_email.as_str(), typed_reason.as_str(), keep_contacts);
    let mut problems = Problems::default();
    let email = EmailAddress::parse(&typed_email)
        .map_err(|m| problems.field("email", format!("Email address {m}")))
        .ok();
    let reason = values::line(&typed_reason, REASON_MAX)
        .map_err(|m| problems.field("reason", format!("Reason {m}")))
        .ok();
    let (Some(email), Some(reason)) = (email, reason) else {
        return render_refused(&erasure_page(&session, typed, problems, None));
    };
    let keep = if keep_contacts {
        vec![Keep::OrganisationContacts]
    } else {
        Vec::new()
    };
    let outcome = run_form(&state, session.actor(), form.idempotency_key(), || Erase {
        email: email.clone(),
        reason: reason.clone(),
        keep: keep.clone(),
    })
    .await;
    match outcome {
        Ok(o) => render(&erasure_page(
            &session,
            ("", "", false),
            Problems::default(),
            Some(o.value),
        )),
        Err(Error::Conflict(why)) => {
            let mut problems = Problems::default();
            problems.general(why);
            let page = erasure_page(&session, typed, problems, None);
            Ok(HttpResponse::Conflict()
                .content_type("text/html; charset=utf-8")
                .body(page.render()?))
        }
        Err(e) => Err(e.into()),
    }
}
