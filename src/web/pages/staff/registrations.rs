//! `/staff/registrations`: find a registration by booking reference,
//! delegate name or email, organisation, payment status and method; one
//! registration's page with its delegates, fees, payments and audit trail;
//! recording a payment (**Amount**, **Method**, **Reference**, **Record
//! payment**) and, for a registration in credit, a refund (**Record
//! refund**); its invoices and credit notes as PDF links; substituting or
//! cancelling a delegate on the organisation's behalf. Staff are not bound by the deadlines: the page says when an
//! action would be a late override, and the operation audits it. The
//! operations are the API's `RecordPayment`, `RecordRefund`, `Substitute`
//! and `Cancel`.

use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::audit::{entry, Entry};
use super::pick;
use crate::audit::{self, ListFilter as AuditFilter};
use crate::deadlines::outlook::{self, Outlook};
use crate::deadlines::rules::substitution_deadline;
use crate::ids::{DelegateId, OrganisationId, RegistrationId};
use crate::invoices::ops as invoices;
use crate::ops::role;
use crate::ops::{Actor, Error};
use crate::organisations::{self, OrganisationRow};
use crate::registrations::ops::{
    self as registrations, Cancel, ListFilter, RecordPayment, RecordRefund, Substitute,
};
use crate::registrations::rules::{
    DelegateStatus, PaymentChannel, PaymentKind, PaymentMethod, PaymentStatus,
};
use crate::registrations::store::PaymentRow;
use crate::registrations::{DelegateRow, Registration};
use crate::state::AppState;
use crate::values;
use crate::values::money::Money;
use crate::web::error::{sentence, PageError};
use crate::web::fields::{new_idempotency_key, Problems, IDEMPOTENCY_FIELD};
use crate::web::format;
use crate::web::pages::documents::{self, DocumentLink};
use crate::web::pages::person::{self, PersonForm};
use crate::web::pages::{
    render, render_refused, run_form, see_other, Choice, Choices, Chrome, Input,
};
use crate::web::session::{self, Posted, StaffUser};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/staff/registrations", web::get().to(list))
        .route("/staff/registrations/{id}", web::get().to(show))
        .route("/staff/registrations/{id}/payments", web::post().to(pay))
        .route("/staff/registrations/{id}/refunds", web::post().to(refund))
        .route(
            "/staff/delegates/{id}/substitute",
            web::get().to(substitute_form),
        )
        .route(
            "/staff/delegates/{id}/substitute",
            web::post().to(substitute),
        )
        .route("/staff/delegates/{id}/cancel", web::get().to(cancel_form))
        .route("/staff/delegates/{id}/cancel", web::post().to(cancel));
}

/// Registrations shown on one page (the newest).
const PAGE: i64 = 200;

fn status_class(s: PaymentStatus) -> &'static str {
    match s {
        PaymentStatus::Paid => "tag-green",
        PaymentStatus::RefundDue => "tag-blue",
        _ => "tag-yellow",
    }
}

/// What a registration's money comes to.
struct Sums {
    total: Money,
    paid: Money,
    balance: Money,
    status: PaymentStatus,
}

fn sums(r: &Registration) -> Sums {
    let total = Money::from_minor(r.row.total_minor);
    let paid = Money::from_minor(r.row.amount_paid_minor);
    Sums {
        total,
        paid,
        balance: Money::from_minor(r.row.total_minor - r.row.amount_paid_minor),
        status: PaymentStatus::of(total, paid),
    }
}

/// A balance as words: "£90.00", or "£10.00 to refund".
fn balance_text(balance: Money, currency: &str) -> String {
    if balance < Money::ZERO {
        format!(
            "{} to refund",
            format::money(Money::from_minor(-balance.minor()), currency)
        )
    } else {
        format::money(balance, currency)
    }
}

pub struct Row {
    pub id: String,
    pub reference: String,
    pub organisation: String,
    pub delegates: String,
    pub total: String,
    pub balance: String,
    pub status: &'static str,
    pub status_class: &'static str,
    pub method: &'static str,
}

#[derive(Deserialize)]
struct ListQuery {
    conference_id: Option<String>,
    q: Option<String>,
    payment_status: Option<String>,
    method: Option<String>,
    organisation_id: Option<String>,
}

#[derive(Template)]
#[template(path = "web/staff/registrations.html")]
struct ListPage {
    chrome: Chrome,
    problems: Problems,
    has_conference: bool,
    conference: Choices,
    q: Input,
    payment_status: Choices,
    method: Choices,
    organisation: Choices,
    rows: Vec<Row>,
    more: bool,
    searched: bool,
}

async fn list(
    req: HttpRequest,
    StaffUser(session, _): StaffUser<role::ConferenceOrFinance>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, PageError> {
    let state = session::state(&req)?;
    let q = query.into_inner();
    let mut problems = Problems::default();
    let status_value = pick::value(&q.payment_status);
    let payment_status = match status_value {
        "" => None,
        s => PaymentStatus::parse(s).or_else(|| {
            problems.field("payment_status", "Choose a payment status from the list");
            None
        }),
    };
    let method_value = pick::value(&q.method);
    let payment_method = match method_value {
        "" => None,
        m => PaymentMethod::parse(m).or_else(|| {
            problems.field("method", "Choose a payment method from the list");
            None
        }),
    };
    let organisation_value = pick::value(&q.organisation_id);
    let organisation_id = match organisation_value {
        "" => None,
        o => OrganisationId::parse(o).ok().or_else(|| {
            problems.field("organisation_id", "Choose an organisation from the list");
            None
        }),
    };
    let search = pick::value(&q.q).to_owned();
    let filter = ListFilter {
        organisation_id,
        payment_status,
        payment_method,
        search: (!search.is_empty()).then(|| search.clone()),
    };
    let actor = session.actor().clone();
    let asked = q.conference_id.clone();
    let ok = problems.is_empty();
    let (conferences, conference, organisations, rows) = state
        .db(move |conn| {
            let conferences = pick::conferences(conn)?;
            let conference = pick::conference(&conferences, asked.as_deref())?;
            let organisations = pick::organisations(conn, &actor)?;
            let rows = match (&conference, ok) {
                (Some(c), true) => registrations::list(conn, &actor, &c.id, filter, PAGE, None)?,
                _ => Vec::new(),
            };
            Ok((conferences, conference, organisations, rows))
        })
        .await?;
    let names = pick::organisation_names(&organisations);
    let more = rows.len() > PAGE as usize;
    let rows = rows
        .iter()
        .take(PAGE as usize)
        .map(|r| {
            let s = sums(r);
            let active: Vec<&str> = r
                .delegates
                .iter()
                .filter(|d| d.status == DelegateStatus::Active)
                .map(|d| d.name.as_str())
                .collect();
            Row {
                id: r.row.id.to_string(),
                reference: r.row.reference.clone(),
                organisation: names
                    .get(&r.row.organisation_id)
                    .cloned()
                    .unwrap_or_default(),
                delegates: if active.is_empty() {
                    "None (all cancelled)".into()
                } else {
                    active.join(", ")
                },
                total: format::money(s.total, &r.row.currency),
                balance: balance_text(s.balance, &r.row.currency),
                status: format::payment_status(s.status),
                status_class: status_class(s.status),
                method: format::payment_method(r.row.payment_method),
            }
        })
        .collect();
    let current = conference
        .as_ref()
        .map(|c| c.id.to_string())
        .unwrap_or_default();
    let mut statuses = vec![Choice::new("", "Any", status_value)];
    statuses.extend(
        PaymentStatus::ALL
            .iter()
            .map(|s| Choice::new(s.as_str(), format::payment_status(*s), status_value)),
    );
    let mut methods = vec![Choice::new("", "Any", method_value)];
    methods.extend(
        PaymentMethod::ALL
            .iter()
            .map(|m| Choice::new(m.as_str(), format::payment_method(*m), method_value)),
    );
    let title = if problems.is_empty() {
        "Registrations"
    } else {
        "Error: Registrations"
    };
    render(&ListPage {
        chrome: Chrome::signed_in(title, &session),
        has_conference: conference.is_some(),
        conference: pick::conference_choices(&conferences, &current, None, &problems),
        q: Input::new("q", "Search", &search, &problems)
            .hint("A booking reference (PL-…), or part of a delegate's name or email."),
        payment_status: Choices::new("payment_status", "Payment status", statuses, &problems),
        method: Choices::new("method", "Payment method", methods, &problems),
        organisation: pick::organisation_choices(
            &organisations,
            "organisation_id",
            "Organisation",
            "Any organisation",
            organisation_value,
            &problems,
        ),
        searched: !search.is_empty()
            || payment_status.is_some()
            || payment_method.is_some()
            || !organisation_value.is_empty(),
        problems,
        rows,
        more,
    })
}

/// A registration with everything its page shows.
struct Loaded {
    r: Registration,
    o: Outlook,
    organisation: OrganisationRow,
    payments: Vec<PaymentRow>,
    documents: Vec<DocumentLink>,
    trail: Vec<Entry>,
}

async fn load(state: &AppState, actor: &Actor, id: RegistrationId) -> Result<Loaded, PageError> {
    let now = state.now();
    let actor = actor.clone();
    Ok(state
        .db(move |conn| {
            let r = registrations::get(conn, &actor, &id)?;
            let o = outlook::for_organisation(
                conn,
                &actor,
                &r.row.conference_id,
                &r.row.organisation_id,
                now,
            )?;
            let organisation = organisations::ops::get(conn, &actor, &r.row.organisation_id)?;
            let payments = registrations::payments(conn, &actor, &id)?;
            let documents = documents::links(&invoices::list(conn, &actor, &id)?);
            let mut subjects: Vec<String> = r.delegates.iter().map(|d| d.id.to_string()).collect();
            subjects.extend(payments.iter().map(|p| p.id.to_string()));
            let filter = AuditFilter {
                conference_id: Some(r.row.conference_id.clone()),
                subjects,
                ..AuditFilter::default()
            };
            let rows = audit::list(conn, &actor, &filter, PAGE, None)?;
            let people = pick::people(conn, &actor)?;
            let tz = o.conference.spec.timezone;
            let trail = rows
                .iter()
                .map(|a| entry(a, &people, Some(&organisation.name), Some(tz)))
                .collect();
            Ok(Loaded {
                r,
                o,
                organisation,
                payments,
                documents,
                trail,
            })
        })
        .await?)
}

/// What the page says when cancelling now would be a late override.
fn cancel_late(o: &Outlook) -> Option<String> {
    let d = o.registration();
    (!d.open).then(|| {
        format!(
            "The registration deadline for this organisation was {}{}. Cancelling a place now is a late override: you can still do it, and it is recorded in the audit log with your name.",
            format::date(d.effective),
            if d.extended_until.is_some() { " (with its extension)" } else { "" }
        )
    })
}

/// What the page says when substituting now would be a late override.
fn substitute_late(o: &Outlook) -> Option<String> {
    (!o.substitutions_open).then(|| {
        format!(
            "Substitutions closed at the end of {}. Substituting now is a late override: you can still do it, and it is recorded in the audit log with your name.",
            format::date(substitution_deadline(o.conference.spec.starts_on))
        )
    })
}

pub struct DelegateLine {
    pub id: String,
    pub name: String,
    pub email: String,
    pub dinner: bool,
    pub needs: String,
    pub fee: String,
    pub active: bool,
}

pub struct PaymentLine {
    pub when: String,
    pub refund: bool,
    pub amount: String,
    pub method: &'static str,
    pub reference: String,
}

#[derive(Template)]
#[template(path = "web/staff/registration.html")]
struct RegistrationPage {
    chrome: Chrome,
    problems: Problems,
    done: &'static str,
    id: String,
    reference: String,
    conference: String,
    conference_id: String,
    dates: String,
    organisation: String,
    registered: String,
    tier: String,
    method: &'static str,
    total: String,
    paid: String,
    balance: String,
    status: &'static str,
    status_class: &'static str,
    delegates: Vec<DelegateLine>,
    payments: Vec<PaymentLine>,
    documents: Vec<DocumentLink>,
    trail: Vec<Entry>,
    cancel_late: Option<String>,
    substitute_late: Option<String>,
    amount: Input,
    pay_method: Choices,
    pay_reference: Input,
    overpayment: bool,
    /// Nothing is due: the operation takes no payment, so no form.
    nothing_due: bool,
    /// In credit: the refund form instead.
    refund_due: bool,
    key: String,
}

/// What the payment form holds.
#[derive(Default)]
struct PaymentTyped {
    amount: String,
    method: String,
    reference: String,
    overpayment: bool,
}

fn registration_page(
    session: &session::SignedIn,
    l: &Loaded,
    typed: &PaymentTyped,
    problems: Problems,
    done: &'static str,
) -> RegistrationPage {
    let r = &l.r;
    let c = &l.o.conference;
    let currency = r.row.currency.as_str();
    let s = sums(r);
    let tz = c.spec.timezone;
    let title = if problems.is_empty() {
        format!("Registration {}", r.row.reference)
    } else {
        format!("Error: Registration {}", r.row.reference)
    };
    let method = if typed.method.is_empty() {
        r.row.payment_method.as_str()
    } else {
        typed.method.as_str()
    };
    let amount = if typed.amount.is_empty() && problems.is_empty() && s.balance != Money::ZERO {
        Money::from_minor(s.balance.minor().abs()).to_string()
    } else {
        typed.amount.clone()
    };
    RegistrationPage {
        chrome: Chrome::signed_in(&title, session),
        done,
        id: r.row.id.to_string(),
        reference: r.row.reference.clone(),
        conference: c.spec.name.clone(),
        conference_id: c.id.to_string(),
        dates: format::date_range(c.spec.starts_on, c.spec.ends_on),
        organisation: l.organisation.name.clone(),
        registered: format::instant(r.row.created_at.and_utc(), tz),
        tier: c
            .spec
            .prices
            .tiers()
            .iter()
            .find(|t| t.code == r.row.tier_code)
            .map_or_else(|| r.row.tier_code.clone(), |t| t.name.clone()),
        method: format::payment_method(r.row.payment_method),
        total: format::money(s.total, currency),
        paid: format::money(s.paid, currency),
        balance: balance_text(s.balance, currency),
        status: format::payment_status(s.status),
        status_class: status_class(s.status),
        delegates: r
            .delegates
            .iter()
            .map(|d| DelegateLine {
                id: d.id.to_string(),
                name: d.name.clone(),
                email: d.email.clone(),
                dinner: d.dinner,
                needs: [
                    (!d.dietary_requirements.is_empty())
                        .then(|| format!("Dietary: {}", d.dietary_requirements)),
                    (!d.access_requirements.is_empty())
                        .then(|| format!("Access: {}", d.access_requirements)),
                ]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(". "),
                fee: format::money(Money::from_minor(d.charged_minor()), currency),
                active: d.status == DelegateStatus::Active,
            })
            .collect(),
        payments: l
            .payments
            .iter()
            .map(|p| PaymentLine {
                when: format::instant(p.created_at.and_utc(), tz),
                refund: p.kind == PaymentKind::Refund,
                amount: format::money(Money::from_minor(p.signed_minor()), currency),
                method: format::payment_channel(p.method),
                reference: p.reference.clone(),
            })
            .collect(),
        documents: l.documents.clone(),
        trail: l.trail.clone(),
        cancel_late: cancel_late(&l.o),
        substitute_late: substitute_late(&l.o),
        amount: Input::new("amount", "Amount", &amount, &problems)
            .hint("In pounds, for example 135.00.")
            .width("width-10"),
        pay_method: Choices::new(
            "method",
            "Method",
            PaymentChannel::ALL
                .iter()
                .map(|m| Choice::new(m.as_str(), format::payment_channel(*m), method))
                .collect(),
            &problems,
        ),
        pay_reference: Input::new("reference", "Reference", &typed.reference, &problems)
            .hint("The cheque number, transfer reference or payment id."),
        overpayment: typed.overpayment,
        nothing_due: s.balance <= Money::ZERO && problems.is_empty(),
        refund_due: s.balance < Money::ZERO,
        problems,
        key: new_idempotency_key(),
    }
}

#[derive(Deserialize)]
struct ShowQuery {
    done: Option<String>,
}

async fn show(
    req: HttpRequest,
    StaffUser(session, _): StaffUser<role::ConferenceOrFinance>,
    id: web::Path<uuid::Uuid>,
    query: web::Query<ShowQuery>,
) -> Result<HttpResponse, PageError> {
    let state = session::state(&req)?;
    let l = load(&state, session.actor(), id.into_inner().into()).await?;
    let done = match query.done.as_deref() {
        Some("paid") => "The payment has been recorded and a receipt emailed to the organisation.",
        Some("refunded") => {
            "The refund has been recorded and a refund receipt emailed to the organisation."
        }
        Some("substituted") => "The substitution has been made and the new delegate emailed.",
        Some("cancelled") => "The place has been cancelled and its fee taken off the total.",
        _ => "",
    };
    render(&registration_page(
        &session,
        &l,
        &PaymentTyped::default(),
        Problems::default(),
        done,
    ))
}

/// What a payment or refund form asks for, read; problems beside the
/// fields otherwise.
fn money_form(
    typed: &PaymentTyped,
    what: &str,
    noun: &str,
) -> (Problems, Option<(Money, PaymentChannel, String)>) {
    let mut problems = Problems::default();
    let amount = match Money::parse_non_negative(typed.amount.trim_start_matches('£')) {
        _ if typed.amount.is_empty() => {
            problems.field("amount", format!("Enter the amount {what}"));
            None
        }
        Ok(a) if a == Money::ZERO => {
            problems.field("amount", "Amount must be more than £0.00");
            None
        }
        Ok(a) => Some(a),
        Err(_) => {
            problems.field("amount", "Amount must be an amount of money, like 135.00");
            None
        }
    };
    let method = PaymentChannel::parse(&typed.method);
    if method.is_none() {
        problems.field("method", format!("Choose how the {noun} was made"));
    }
    let reference = match values::line(&typed.reference, 200) {
        Ok(r) => Some(r),
        Err(_) if typed.reference.trim().is_empty() => {
            problems.field(
                "reference",
                "Enter the cheque number, transfer reference or payment id",
            );
            None
        }
        Err(m) => {
            problems.field("reference", format!("Reference {m}"));
            None
        }
    };
    match (amount, method, reference) {
        (Some(a), Some(m), Some(r)) => (problems, Some((a, m, r))),
        _ => (problems, None),
    }
}

fn typed_money(form: &crate::web::fields::Fields) -> PaymentTyped {
    PaymentTyped {
        amount: form.get("amount").trim().to_owned(),
        method: form.get("method").to_owned(),
        reference: form.get("reference").to_owned(),
        overpayment: form.checked("overpayment"),
    }
}

async fn pay(
    req: HttpRequest,
    post: Posted<StaffUser<role::Finance>>,
    id: web::Path<uuid::Uuid>,
) -> Result<HttpResponse, PageError> {
    let state = session::state(&req)?;
    let (StaffUser(session, _), form) = (post.who, post.form);
    let registration_id = RegistrationId::from(id.into_inner());
    let l = load(&state, session.actor(), registration_id.clone()).await?;
    let typed = typed_money(&form);
    let (problems, read) = money_form(&typed, "received", "payment");
    let Some((amount, method, reference)) = read else {
        return render_refused(&registration_page(&session, &l, &typed, problems, ""));
    };
    let outcome = run_form(&state, session.actor(), form.idempotency_key(), || {
        RecordPayment {
            registration_id: registration_id.clone(),
            amount,
            method,
            reference: reference.clone(),
            overpayment: typed.overpayment,
        }
    })
    .await;
    match outcome {
        Ok(_) => Ok(see_other(&format!(
            "/staff/registrations/{registration_id}?done=paid"
        ))),
        Err(Error::Validation(errors)) => {
            let mut problems = Problems::default();
            let due = format::money(sums(&l.r).balance, &l.r.row.currency);
            for e in errors {
                if e.field == "amount" {
                    problems.field(
                        "amount",
                        format!("Amount is more than the balance due of {due}. To record an overpayment on purpose, tick “This is an overpayment”"),
                    );
                } else {
                    problems.general(sentence(&format!("{} {}", e.field, e.message)));
                }
            }
            render_refused(&registration_page(&session, &l, &typed, problems, ""))
        }
        Err(Error::Conflict(m)) => {
            let mut problems = Problems::default();
            problems.field("amount", sentence(&m));
            render_refused(&registration_page(&session, &l, &typed, problems, ""))
        }
        Err(e) => Err(e.into()),
    }
}

/// Records a refund (role `finance`).
async fn refund(
    req: HttpRequest,
    post: Posted<StaffUser<role::Finance>>,
    id: web::Path<uuid::Uuid>,
) -> Result<HttpResponse, PageError> {
    let state = session::state(&req)?;
    let (StaffUser(session, _), form) = (post.who, post.form);
    let registration_id = RegistrationId::from(id.into_inner());
    let l = load(&state, session.actor(), registration_id.clone()).await?;
    let typed = typed_money(&form);
    let (problems, read) = money_form(&typed, "refunded", "refund");
    let Some((amount, method, reference)) = read else {
        return render_refused(&registration_page(&session, &l, &typed, problems, ""));
    };
    let outcome = run_form(&state, session.actor(), form.idempotency_key(), || {
        RecordRefund {
            registration_id: registration_id.clone(),
            amount,
            method,
            reference: reference.clone(),
        }
    })
    .await;
    match outcome {
        Ok(_) => Ok(see_other(&format!(
            "/staff/registrations/{registration_id}?done=refunded"
        ))),
        Err(Error::Validation(errors)) => {
            let mut problems = Problems::default();
            let credit = format::money(
                Money::from_minor(-sums(&l.r).balance.minor()),
                &l.r.row.currency,
            );
            for e in errors {
                if e.field == "amount" {
                    problems.field(
                        "amount",
                        format!("Amount is more than the {credit} to refund"),
                    );
                } else {
                    problems.general(sentence(&format!("{} {}", e.field, e.message)));
                }
            }
            render_refused(&registration_page(&session, &l, &typed, problems, ""))
        }
        Err(Error::Conflict(m)) => {
            let mut problems = Problems::default();
            problems.field("amount", sentence(&m));
            render_refused(&registration_page(&session, &l, &typed, problems, ""))
        }
        Err(e) => Err(e.into()),
    }
}

/// A delegate and their registration's page data.
struct Place {
    d: DelegateRow,
    l: Loaded,
}

async fn load_place(state: &AppState, actor: &Actor, id: DelegateId) -> Result<Place, PageError> {
    let a = actor.clone();
    let (d, r) = state
        .db(move |conn| registrations::delegate(conn, &a, &id))
        .await?;
    let l = load(state, actor, r.row.id).await?;
    Ok(Place { d, l })
}

#[derive(Template)]
#[template(path = "web/staff/substitute.html")]
struct SubstitutePage {
    chrome: Chrome,
    problems: Problems,
    registration_id: String,
    reference: String,
    organisation: String,
    delegate_id: String,
    old_name: String,
    fee: String,
    late: Option<String>,
    name: Input,
    email: Input,
    dietary: Input,
    access: Input,
    key: String,
}

fn substitute_page(
    session: &session::SignedIn,
    p: &Place,
    t: &PersonForm,
    problems: Problems,
    key: &str,
) -> SubstitutePage {
    let title = if problems.is_empty() {
        format!("Substitute {}", p.d.name)
    } else {
        format!("Error: Substitute {}", p.d.name)
    };
    SubstitutePage {
        chrome: Chrome::signed_in(&title, session),
        registration_id: p.l.r.row.id.to_string(),
        reference: p.l.r.row.reference.clone(),
        organisation: p.l.organisation.name.clone(),
        delegate_id: p.d.id.to_string(),
        old_name: p.d.name.clone(),
        fee: format::money(Money::from_minor(p.d.charged_minor()), &p.l.r.row.currency),
        late: substitute_late(&p.l.o),
        name: Input::new("name", "Name", &t.name, &problems),
        email: Input::new("email", "Email", &t.email, &problems)
            .kind("email")
            .hint("The new delegate is sent a confirmation here."),
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
    }
}

async fn substitute_form(
    req: HttpRequest,
    StaffUser(session, _): StaffUser<role::Conference>,
    id: web::Path<uuid::Uuid>,
) -> Result<HttpResponse, PageError> {
    let state = session::state(&req)?;
    let p = load_place(&state, session.actor(), id.into_inner().into()).await?;
    if p.d.status != DelegateStatus::Active {
        return Ok(see_other(&format!("/staff/registrations/{}", p.l.r.row.id)));
    }
    render(&substitute_page(
        &session,
        &p,
        &PersonForm::default(),
        Problems::default(),
        &new_idempotency_key(),
    ))
}

async fn substitute(
    req: HttpRequest,
    post: Posted<StaffUser<role::Conference>>,
    id: web::Path<uuid::Uuid>,
) -> Result<HttpResponse, PageError> {
    let state = session::state(&req)?;
    let (StaffUser(session, _), form) = (post.who, post.form);
    let p = load_place(&state, session.actor(), id.into_inner().into()).await?;
    let t = PersonForm::read(&form);
    let key = match form.get(IDEMPOTENCY_FIELD) {
        "" => new_idempotency_key(),
        k => k.to_owned(),
    };
    let person = match t.parse(&state.settings.regions) {
        Ok(person) => person,
        Err(problems) => return render_refused(&substitute_page(&session, &p, &t, problems, &key)),
    };
    let delegate_id = p.d.id.clone();
    let outcome = run_form(&state, session.actor(), form.idempotency_key(), || {
        Substitute {
            delegate_id: delegate_id.clone(),
            person: person.clone(),
            duplicate_override: false,
        }
    })
    .await;
    match outcome {
        Ok(_) => Ok(see_other(&format!(
            "/staff/registrations/{}?done=substituted",
            p.l.r.row.id
        ))),
        Err(Error::Validation(errors)) => {
            let problems = person::problems(&errors);
            render_refused(&substitute_page(
                &session,
                &p,
                &t,
                problems,
                &new_idempotency_key(),
            ))
        }
        Err(Error::Conflict(m)) => {
            let mut problems = Problems::default();
            problems.general(sentence(&m));
            render_refused(&substitute_page(
                &session,
                &p,
                &t,
                problems,
                &new_idempotency_key(),
            ))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "web/staff/cancel.html")]
struct CancelPage {
    chrome: Chrome,
    problems: Problems,
    registration_id: String,
    reference: String,
    organisation: String,
    delegate_id: String,
    name: String,
    fee: String,
    new_total: String,
    new_balance: String,
    late: Option<String>,
    key: String,
}

fn cancel_page(session: &session::SignedIn, p: &Place, problems: Problems) -> CancelPage {
    let r = &p.l.r;
    let currency = r.row.currency.as_str();
    let new_total = r.row.total_minor - p.d.charged_minor();
    CancelPage {
        chrome: Chrome::signed_in(&format!("Cancel {}'s place", p.d.name), session),
        problems,
        registration_id: r.row.id.to_string(),
        reference: r.row.reference.clone(),
        organisation: p.l.organisation.name.clone(),
        delegate_id: p.d.id.to_string(),
        name: p.d.name.clone(),
        fee: format::money(Money::from_minor(p.d.charged_minor()), currency),
        new_total: format::money(Money::from_minor(new_total), currency),
        new_balance: balance_text(
            Money::from_minor(new_total - r.row.amount_paid_minor),
            currency,
        ),
        late: cancel_late(&p.l.o),
        key: new_idempotency_key(),
    }
}

async fn cancel_form(
    req: HttpRequest,
    StaffUser(session, _): StaffUser<role::Conference>,
    id: web::Path<uuid::Uuid>,
) -> Result<HttpResponse, PageError> {
    let state = session::state(&req)?;
    let p = load_place(&state, session.actor(), id.into_inner().into()).await?;
    if p.d.status != DelegateStatus::Active {
        return Ok(see_other(&format!("/staff/registrations/{}", p.l.r.row.id)));
    }
    render(&cancel_page(&session, &p, Problems::default()))
}

async fn cancel(
    req: HttpRequest,
    post: Posted<StaffUser<role::Conference>>,
    id: web::Path<uuid::Uuid>,
) -> Result<HttpResponse, PageError> {
    let state = session::state(&req)?;
    let (StaffUser(session, _), form) = (post.who, post.form);
    let p = load_place(&state, session.actor(), id.into_inner().into()).await?;
    let delegate_id = p.d.id.clone();
    let outcome = run_form(&state, session.actor(), form.idempotency_key(), || Cancel {
        delegate_id: delegate_id.clone(),
    })
    .await;
    match outcome {
        Ok(_) => Ok(see_other(&format!(
            "/staff/registrations/{}?done=cancelled",
            p.l.r.row.id
        ))),
        Err(Error::Conflict(m)) => {
            let mut problems = Problems::default();
            problems.general(sentence(&m));
            render_refused(&cancel_page(&session, &p, problems))
        }
        Err(e) => Err(e.into()),
    }
}
