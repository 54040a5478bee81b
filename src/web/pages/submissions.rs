//! Submissions: motions, amendments, policy submissions, CAC and award
//! nominations, each through the API's one `Submit` operation; the
//! organisation's submissions with their references, statuses and reasons;
//! and withdrawal (`Withdraw`) while the deadline allows.

use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::{render, render_refused, run_form, see_other, Choice, Choices, Chrome, Input};
use crate::deadlines::outlook::{self, Outlook};
use crate::deadlines::rules::{DeadlineKey, NotOpen};
use crate::ids::{ConferenceId, DelegateId, SubmissionId};
use crate::ops::{Actor, Error};
use crate::registrations::ops as registrations;
use crate::registrations::rules::DelegateStatus;
use crate::registrations::store::ListFilter as RegistrationFilter;
use crate::state::AppState;
use crate::submissions::ops::{self as submissions, Draft, ListQuery, Submit, Withdraw};
use crate::submissions::rules::{
    self as rules, NomineeKind, SubmissionKind, SubmissionStatus, BODY_MAX_CHARS, LINE_MAX_CHARS,
    STATEMENT_MAX_CHARS, TITLE_MAX_CHARS,
};
use crate::submissions::store::SubmissionRow;
use crate::values::{self, Problems as FieldProblems};
use crate::web::error::{sentence, PageError};
use crate::web::fields::{new_idempotency_key, Fields, Problems, IDEMPOTENCY_FIELD};
use crate::web::format;
use crate::web::session::{self, OrgUser, Posted};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/portal/conferences/{id}/submissions", web::get().to(list))
        .route(
            "/portal/conferences/{id}/{form}/new",
            web::get().to(new_form),
        )
        .route(
            "/portal/conferences/{id}/{form}/new",
            web::post().to(submit),
        )
        .route("/portal/submissions/{id}", web::get().to(show))
        .route(
            "/portal/submissions/{id}/withdraw",
            web::get().to(withdraw_form),
        )
        .route(
            "/portal/submissions/{id}/withdraw",
            web::post().to(withdraw),
        );
}

/// Delegates or motions offered in a form's list (a conference has far
/// fewer).
const CHOICES: i64 = 500;

/// Which form: one per kind of submission.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Form {
    Motion,
    Amendment,
    Policy,
    Cac,
    Award,
}

impl Form {
    fn from_slug(s: &str) -> Option<Self> {
        Some(match s {
            "motions" => Form::Motion,
            "amendments" => Form::Amendment,
            "policy-submissions" => Form::Policy,
            "cac-nominations" => Form::Cac,
            "award-nominations" => Form::Award,
            _ => return None,
        })
    }

    fn slug(self) -> &'static str {
        match self {
            Form::Motion => "motions",
            Form::Amendment => "amendments",
            Form::Policy => "policy-submissions",
            Form::Cac => "cac-nominations",
            Form::Award => "award-nominations",
        }
    }

    fn kind(self) -> SubmissionKind {
        match self {
            Form::Motion => SubmissionKind::Motion,
            Form::Amendment => SubmissionKind::Amendment,
            Form::Policy => SubmissionKind::PolicySubmission,
            Form::Cac => SubmissionKind::CacNomination,
            Form::Award => SubmissionKind::AwardNomination,
        }
    }

    fn heading(self) -> &'static str {
        match self {
            Form::Motion => "Submit a motion",
            Form::Amendment => "Propose an amendment",
            Form::Policy => "Make a policy submission",
            Form::Cac => "Nominate for CAC",
            Form::Award => "Nominate for an award",
        }
    }

    fn button(self) -> &'static str {
        match self {
            Form::Motion => "Submit motion",
            Form::Amendment => "Submit amendment",
            Form::Policy => "Submit policy submission",
            Form::Cac => "Submit nomination",
            Form::Award => "Submit nomination",
        }
    }

    /// The id (and operation field) of the main text.
    fn text_field(self) -> &'static str {
        match self {
            Form::Cac => "statement",
            Form::Award => "citation",
            _ => "body",
        }
    }

    fn text_label(self) -> &'static str {
        match self {
            Form::Motion => "Motion",
            Form::Amendment => "Amendment",
            Form::Policy => "Submission",
            Form::Cac => "Supporting statement",
            Form::Award => "Citation",
        }
    }

    /// The id of the choice the form offers, if any.
    fn choice_field(self) -> Option<&'static str> {
        match self {
            Form::Amendment => Some("motion_id"),
            Form::Cac => Some("delegate_id"),
            Form::Award => Some("nominee_kind"),
            _ => None,
        }
    }
}

#[derive(Template)]
#[template(path = "web/submission_form.html")]
struct FormPage {
    chrome: Chrome,
    problems: Problems,
    conference_id: String,
    conference: String,
    heading: &'static str,
    button: &'static str,
    slug: &'static str,
    open: bool,
    closes: String,
    title: Option<Input>,
    choice: Option<Choices>,
    /// The choice is a list of radios rather than a select.
    radios: bool,
    nominee: Option<Input>,
    text: Input,
    /// Rows of the text box: long for motions, short for statements.
    rows: u32,
    word_limit: Option<u32>,
    /// Why a choice list is empty, when it is.
    empty_note: String,
    /// The CAC eligibility rules, for the nomination form.
    rules: Vec<String>,
    key: String,
}

/// Offered choices: the organisation's active delegates (CAC), or the
/// motions it may amend (its own and the published agenda).
async fn choices(
    state: &AppState,
    actor: &Actor,
    form: Form,
    conference_id: &ConferenceId,
) -> Result<Vec<(String, String)>, PageError> {
    let (actor, id) = (actor.clone(), conference_id.clone());
    Ok(match form {
        Form::Cac => {
            state
                .db(move |conn| {
                    let rows = registrations::list(
                        conn,
                        &actor,
                        &id,
                        RegistrationFilter::default(),
                        CHOICES,
                        None,
                    )?;
                    Ok(rows
                        .iter()
                        .flat_map(|r| {
                            r.delegates
                                .iter()
                                .filter(|d| d.status == DelegateStatus::Active)
                                .map(|d| {
                                    (
                                        d.id.to_string(),
                                        format!("{} ({})", d.name, r.row.reference),
                                    )
                                })
                                .collect::<Vec<_>>()
                        })
                        .collect())
                })
                .await?
        }
        Form::Amendment => {
            state
                .db(move |conn| {
                    let query = ListQuery {
                        conference_id: id,
                        kind: SubmissionKind::Motion,
                        motion_id: None,
                        organisation_id: None,
                        status: None,
                    };
                    let rows = submissions::list(conn, &actor, query, CHOICES, None)?;
                    Ok(rows
                        .iter()
                        .filter(|m| m.status.amendable())
                        .map(|m| {
                            (
                                m.id.to_string(),
                                format!("{}: {}", m.reference, m.title.clone().unwrap_or_default()),
                            )
                        })
                        .collect())
                })
                .await?
        }
        Form::Award => vec![
            ("member".into(), "A member".into()),
            ("branch".into(), "A local branch".into()),
        ],
        Form::Motion | Form::Policy => Vec::new(),
    })
}

#[allow(clippy::too_many_arguments)]
fn form_page(
    user: &OrgUser,
    o: &Outlook,
    form: Form,
    offered: Vec<(String, String)>,
    typed: &Fields,
    problems: Problems,
    key: &str,
) -> FormPage {
    let spec = &o.conference.spec;
    let kind = form.kind();
    let word_limit = kind.word_limit(spec);
    let mut text = Input::new(
        form.text_field(),
        form.text_label(),
        typed.get(form.text_field()),
        &problems,
    );
    if let Some(limit) = word_limit {
        text = text.hint(&format!(
            "At most {limit} words. A word is anything between spaces, so co-operative is one word."
        ));
    }
    let choice = form.choice_field().map(|id| {
        let current = typed.get(id);
        let (label, hint) = match form {
            Form::Amendment => (
                "Motion to amend",
                "Your own motions and those on the published agenda.",
            ),
            Form::Cac => (
                "Candidate",
                "One of your organisation's delegates to this conference.",
            ),
            _ => ("Who are you nominating?", ""),
        };
        let mut list: Vec<Choice> = Vec::new();
        if form != Form::Award {
            list.push(Choice::new("", "Choose one", current));
        }
        list.extend(offered.iter().map(|(v, l)| Choice::new(v, l, current)));
        Choices::new(id, label, list, &problems).hint(hint)
    });
    let empty_note = match form {
        Form::Cac if offered.is_empty() => "You have no delegates registered for this conference yet. Register a delegate first, then nominate them.".to_owned(),
        Form::Amendment if offered.is_empty() => "There are no motions to amend yet: amendments are to your own motions or to those on the published agenda.".to_owned(),
        _ => String::new(),
    };
    let rules = if form == Form::Cac {
        let mut r = vec![
            "The candidate must be a delegate registered for this conference, and their place not cancelled.".to_owned(),
            "Candidates are nominated by a local party or a co-operative society.".to_owned(),
        ];
        if !spec.cac_excluded_regions.is_empty() {
            r.push(format!(
                "Candidates from regions already on CAC are not eligible this time: {}.",
                spec.cac_excluded_regions.join(", ")
            ));
        }
        r
    } else {
        Vec::new()
    };
    let title = if problems.is_empty() {
        form.heading().to_owned()
    } else {
        format!("Error: {}", form.heading())
    };
    FormPage {
        chrome: Chrome::signed_in(&title, &user.session),
        conference_id: o.conference.id.to_string(),
        conference: spec.name.clone(),
        heading: form.heading(),
        button: form.button(),
        slug: form.slug(),
        open: o.is_open(kind.deadline()),
        closes: closes(o, kind.deadline()),
        title: matches!(form, Form::Motion | Form::Policy)
            .then(|| Input::new("title", "Title", typed.get("title"), &problems)),
        radios: form == Form::Award,
        choice,
        nominee: (form == Form::Award).then(|| {
            Input::new(
                "nominee_name",
                "Name of the member or branch",
                typed.get("nominee_name"),
                &problems,
            )
        }),
        text,
        rows: if matches!(form, Form::Cac | Form::Award) {
            6
        } else {
            12
        },
        word_limit,
        empty_note,
        rules,
        problems,
        key: key.to_owned(),
    }
}

async fn load_outlook(
    state: &AppState,
    actor: &Actor,
    id: ConferenceId,
) -> Result<Outlook, PageError> {
    let now = state.now();
    let actor = actor.clone();
    Ok(state
        .db(move |conn| outlook::of_conference(conn, &actor, &id, now))
        .await?)
}

/// Refuses the form of a kind the conference does not take.
fn taken(o: &Outlook, form: Form) -> Result<(), PageError> {
    let key = form.kind().deadline();
    match o.deadline(key) {
        Some(_) => Ok(()),
        None => Err(Error::from(NotOpen::NotTaken(key)).into()),
    }
}

/// The effective closing date of a kind, in words (empty when not taken).
fn closes(o: &Outlook, key: DeadlineKey) -> String {
    o.deadline(key)
        .map(|d| format::date(d.effective))
        .unwrap_or_default()
}

async fn new_form(
    req: HttpRequest,
    user: OrgUser,
    path: web::Path<(uuid::Uuid, String)>,
) -> Result<HttpResponse, PageError> {
    let (id, slug) = path.into_inner();
    let form = Form::from_slug(&slug).ok_or(PageError::NotFound)?;
    let state = session::state(&req)?;
    let o = load_outlook(&state, user.actor(), id.into()).await?;
    taken(&o, form)?;
    let offered = choices(&state, user.actor(), form, &o.conference.id).await?;
    let typed = Fields::default();
    render(&form_page(
        &user,
        &o,
        form,
        offered,
        &typed,
        Problems::default(),
        &new_idempotency_key(),
    ))
}

/// "Title must not be empty", "Motion must be at most 50000 characters".
fn describe(form: Form) -> impl Fn(&str, &str) -> String {
    move |field, message| {
        let label = match field {
            "title" => "Title",
            "body" | "statement" | "citation" => form.text_label(),
            "nominee_name" => "Name",
            "delegate_id" => "Candidate",
            "motion_id" => "Motion to amend",
            _ => return sentence(message),
        };
        format!("{label} {message}")
    }
}

/// The draft a form describes, checked as the API checks it.
fn draft(form: Form, conference_id: ConferenceId, f: &Fields) -> Result<Draft, Problems> {
    let mut p = FieldProblems::default();
    let text_max = match form {
        Form::Cac | Form::Award => STATEMENT_MAX_CHARS,
        _ => BODY_MAX_CHARS,
    };
    let text_field = form.text_field();
    let text = p.take(text_field, rules::text(f.get(text_field), text_max));
    let draft = match form {
        Form::Motion | Form::Policy => {
            let title = p.take("title", values::line(f.get("title"), TITLE_MAX_CHARS));
            title.zip(text).map(|(title, body)| {
                if form == Form::Motion {
                    Draft::Motion {
                        conference_id,
                        title,
                        body,
                    }
                } else {
                    Draft::PolicySubmission {
                        conference_id,
                        title,
                        body,
                    }
                }
            })
        }
        Form::Amendment => {
            let motion = p.take(
                "motion_id",
                SubmissionId::parse(f.get("motion_id")).map_err(|_| "must be chosen"),
            );
            motion
                .zip(text)
                .map(|(motion_id, body)| Draft::Amendment { motion_id, body })
        }
        Form::Cac => {
            let delegate = p.take(
                "delegate_id",
                DelegateId::parse(f.get("delegate_id")).map_err(|_| "must be chosen"),
            );
            delegate
                .zip(text)
                .map(|(delegate_id, statement)| Draft::CacNomination {
                    conference_id,
                    delegate_id,
                    statement,
                })
        }
        Form::Award => {
            let kind = p.take(
                "nominee_kind",
                NomineeKind::parse(f.get("nominee_kind")).ok_or("must be chosen"),
            );
            let name = p.take(
                "nominee_name",
                values::line(f.get("nominee_name"), LINE_MAX_CHARS),
            );
            match (kind, name, text) {
                (Some(nominee_kind), Some(nominee_name), Some(citation)) => {
                    Some(Draft::AwardNomination {
                        conference_id,
                        nominee_kind,
                        nominee_name,
                        citation,
                    })
                }
                _ => None,
            }
        }
    };
    match (draft, p.into_result()) {
        (Some(d), Ok(())) => Ok(d),
        (_, Err(errors)) => Err(problems_of(form, &errors)),
        (None, Ok(())) => Err(Problems::default()),
    }
}

fn problems_of(form: Form, errors: &[crate::values::FieldError]) -> Problems {
    let mut inputs = vec![
        form.text_field().to_owned(),
        "title".to_owned(),
        "nominee_name".to_owned(),
    ];
    inputs.extend(form.choice_field().map(str::to_owned));
    Problems::from_fields(errors, &inputs, describe(form))
}

async fn submit(
    req: HttpRequest,
    post: Posted<OrgUser>,
    path: web::Path<(uuid::Uuid, String)>,
) -> Result<HttpResponse, PageError> {
    let (id, slug) = path.into_inner();
    let form = Form::from_slug(&slug).ok_or(PageError::NotFound)?;
    let state = session::state(&req)?;
    let (user, fields) = (post.who, post.form);
    let o = load_outlook(&state, user.actor(), id.into()).await?;
    taken(&o, form)?;
    let key = match fields.get(IDEMPOTENCY_FIELD) {
        "" => new_idempotency_key(),
        k => k.to_owned(),
    };
    let refused = |problems: Problems, key: &str, offered: Vec<(String, String)>| {
        render_refused(&form_page(&user, &o, form, offered, &fields, problems, key))
    };
    let draft = match draft(form, o.conference.id.clone(), &fields) {
        Ok(d) => d,
        Err(problems) => {
            let offered = choices(&state, user.actor(), form, &o.conference.id).await?;
            return refused(problems, &key, offered);
        }
    };
    let organisation_id = user.organisation_id.clone();
    let outcome = run_form(&state, user.actor(), fields.idempotency_key(), || Submit {
        organisation_id: organisation_id.clone(),
        late_override: false,
        draft: draft.clone(),
    })
    .await;
    let error = match outcome {
        Ok(outcome) => {
            return Ok(see_other(&format!(
                "/portal/submissions/{}?received=1",
                outcome.value.id
            )))
        }
        Err(e) => e,
    };
    let mut problems = Problems::default();
    let mut key = key;
    let text = form.text_field();
    match error {
        Error::WordLimit(e) => problems.field(
            text,
            format!(
                "Your {} has {}. The limit is {} words: shorten it by {}.",
                form.text_label().to_lowercase(),
                format::words(e.count),
                e.limit,
                format::words(e.count - e.limit)
            ),
        ),
        Error::NotEligible(detail) => match form.choice_field() {
            Some(field) => problems.field(
                field,
                format!("This candidate is not eligible: {detail}. See the rules below."),
            ),
            None => problems.general(sentence(&detail)),
        },
        Error::Validation(errors) if errors.iter().any(|e| e.field == "Idempotency-Key") => {
            problems.general("This form was already sent with other details. Check your submissions before sending it again; to send this as a new submission, press the button again.");
            key = new_idempotency_key();
        }
        Error::Validation(errors) => problems = problems_of(form, &errors),
        Error::NotFound if form.choice_field().is_some() => {
            problems.field(
                form.choice_field().unwrap_or_default(),
                "Choose one from the list",
            );
        }
        Error::DeadlinePassed(m) | Error::Conflict(m) => problems.general(sentence(&m)),
        other => return Err(other.into()),
    }
    let offered = choices(&state, user.actor(), form, &o.conference.id).await?;
    refused(problems, &key, offered)
}

/// A submission as the list and its page show it.
pub struct Line {
    pub id: String,
    pub reference: String,
    pub kind: String,
    pub title: String,
    pub status: String,
    pub status_class: &'static str,
    pub reason: Option<String>,
    pub received: String,
    pub words: String,
    pub body: String,
    pub can_withdraw: bool,
}

fn line(row: &SubmissionRow, o: &Outlook, candidate: Option<&str>) -> Line {
    let title = match row.kind {
        SubmissionKind::CacNomination => candidate.unwrap_or("Candidate").to_owned(),
        SubmissionKind::AwardNomination => row.nominee_name.clone().unwrap_or_default(),
        _ => row.title.clone().unwrap_or_default(),
    };
    let reason = match (&row.status_reason, &row.composite) {
        (Some(r), _) => Some(r.clone()),
        (None, Some(c)) => Some(format!("Composited into {c}")),
        _ => None,
    };
    Line {
        id: row.id.to_string(),
        reference: row.reference.clone(),
        kind: format::kind(row.kind),
        title,
        status: format::status(row.status),
        status_class: match row.status {
            SubmissionStatus::Accepted | SubmissionStatus::Composited => "tag-green",
            SubmissionStatus::RuledOut | SubmissionStatus::Withdrawn => "tag-grey",
            SubmissionStatus::Submitted => "tag-blue",
        },
        reason,
        received: format::instant(row.created_at.and_utc(), o.conference.spec.timezone),
        words: format::words(usize::try_from(row.word_count).unwrap_or(0)),
        body: row.body.clone(),
        can_withdraw: rules::transition(row.kind, row.status, SubmissionStatus::Withdrawn).is_ok()
            && o.is_open(row.kind.deadline()),
    }
}

/// Links to the forms that are open.
pub struct FormLink {
    pub href: String,
    pub label: &'static str,
}

#[derive(Template)]
#[template(path = "web/submissions.html")]
struct ListPage {
    chrome: Chrome,
    conference: String,
    lines: Vec<Line>,
    links: Vec<FormLink>,
}

/// Names of the delegates some nominations are for.
fn candidate_names(
    conn: &mut crate::db::DbConnection,
    actor: &Actor,
    rows: &[SubmissionRow],
) -> Result<Vec<Option<String>>, Error> {
    rows.iter()
        .map(|r| match &r.delegate_id {
            Some(d) => Ok(registrations::delegate(conn, actor, d)
                .ok()
                .map(|(d, _)| d.name)),
            None => Ok(None),
        })
        .collect()
}

async fn list(
    req: HttpRequest,
    user: OrgUser,
    id: web::Path<uuid::Uuid>,
) -> Result<HttpResponse, PageError> {
    let state = session::state(&req)?;
    let now = state.now();
    let (actor, org, id) = (
        user.actor().clone(),
        user.organisation_id.clone(),
        ConferenceId::from(id.into_inner()),
    );
    let (o, rows, names) = state
        .db(move |conn| {
            let o = outlook::of_conference(conn, &actor, &id, now)?;
            let rows = submissions::of_organisation(conn, &actor, &id, &org, CHOICES)?;
            let names = candidate_names(conn, &actor, &rows)?;
            Ok((o, rows, names))
        })
        .await?;
    let links = [
        Form::Motion,
        Form::Amendment,
        Form::Policy,
        Form::Cac,
        Form::Award,
    ]
    .into_iter()
    .filter(|f| o.is_open(f.kind().deadline()))
    .map(|f| FormLink {
        href: format!("/portal/conferences/{}/{}/new", o.conference.id, f.slug()),
        label: f.heading(),
    })
    .collect();
    render(&ListPage {
        chrome: Chrome::signed_in("Submissions", &user.session),
        conference: o.conference.spec.name.clone(),
        lines: rows
            .iter()
            .zip(&names)
            .map(|(r, n)| line(r, &o, n.as_deref()))
            .collect(),
        links,
    })
}

/// A submission the organisation made, its conference's outlook and the
/// candidate's name for a nomination (not found for others' submissions).
async fn load_submission(
    state: &AppState,
    user: &OrgUser,
    id: SubmissionId,
) -> Result<(SubmissionRow, Outlook, Option<String>), PageError> {
    let now = state.now();
    let actor = user.actor().clone();
    let org = user.organisation_id.clone();
    Ok(state
        .db(move |conn| {
            let row = submissions::get(conn, &actor, &id)?;
            if row.organisation_id != org {
                return Err(Error::NotFound);
            }
            let o = outlook::of_conference(conn, &actor, &row.conference_id, now)?;
            let name = candidate_names(conn, &actor, std::slice::from_ref(&row))?
                .pop()
                .flatten();
            Ok((row, o, name))
        })
        .await?)
}

#[derive(Deserialize)]
struct ShowQuery {
    #[serde(default)]
    received: Option<String>,
    #[serde(default)]
    withdrawn: Option<String>,
}

#[derive(Template)]
#[template(path = "web/submission.html")]
struct ShowPage {
    chrome: Chrome,
    s: Line,
    conference: String,
    conference_id: String,
    received: bool,
    withdrawn: bool,
}

async fn show(
    req: HttpRequest,
    user: OrgUser,
    id: web::Path<uuid::Uuid>,
    query: web::Query<ShowQuery>,
) -> Result<HttpResponse, PageError> {
    let state = session::state(&req)?;
    let (row, o, name) = load_submission(&state, &user, id.into_inner().into()).await?;
    let s = line(&row, &o, name.as_deref());
    let received = query.received.is_some();
    let title = if received {
        format!("{} received: {}", s.kind, s.reference)
    } else {
        format!("{} {}", s.kind, s.reference)
    };
    render(&ShowPage {
        chrome: Chrome::signed_in(&title, &user.session),
        s,
        conference: o.conference.spec.name.clone(),
        conference_id: o.conference.id.to_string(),
        received,
        withdrawn: query.withdrawn.is_some(),
    })
}

#[derive(Template)]
#[template(path = "web/withdraw.html")]
struct WithdrawPage {
    chrome: Chrome,
    problems: Problems,
    s: Line,
    closes: String,
    key: String,
}

async fn withdraw_form(
    req: HttpRequest,
    user: OrgUser,
    id: web::Path<uuid::Uuid>,
) -> Result<HttpResponse, PageError> {
    let state = session::state(&req)?;
    let (row, o, name) = load_submission(&state, &user, id.into_inner().into()).await?;
    let s = line(&row, &o, name.as_deref());
    render(&WithdrawPage {
        chrome: Chrome::signed_in(&format!("Withdraw {}", s.reference), &user.session),
        problems: Problems::default(),
        closes: closes(&o, row.kind.deadline()),
        s,
        key: new_idempotency_key(),
    })
}

async fn withdraw(
    req: HttpRequest,
    post: Posted<OrgUser>,
    id: web::Path<uuid::Uuid>,
) -> Result<HttpResponse, PageError> {
    let state = session::state(&req)?;
    let user = post.who;
    let (row, o, name) = load_submission(&state, &user, id.into_inner().into()).await?;
    let submission_id = row.id.clone();
    let outcome = run_form(&state, user.actor(), post.form.idempotency_key(), || {
        Withdraw {
            submission_id: submission_id.clone(),
        }
    })
    .await;
    match outcome {
        Ok(_) => Ok(see_other(&format!(
            "/portal/submissions/{}?withdrawn=1",
            row.id
        ))),
        Err(Error::DeadlinePassed(m) | Error::Conflict(m)) => {
            let mut problems = Problems::default();
            problems.general(sentence(&m));
            let s = line(&row, &o, name.as_deref());
            render_refused(&WithdrawPage {
                chrome: Chrome::signed_in(&format!("Withdraw {}", s.reference), &user.session),
                problems,
                closes: closes(&o, row.kind.deadline()),
                s,
                key: new_idempotency_key(),
            })
        }
        Err(e) => Err(e.into()),
    }
}
