//! Delegate registration: pricing fixed at receipt, deadlines with
//! extensions, capacity without overselling, payments, substitutions and
//! cancellations.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use chrono::{DateTime, Utc};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa_actix_web::service_config::ServiceConfig;

use super::deadline;
use super::error::{ApiError, ApiResult, Problem};
use super::extract::{Caller, Staff};
use super::idempotency::{self, IdempotencyKey};
use super::pagination::{Page, PageQuery};
use crate::app::AppState;
use crate::db::audit::{self, Subject};
use crate::db::registrations::{self as regs, DelegateRow, ListFilter, PaymentRow, Registration};
use crate::db::{self, DbConnection};
use crate::domain::deadlines::{self, DeadlineKey};
use crate::domain::money::Money;
use crate::domain::registration::{
    self as rules, DelegateInput, PaymentChannel, PaymentMethod, PaymentStatus,
};
use crate::domain::{values, Problems};
use crate::email::notify;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(create_registration)
        .service(list_registrations)
        .service(get_registration)
        .service(record_payment)
        .service(substitute_delegate)
        .service(cancel_delegate);
}

#[derive(Debug, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateRegistration {
    /// Staff must name the organisation; organisation users register for
    /// their own and may omit it.
    #[schema(value_type = Option<String>, format = Uuid)]
    pub organisation_id: Option<String>,
    pub payment_method: PaymentMethod,
    pub delegates: Vec<DelegateInput>,
    /// Staff only: accept after the registration deadline (audited).
    #[serde(default)]
    pub late_override: bool,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DelegateView {
    #[schema(format = Uuid)]
    pub id: String,
    pub name: String,
    pub email: String,
    pub dinner: bool,
    pub dietary_requirements: String,
    pub access_requirements: String,
    pub pass_fee: Money,
    pub dinner_fee: Money,
    /// Pass fee plus dinner fee, fixed when the registration was received.
    pub fee: Money,
    /// `active` or `cancelled`.
    pub status: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RegistrationView {
    #[schema(format = Uuid)]
    pub id: String,
    /// Short booking reference for cheques and bank transfers.
    #[schema(example = "PL-7K3M-9QXA")]
    pub reference: String,
    #[schema(format = Uuid)]
    pub conference_id: String,
    #[schema(format = Uuid)]
    pub organisation_id: String,
    pub payment_method: PaymentMethod,
    /// Code of the price tier in force when the registration was received.
    pub tier: String,
    pub currency: String,
    /// Sum of the active delegates' fees.
    pub total: Money,
    pub amount_paid: Money,
    /// Total minus amount paid; negative when a refund is due.
    pub balance: Money,
    pub payment_status: PaymentStatus,
    pub delegates: Vec<DelegateView>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<&DelegateRow> for DelegateView {
    fn from(d: &DelegateRow) -> Self {
        Self {
            id: d.id.clone(),
            name: d.name.clone(),
            email: d.email.clone(),
            dinner: d.dinner,
            dietary_requirements: d.dietary_requirements.clone(),
            access_requirements: d.access_requirements.clone(),
            pass_fee: Money::from_minor(d.pass_fee_minor),
            dinner_fee: Money::from_minor(d.dinner_fee_minor),
            fee: Money::from_minor(d.fee_minor),
            status: d.status.clone(),
        }
    }
}

impl From<&Registration> for RegistrationView {
    fn from(r: &Registration) -> Self {
        let total = Money::from_minor(r.row.total_minor);
        let paid = Money::from_minor(r.row.amount_paid_minor);
        Self {
            id: r.row.id.clone(),
            reference: r.row.reference.clone(),
            conference_id: r.row.conference_id.clone(),
            organisation_id: r.row.organisation_id.clone(),
            payment_method: PaymentMethod::parse(&r.row.payment_method)
                .unwrap_or(PaymentMethod::Invoice),
            tier: r.row.tier_code.clone(),
            currency: r.row.currency.clone(),
            total,
            amount_paid: paid,
            balance: total.checked_sub(paid).unwrap_or(Money::ZERO),
            payment_status: PaymentStatus::of(total, paid),
            delegates: r.delegates.iter().map(DelegateView::from).collect(),
            created_at: r.row.created_at.and_utc(),
            updated_at: r.row.updated_at.and_utc(),
        }
    }
}

/// A new, unused booking reference.
fn new_reference(conn: &mut DbConnection) -> Result<String, ApiError> {
    for _ in 0..8 {
        let mut bytes = [0u8; rules::REFERENCE_LEN];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        let reference = rules::booking_reference(bytes);
        if !regs::reference_exists(conn, &reference)? {
            return Ok(reference);
        }
    }
    Err(ApiError::Internal(anyhow::anyhow!(
        "no free booking reference after 8 attempts"
    )))
}

/// Why `reserve` refused, told against the caps and counts as they stand.
fn capacity_refusal(
    conn: &mut DbConnection,
    conference_id: &str,
    places: u32,
    dinners: u32,
) -> Result<ApiError, ApiError> {
    let spec = db::conferences::get(conn, conference_id)?
        .ok_or(ApiError::NotFound)?
        .spec;
    let (places_taken, dinners_taken) = regs::taken(conn, conference_id)?;
    let detail = rules::check_capacity("places", spec.capacity, places_taken as u32, places)
        .and_then(|()| {
            rules::check_capacity(
                "dinner seats",
                spec.dinner_capacity,
                dinners_taken as u32,
                dinners,
            )
        })
        .err()
        .map_or_else(
            || "the places or dinner seats left were fewer than asked".to_owned(),
            |e| e.to_string(),
        );
    Ok(ApiError::CapacityReached(detail))
}

fn load_registration(conn: &mut DbConnection, id: &str) -> Result<Registration, ApiError> {
    regs::get(conn, id)?.ok_or(ApiError::NotFound)
}

fn load_organisation(
    conn: &mut DbConnection,
    id: &str,
) -> Result<db::organisations::OrganisationRow, ApiError> {
    db::organisations::get(conn, id)?.ok_or(ApiError::NotFound)
}

/// Register one or more delegates for a conference.
///
/// The price is the tier in force now in the conference's time zone and is
/// stored with the registration. The whole registration is refused with
/// `capacity_reached` if it would exceed the places or dinner seats left.
#[utoipa::path(
    tag = "registrations",
    security(("bearer" = [])),
    params(
        ("id" = uuid::Uuid, Path, description = "Conference"),
        ("Idempotency-Key" = Option<String>, Header, description = "Repeat-safe key (24 h)"),
    ),
    responses(
        (status = 201, body = RegistrationView),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/conferences/{id}/registrations")]
pub async fn create_registration(
    state: web::Data<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    id: web::Path<uuid::Uuid>,
    body: web::Json<CreateRegistration>,
) -> ApiResult<HttpResponse> {
    let conference_id = id.into_inner().to_string();
    let body = body.into_inner();
    let organisation_id = caller.acting_for(body.organisation_id.as_deref())?;
    let max = state.settings.max_delegates_per_registration;
    let payee = state.settings.cheque_payee.clone();
    let now = state.now();
    let scope = format!("POST /conferences/{conference_id}/registrations");
    let c = caller.clone();
    let req = serde_json::to_value(&body).unwrap_or_default();
    idempotency::respond(
        &state,
        &caller,
        key,
        scope,
        &req,
        StatusCode::CREATED,
        move |conn| {
            // Read, not locked: the caps are enforced by `reserve` at the end.
            let conference =
                db::conferences::get(conn, &conference_id)?.ok_or(ApiError::NotFound)?;
            let organisation = db::organisations::get(conn, &organisation_id)?
                .ok_or_else(|| ApiError::validation("organisation_id", "no such organisation"))?;
            deadline::enforce(
                conn,
                &conference,
                &organisation.id,
                DeadlineKey::Registration,
                &c,
                body.late_override,
                "registration",
                now,
            )?;
            let spec = &conference.spec;
            let tier = spec
                .prices
                .tier_on(deadlines::local_date(now, spec.timezone));
            let delegates = rules::price_delegates(&body.delegates, max, tier)?;

            let places = delegates.len() as u32;
            let dinners = delegates.iter().filter(|d| d.dinner).count() as u32;

            let ts = now.naive_utc();
            let registration_id = uuid::Uuid::now_v7().to_string();
            let total = delegates
                .iter()
                .try_fold(Money::ZERO, |sum, d| sum.checked_add(d.fee))
                .ok_or_else(|| ApiError::validation("delegates", "total is too large"))?;
            let row = regs::RegistrationRow {
                id: registration_id.clone(),
                conference_id: conference.id.clone(),
                organisation_id: organisation.id.clone(),
                reference: new_reference(conn)?,
                payment_method: body.payment_method.as_str().to_owned(),
                tier_code: tier.code.clone(),
                currency: spec.currency.clone(),
                total_minor: total.minor(),
                amount_paid_minor: 0,
                created_by: c.user_id.clone(),
                created_at: ts,
                updated_at: ts,
            };
            let rows: Vec<DelegateRow> = delegates
                .into_iter()
                .enumerate()
                .map(|(i, d)| DelegateRow {
                    id: uuid::Uuid::now_v7().to_string(),
                    registration_id: registration_id.clone(),
                    conference_id: conference.id.clone(),
                    position: i as i32,
                    name: d.person.name,
                    email: d.person.email.into_inner(),
                    dinner: d.dinner,
                    dietary_requirements: d.person.dietary_requirements,
                    access_requirements: d.person.access_requirements,
                    pass_fee_minor: d.pass_fee.minor(),
                    dinner_fee_minor: d.dinner_fee.minor(),
                    fee_minor: d.fee.minor(),
                    status: "active".into(),
                    cancelled_at: None,
                    created_at: ts,
                    updated_at: ts,
                })
                .collect();
            regs::insert(conn, &row, &rows)?;
            let registration = Registration {
                row,
                delegates: rows,
            };
            notify::Context {
                conference: &conference,
                organisation: &organisation,
                registration: &registration,
                now: ts,
            }
            .registered(conn, &payee)?;
            if !regs::reserve(conn, &conference.id, places as i32, dinners as i32)? {
                return Err(capacity_refusal(conn, &conference.id, places, dinners)?);
            }
            Ok(RegistrationView::from(&registration))
        },
    )
    .await
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RegistrationQuery {
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    pub cursor: Option<String>,
    /// Staff only: one organisation's registrations.
    pub organisation_id: Option<String>,
    /// `unpaid`, `part_paid`, `paid` or `refund_due`.
    pub payment_status: Option<String>,
}

/// A conference's registrations, newest first: staff see all, an
/// organisation its own.
#[utoipa::path(
    tag = "registrations",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path), RegistrationQuery),
    responses(
        (status = 200, body = Page<RegistrationView>),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/conferences/{id}/registrations")]
pub async fn list_registrations(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<uuid::Uuid>,
    query: web::Query<RegistrationQuery>,
) -> ApiResult<web::Json<Page<RegistrationView>>> {
    let q = query.into_inner();
    let (limit, cursor) = PageQuery {
        limit: q.limit,
        cursor: q.cursor,
    }
    .parse()?;
    let mut p = Problems::default();
    let named = q
        .organisation_id
        .as_deref()
        .and_then(|o| p.take("organisation_id", values::uuid(o)));
    let payment_status = q.payment_status.as_deref().and_then(|s| {
        p.take(
            "payment_status",
            PaymentStatus::parse(s).ok_or("must be unpaid, part_paid, paid or refund_due"),
        )
    });
    p.into_result()?;
    let organisation_id = if caller.is_staff() {
        named
    } else {
        match (caller.organisation_id.clone(), named) {
            (Some(own), Some(n)) if n != own => {
                return Ok(web::Json(Page {
                    items: vec![],
                    next_cursor: None,
                }))
            }
            (own, _) => own,
        }
    };
    let conference_id = id.into_inner().to_string();
    let filter = ListFilter {
        organisation_id,
        payment_status,
    };
    let rows = state
        .db(move |conn| {
            if db::conferences::get(conn, &conference_id)?.is_none() {
                return Err(ApiError::NotFound);
            }
            Ok(regs::list(
                conn,
                &conference_id,
                &filter,
                limit,
                cursor.as_deref(),
            )?)
        })
        .await?;
    Ok(web::Json(Page::from_rows(
        rows,
        limit,
        |r| r.row.id.clone(),
        |r| RegistrationView::from(&r),
    )))
}

/// One registration: staff, or the organisation that made it (404 for others).
#[utoipa::path(
    tag = "registrations",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path)),
    responses(
        (status = 200, body = RegistrationView),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/registrations/{id}")]
pub async fn get_registration(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<uuid::Uuid>,
) -> ApiResult<web::Json<RegistrationView>> {
    let id = id.into_inner().to_string();
    let r = state.db(move |conn| load_registration(conn, &id)).await?;
    if !caller.may_act_for(&r.row.organisation_id) {
        return Err(ApiError::NotFound);
    }
    Ok(web::Json(RegistrationView::from(&r)))
}

#[derive(Debug, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordPayment {
    #[schema(value_type = String, example = "135.00")]
    pub amount: String,
    pub method: PaymentChannel,
    /// Cheque number, transfer reference or payment id.
    pub reference: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PaymentView {
    #[schema(format = Uuid)]
    pub id: String,
    #[schema(format = Uuid)]
    pub registration_id: String,
    pub amount: Money,
    pub method: PaymentChannel,
    pub reference: String,
    #[schema(format = Uuid)]
    pub recorded_by: String,
    pub created_at: DateTime<Utc>,
    /// The registration after this payment.
    pub registration: RegistrationView,
}

/// Record a payment received (staff).
#[utoipa::path(
    tag = "registrations",
    security(("bearer" = [])),
    params(
        ("id" = uuid::Uuid, Path, description = "Registration"),
        ("Idempotency-Key" = Option<String>, Header, description = "Repeat-safe key (24 h)"),
    ),
    responses(
        (status = 201, body = PaymentView),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/registrations/{id}/payments")]
pub async fn record_payment(
    state: web::Data<AppState>,
    Staff(caller): Staff,
    key: IdempotencyKey,
    id: web::Path<uuid::Uuid>,
    body: web::Json<RecordPayment>,
) -> ApiResult<HttpResponse> {
    let registration_id = id.into_inner().to_string();
    let body = body.into_inner();
    let mut p = Problems::default();
    let amount = p.take("amount", Money::parse_non_negative(&body.amount));
    if amount == Some(Money::ZERO) {
        p.push("amount", "must be greater than zero");
    }
    let reference = p.take("reference", values::line(&body.reference, 200));
    p.into_result()?;
    let (amount, reference) = (amount.expect("checked"), reference.expect("checked"));
    let now = state.now().naive_utc();
    let scope = format!("POST /registrations/{registration_id}/payments");
    let c = caller.clone();
    idempotency::respond(
        &state,
        &caller,
        key,
        scope,
        &body,
        StatusCode::CREATED,
        move |conn| {
            load_registration(conn, &registration_id)?;
            let payment = PaymentRow {
                id: uuid::Uuid::now_v7().to_string(),
                registration_id: registration_id.clone(),
                amount_minor: amount.minor(),
                method: body.method.as_str().to_owned(),
                reference,
                recorded_by: c.user_id.clone(),
                created_at: now,
            };
            regs::insert_payment(conn, &payment)?;
            regs::adjust_money(conn, &registration_id, 0, amount.minor(), now)?;
            let registration = load_registration(conn, &registration_id)?;
            let conference = db::conferences::get(conn, &registration.row.conference_id)?
                .ok_or(ApiError::NotFound)?;
            let organisation = load_organisation(conn, &registration.row.organisation_id)?;
            notify::Context {
                conference: &conference,
                organisation: &organisation,
                registration: &registration,
                now,
            }
            .payment_received(conn, amount, body.method.as_str())?;
            Ok(PaymentView {
                id: payment.id,
                registration_id,
                amount,
                method: body.method,
                reference: payment.reference,
                recorded_by: payment.recorded_by,
                created_at: now.and_utc(),
                registration: RegistrationView::from(&registration),
            })
        },
    )
    .await
}

#[derive(Debug, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Substitution {
    pub name: String,
    pub email: String,
    #[serde(default)]
    pub dietary_requirements: String,
    #[serde(default)]
    pub access_requirements: String,
}

/// The delegate and registration, loaded for someone allowed to act on
/// them (404 otherwise, and 404 for unknown ids).
fn delegate_for(
    conn: &mut DbConnection,
    caller: &Caller,
    delegate_id: &str,
) -> Result<(DelegateRow, Registration), ApiError> {
    let d = regs::get_delegate(conn, delegate_id)?.ok_or(ApiError::NotFound)?;
    let r = load_registration(conn, &d.registration_id)?;
    if !caller.may_act_for(&r.row.organisation_id) {
        return Err(ApiError::NotFound);
    }
    Ok((d, r))
}

/// Replace a delegate with another person: same place, dinner and fee.
///
/// Organisations may substitute until the day before the conference starts;
/// staff at any time. Audited.
#[utoipa::path(
    tag = "registrations",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Delegate")),
    responses(
        (status = 200, body = DelegateView),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/delegates/{id}/substitution")]
pub async fn substitute_delegate(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<uuid::Uuid>,
    body: web::Json<Substitution>,
) -> ApiResult<web::Json<DelegateView>> {
    let delegate_id = id.into_inner().to_string();
    let b = body.into_inner();
    let mut p = Problems::default();
    let person = rules::parse_person(
        &mut p,
        "",
        &b.name,
        &b.email,
        &b.dietary_requirements,
        &b.access_requirements,
    );
    p.into_result()?;
    let person = person.expect("checked");
    let now = state.now();
    let view = state
        .tx(move |conn| {
            let (d, r) = delegate_for(conn, &caller, &delegate_id)?;
            let conference = db::conferences::lock_and_get(conn, &r.row.conference_id)?
                .ok_or(ApiError::NotFound)?;
            let spec = &conference.spec;
            if !caller.is_staff() && deadlines::local_date(now, spec.timezone) >= spec.starts_on {
                return Err(ApiError::DeadlinePassed(format!(
                    "substitutions close the day before the conference starts ({})",
                    spec.starts_on
                )));
            }
            if regs::substitute(
                conn,
                &d.id,
                &person.name,
                person.email.as_str(),
                &person.dietary_requirements,
                &person.access_requirements,
                now.naive_utc(),
            )? == 0
            {
                return Err(ApiError::Conflict(
                    "The delegate has been cancelled.".into(),
                ));
            }
            audit::log(
                conn,
                &caller.user_id,
                "delegate_substituted",
                Subject {
                    conference_id: Some(&conference.id),
                    organisation_id: Some(&r.row.organisation_id),
                    subject_id: Some(&d.id),
                },
                json!({"registration_id": r.row.id}),
                now.naive_utc(),
            )?;
            let d = regs::get_delegate(conn, &d.id)?.ok_or(ApiError::NotFound)?;
            let registration = load_registration(conn, &r.row.id)?;
            let organisation = load_organisation(conn, &r.row.organisation_id)?;
            notify::Context {
                conference: &conference,
                organisation: &organisation,
                registration: &registration,
                now: now.naive_utc(),
            }
            .substituted(conn, &d)?;
            Ok(DelegateView::from(&d))
        })
        .await?;
    Ok(web::Json(view))
}

/// Cancel a delegate: frees the place (and dinner seat) and takes the fee
/// off the registration's total, which may leave a refund due.
///
/// Organisations may cancel until the registration deadline (or their
/// extension); staff at any time. Audited.
#[utoipa::path(
    tag = "registrations",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Delegate")),
    responses(
        (status = 200, body = RegistrationView),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/delegates/{id}/cancellation")]
pub async fn cancel_delegate(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<uuid::Uuid>,
) -> ApiResult<web::Json<RegistrationView>> {
    let delegate_id = id.into_inner().to_string();
    let now = state.now();
    let view = state
        .tx(move |conn| {
            let (d, r) = delegate_for(conn, &caller, &delegate_id)?;
            let conference = db::conferences::lock_and_get(conn, &r.row.conference_id)?
                .ok_or(ApiError::NotFound)?;
            if !caller.is_staff() {
                deadline::enforce(
                    conn,
                    &conference,
                    &r.row.organisation_id,
                    DeadlineKey::Registration,
                    &caller,
                    false,
                    "cancellation",
                    now,
                )?;
            }
            let ts = now.naive_utc();
            if regs::cancel(conn, &d.id, ts)? == 0 {
                return Err(ApiError::Conflict(
                    "The delegate is already cancelled.".into(),
                ));
            }
            regs::add_taken(conn, &conference.id, -1, if d.dinner { -1 } else { 0 })?;
            regs::adjust_money(conn, &r.row.id, -d.fee_minor, 0, ts)?;
            audit::log(
                conn,
                &caller.user_id,
                "delegate_cancelled",
                Subject {
                    conference_id: Some(&conference.id),
                    organisation_id: Some(&r.row.organisation_id),
                    subject_id: Some(&d.id),
                },
                json!({"registration_id": r.row.id, "fee": Money::from_minor(d.fee_minor).to_string()}),
                ts,
            )?;
            let r = load_registration(conn, &r.row.id)?;
            let organisation = load_organisation(conn, &r.row.organisation_id)?;
            notify::Context {
                conference: &conference,
                organisation: &organisation,
                registration: &r,
                now: ts,
            }
            .cancelled(conn, &d)?;
            Ok(RegistrationView::from(&r))
        })
        .await?;
    Ok(web::Json(view))
}
