//! The conference at a glance, for the staff console: delegates registered
//! over time, places and dinner seats left, money by tier and by payment
//! method, submissions by kind and status, deadlines ahead, and emails
//! waiting or failed.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::connection::DefaultLoadingMode;
use diesel::dsl::count_star;
use diesel::prelude::*;

use super::rules::MoneyTotals;
use crate::conferences::{self, Conference};
use crate::db::schema::{delegates, registrations, submissions};
use crate::db::DbConnection;
use crate::deadlines::rules::{self as deadlines, DeadlineKey};
use crate::email::schema::outbox;
use crate::ids::ConferenceId;
use crate::ops::{Actor, Error};
use crate::registrations::rules::{DelegateStatus, PaymentMethod};
use crate::submissions::rules::{SubmissionKind, SubmissionStatus};

/// Active delegates registered on one local day, and all so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Day {
    pub date: NaiveDate,
    pub registered: i64,
    pub cumulative: i64,
}

/// A deadline still to come.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeadlineAhead {
    pub key: DeadlineKey,
    pub date: NaiveDate,
    /// Whole days left after today, in the conference's zone (0: today).
    pub days_left: i64,
}

#[derive(Debug, Clone)]
pub struct Dashboard {
    pub conference: Conference,
    /// The conference-local date the figures are for.
    pub today: NaiveDate,
    /// One entry per day on which delegates (still active) registered.
    pub registered_over_time: Vec<Day>,
    /// Money in the conference's currency, per price tier code, in the
    /// order of the price table.
    pub money_by_tier: Vec<(String, MoneyTotals)>,
    /// Per payment method.
    pub money_by_method: Vec<(PaymentMethod, MoneyTotals)>,
    pub money: MoneyTotals,
    /// (kind, status, count), for every kind and status with any.
    pub submissions: Vec<(SubmissionKind, SubmissionStatus, i64)>,
    pub deadlines_ahead: Vec<DeadlineAhead>,
    pub emails_pending: i64,
    pub emails_failed: i64,
    /// Active delegates checked in at the credentials desk.
    pub arrivals: i64,
    /// (pass kind code, its name, people), as in the summary.
    pub by_pass_kind: Vec<(String, String, i64)>,
}

/// Buckets registration instants into local days, with running totals.
pub fn days(instants: impl IntoIterator<Item = DateTime<Utc>>, tz: chrono_tz::Tz) -> Vec<Day> {
    let mut per_day: BTreeMap<NaiveDate, i64> = BTreeMap::new();
    for at in instants {
        *per_day.entry(deadlines::local_date(at, tz)).or_default() += 1;
    }
    let mut cumulative = 0;
    per_day
        .into_iter()
        .map(|(date, registered)| {
            cumulative += registered;
            Day {
                date,
                registered,
                cumulative,
            }
        })
        .collect()
}

/// The deadlines on or after today, soonest first.
pub fn ahead(conference: &Conference, today: NaiveDate) -> Vec<DeadlineAhead> {
    let mut out: Vec<DeadlineAhead> = DeadlineKey::ALL
        .iter()
        .filter_map(|key| Some((*key, conference.spec.deadlines.get(*key)?)))
        .filter(|(_, date)| *date >= today)
        .map(|(key, date)| DeadlineAhead {
            key,
            date,
            days_left: (date - today).num_days(),
        })
        .collect();
    out.sort_by_key(|d| (d.date, d.key.as_str()));
    out
}

/// The dashboard of one conference (staff).
pub fn dashboard(
    conn: &mut DbConnection,
    actor: &Actor,
    conference_id: &ConferenceId,
    now: DateTime<Utc>,
) -> Result<Dashboard, Error> {
    actor.require_staff()?;
    let conference = conferences::ops::get(conn, conference_id)?;
    let tz = conference.spec.timezone;
    let today = deadlines::local_date(now, tz);

    let joined: Vec<NaiveDateTime> = delegates::table
        .filter(delegates::conference_id.eq(conference_id.clone()))
        .filter(delegates::status.eq(DelegateStatus::Active))
        .select(delegates::created_at)
        .load_iter::<NaiveDateTime, DefaultLoadingMode>(conn)?
        .collect::<QueryResult<_>>()?;
    let registered_over_time = days(joined.into_iter().map(|t| t.and_utc()), tz);

    let mut by_tier: BTreeMap<String, MoneyTotals> = BTreeMap::new();
    let mut by_method: BTreeMap<&'static str, (PaymentMethod, MoneyTotals)> = BTreeMap::new();
    let mut money = MoneyTotals::default();
    let rows = registrations::table
        .filter(registrations::conference_id.eq(conference_id.clone()))
        .filter(registrations::currency.eq(conference.spec.currency.clone()))
        .select((
            registrations::tier_code,
            registrations::payment_method,
            registrations::total_minor,
            registrations::amount_paid_minor,
        ))
        .load_iter::<(String, PaymentMethod, i64, i64), DefaultLoadingMode>(conn)?;
    for row in rows {
        let (tier, method, total, paid) = row?;
        by_tier.entry(tier).or_default().add(total, paid);
        by_method
            .entry(method.as_str())
            .or_insert((method, MoneyTotals::default()))
            .1
            .add(total, paid);
        money.add(total, paid);
    }
    let order = conference.spec.prices.tiers();
    let mut money_by_tier: Vec<(String, MoneyTotals)> = by_tier.into_iter().collect();
    money_by_tier.sort_by_key(|(code, _)| order.iter().position(|t| &t.code == code));

    let submissions: Vec<(SubmissionKind, SubmissionStatus, i64)> = submissions::table
        .filter(submissions::conference_id.eq(conference_id.clone()))
        .group_by((submissions::kind, submissions::status))
        .select((submissions::kind, submissions::status, count_star()))
        .order((submissions::kind, submissions::status))
        .load(conn)?;

    let emails: Vec<(String, i64)> = outbox::table
        .filter(outbox::conference_id.eq(conference_id.as_str()))
        .filter(outbox::status.eq_any(["pending", "sending", "failed"]))
        .group_by(outbox::status)
        .select((outbox::status, count_star()))
        .load(conn)?;
    let count = |wanted: &[&str]| {
        emails
            .iter()
            .filter(|(s, _)| wanted.contains(&s.as_str()))
            .map(|(_, n)| n)
            .sum()
    };

    let by_pass_kind = super::ops::by_pass_kind(conn, &conference)?;
    Ok(Dashboard {
        by_pass_kind,
        deadlines_ahead: ahead(&conference, today),
        conference,
        today,
        registered_over_time,
        money_by_tier,
        money_by_method: by_method.into_values().collect(),
        money,
        submissions,
        emails_pending: count(&["pending", "sending"]),
        emails_failed: count(&["failed"]),
        arrivals: crate::checkin::ops::arrivals(conn, conference_id)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn days_are_local_and_cumulative() {
        let london = chrono_tz::Europe::London;
        let at = |d, h| Utc.with_ymd_and_hms(2016, 6, d, h, 30, 0).unwrap();
        // 23:30 UTC on 30 June is 00:30 on 1 July in London (BST).
        let got = days([at(29, 10), at(30, 10), at(30, 23), at(30, 12)], london);
        let date = |m, d| NaiveDate::from_ymd_opt(2016, m, d).unwrap();
        assert_eq!(
            got,
            [
                Day {
                    date: date(6, 29),
                    registered: 1,
                    cumulative: 1
                },
                Day {
                    date: date(6, 30),
                    registered: 2,
                    cumulative: 3
                },
                Day {
                    date: date(7, 1),
                    registered: 1,
                    cumulative: 4
                },
            ]
        );
    }
}
