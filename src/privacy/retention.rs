//! Retention: applies the register's time limits. One run clears what has
//! passed its limit at `now` and returns counts (never data). Several
//! instances share the work through a lease row in `jobs`: only the one
//! that claims it runs, once per `retention_every_minutes`.

use chrono::{DateTime, Days, Months, NaiveDate, NaiveDateTime, TimeDelta, Utc};
use chrono_tz::Tz;
use diesel::prelude::*;

use crate::config::Settings;
use crate::db::schema::{
    account_tokens, conferences, delegates, idempotency_keys, jobs, login_throttle, sessions,
    web_sessions,
};
use crate::db::{write_transaction, DbConnection};
use crate::email::schema::outbox;

/// The `jobs` row the retention run leases (made by the migration).
pub const JOB: &str = "retention";
/// The name an anonymised delegate keeps.
pub const ANONYMISED_NAME: &str = "Anonymised delegate";
/// How long a claim keeps other instances off the run.
const LEASE_MINUTES: i64 = 10;

/// What one run removed or anonymised, rule by rule.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub idempotency_records: usize,
    pub email_payloads: usize,
    pub requirements: usize,
    pub delegate_identities: usize,
    pub api_sessions: usize,
    pub web_sessions: usize,
    pub account_tokens: usize,
    pub login_throttle: usize,
}

impl Counts {
    /// Each rule's name and count, in the order they run.
    pub fn rules(&self) -> [(&'static str, usize); 8] {
        [
            ("idempotency_records", self.idempotency_records),
            ("email_payloads", self.email_payloads),
            ("requirements", self.requirements),
            ("delegate_identities", self.delegate_identities),
            ("api_sessions", self.api_sessions),
            ("web_sessions", self.web_sessions),
            ("account_tokens", self.account_tokens),
            ("login_throttle", self.login_throttle),
        ]
    }
}

/// The first instant after a conference: midnight after its last day, in
/// its own zone (or, where the clocks skip midnight, the first hour that
/// exists).
pub fn conference_over(ends_on: NaiveDate, zone: Tz) -> DateTime<Utc> {
    let next = ends_on + Days::new(1);
    let midnight = NaiveDateTime::from(next);
    (0..24)
        .find_map(|h| {
            (midnight + TimeDelta::hours(h))
                .and_local_timezone(zone)
                .earliest()
        })
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| midnight.and_utc())
}

/// The email address an anonymised delegate keeps: unique, and never
/// deliverable (`.invalid` is reserved, RFC 2606).
pub fn anonymised_email(delegate_id: &str) -> String {
    format!("anonymised-{delegate_id}@invalid")
}

/// A recipient reduced to its domain, `@example.org`.
pub fn recipient_domain(recipient: &str) -> String {
    match recipient.rsplit_once('@') {
        Some((_, domain)) => format!("@{domain}"),
        None => String::from("@"),
    }
}

/// Applies every rule at `now` in one transaction; with `dry_run` it rolls
/// back and only counts.
pub fn run(
    conn: &mut DbConnection,
    settings: &Settings,
    now: DateTime<Utc>,
    dry_run: bool,
) -> QueryResult<Counts> {
    let outcome = write_transaction(conn, |c| {
        let counts = apply(c, settings, now)?;
        if dry_run {
            Err(Stop::DryRun(counts))
        } else {
            Ok(counts)
        }
    });
    match outcome {
        Ok(counts) | Err(Stop::DryRun(counts)) => Ok(counts),
        Err(Stop::Db(e)) => Err(e),
    }
}

enum Stop {
    DryRun(Counts),
    Db(diesel::result::Error),
}

impl From<diesel::result::Error> for Stop {
    fn from(e: diesel::result::Error) -> Self {
        Stop::Db(e)
    }
}

/// Applies every rule at `now` in the caller's transaction.
pub fn apply(conn: &mut DbConnection, s: &Settings, now: DateTime<Utc>) -> QueryResult<Counts> {
    let at = now.naive_utc();
    let mut counts = Counts {
        idempotency_records: diesel::delete(
            idempotency_keys::table.filter(
                idempotency_keys::created_at
                    .le(at - TimeDelta::hours(s.retention_idempotency_hours.into())),
            ),
        )
        .execute(conn)?,
        ..Counts::default()
    };

    let sent_before = at - TimeDelta::days(s.retention_email_payload_days.into());
    let sent: Vec<(String, String)> = outbox::table
        .filter(outbox::status.eq("sent"))
        .filter(outbox::sent_at.le(sent_before))
        .filter(outbox::payload.is_not_null())
        .select((outbox::id, outbox::recipient))
        .load(conn)?;
    for (id, recipient) in &sent {
        counts.email_payloads += diesel::update(outbox::table.find(id))
            .set((
                outbox::payload.eq(None::<String>),
                outbox::last_error.eq(None::<String>),
                outbox::recipient.eq(recipient_domain(recipient)),
            ))
            .execute(conn)?;
    }

    let ended: Vec<(String, String, NaiveDate)> = conferences::table
        .select((conferences::id, conferences::timezone, conferences::ends_on))
        .load(conn)?;
    for (id, zone, ends_on) in ended {
        let zone: Tz = zone.parse().unwrap_or(s.timezone);
        let over = conference_over(ends_on, zone);
        if now >= over + TimeDelta::days(s.retention_requirements_days.into()) {
            counts.requirements += diesel::update(
                delegates::table
                    .filter(delegates::conference_id.eq(&id))
                    .filter(
                        delegates::dietary_requirements
                            .ne("")
                            .or(delegates::access_requirements.ne("")),
                    ),
            )
            .set((
                delegates::dietary_requirements.eq(""),
                delegates::access_requirements.eq(""),
            ))
            .execute(conn)?;
        }
        let identity_until =
            over.checked_add_months(Months::new(s.retention_delegate_identity_months));
        if identity_until.is_some_and(|until| now >= until) {
            let named: Vec<String> = delegates::table
                .filter(delegates::conference_id.eq(&id))
                .filter(delegates::name.ne(ANONYMISED_NAME))
                .select(delegates::id)
                .load(conn)?;
            for delegate in &named {
                let email = anonymised_email(delegate);
                counts.delegate_identities += diesel::update(delegates::table.find(delegate))
                    .set((
                        delegates::name.eq(ANONYMISED_NAME),
                        delegates::email.eq(&email),
                        delegates::email_key.eq(&email),
                    ))
                    .execute(conn)?;
            }
        }
    }

    counts.api_sessions =
        diesel::delete(sessions::table.filter(sessions::expires_at.le(at))).execute(conn)?;
    let idle = at - TimeDelta::minutes(s.web_session_idle_minutes.into());
    counts.web_sessions = diesel::delete(
        web_sessions::table.filter(
            web_sessions::expires_at
                .le(at)
                .or(web_sessions::last_seen_at.le(idle)),
        ),
    )
    .execute(conn)?;
    counts.account_tokens =
        diesel::delete(account_tokens::table.filter(account_tokens::expires_at.le(at)))
            .execute(conn)?;
    let lockout = at - TimeDelta::seconds(s.login_lockout_secs.try_into().unwrap_or(i64::MAX));
    counts.login_throttle =
        diesel::delete(login_throttle::table.filter(login_throttle::last_failure_at.le(lockout)))
            .execute(conn)?;
    Ok(counts)
}

/// Claims the retention run if it is due and no other instance holds it:
/// true when this caller should run it (and then call [`finish`]).
pub fn claim(
    conn: &mut DbConnection,
    settings: &Settings,
    now: DateTime<Utc>,
    token: &str,
) -> QueryResult<bool> {
    let at = now.naive_utc();
    let due = at - TimeDelta::minutes(settings.retention_every_minutes.into());
    let claimed = diesel::update(
        jobs::table
            .filter(jobs::name.eq(JOB))
            .filter(jobs::lease_until.is_null().or(jobs::lease_until.le(at)))
            .filter(jobs::last_run_at.is_null().or(jobs::last_run_at.le(due))),
    )
    .set((
        jobs::lease_token.eq(token),
        jobs::lease_until.eq(at + TimeDelta::minutes(LEASE_MINUTES)),
    ))
    .execute(conn)?;
    Ok(claimed == 1)
}

/// Records a claimed run as done at `now` and releases the lease.
pub fn finish(conn: &mut DbConnection, now: NaiveDateTime, token: &str) -> QueryResult<()> {
    diesel::update(
        jobs::table
            .filter(jobs::name.eq(JOB))
            .filter(jobs::lease_token.eq(token)),
    )
    .set((
        jobs::last_run_at.eq(now),
        jobs::lease_token.eq(None::<String>),
        jobs::lease_until.eq(None::<NaiveDateTime>),
    ))
    .execute(conn)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn a_conference_is_over_at_midnight_after_its_last_day_in_its_zone() {
        let zone: Tz = "Europe/London".parse().unwrap();
        let ends = NaiveDate::from_ymd_opt(2027, 9, 12).unwrap();
        // British Summer Time: midnight in London is 23:00 UTC.
        assert_eq!(
            conference_over(ends, zone),
            Utc.with_ymd_and_hms(2027, 9, 12, 23, 0, 0).unwrap()
        );
    }

    #[test]
    fn where_midnight_is_skipped_the_day_starts_at_the_first_hour() {
        // Chile's clocks went from 00:00 to 01:00 on 11 September 2022.
        let zone: Tz = "America/Santiago".parse().unwrap();
        let ends = NaiveDate::from_ymd_opt(2022, 9, 10).unwrap();
        assert_eq!(
            conference_over(ends, zone),
            Utc.with_ymd_and_hms(2022, 9, 11, 4, 0, 0).unwrap()
        );
    }

    #[test]
    fn recipients_keep_only_their_domain() {
        assert_eq!(recipient_domain("ann@cardiff.example"), "@cardiff.example");
        assert_eq!(anonymised_email("d1"), "anonymised-d1@invalid");
    }
}
