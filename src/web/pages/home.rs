//! `/portal`: the organisation's conferences, each with its price today,
//! its deadlines (and any extension the organisation was granted), the
//! places left, and links to what is open.

use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use super::{render, Chrome};
use crate::deadlines::outlook::{self, Outlook};
use crate::deadlines::rules::DeadlineKey;
use crate::web::error::PageError;
use crate::web::format;
use crate::web::session::{self, OrgUser};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/portal", web::get().to(home));
}

pub struct DeadlineLine {
    pub label: &'static str,
    pub date: String,
    pub state: String,
    pub open: bool,
    /// "Extended for you from Monday 4 April 2016".
    pub extension: Option<String>,
}

pub struct ConferenceCard {
    pub id: String,
    pub name: String,
    pub dates: String,
    pub venue: String,
    pub tier: String,
    pub price: String,
    pub price_with_dinner: String,
    pub deadlines: Vec<DeadlineLine>,
    pub places_left: Option<u32>,
    pub dinners_left: Option<u32>,
    pub registration_open: bool,
    pub motions_open: bool,
    pub cac_open: bool,
    pub time_zone: String,
}

impl ConferenceCard {
    pub fn from_outlook(o: &Outlook) -> Self {
        let spec = &o.conference.spec;
        let currency = &spec.currency;
        // Open deadlines first, soonest first; then those passed.
        let mut ordered: Vec<_> = o.deadlines.iter().collect();
        ordered.sort_by_key(|d| (!d.open, d.effective));
        let deadlines = ordered
            .into_iter()
            .map(|d| DeadlineLine {
                label: format::deadline(d.key),
                date: format::date(d.effective),
                state: format::days_left(if d.open { d.days_left } else { -1 }),
                open: d.open,
                extension: d.extended_until.filter(|until| *until > d.date).map(|_| {
                    format!(
                        "Extended for you; the date for others is {}",
                        format::date(d.date)
                    )
                }),
            })
            .collect();
        Self {
            id: o.conference.id.to_string(),
            name: spec.name.clone(),
            dates: format::date_range(spec.starts_on, spec.ends_on),
            venue: spec.venue.clone(),
            tier: o.tier.name.clone(),
            price: format::money(
                spec.prices
                    .quote(o.today, spec.prices.default_kind(), false)
                    .total,
                currency,
            ),
            price_with_dinner: format::money(
                spec.prices
                    .quote(o.today, spec.prices.default_kind(), true)
                    .total,
                currency,
            ),
            deadlines,
            places_left: o.places_left,
            dinners_left: o.dinners_left,
            registration_open: o.is_open(DeadlineKey::Registration),
            motions_open: o.is_open(DeadlineKey::Motions),
            cac_open: o.is_open(DeadlineKey::CacNominations),
            time_zone: spec
                .timezone
                .name()
                .rsplit('/')
                .next()
                .unwrap_or_default()
                .replace('_', " "),
        }
    }
}

#[derive(Template)]
#[template(path = "web/home.html")]
struct HomePage {
    chrome: Chrome,
    organisation: String,
    conferences: Vec<ConferenceCard>,
}

async fn home(req: HttpRequest, user: OrgUser) -> Result<HttpResponse, PageError> {
    let state = session::state(&req)?;
    let now = state.now();
    let actor = user.actor().clone();
    let outlooks = state
        .db(move |conn| outlook::upcoming(conn, &actor, now))
        .await?;
    let organisation = user.session.display_name().to_owned();
    render(&HomePage {
        chrome: Chrome::signed_in(&organisation, &user.session),
        conferences: outlooks.iter().map(ConferenceCard::from_outlook).collect(),
        organisation,
    })
}
