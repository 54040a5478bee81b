//! What an organisation can do at a conference now: the price in force,
//! each deadline (with the organisation's extension) and the days left in
//! the conference's zone, the places and dinner seats left, and whether
//! substitutions are still open. A read model for the organisation portal's
//! home page and forms; every answer comes from the same rules the
//! operations enforce ([`rules::check`], [`rules::check_substitution`], the
//! price table, the capacity counters), so a page never says "open" where
//! the operation would refuse.

use chrono::{DateTime, NaiveDate, Utc};

use super::rules::{self, DeadlineKey};
use super::store;
use crate::conferences::pricing::PriceTier;
use crate::conferences::{self, Conference};
use crate::db::DbConnection;
use crate::ids::{ConferenceId, OrganisationId};
use crate::ops::{Actor, Error};
use crate::registrations::capacity;

/// Conferences the home page considers at most (a party runs a handful a
/// year).
pub const MAX_CONFERENCES: i64 = 100;

/// One deadline as it stands for the organisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadlineState {
    pub key: DeadlineKey,
    /// The conference's own date (for registration without a deadline, its
    /// first day).
    pub date: NaiveDate,
    /// The organisation's extension, if it has one.
    pub extended_until: Option<NaiveDate>,
    /// The date that applies to the organisation (the later of the two).
    pub effective: NaiveDate,
    /// Whether the organisation may act on it now (registration: opened
    /// and not yet closed).
    pub open: bool,
    /// Whole days from today (conference-local) to the effective date: 0 on
    /// the day itself, negative once passed.
    pub days_left: i64,
}

/// A conference as one organisation sees it at one instant.
#[derive(Debug, Clone)]
pub struct Outlook {
    pub conference: Conference,
    /// Today's date in the conference's zone.
    pub today: NaiveDate,
    /// The price tier in force today.
    pub tier: PriceTier,
    /// Every deadline the conference has, in the order of
    /// [`DeadlineKey::ALL`] (registration always).
    pub deadlines: Vec<DeadlineState>,
    /// Places left under the cap (`None`: no cap).
    pub places_left: Option<u32>,
    /// Dinner seats left under the cap (`None`: no cap).
    pub dinners_left: Option<u32>,
    /// Whether the organisation may still substitute a delegate.
    pub substitutions_open: bool,
}

impl Outlook {
    /// The deadline, when the conference takes this kind at all.
    pub fn deadline(&self, key: DeadlineKey) -> Option<&DeadlineState> {
        self.deadlines.iter().find(|d| d.key == key)
    }

    /// The registration deadline (every conference takes registrations).
    pub fn registration(&self) -> &DeadlineState {
        self.deadline(DeadlineKey::Registration)
            .expect("registration is always listed")
    }

    pub fn is_open(&self, key: DeadlineKey) -> bool {
        self.deadline(key).is_some_and(|d| d.open)
    }

    /// Whether the conference has ended (conference-local).
    pub fn is_over(&self) -> bool {
        self.today > self.conference.spec.ends_on
    }
}

fn outlook(
    conn: &mut DbConnection,
    conference: Conference,
    organisation: Option<&OrganisationId>,
    now: DateTime<Utc>,
) -> Result<Outlook, Error> {
    let spec = &conference.spec;
    let tz = spec.timezone;
    let today = rules::local_date(now, tz);
    let extensions = match organisation {
        Some(org) => store::extensions_of(conn, &conference.id, org)?,
        None => Vec::new(),
    };
    let opened = rules::check_opening(now, tz, spec.registration_opens).is_ok();
    let deadlines = DeadlineKey::ALL
        .iter()
        .filter_map(|&key| {
            let date = spec.closes(key)?;
            let extended_until = extensions
                .iter()
                .find(|(k, _)| *k == key)
                .map(|(_, until)| *until);
            let effective = extended_until.map_or(date, |e| e.max(date));
            let opened = opened || key != DeadlineKey::Registration;
            Some(DeadlineState {
                key,
                date,
                extended_until,
                effective,
                open: opened && rules::check(now, tz, key, date, extended_until, false).is_ok(),
                days_left: (effective - today).num_days(),
            })
        })
        .collect();
    let (places, dinners) = capacity::taken(conn, &conference.id)?;
    let left = |cap: Option<u32>, taken: i32| {
        cap.map(|c| c.saturating_sub(u32::try_from(taken).unwrap_or(0)))
    };
    Ok(Outlook {
        today,
        tier: spec.prices.tier_on(today).clone(),
        deadlines,
        places_left: left(spec.capacity, places),
        dinners_left: left(spec.dinner_capacity, dinners),
        substitutions_open: rules::check_substitution(now, tz, spec.starts_on).is_ok(),
        conference,
    })
}

/// One conference as the actor's organisation sees it (staff: with no
/// extensions).
pub fn of_conference(
    conn: &mut DbConnection,
    actor: &Actor,
    conference_id: &ConferenceId,
    now: DateTime<Utc>,
) -> Result<Outlook, Error> {
    let conference = conferences::ops::get(conn, conference_id)?;
    outlook(conn, conference, actor.organisation(), now)
}

/// One conference as one organisation sees it, for staff acting on its
/// behalf (with its extensions): whether an action now is on time or a
/// late override.
pub fn for_organisation(
    conn: &mut DbConnection,
    actor: &Actor,
    conference_id: &ConferenceId,
    organisation_id: &OrganisationId,
    now: DateTime<Utc>,
) -> Result<Outlook, Error> {
    if !actor.may_act_for(organisation_id) {
        return Err(Error::NotFound);
    }
    let conference = conferences::ops::get(conn, conference_id)?;
    outlook(conn, conference, Some(organisation_id), now)
}

/// Every conference that has not yet ended, soonest first, as the actor's
/// organisation sees it.
pub fn upcoming(
    conn: &mut DbConnection,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<Vec<Outlook>, Error> {
    let mut all = Vec::new();
    for conference in conferences::ops::list(conn, MAX_CONFERENCES, None)? {
        let o = outlook(conn, conference, actor.organisation(), now)?;
        if !o.is_over() {
            all.push(o);
        }
    }
    all.sort_by_key(|o| o.conference.spec.starts_on);
    Ok(all)
}
