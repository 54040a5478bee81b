//! Deadlines are calendar dates in the conference's IANA time zone: a
//! deadline of 30 June accepts anything received up to and including
//! 23:59:59.999999 local time on 30 June. One rule for every deadline.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;

use crate::db::sql::text_enum;

// The deadlines a conference sets, one per thing it takes.
text_enum! {
    pub enum DeadlineKey {
        Registration = "registration",
        Motions = "motions",
        Amendments = "amendments",
        PolicySubmissions = "policy_submissions",
        CacNominations = "cac_nominations",
        AwardNominations = "award_nominations",
    }
}

/// The local calendar date of an instant in a time zone.
pub fn local_date(now: DateTime<Utc>, tz: Tz) -> NaiveDate {
    now.with_timezone(&tz).date_naive()
}

/// True while `now` is on or before `deadline` in the zone's local calendar.
pub fn is_open(now: DateTime<Utc>, tz: Tz, deadline: NaiveDate) -> bool {
    local_date(now, tz) <= deadline
}

/// Organisations may substitute a delegate until the day before the
/// conference starts (staff at any time): the last day, inclusive.
pub fn substitution_deadline(starts_on: NaiveDate) -> NaiveDate {
    starts_on.pred_opt().unwrap_or(starts_on)
}

/// Refuses an organisation's substitution once the conference is about to
/// start.
pub fn check_substitution(
    now: DateTime<Utc>,
    tz: Tz,
    starts_on: NaiveDate,
) -> Result<(), SubstitutionClosed> {
    if is_open(now, tz, substitution_deadline(starts_on)) {
        Ok(())
    } else {
        Err(SubstitutionClosed { starts_on })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("substitutions close the day before the conference starts ({starts_on})")]
pub struct SubstitutionClosed {
    pub starts_on: NaiveDate,
}

/// Why something is not open at all (as opposed to closed by a deadline).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum NotOpen {
    #[error("registration opens on {0}")]
    NotYet(NaiveDate),
    #[error("this conference takes no {}", taken_thing(*.0))]
    NotTaken(DeadlineKey),
}

/// What a conference takes under a deadline, in words.
pub fn taken_thing(key: DeadlineKey) -> &'static str {
    match key {
        DeadlineKey::Registration => "registrations",
        DeadlineKey::Motions => "motions",
        DeadlineKey::Amendments => "amendments",
        DeadlineKey::PolicySubmissions => "policy submissions",
        DeadlineKey::CacNominations => "CAC nominations",
        DeadlineKey::AwardNominations => "award nominations",
    }
}

/// Refuses registration before the conference's opening date (local).
pub fn check_opening(now: DateTime<Utc>, tz: Tz, opens: Option<NaiveDate>) -> Result<(), NotOpen> {
    match opens {
        Some(opens) if local_date(now, tz) < opens => Err(NotOpen::NotYet(opens)),
        _ => Ok(()),
    }
}

/// How a deadline was met.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeadlineOutcome {
    /// Before the conference's own deadline.
    OnTime,
    /// After it, but within the organisation's extension.
    Extended,
    /// After every deadline, allowed by a staff override (to be audited).
    Overridden,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the {} deadline ({effective}) has passed", key.as_str())]
pub struct DeadlinePassed {
    pub key: DeadlineKey,
    pub effective: NaiveDate,
}

/// The single deadline rule: the conference's date, moved later for one
/// organisation by an extension, and waived only by a staff override.
pub fn check(
    now: DateTime<Utc>,
    tz: Tz,
    key: DeadlineKey,
    deadline: NaiveDate,
    extension: Option<NaiveDate>,
    staff_override: bool,
) -> Result<DeadlineOutcome, DeadlinePassed> {
    if is_open(now, tz, deadline) {
        return Ok(DeadlineOutcome::OnTime);
    }
    if extension.is_some_and(|until| is_open(now, tz, until)) {
        return Ok(DeadlineOutcome::Extended);
    }
    if staff_override {
        return Ok(DeadlineOutcome::Overridden);
    }
    Err(DeadlinePassed {
        key,
        effective: extension.map_or(deadline, |e| e.max(deadline)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use chrono_tz::Europe::London;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn london(y: i32, m: u32, day: u32, h: u32, min: u32, s: u32, micro: u32) -> DateTime<Utc> {
        London
            .with_ymd_and_hms(y, m, day, h, min, s)
            .unwrap()
            .with_timezone(&Utc)
            + chrono::Duration::microseconds(micro as i64)
    }

    #[test]
    fn summer_time_last_microsecond_is_on_time() {
        let deadline = d(2016, 6, 30);
        // 23:59:59.999999 BST is 22:59:59.999999 UTC.
        let last = london(2016, 6, 30, 23, 59, 59, 999_999);
        assert_eq!(
            last,
            Utc.with_ymd_and_hms(2016, 6, 30, 22, 59, 59).unwrap()
                + chrono::Duration::microseconds(999_999)
        );
        assert!(is_open(last, London, deadline));
        assert!(!is_open(london(2016, 7, 1, 0, 0, 0, 0), London, deadline));
        // 23:30 UTC on 30 June is already 1 July in London.
        assert!(!is_open(
            Utc.with_ymd_and_hms(2016, 6, 30, 23, 30, 0).unwrap(),
            London,
            deadline
        ));
    }

    #[test]
    fn registration_opens_at_local_midnight() {
        let opens = Some(d(2016, 3, 1));
        // 00:00 GMT on 1 March; a microsecond earlier is still 29 February.
        assert_eq!(
            check_opening(london(2016, 2, 29, 23, 59, 59, 999_999), London, opens),
            Err(NotOpen::NotYet(d(2016, 3, 1)))
        );
        assert_eq!(
            check_opening(london(2016, 3, 1, 0, 0, 0, 0), London, opens),
            Ok(())
        );
        assert_eq!(
            check_opening(london(2016, 1, 1, 0, 0, 0, 0), London, None),
            Ok(())
        );
        assert_eq!(
            NotOpen::NotTaken(DeadlineKey::Motions).to_string(),
            "this conference takes no motions"
        );
    }

    #[test]
    fn registration_closes_at_local_midnight() {
        let deadline = d(2016, 8, 22);
        assert!(is_open(
            london(2016, 8, 22, 23, 59, 59, 999_999),
            London,
            deadline
        ));
        assert!(!is_open(london(2016, 8, 23, 0, 0, 0, 0), London, deadline));
    }

    #[test]
    fn winter_time_uses_gmt() {
        let deadline = d(2016, 11, 12);
        assert!(is_open(
            Utc.with_ymd_and_hms(2016, 11, 12, 23, 59, 59).unwrap(),
            London,
            deadline
        ));
        assert!(!is_open(
            Utc.with_ymd_and_hms(2016, 11, 13, 0, 0, 0).unwrap(),
            London,
            deadline
        ));
    }

    #[test]
    fn other_zones_follow_their_own_calendar() {
        let tz: Tz = "Pacific/Auckland".parse().unwrap();
        // 11:00 UTC on 4 April is already 5 April in Auckland (NZST, +12).
        let now = Utc.with_ymd_and_hms(2016, 4, 4, 12, 0, 0).unwrap();
        assert!(!is_open(now, tz, d(2016, 4, 4)));
        assert!(is_open(now, London, d(2016, 4, 4)));
    }

    #[test]
    fn extension_and_override() {
        let now = london(2016, 8, 5, 12, 0, 0, 0);
        let k = DeadlineKey::Amendments;
        assert_eq!(
            check(now, London, k, d(2016, 8, 1), None, false),
            Err(DeadlinePassed {
                key: k,
                effective: d(2016, 8, 1)
            })
        );
        assert_eq!(
            check(now, London, k, d(2016, 8, 1), Some(d(2016, 8, 5)), false),
            Ok(DeadlineOutcome::Extended)
        );
        assert_eq!(
            check(now, London, k, d(2016, 8, 1), Some(d(2016, 8, 4)), false),
            Err(DeadlinePassed {
                key: k,
                effective: d(2016, 8, 4)
            })
        );
        assert_eq!(
            check(now, London, k, d(2016, 8, 1), None, true),
            Ok(DeadlineOutcome::Overridden)
        );
        assert_eq!(
            check(now, London, k, d(2016, 8, 10), None, true),
            Ok(DeadlineOutcome::OnTime)
        );
    }

    #[test]
    fn keys_round_trip() {
        for k in DeadlineKey::ALL {
            assert_eq!(DeadlineKey::parse(k.as_str()), Some(*k));
        }
        assert_eq!(DeadlineKey::parse("dinner"), None);
    }

    #[test]
    fn substitutions_close_at_the_start_of_the_first_day() {
        let starts = d(2016, 9, 9);
        assert_eq!(substitution_deadline(starts), d(2016, 9, 8));
        assert!(
            check_substitution(london(2016, 9, 8, 23, 59, 59, 999_999), London, starts).is_ok()
        );
        assert_eq!(
            check_substitution(london(2016, 9, 9, 0, 0, 0, 0), London, starts),
            Err(SubstitutionClosed { starts_on: starts })
        );
    }
}
