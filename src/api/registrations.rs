//! Delegate registration: pricing fixed at receipt, deadlines with
//! extensions, capacity without overselling, payments, substitutions and
//! cancellations.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa_actix_web::service_config::ServiceConfig;

use super::error::{ApiError, ApiResult};
use super::extract::{Authed, Caller, IdempotencyHeader, Staff};
use super::idempotency::answer;
use super::pagination::{self, Page};
use super::responses::{
    BadRequest, Conflict, Forbidden, NotFound, Unauthenticated, Unprocessable, UnsupportedMediaType,
};
use crate::ids::{ConferenceId, DelegateId, OrganisationId, RegistrationId, RoomBlockId, UserId};
use crate::ops::role;
use crate::registrations::ops::{
    self as registrations, Cancel, ListFilter, Payment, RecordPayment, Register, Substitute,
};
use crate::registrations::rules::{
    self as rules, DelegateInput, PaymentChannel, PaymentKind, PaymentMethod, PaymentStatus,
};
use crate::registrations::{DelegateRow, Registration};
use crate::rooms::rules::Stay;
use crate::state::AppState;
use crate::values::money::Money;
use crate::values::{self, Problems};

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(create_registration)
        .service(list_registrations)
        .service(get_registration)
        .service(record_payment)
        .service(substitute_delegate)
        .service(cancel_delegate);
}

/// An organisation named in a body or query: a UUID, or a field error.
fn organisation_field(named: Option<&str>) -> Result<Option<OrganisationId>, ApiError> {
    named
        .map(|s| {
            OrganisationId::parse(s)
                .map_err(|e| ApiError::validation("organisation_id", e.to_string()))
        })
        .transpose()
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
    /// Staff only: register a person who already holds a place at the
    /// conference (audited). Without it, the same email twice (in this
    /// registration, or among the conference's active delegates, however
    /// its case or Unicode form was typed) is 409 `conflict`.
    #[serde(default)]
    pub duplicate_override: bool,
    /// The version of the conference's privacy notice the organisation
    /// has read and accepted (`GET /conferences/{id}/privacy-notice`).
    /// Required of an organisation when the conference has a notice: none
    /// is 422 at this field, a superseded version 409 `conflict`.
    #[schema(example = 1)]
    pub privacy_notice_version: Option<i32>,
    /// Staff only: register voting passes beyond the organisation's
    /// entitlement (audited). Without it, a registration that would take
    /// the organisation past its entitlement is 409 `entitlement_exceeded`.
    #[serde(default)]
    pub entitlement_override: bool,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DelegateView {
    #[schema(value_type = String, format = Uuid)]
    pub id: DelegateId,
    pub name: String,
    pub email: String,
    pub dinner: bool,
    pub dietary_requirements: String,
    pub access_requirements: String,
    /// The member's region (CAC eligibility is judged by it).
    pub region: String,
    /// The code of the person's pass kind (one of the conference's
    /// `pass_kinds`), fixed at receipt.
    #[schema(example = "delegate")]
    pub pass_kind: String,
    /// Whether the pass votes (counts against the organisation's entitlement).
    pub votes: bool,
    pub pass_fee: Money,
    pub dinner_fee: Money,
    /// The hotel room's price (0.00 without one).
    pub room_fee: Money,
    /// Pass fee plus dinner fee plus room fee, fixed when the registration
    /// was received.
    pub fee: Money,
    /// `active` or `cancelled`.
    pub status: String,
    /// The hotel room booked with the place, if any.
    pub room: Option<RoomView>,
}

/// A hotel room booked with a place.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = BookedRoom)]
pub struct RoomView {
    #[schema(value_type = String, format = Uuid)]
    pub room_block_id: RoomBlockId,
    /// Each night booked (the date of the evening).
    pub nights: Vec<NaiveDate>,
    pub arrival: NaiveDate,
    pub departure: NaiveDate,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RegistrationView {
    #[schema(value_type = String, format = Uuid)]
    pub id: RegistrationId,
    /// Short booking reference for cheques and bank transfers.
    #[schema(example = "PL-7K3M-9QXA")]
    pub reference: String,
    #[schema(value_type = String, format = Uuid)]
    pub conference_id: ConferenceId,
    #[schema(value_type = String, format = Uuid)]
    pub organisation_id: OrganisationId,
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
    /// The privacy notice version the organisation accepted (null: none,
    /// or registered by staff from a paper form).
    pub privacy_notice_version: Option<i32>,
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
            region: d.region.clone(),
            pass_kind: d.pass_kind.clone(),
            votes: d.votes,
            pass_fee: Money::from_minor(d.pass_fee_minor),
            dinner_fee: Money::from_minor(d.dinner_fee_minor),
            room_fee: Money::from_minor(d.room_fee_minor),
            fee: Money::from_minor(d.charged_minor()),
            status: d.status.as_str().to_owned(),
            room: match (&d.room_block_id, d.room_arrival, d.room_departure) {
                (Some(block), Some(arrival), Some(departure)) => Some(RoomView {
                    room_block_id: block.clone(),
                    nights: Stay { arrival, departure }.nights().collect(),
                    arrival,
                    departure,
                }),
                _ => None,
            },
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
            payment_method: r.row.payment_method,
            tier: r.row.tier_code.clone(),
            currency: r.row.currency.clone(),
            total,
            amount_paid: paid,
            balance: total.checked_sub(paid).unwrap_or(Money::ZERO),
            payment_status: PaymentStatus::of(total, paid),
            delegates: r.delegates.iter().map(DelegateView::from).collect(),
            privacy_notice_version: r.row.privacy_notice_version,
            created_at: r.row.created_at.and_utc(),
            updated_at: r.row.updated_at.and_utc(),
        }
    }
}

/// Register one or more delegates for a conference.
///
/// The price is the tier in force now in the conference's time zone, for
/// each person's pass kind (none named: the first voting kind), and is
/// stored with the registration. The whole registration is refused with
/// `capacity_reached` if it would exceed the places or dinner seats left,
/// and with `entitlement_exceeded` (the problem carries `entitlement`,
/// `used` and `asked`) if it would take the organisation past its
/// entitlement of voting passes.
#[utoipa::path(
    tag = "registrations",
    security(("bearer" = [])),
    params(
        ("id" = uuid::Uuid, Path, description = "Conference"),
        ("Idempotency-Key" = Option<String>, Header, description = "Repeat-safe key (24 h)"),
    ),
    request_body = CreateRegistration,
    responses(
        (status = 201, body = RegistrationView),
        BadRequest, Unauthenticated, Forbidden, NotFound, Conflict, UnsupportedMediaType, Unprocessable,
    )
)]
#[post("/conferences/{id}/registrations")]
pub async fn create_registration(
    state: web::Data<AppState>,
    key: IdempotencyHeader,
    id: web::Path<uuid::Uuid>,
    request: Authed<Caller<role::Conference>, CreateRegistration>,
) -> ApiResult<HttpResponse> {
    let (actor, b) = (request.who.actor, request.body);
    let organisation_id = actor.acting_for(organisation_field(b.organisation_id.as_deref())?)?;
    let delegates = rules::parse_delegates(
        &b.delegates,
        state.settings.max_delegates_per_registration,
        &state.settings.regions,
    )?;
    let command = Register {
        conference_id: id.into_inner().into(),
        organisation_id,
        payment_method: b.payment_method,
        delegates,
        late_override: b.late_override,
        duplicate_override: b.duplicate_override,
        privacy_notice_version: b.privacy_notice_version,
        entitlement_override: b.entitlement_override,
    };
    let outcome = state.run_once(&actor, key.0.as_ref(), command).await?;
    Ok(answer(StatusCode::CREATED, outcome, |r| {
        RegistrationView::from(&r)
    }))
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
    /// `online`, `cheque` or `invoice`.
    pub payment_method: Option<String>,
    /// A booking reference (exactly), or text in a delegate's name or email.
    pub q: Option<String>,
}

/// A conference's registrations, newest first: staff see all, an
/// organisation its own. `q` finds a booking reference, or a delegate by
/// name or email.
#[utoipa::path(
    tag = "registrations",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path), RegistrationQuery),
    responses(
        (status = 200, body = Page<RegistrationView>),
        Unauthenticated, NotFound, Unprocessable,
    )
)]
#[get("/conferences/{id}/registrations")]
pub async fn list_registrations(
    state: web::Data<AppState>,
    caller: Caller<role::ConferenceOrFinance>,
    id: web::Path<uuid::Uuid>,
    query: web::Query<RegistrationQuery>,
) -> ApiResult<web::Json<Page<RegistrationView>>> {
    let q = query.into_inner();
    let (limit, cursor) = pagination::parse::<RegistrationId>(q.limit, q.cursor.as_deref())?;
    let mut p = Problems::default();
    let organisation_id = q
        .organisation_id
        .as_deref()
        .and_then(|o| p.take("organisation_id", OrganisationId::parse(o)));
    let payment_status = q.payment_status.as_deref().and_then(|s| {
        p.take(
            "payment_status",
            PaymentStatus::parse(s).ok_or("must be unpaid, part_paid, paid or refund_due"),
        )
    });
    let payment_method = q.payment_method.as_deref().and_then(|m| {
        p.take(
            "payment_method",
            PaymentMethod::parse(m).ok_or("must be online, cheque or invoice"),
        )
    });
    p.into_result().map_err(crate::ops::Error::from)?;
    let conference_id = ConferenceId::from(id.into_inner());
    let filter = ListFilter {
        organisation_id,
        payment_status,
        payment_method,
        search: q.q.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()),
    };
    let rows = state
        .db(move |conn| {
            registrations::list(
                conn,
                &caller.actor,
                &conference_id,
                filter,
                limit,
                cursor.as_ref(),
            )
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
        Unauthenticated, NotFound,
    )
)]
#[get("/registrations/{id}")]
pub async fn get_registration(
    state: web::Data<AppState>,
    caller: Caller<role::ConferenceOrFinance>,
    id: web::Path<uuid::Uuid>,
) -> ApiResult<web::Json<RegistrationView>> {
    let id = RegistrationId::from(id.into_inner());
    let r = state
        .db(move |conn| registrations::get(conn, &caller.actor, &id))
        .await?;
    Ok(web::Json(RegistrationView::from(&r)))
}

#[derive(Debug, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = RecordPayment)]
pub struct RecordPaymentBody {
    #[schema(value_type = String, example = "135.00")]
    pub amount: String,
    pub method: PaymentChannel,
    /// Cheque number, transfer reference or payment id.
    pub reference: String,
    /// Record more than the balance due, on purpose (audited). Without it
    /// a payment above the balance is 422 on `amount`; a registration with
    /// nothing due takes no payment at all (409 `conflict`). Send an
    /// `Idempotency-Key` with every payment, so a retry never pays twice.
    #[serde(default)]
    pub overpayment: bool,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PaymentView {
    #[schema(value_type = String, format = Uuid)]
    pub id: crate::ids::PaymentId,
    #[schema(value_type = String, format = Uuid)]
    pub registration_id: RegistrationId,
    /// `payment`, or `refund` (money returned; the amount is positive).
    pub kind: PaymentKind,
    pub amount: Money,
    pub method: PaymentChannel,
    pub reference: String,
    #[schema(value_type = String, format = Uuid)]
    pub recorded_by: UserId,
    pub created_at: DateTime<Utc>,
    /// The registration after this payment.
    pub registration: RegistrationView,
}

impl From<Payment> for PaymentView {
    fn from(p: Payment) -> Self {
        Self {
            registration: RegistrationView::from(&p.registration),
            id: p.row.id,
            registration_id: p.row.registration_id,
            kind: p.row.kind,
            amount: Money::from_minor(p.row.amount_minor),
            method: p.row.method,
            reference: p.row.reference,
            recorded_by: p.row.recorded_by,
            created_at: p.row.created_at.and_utc(),
        }
    }
}

/// Record a payment received (staff).
///
/// Refused when nothing is due (409 `conflict`) and above the balance due
/// unless `overpayment` is true (422 on `amount`); concurrent payments
/// never pay more than is due.
#[utoipa::path(
    tag = "registrations",
    security(("bearer" = [])),
    params(
        ("id" = uuid::Uuid, Path, description = "Registration"),
        ("Idempotency-Key" = Option<String>, Header, description = "Repeat-safe key (24 h)"),
    ),
    request_body = RecordPaymentBody,
    responses(
        (status = 201, body = PaymentView),
        BadRequest, Unauthenticated, Forbidden, NotFound, UnsupportedMediaType, Unprocessable,
    )
)]
#[post("/registrations/{id}/payments")]
pub async fn record_payment(
    state: web::Data<AppState>,
    key: IdempotencyHeader,
    id: web::Path<uuid::Uuid>,
    request: Authed<Staff<role::Finance>, RecordPaymentBody>,
) -> ApiResult<HttpResponse> {
    let (Staff(actor, _), b) = (request.who, request.body);
    let mut p = Problems::default();
    let amount = p.take("amount", Money::parse_non_negative(&b.amount));
    if amount == Some(Money::ZERO) {
        p.push("amount", "must be greater than zero");
    }
    let reference = p.take("reference", values::line(&b.reference, 200));
    p.into_result().map_err(crate::ops::Error::from)?;
    let command = RecordPayment {
        registration_id: id.into_inner().into(),
        amount: amount.expect("checked"),
        method: b.method,
        reference: reference.expect("checked"),
        overpayment: b.overpayment,
    };
    let outcome = state.run_once(&actor, key.0.as_ref(), command).await?;
    Ok(answer(StatusCode::CREATED, outcome, PaymentView::from))
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
    /// The newcomer's own region; when absent, the organisation's.
    #[serde(default)]
    pub region: Option<String>,
    /// Staff only: the newcomer already holds another place (audited).
    #[serde(default)]
    pub duplicate_override: bool,
}

/// Replace a delegate with another person: same place, dinner and fee.
///
/// Organisations may substitute until the day before the conference starts;
/// staff at any time. The newcomer must not already hold a place at the
/// conference (409 `conflict`). Audited. A CAC nomination is of a person:
/// the departing delegate's standing nominations are withdrawn ("candidate
/// no longer a delegate") and their nominating organisations emailed.
#[utoipa::path(
    tag = "registrations",
    security(("bearer" = [])),
    params(
        ("id" = uuid::Uuid, Path, description = "Delegate"),
        ("Idempotency-Key" = Option<String>, Header, description = "Repeat-safe key (24 h)"),
    ),
    request_body = Substitution,
    responses(
        (status = 200, body = DelegateView),
        BadRequest, Unauthenticated, NotFound, Conflict, UnsupportedMediaType, Unprocessable,
    )
)]
#[post("/delegates/{id}/substitution")]
pub async fn substitute_delegate(
    state: web::Data<AppState>,
    key: IdempotencyHeader,
    id: web::Path<uuid::Uuid>,
    request: Authed<Caller<role::Conference>, Substitution>,
) -> ApiResult<HttpResponse> {
    let (actor, b) = (request.who.actor, request.body);
    let mut p = Problems::default();
    let fields = rules::PersonFields {
        name: &b.name,
        email: &b.email,
        dietary_requirements: &b.dietary_requirements,
        access_requirements: &b.access_requirements,
        region: b.region.as_deref(),
    };
    let person = rules::parse_person(&mut p, "", fields, &state.settings.regions);
    p.into_result().map_err(crate::ops::Error::from)?;
    let command = Substitute {
        delegate_id: id.into_inner().into(),
        person: person.expect("checked"),
        duplicate_override: b.duplicate_override,
    };
    let outcome = state.run_once(&actor, key.0.as_ref(), command).await?;
    Ok(answer(StatusCode::OK, outcome, |d| DelegateView::from(&d)))
}

/// Cancel a delegate: frees the place (and dinner seat) and takes the fee
/// off the registration's total, which may leave a refund due.
///
/// Organisations may cancel until the registration deadline (or their
/// extension); staff at any time. Audited. The delegate's standing CAC
/// nominations are withdrawn, as on substitution.
#[utoipa::path(
    tag = "registrations",
    security(("bearer" = [])),
    params(
        ("id" = uuid::Uuid, Path, description = "Delegate"),
        ("Idempotency-Key" = Option<String>, Header, description = "Repeat-safe key (24 h)"),
    ),
    responses(
        (status = 200, body = RegistrationView),
        Unauthenticated, NotFound, Conflict,
    )
)]
#[post("/delegates/{id}/cancellation")]
pub async fn cancel_delegate(
    state: web::Data<AppState>,
    key: IdempotencyHeader,
    caller: Caller<role::Conference>,
    id: web::Path<uuid::Uuid>,
) -> ApiResult<HttpResponse> {
    let command = Cancel {
        delegate_id: id.into_inner().into(),
    };
    let outcome = state
        .run_once(&caller.actor, key.0.as_ref(), command)
        .await?;
    Ok(answer(StatusCode::OK, outcome, |r| {
        RegistrationView::from(&r)
    }))
}
