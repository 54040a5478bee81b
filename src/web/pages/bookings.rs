//! Bookings: the organisation's registrations with what is paid and how to
//! pay the rest, one registration's page (also the confirmation after
//! registering), and substituting or cancelling a delegate, each after a
//! step that says what will happen to the fee. The operations are the
//! API's `Substitute` and `Cancel`.

use std::collections::HashMap;

use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use crate::invoices::ops as invoices;
use crate::invoices::InvoiceRow;
use crate::web::pages::documents::{self, DocumentLink};
use serde::Deserialize;

use super::person::{self, PersonForm};
use super::{render, render_refused, run_form, see_other, Choice, Choices, Chrome, Input};
use crate::deadlines::outlook::{self, Outlook};
use crate::deadlines::rules::DeadlineKey;
use crate::ids::{ConferenceId, DelegateId, RegistrationId};
use crate::ops::{Actor, Error};
use crate::organisations::{self, OrganisationKind, OrganisationRow};
use crate::registrations::ops::{self as registrations, Cancel, Substitute};
use crate::registrations::rules::{DelegateStatus, PaymentMethod, PaymentStatus};
use crate::registrations::{DelegateRow, Registration};
use crate::state::AppState;
use crate::values::money::Money;
use crate::web::error::{sentence, PageError};
use crate::web::fields::{new_idempotency_key, Problems, IDEMPOTENCY_FIELD};
use crate::web::format;
use crate::web::session::{self, OrgUser, Posted};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/portal/bookings", web::get().to(list))
        .route("/portal/registrations/{id}", web::get().to(show))
        .route(
            "/portal/delegates/{id}/substitute",
            web::get().to(substitute_form),
        )
        .route(
            "/portal/delegates/{id}/substitute",
            web::post().to(substitute),
        )
        .route("/portal/delegates/{id}/cancel", web::get().to(cancel_form))
        .route("/portal/delegates/{id}/cancel", web::post().to(cancel));
}

/// Bookings shown on one page (the newest).
const PAGE: i64 = 200;

pub struct DelegateLine {
    pub id: String,
    pub name: String,
    pub email: String,
    pub dinner: bool,
    pub fee: String,
    pub active: bool,
    pub can_substitute: bool,
    pub can_cancel: bool,
}

/// A registration as pages show it.
pub struct Booking {
    pub id: String,
    pub reference: String,
    pub conference: String,
    pub dates: String,
    pub registered_on: String,
    pub delegates: Vec<DelegateLine>,
    pub total: String,
    pub paid: String,
    pub balance: String,
    pub status: &'static str,
    pub status_class: &'static str,
    pub method: &'static str,
    /// What to do to pay, or that nothing is owed.
    pub how_to_pay: String,
    pub tier: String,
}

fn how_to_pay(r: &Registration, balance: Money, payee: &str, currency: &str) -> String {
    let reference = &r.row.reference;
    let amount = format::money(balance, currency);
    if balance < Money::ZERO {
        let refund = format::money(Money::from_minor(-balance.minor()), currency);
        return format!("You have paid more than the total: {refund} is due back to you. The conference office will arrange the refund.");
    }
    if balance == Money::ZERO {
        return "Nothing more to pay.".into();
    }
    match r.row.payment_method {
        PaymentMethod::Cheque => format!(
            "Send a cheque for {amount} payable to {payee}, and write the booking reference {reference} on the back."
        ),
        PaymentMethod::Invoice => format!(
            "An invoice for {amount} will be sent to your organisation's contact. Quote the booking reference {reference} when you pay it."
        ),
        PaymentMethod::Online => format!(
            "Pay the balance of {amount} online, quoting the booking reference {reference}."
        ),
    }
}

fn booking(r: &Registration, c: Option<&Outlook>, payee: &str) -> Booking {
    let currency = r.row.currency.as_str();
    let total = Money::from_minor(r.row.total_minor);
    let paid = Money::from_minor(r.row.amount_paid_minor);
    let balance = total.checked_sub(paid).unwrap_or(Money::ZERO);
    let status = PaymentStatus::of(total, paid);
    let (can_substitute, can_cancel) = c.map_or((false, false), |o| {
        (o.substitutions_open, o.is_open(DeadlineKey::Registration))
    });
    let conference = c.map(|o| &o.conference);
    Booking {
        id: r.row.id.to_string(),
        reference: r.row.reference.clone(),
        conference: conference.map_or_else(String::new, |c| c.spec.name.clone()),
        dates: conference.map_or_else(String::new, |c| {
            format::date_range(c.spec.starts_on, c.spec.ends_on)
        }),
        registered_on: conference.map_or_else(
            || format::short_date(r.row.created_at.date()),
            |c| format::instant(r.row.created_at.and_utc(), c.spec.timezone),
        ),
        delegates: r
            .delegates
            .iter()
            .map(|d| {
                let active = d.status == DelegateStatus::Active;
                DelegateLine {
                    id: d.id.to_string(),
                    name: d.name.clone(),
                    email: d.email.clone(),
                    dinner: d.dinner,
                    fee: format::money(Money::from_minor(d.charged_minor()), currency),
                    active,
                    can_substitute: active && can_substitute,
                    can_cancel: active && can_cancel,
                }
            })
            .collect(),
        total: format::money(total, currency),
        paid: format::money(paid, currency),
        balance: format::money(balance, currency),
        status: format::payment_status(status),
        status_class: match status {
            PaymentStatus::Paid => "tag-green",
            PaymentStatus::RefundDue => "tag-blue",
            _ => "tag-yellow",
        },
        method: format::payment_method(r.row.payment_method),
        how_to_pay: how_to_pay(r, balance, payee, currency),
        tier: r.row.tier_code.clone(),
    }
}

/// The outlooks of the conferences some registrations are for.
fn outlooks_for(
    conn: &mut crate::db::DbConnection,
    actor: &Actor,
    ids: impl Iterator<Item = ConferenceId>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<HashMap<ConferenceId, Outlook>, Error> {
    let mut all = HashMap::new();
    for id in ids {
        if let std::collections::hash_map::Entry::Vacant(e) = all.entry(id.clone()) {
            e.insert(outlook::of_conference(conn, actor, &id, now)?);
        }
    }
    Ok(all)
}

#[derive(Template)]
#[template(path = "web/bookings.html")]
struct BookingsPage {
    chrome: Chrome,
    bookings: Vec<Booking>,
}

async fn list(req: HttpRequest, user: OrgUser) -> Result<HttpResponse, PageError> {
    let state = session::state(&req)?;
    let now = state.now();
    let (actor, org) = (user.actor().clone(), user.organisation_id.clone());
    let (rows, outlooks) = state
        .db(move |conn| {
            let rows = registrations::of_organisation(conn, &actor, &org, PAGE, None)?;
            let ids = rows.iter().map(|r| r.row.conference_id.clone());
            let outlooks = outlooks_for(conn, &actor, ids, now)?;
            Ok((rows, outlooks))
        })
        .await?;
    let payee = &state.settings.cheque_payee;
    render(&BookingsPage {
        chrome: Chrome::signed_in("Bookings", &user.session),
        bookings: rows
            .iter()
            .take(PAGE as usize)
            .map(|r| booking(r, outlooks.get(&r.row.conference_id), payee))
            .collect(),
    })
}

#[derive(Deserialize)]
struct ShowQuery {
    #[serde(default)]
    registered: Option<String>,
    #[serde(default)]
    done: Option<String>,
}

#[derive(Template)]
#[template(path = "web/registration.html")]
struct RegistrationPage {
    chrome: Chrome,
    b: Booking,
    just_registered: bool,
    done: String,
    /// Its invoices and credit notes, newest first.
    documents: Vec<DocumentLink>,
}

/// A registration and its conference's outlook, for the organisation that
/// made it (not found for anyone else).
async fn load_registration(
    state: &AppState,
    actor: &Actor,
    id: RegistrationId,
) -> Result<(Registration, Outlook, Vec<InvoiceRow>), PageError> {
    let now = state.now();
    let actor = actor.clone();
    Ok(state
        .db(move |conn| {
            let r = registrations::get(conn, &actor, &id)?;
            let o = outlook::of_conference(conn, &actor, &r.row.conference_id, now)?;
            let invoices = invoices::list(conn, &actor, &id)?;
            Ok((r, o, invoices))
        })
        .await?)
}

async fn show(
    req: HttpRequest,
    user: OrgUser,
    id: web::Path<uuid::Uuid>,
    query: web::Query<ShowQuery>,
) -> Result<HttpResponse, PageError> {
    let state = session::state(&req)?;
    let (r, o, invoices) = load_registration(&state, user.actor(), id.into_inner().into()).await?;
    let b = booking(&r, Some(&o), &state.settings.cheque_payee);
    let q = query.into_inner();
    let done = match q.done.as_deref() {
        Some("substituted") => {
            "The substitution has been made. The new delegate has been sent a confirmation."
        }
        Some("cancelled") => {
            "The delegate's place has been cancelled and the fee taken off the total."
        }
        _ => "",
    };
    let just_registered = q.registered.is_some();
    let title = if just_registered {
        "Registration complete".to_owned()
    } else {
        format!("Booking {}", b.reference)
    };
    render(&RegistrationPage {
        chrome: Chrome::signed_in(&title, &user.session),
        b,
        just_registered,
        done: done.to_owned(),
        documents: documents::links(&invoices),
    })
}

/// A delegate, their registration and its conference.
struct Place {
    d: DelegateRow,
    r: Registration,
    o: Outlook,
    organisation: OrganisationRow,
}

/// A delegate's place, for the organisation that registered them (not
/// found for anyone else).
async fn load_delegate(
    state: &AppState,
    actor: &Actor,
    id: DelegateId,
) -> Result<Place, PageError> {
    let now = state.now();
    let actor = actor.clone();
    Ok(state
        .db(move |conn| {
            let (d, r) = registrations::delegate(conn, &actor, &id)?;
            let o = outlook::of_conference(conn, &actor, &r.row.conference_id, now)?;
            let organisation = organisations::ops::get(conn, &actor, &r.row.organisation_id)?;
            Ok(Place {
                d,
                r,
                o,
                organisation,
            })
        })
        .await?)
}

#[derive(Template)]
#[template(path = "web/substitute.html")]
struct SubstitutePage {
    chrome: Chrome,
    problems: Problems,
    conference: String,
    registration_id: String,
    reference: String,
    delegate_id: String,
    old_name: String,
    fee: String,
    dinner: bool,
    /// Second step: the details are checked; confirm to make the change.
    confirm: bool,
    name: Input,
    email: Input,
    dietary: Input,
    access: Input,
    region: Option<Choices>,
    key: String,
    closes: String,
}

fn substitute_page(
    user: &OrgUser,
    place: &Place,
    regions: &[String],
    t: &PersonForm,
    problems: Problems,
    confirm: bool,
    key: &str,
) -> SubstitutePage {
    let (d, r, c) = (&place.d, &place.r, &place.o.conference);
    let title = if confirm {
        format!("Check the substitution for {}", d.name)
    } else if problems.is_empty() {
        format!("Substitute {}", d.name)
    } else {
        format!("Error: Substitute {}", d.name)
    };
    SubstitutePage {
        chrome: Chrome::signed_in(&title, &user.session),
        conference: c.spec.name.clone(),
        registration_id: r.row.id.to_string(),
        reference: r.row.reference.clone(),
        delegate_id: d.id.to_string(),
        old_name: d.name.clone(),
        fee: format::money(Money::from_minor(d.charged_minor()), &r.row.currency),
        dinner: d.dinner,
        region: (place.organisation.kind == OrganisationKind::Society).then(|| {
            let mut choices = vec![Choice::new(
                "",
                &format!(
                    "Not given (the society's region, {})",
                    place.organisation.region
                ),
                &t.region,
            )];
            choices.extend(regions.iter().map(|r| Choice::new(r, r, &t.region)));
            Choices::new("region", "Region", choices, &problems).hint(
                "Where the delegate lives as a member. It decides whether they can stand for CAC.",
            )
        }),
        confirm,
        name: Input::new("name", "Name", &t.name, &problems),
        email: Input::new("email", "Email", &t.email, &problems)
            .kind("email")
            .hint("We send the new delegate a confirmation here."),
        dietary: Input::new(
            "dietary_requirements",
            "Dietary requirements",
            &t.dietary,
            &problems,
        )
        .hint("Leave blank if none."),
        access: Input::new(
            "access_requirements",
            "Access requirements",
            &t.access,
            &problems,
        )
        .hint("Leave blank if none."),
        problems,
        key: key.to_owned(),
        closes: format::date(crate::deadlines::rules::substitution_deadline(
            c.spec.starts_on,
        )),
    }
}

async fn substitute_form(
    req: HttpRequest,
    user: OrgUser,
    id: web::Path<uuid::Uuid>,
) -> Result<HttpResponse, PageError> {
    let state = session::state(&req)?;
    let place = load_delegate(&state, user.actor(), id.into_inner().into()).await?;
    let blank = PersonForm::default();
    render(&substitute_page(
        &user,
        &place,
        &state.settings.regions,
        &blank,
        Problems::default(),
        false,
        &new_idempotency_key(),
    ))
}

/// Two steps: the new person's details are checked and shown with what
/// happens to the fee; only the confirming post substitutes.
async fn substitute(
    req: HttpRequest,
    post: Posted<OrgUser>,
    id: web::Path<uuid::Uuid>,
) -> Result<HttpResponse, PageError> {
    let state = session::state(&req)?;
    let (user, form) = (post.who, post.form);
    let place = load_delegate(&state, user.actor(), id.into_inner().into()).await?;
    let (d, r) = (&place.d, &place.r);
    let t = PersonForm::read(&form);
    let key = match form.get(IDEMPOTENCY_FIELD) {
        "" => new_idempotency_key(),
        k => k.to_owned(),
    };
    let regions = &state.settings.regions;
    let person = match t.parse(regions) {
        Ok(person) => person,
        Err(problems) => {
            return render_refused(&substitute_page(
                &user, &place, regions, &t, problems, false, &key,
            ));
        }
    };
    if form.get("step") != "confirm" || form.get("action") == "change" {
        return render(&substitute_page(
            &user,
            &place,
            regions,
            &t,
            Problems::default(),
            form.get("action") != "change",
            &key,
        ));
    }
    let delegate_id = d.id.clone();
    let outcome = run_form(&state, user.actor(), form.idempotency_key(), || {
        Substitute {
            delegate_id: delegate_id.clone(),
            person: person.clone(),
            duplicate_override: false,
        }
    })
    .await;
    match outcome {
        Ok(_) => Ok(see_other(&format!(
            "/portal/registrations/{}?done=substituted",
            r.row.id
        ))),
        Err(Error::Validation(errors)) => {
            let problems = person::problems(&errors);
            render_refused(&substitute_page(
                &user,
                &place,
                regions,
                &t,
                problems,
                false,
                &new_idempotency_key(),
            ))
        }
        Err(Error::DeadlinePassed(m) | Error::Conflict(m)) => {
            let mut problems = Problems::default();
            problems.general(sentence(&m));
            render_refused(&substitute_page(
                &user, &place, regions, &t, problems, false, &key,
            ))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "web/cancel.html")]
struct CancelPage {
    chrome: Chrome,
    problems: Problems,
    conference: String,
    registration_id: String,
    reference: String,
    delegate_id: String,
    name: String,
    fee: String,
    new_total: String,
    paid: String,
    refund: Option<String>,
    still_to_pay: Option<String>,
    key: String,
}

fn cancel_page(user: &OrgUser, place: &Place, problems: Problems) -> CancelPage {
    let (d, r, c) = (&place.d, &place.r, &place.o.conference);
    let currency = r.row.currency.as_str();
    let fee = Money::from_minor(d.charged_minor());
    let new_total = Money::from_minor(r.row.total_minor - d.charged_minor());
    let paid = Money::from_minor(r.row.amount_paid_minor);
    let balance = new_total.checked_sub(paid).unwrap_or(Money::ZERO);
    CancelPage {
        chrome: Chrome::signed_in(&format!("Cancel {}'s place", d.name), &user.session),
        problems,
        conference: c.spec.name.clone(),
        registration_id: r.row.id.to_string(),
        reference: r.row.reference.clone(),
        delegate_id: d.id.to_string(),
        name: d.name.clone(),
        fee: format::money(fee, currency),
        new_total: format::money(new_total, currency),
        paid: format::money(paid, currency),
        refund: (balance < Money::ZERO)
            .then(|| format::money(Money::from_minor(-balance.minor()), currency)),
        still_to_pay: (balance > Money::ZERO).then(|| format::money(balance, currency)),
        key: new_idempotency_key(),
    }
}

async fn cancel_form(
    req: HttpRequest,
    user: OrgUser,
    id: web::Path<uuid::Uuid>,
) -> Result<HttpResponse, PageError> {
    let state = session::state(&req)?;
    let place = load_delegate(&state, user.actor(), id.into_inner().into()).await?;
    let (d, r) = (&place.d, &place.r);
    if d.status != DelegateStatus::Active {
        return Ok(see_other(&format!("/portal/registrations/{}", r.row.id)));
    }
    render(&cancel_page(&user, &place, Problems::default()))
}

async fn cancel(
    req: HttpRequest,
    post: Posted<OrgUser>,
    id: web::Path<uuid::Uuid>,
) -> Result<HttpResponse, PageError> {
    let state = session::state(&req)?;
    let (user, form) = (post.who, post.form);
    let place = load_delegate(&state, user.actor(), id.into_inner().into()).await?;
    let (d, r) = (&place.d, &place.r);
    let delegate_id = d.id.clone();
    let outcome = run_form(&state, user.actor(), form.idempotency_key(), || Cancel {
        delegate_id: delegate_id.clone(),
    })
    .await;
    match outcome {
        Ok(_) => Ok(see_other(&format!(
            "/portal/registrations/{}?done=cancelled",
            r.row.id
        ))),
        Err(Error::DeadlinePassed(m) | Error::Conflict(m)) => {
            let mut problems = Problems::default();
            problems.general(sentence(&m));
            render_refused(&cancel_page(&user, &place, problems))
        }
        Err(e) => Err(e.into()),
    }
}
