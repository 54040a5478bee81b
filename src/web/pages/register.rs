//! Registering delegates: one form for several delegates, the price
//! worked out by the server from the price in force, and the API's
//! `Register` operation run once per form (a hidden idempotency key), so a
//! double click or a reload never books twice.

use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use chrono::Duration;

use super::{render, render_refused, run_form, see_other, Choice, Choices, Chrome, Input};
use crate::conferences::pricing::{PassKind, PriceTable};
use crate::deadlines::outlook::{self, Outlook};
use crate::deadlines::rules::DeadlineKey;
use crate::ids::ConferenceId;
use crate::ops::Error;
use crate::organisations::{self, OrganisationKind, OrganisationRow};
use crate::privacy::notices;
use crate::registrations::ops::Register;
use crate::registrations::rules::{self, DelegateInput, PaymentMethod};
use crate::rooms::ops::{self as rooms, RoomBlock};
use crate::rooms::rules::{RoomInput, Stay};
use crate::state::AppState;
use crate::values::money::Money;
use crate::values::{self, FieldError};
use crate::web::error::{sentence, PageError};
use crate::web::fields::{new_idempotency_key, Fields, Problems, IDEMPOTENCY_FIELD};
use crate::web::format;
use crate::web::session::{self, OrgUser, Posted};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/portal/conferences/{id}/register",
        web::get().to(registration_form),
    )
    .route(
        "/portal/conferences/{id}/register",
        web::post().to(register),
    );
}

/// One delegate as typed.
#[derive(Debug, Clone, Default)]
struct Typed {
    name: String,
    email: String,
    dinner: bool,
    dietary: String,
    access: String,
    /// The member's own region ("": not given, the organisation's).
    region: String,
    /// The hotel room chosen ("": none): [`RoomOption::value`].
    room: String,
    /// The pass kind's code ("": not chosen, the first voting kind).
    pass_kind: String,
}

impl Typed {
    fn is_blank(&self) -> bool {
        self.name.trim().is_empty()
            && self.email.trim().is_empty()
            && !self.dinner
            && self.dietary.trim().is_empty()
            && self.access.trim().is_empty()
            && self.region.is_empty()
            && self.room.is_empty()
    }

    /// The kind of pass chosen, of those the conference offers.
    fn kind<'a>(&self, prices: &'a PriceTable) -> &'a PassKind {
        prices
            .kind(&self.pass_kind)
            .unwrap_or_else(|| prices.default_kind())
    }

    fn input(&self) -> DelegateInput {
        DelegateInput {
            name: self.name.clone(),
            email: self.email.clone(),
            dinner: self.dinner,
            dietary_requirements: self.dietary.clone(),
            access_requirements: self.access.clone(),
            region: (!self.region.is_empty()).then(|| self.region.clone()),
            room: (!self.room.is_empty()).then(|| room_input(&self.room)),
            pass_kind: (!self.pass_kind.is_empty()).then(|| self.pass_kind.clone()),
        }
    }
}

/// A room as the form offers it: a block and a stay of consecutive
/// nights. Its value is `block|arrival|departure|fee in hundredths`; the
/// fee is only for the page's live total (the server prices the room).
struct RoomOption {
    value: String,
    label: String,
    fee: Money,
}

/// Every stay each offered block allows, by block, arrival and length.
fn room_options(blocks: &[RoomBlock]) -> Vec<RoomOption> {
    let mut out = Vec::new();
    for b in blocks.iter().filter(|b| b.offered) {
        for (i, first) in b.nights.iter().enumerate() {
            for (n, last) in b.nights[i..].iter().enumerate() {
                if (last.night - first.night).num_days() != n as i64 {
                    break;
                }
                let stay = Stay {
                    arrival: first.night,
                    departure: last.night + Duration::days(1),
                };
                let Some(fee) = stay.price(b.nightly_rate) else {
                    continue;
                };
                let nights = stay.count();
                out.push(RoomOption {
                    value: format!(
                        "{}|{}|{}|{}",
                        b.id,
                        stay.arrival,
                        stay.departure,
                        fee.minor()
                    ),
                    label: format!(
                        "{}, {}: {} to {} ({} night{}, {})",
                        b.hotel,
                        b.room_type,
                        format::short_date(stay.arrival),
                        format::short_date(stay.departure),
                        nights,
                        if nights == 1 { "" } else { "s" },
                        format::money(fee, &b.currency)
                    ),
                    fee,
                });
            }
        }
    }
    out
}

/// The room request a chosen option makes; anything else is passed on as
/// typed for the operation to refuse.
fn room_input(value: &str) -> RoomInput {
    let mut parts = value.split('|');
    let block = parts.next().unwrap_or_default().to_owned();
    let nights = match (
        parts.next().map(values::date),
        parts.next().map(values::date),
    ) {
        (Some(Ok(arrival)), Some(Ok(departure))) => arrival
            .iter_days()
            .take_while(|d| *d < departure)
            .take(31)
            .map(|d| d.to_string())
            .collect(),
        _ => vec![String::new()],
    };
    RoomInput {
        room_block_id: block,
        nights,
    }
}

/// The form as posted: the delegates (`delegates-N-…`), in order.
fn typed_delegates(form: &Fields, max: usize) -> Vec<Typed> {
    let count = form
        .0
        .iter()
        .filter_map(|(k, _)| {
            k.strip_prefix("delegates-")?
                .split_once('-')?
                .0
                .parse::<usize>()
                .ok()
        })
        .filter(|n| *n < max)
        .max()
        .map_or(1, |n| n + 1);
    (0..count)
        .map(|i| {
            let f = |field: &str| form.get(&format!("delegates-{i}-{field}")).to_owned();
            Typed {
                name: f("name"),
                email: f("email"),
                dinner: form.checked(&format!("delegates-{i}-dinner")),
                dietary: f("dietary_requirements"),
                access: f("access_requirements"),
                region: f("region"),
                room: f("room"),
                pass_kind: f("pass_kind"),
            }
        })
        .collect()
}

/// A delegate's fieldset as the template shows it.
pub struct DelegateFields {
    pub number: usize,
    pub name: Input,
    pub email: Input,
    pub dinner_id: String,
    pub dinner: bool,
    pub dietary: Input,
    pub access: Input,
    /// A society's delegates' own regions (a local party's are its own).
    pub region: Option<Choices>,
    /// A hotel room with the place, when the conference offers rooms.
    pub room: Option<Choices>,
    /// The kind of pass, when the conference offers more than one.
    pub pass_kind: Option<Choices>,
}

/// One line of the price summary.
pub struct PriceLine {
    pub number: usize,
    pub who: String,
    pub fee: String,
    pub detail: String,
}

#[derive(Template)]
#[template(path = "web/register.html")]
struct RegisterPage {
    chrome: Chrome,
    problems: Problems,
    conference_id: String,
    conference: String,
    dates: String,
    tier: String,
    pass_fee: String,
    dinner_fee: String,
    pass_fee_minor: i64,
    dinner_fee_minor: i64,
    /// Each kind's pass fee in hundredths, `code:fee,…`, for the live total.
    pass_fees_minor: String,
    /// Each kind's name and fee in words, when there is more than one.
    kinds_note: String,
    currency: String,
    delegates: Vec<DelegateFields>,
    lines: Vec<PriceLine>,
    total: String,
    payment: Choices,
    key: String,
    next_number: usize,
    open: bool,
    closes: String,
    /// The opening date in words, while registration is not yet open.
    opens: Option<String>,
    /// The privacy notice to accept, when the conference has one.
    privacy_notice: Option<NoticeFields>,
}

/// The privacy notice's version and the box that accepts it.
pub struct NoticeFields {
    pub version: i32,
    pub accept: Choices,
}

/// The box that accepts the privacy notice.
const ACCEPT_FIELD: &str = "privacy_notice_accepted";

/// What the form is for: the conference as the organisation sees it, the
/// organisation, and the settings the form shows.
struct Context {
    state: AppState,
    o: Outlook,
    organisation: OrganisationRow,
    rooms: Vec<RoomOption>,
    /// The conference's current privacy notice version, if it has one.
    notice: Option<i32>,
}

impl Context {
    fn society(&self) -> bool {
        self.organisation.kind == OrganisationKind::Society
    }

    /// The form's inputs that problems may be placed on.
    fn inputs(&self, delegates: usize) -> Vec<String> {
        let mut fields = vec![
            "name",
            "email",
            "dietary_requirements",
            "access_requirements",
        ];
        if self.society() {
            fields.push("region");
        }
        if !self.rooms.is_empty() {
            fields.push("room");
        }
        if self.o.conference.spec.prices.kinds().len() > 1 {
            fields.push("pass_kind");
        }
        (0..delegates)
            .flat_map(|i| fields.iter().map(move |f| format!("delegates-{i}-{f}")))
            .chain(self.notice.map(|_| ACCEPT_FIELD.to_owned()))
            .collect()
    }
}

fn page(
    user: &OrgUser,
    ctx: &Context,
    typed: &[Typed],
    method: &str,
    accepted: bool,
    key: &str,
    problems: Problems,
) -> RegisterPage {
    let o = &ctx.o;
    let cheque_payee = ctx.state.settings.cheque_payee.as_str();
    let spec = &o.conference.spec;
    let currency = spec.currency.clone();
    let prices = &spec.prices;
    let without = prices.quote(o.today, prices.default_kind(), false);
    let with = prices.quote(o.today, prices.default_kind(), true);
    let several_kinds = prices.kinds().len() > 1;
    let kind_fees: Vec<(&PassKind, Money)> = prices
        .kinds()
        .iter()
        .map(|k| (k, prices.quote(o.today, k, false).pass_fee))
        .collect();
    let dinner_extra = with.total.checked_sub(without.total).unwrap_or(Money::ZERO);
    let delegates = typed
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let id = |f: &str| format!("delegates-{i}-{f}");
            DelegateFields {
                number: i + 1,
                name: Input::new(&id("name"), "Name", &t.name, &problems).autocomplete("off"),
                email: Input::new(&id("email"), "Email", &t.email, &problems)
                    .kind("email")
                    .hint("We send the delegate's confirmation here."),
                dinner_id: id("dinner"),
                dinner: t.dinner,
                dietary: Input::new(
                    &id("dietary_requirements"),
                    "Dietary requirements",
                    &t.dietary,
                    &problems,
                )
                .hint("For example, vegetarian or a nut allergy. Leave blank if none."),
                access: Input::new(
                    &id("access_requirements"),
                    "Access requirements",
                    &t.access,
                    &problems,
                )
                .hint("For example, step-free access or a hearing loop. Leave blank if none."),
                region: ctx.society().then(|| {
                    let mut choices = vec![Choice::new(
                        "",
                        &format!("Not given (the society's region, {})", ctx.organisation.region),
                        &t.region,
                    )];
                    choices.extend(
                        ctx.state
                            .settings
                            .regions
                            .iter()
                            .map(|r| Choice::new(r, r, &t.region)),
                    );
                    Choices::new(&id("region"), "Region", choices, &problems)
                        .hint("Where the delegate lives as a member. It decides whether they can stand for CAC.")
                }),
                room: (!ctx.rooms.is_empty()).then(|| {
                    let mut choices = vec![Choice::new("", "No hotel room", &t.room)];
                    choices.extend(ctx.rooms.iter().map(|r| Choice::new(&r.value, &r.label, &t.room)));
                    Choices::new(&id("room"), "Hotel room", choices, &problems)
                        .hint("Booked and paid for with the place. The price is per stay.")
                }),
                pass_kind: several_kinds.then(|| {
                    let chosen = t.kind(prices).code.as_str();
                    let choices = kind_fees
                        .iter()
                        .map(|(k, fee)| {
                            Choice::new(
                                &k.code,
                                &format!("{} ({})", k.name, format::money(*fee, &currency)),
                                chosen,
                            )
                        })
                        .collect();
                    Choices::new(&id("pass_kind"), "Pass", choices, &problems)
                        .hint("Only voting passes count against your organisation's entitlement.")
                }),
            }
        })
        .collect();
    let mut total = Money::ZERO;
    let lines = typed
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let kind = t.kind(prices);
            let q = prices.quote(o.today, kind, t.dinner);
            let room = ctx.rooms.iter().find(|r| r.value == t.room);
            let fee = q
                .total
                .checked_add(room.map_or(Money::ZERO, |r| r.fee))
                .unwrap_or(q.total);
            total = total.checked_add(fee).unwrap_or(total);
            PriceLine {
                number: i + 1,
                who: if t.name.trim().is_empty() {
                    format!("Delegate {}", i + 1)
                } else {
                    t.name.trim().to_owned()
                },
                fee: format::money(fee, &currency),
                detail: {
                    let place = if several_kinds {
                        format!("{} pass", kind.name)
                    } else {
                        "place".to_owned()
                    };
                    let mut detail = if t.dinner {
                        format!(
                            "{place} {} and dinner {}",
                            format::money(q.pass_fee, &currency),
                            format::money(q.dinner_fee, &currency)
                        )
                    } else {
                        format!("{place} only")
                    };
                    if let Some(r) = room {
                        detail
                            .push_str(&format!(", hotel room {}", format::money(r.fee, &currency)));
                    }
                    detail
                },
            }
        })
        .collect();
    let payment = Choices::new(
        "payment_method",
        "How will you pay?",
        vec![
            Choice::new("cheque", "Cheque", method).hint(&format!(
                "Payable to {cheque_payee}, with your booking reference on the back."
            )),
            Choice::new("invoice", "Invoice", method)
                .hint("We send an invoice to your organisation's contact."),
            Choice::new("online", "Online", method)
                .hint("Pay the balance online, quoting your booking reference."),
        ],
        &problems,
    );
    let title = format!("Register delegates for {}", spec.name);
    RegisterPage {
        chrome: Chrome::signed_in(
            &if problems.is_empty() {
                title
            } else {
                format!("Error: {title}")
            },
            &user.session,
        ),
        conference_id: o.conference.id.to_string(),
        conference: spec.name.clone(),
        dates: format::date_range(spec.starts_on, spec.ends_on),
        tier: o.tier.name.clone(),
        pass_fee: format::money(without.total, &currency),
        dinner_fee: format::money(dinner_extra, &currency),
        pass_fee_minor: without.total.minor(),
        dinner_fee_minor: dinner_extra.minor(),
        pass_fees_minor: kind_fees
            .iter()
            .map(|(k, fee)| format!("{}:{}", k.code, fee.minor()))
            .collect::<Vec<_>>()
            .join(","),
        kinds_note: if several_kinds {
            kind_fees
                .iter()
                .map(|(k, fee)| format!("{} {}", k.name, format::money(*fee, &currency)))
                .collect::<Vec<_>>()
                .join(", ")
        } else {
            String::new()
        },
        delegates,
        lines,
        total: format::money(total, &currency),
        currency,
        payment,
        key: key.to_owned(),
        next_number: typed.len() + 1,
        open: o.is_open(DeadlineKey::Registration),
        closes: format::date(o.registration().effective),
        opens: o
            .conference
            .spec
            .registration_opens
            .filter(|d| o.today < *d)
            .map(format::date),
        privacy_notice: ctx.notice.map(|version| NoticeFields {
            version,
            accept: Choices::new(
                ACCEPT_FIELD,
                "Privacy notice",
                vec![Choice::new(
                    "yes",
                    "We have read the privacy notice and will tell our delegates how their details are used",
                    if accepted { "yes" } else { "" },
                )],
                &problems,
            ),
        }),
        problems,
    }
}

async fn load(req: &HttpRequest, user: &OrgUser, id: uuid::Uuid) -> Result<Context, PageError> {
    let state = session::state(req)?;
    let now = state.now();
    let actor = user.actor().clone();
    let org = user.organisation_id.clone();
    let id = ConferenceId::from(id);
    let (o, organisation, blocks, notice) = state
        .db(move |conn| {
            let o = outlook::of_conference(conn, &actor, &id, now)?;
            let organisation = organisations::ops::get(conn, &actor, &org)?;
            let (_, blocks) = rooms::list(conn, &id, now)?;
            let notice = notices::current_version(conn, &id)?;
            Ok((o, organisation, blocks, notice))
        })
        .await?;
    Ok(Context {
        state,
        o,
        organisation,
        rooms: room_options(&blocks),
        notice,
    })
}

async fn registration_form(
    req: HttpRequest,
    user: OrgUser,
    id: web::Path<uuid::Uuid>,
) -> Result<HttpResponse, PageError> {
    let ctx = load(&req, &user, id.into_inner()).await?;
    render(&page(
        &user,
        &ctx,
        &[Typed::default()],
        "",
        false,
        &new_idempotency_key(),
        Problems::default(),
    ))
}

/// A room's problems (`delegates[0].room.nights`) belong on the delegate's
/// one room input (`delegates[0].room`).
fn on_room_input(errors: &[FieldError]) -> Vec<FieldError> {
    errors
        .iter()
        .map(|e| match e.field.find(".room.") {
            Some(at) => FieldError::new(&e.field[..at + 5], e.message.clone()),
            None => e.clone(),
        })
        .collect()
}

/// "Delegate 2: Email must be a valid email address".
fn describe(field: &str, message: &str) -> String {
    let Some(rest) = field.strip_prefix("delegates[") else {
        return sentence(message);
    };
    let Some((index, name)) = rest.split_once("].") else {
        return sentence(message);
    };
    let number = index.parse::<usize>().map_or(0, |i| i + 1);
    let label = match name {
        "name" => "Name",
        "email" => "Email",
        "dietary_requirements" => "Dietary requirements",
        "access_requirements" => "Access requirements",
        "region" => "Region",
        "pass_kind" => "Pass",
        n if n.starts_with("room") => "Hotel room",
        other => other,
    };
    format!("Delegate {number}: {label} {message}")
}

async fn register(
    req: HttpRequest,
    post: Posted<OrgUser>,
    id: web::Path<uuid::Uuid>,
) -> Result<HttpResponse, PageError> {
    let user = post.who;
    let form = post.form;
    let ctx = load(&req, &user, id.into_inner()).await?;
    let state = &ctx.state;
    let max = state.settings.max_delegates_per_registration;
    let mut typed = typed_delegates(&form, max);
    let method = form.get("payment_method").to_owned();
    let accepted = form.get(ACCEPT_FIELD) == "yes";
    let key = match form.get(IDEMPOTENCY_FIELD) {
        "" => new_idempotency_key(),
        k => k.to_owned(),
    };

    if form.get("action") == "add" {
        if typed.len() < max {
            typed.push(Typed::default());
        }
        return render(&page(
            &user,
            &ctx,
            &typed,
            &method,
            accepted,
            &key,
            Problems::default(),
        ));
    }

    // Blank extra rows (added and not needed) are left out.
    let mut kept: Vec<Typed> = typed.iter().filter(|t| !t.is_blank()).cloned().collect();
    if kept.is_empty() {
        kept = typed[..1].to_vec();
    }
    let inputs = ctx.inputs(kept.len());
    let payment_method = PaymentMethod::parse(&method);
    let parsed = rules::parse_delegates(
        &kept.iter().map(Typed::input).collect::<Vec<_>>(),
        max,
        &state.settings.regions,
    );
    let mut problems = match &parsed {
        Ok(_) => Problems::default(),
        Err(errors) => Problems::from_fields(&on_room_input(errors), &inputs, describe),
    };
    if payment_method.is_none() {
        problems.field("payment_method", "Choose how you will pay");
    }
    if ctx.notice.is_some() && !accepted {
        problems.field(
            ACCEPT_FIELD,
            "Confirm that you have read the privacy notice",
        );
    }
    let (Ok(delegates), Some(payment_method), true) = (parsed, payment_method, problems.is_empty())
    else {
        return render_refused(&page(&user, &ctx, &kept, &method, accepted, &key, problems));
    };

    let conference_id = ctx.o.conference.id.clone();
    let organisation_id = user.organisation_id.clone();
    let outcome = run_form(state, user.actor(), form.idempotency_key(), || Register {
        conference_id: conference_id.clone(),
        organisation_id: organisation_id.clone(),
        payment_method,
        delegates: delegates.clone(),
        late_override: false,
        entitlement_override: false,
        duplicate_override: false,
        privacy_notice_version: form.get("privacy_notice_version").parse().ok(),
    })
    .await;
    match outcome {
        Ok(outcome) => Ok(see_other(&format!(
            "/portal/registrations/{}?registered=1",
            outcome.value.row.id
        ))),
        Err(e) => {
            let mut problems = Problems::default();
            let mut key = key;
            match e {
                Error::Validation(errors) if errors.iter().any(|e| e.field == "Idempotency-Key") => {
                    problems.general(
                        "This form was already used to make a booking, with other details. Check your bookings before you register again; to make another booking, press Register again.",
                    );
                    key = new_idempotency_key();
                }
                Error::Validation(errors) => {
                    problems = Problems::from_fields(&on_room_input(&errors), &inputs, describe);
                }
                Error::DeadlinePassed(m) | Error::CapacityReached(m) | Error::Conflict(m) => {
                    problems.general(sentence(&m));
                }
                Error::EntitlementExceeded(e) => problems.general(format!(
                    "Your organisation may hold {} voting passes at this conference and holds {}, so it cannot register {} more. Register visitors instead, or ask the conference office.",
                    e.entitlement, e.used, e.asked
                )),
                Error::InProgress => problems.general(
                    "Your booking is still being made. Check your bookings in a minute before trying again.",
                ),
                other => return Err(other.into()),
            }
            render_refused(&page(&user, &ctx, &kept, &method, accepted, &key, problems))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delegate_problems_read_as_sentences() {
        assert_eq!(
            describe("delegates[1].email", "must be a valid email address"),
            "Delegate 2: Email must be a valid email address"
        );
        assert_eq!(
            describe("delegates", "at least one delegate is required"),
            "At least one delegate is required."
        );
    }

    #[test]
    fn delegates_are_read_in_order_up_to_the_maximum() {
        let form = Fields(vec![
            ("delegates-0-name".into(), "Ada".into()),
            ("delegates-0-dinner".into(), "yes".into()),
            ("delegates-1-name".into(), "Robert".into()),
            ("delegates-7-name".into(), "Too many".into()),
        ]);
        let typed = typed_delegates(&form, 5);
        assert_eq!(typed.len(), 2);
        assert!(typed[0].dinner);
        assert!(!typed[1].dinner);
        assert_eq!(typed[1].name, "Robert");
        assert_eq!(typed_delegates(&Fields::default(), 5).len(), 1);
    }
}
