//! Programme items' rules: times typed as the conference's wall clock
//! (`YYYY-MM-DDTHH:MM`), turned into instants by the zone's rules (British
//! Summer Time or not), an end after the start, and a start within the
//! conference's dates.

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

use crate::values::{self, Problems};

/// Longest title and place.
pub const TEXT_MAX: usize = 200;
/// The most items one conference's programme holds.
pub const ITEMS_MAX: i64 = 200;
/// How local date-times are typed and shown.
pub const LOCAL_FORMAT: &str = "%Y-%m-%dT%H:%M";

/// A local date-time as typed: exactly `YYYY-MM-DDTHH:MM`.
pub fn local(s: &str) -> Result<NaiveDateTime, &'static str> {
    NaiveDateTime::parse_from_str(s, LOCAL_FORMAT)
        .ok()
        .filter(|_| s.len() == 16)
        .ok_or("must be a local date and time in the form YYYY-MM-DDTHH:MM")
}

/// The instant a wall-clock time names in the zone: the earlier of the
/// two when clocks go back, refused when clocks go forward past it.
pub fn instant(tz: Tz, at: NaiveDateTime) -> Result<DateTime<Utc>, &'static str> {
    tz.from_local_datetime(&at)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        .ok_or("does not exist in the conference's time zone (the clocks go forward)")
}

/// One item's settings, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub title: String,
    pub starts_at: NaiveDateTime,
    pub ends_at: NaiveDateTime,
    pub place: String,
    pub ticketed: bool,
}

/// An item as typed (every field present).
#[derive(Debug, Clone, Copy)]
pub struct Typed<'a> {
    pub title: &'a str,
    pub starts_at: &'a str,
    pub ends_at: &'a str,
    pub place: &'a str,
    pub ticketed: bool,
}

/// The conference's dates and zone an item must fit.
#[derive(Debug, Clone, Copy)]
pub struct Frame {
    pub timezone: Tz,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
}

/// Checks an item: each field, then the start within the conference's
/// dates, and an end after the start and before the day after the last
/// day is out (a dinner may end after midnight).
pub fn check(typed: Typed<'_>, frame: Frame) -> Result<Item, Problems> {
    let mut p = Problems::default();
    let title = p.take("title", values::line(typed.title, TEXT_MAX));
    let place = p.take("place", values::line(typed.place, TEXT_MAX));
    let starts_at = p.take(
        "starts_at",
        local(typed.starts_at).and_then(|t| instant(frame.timezone, t).map(|_| t)),
    );
    let ends_at = p.take(
        "ends_at",
        local(typed.ends_at).and_then(|t| instant(frame.timezone, t).map(|_| t)),
    );
    if let Some(start) = starts_at {
        if start.date() < frame.starts_on || start.date() > frame.ends_on {
            p.push(
                "starts_at",
                format!(
                    "must be on the conference's dates ({} to {})",
                    frame.starts_on, frame.ends_on
                ),
            );
        }
    }
    if let (Some(start), Some(end)) = (starts_at, ends_at) {
        let last = frame.ends_on + Duration::days(2);
        if end <= start {
            p.push("ends_at", "must be after the start");
        } else if end.date() >= last {
            p.push(
                "ends_at",
                "must be no later than the day after the conference",
            );
        }
    }
    p.into_result().map_err(Problems)?;
    Ok(Item {
        title: title.expect("checked"),
        starts_at: starts_at.expect("checked"),
        ends_at: ends_at.expect("checked"),
        place: place.expect("checked"),
        ticketed: typed.ticketed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame() -> Frame {
        Frame {
            timezone: chrono_tz::Europe::London,
            starts_on: NaiveDate::from_ymd_opt(2016, 10, 29).unwrap(),
            ends_on: NaiveDate::from_ymd_opt(2016, 10, 31).unwrap(),
        }
    }

    fn typed<'a>(starts_at: &'a str, ends_at: &'a str) -> Typed<'a> {
        Typed {
            title: "Conference dinner",
            starts_at,
            ends_at,
            place: "City Hall",
            ticketed: true,
        }
    }

    fn fields(p: Problems) -> Vec<String> {
        p.0.into_iter().map(|e| e.field).collect()
    }

    #[test]
    fn local_times_are_exactly_minutes() {
        assert!(local("2016-09-10T19:30").is_ok());
        for bad in [
            "2016-09-10 19:30",
            "2016-09-10T19:30:00",
            "2016-9-10T19:30",
            "",
        ] {
            assert!(local(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn instants_follow_the_zone_across_the_change() {
        let london = chrono_tz::Europe::London;
        let summer = instant(london, local("2016-10-29T19:30").unwrap()).unwrap();
        assert_eq!(summer.to_rfc3339(), "2016-10-29T18:30:00+00:00");
        let winter = instant(london, local("2016-10-31T19:30").unwrap()).unwrap();
        assert_eq!(winter.to_rfc3339(), "2016-10-31T19:30:00+00:00");
        // 01:30 on 30 October 2016 happened twice: the first (BST) is taken.
        let twice = instant(london, local("2016-10-30T01:30").unwrap()).unwrap();
        assert_eq!(twice.to_rfc3339(), "2016-10-30T00:30:00+00:00");
        // 01:30 on 27 March 2016 never happened.
        assert!(instant(london, local("2016-03-27T01:30").unwrap()).is_err());
    }

    #[test]
    fn an_item_fits_the_conference() {
        let item = check(typed("2016-10-31T19:30", "2016-11-01T00:30"), frame()).unwrap();
        assert_eq!(item.title, "Conference dinner");
        let p = check(typed("2016-10-28T19:30", "2016-10-28T18:30"), frame()).unwrap_err();
        assert_eq!(fields(p), ["starts_at", "ends_at"]);
        let p = check(typed("2016-10-31T19:30", "2016-11-02T00:30"), frame()).unwrap_err();
        assert_eq!(fields(p), ["ends_at"]);
        let mut blank = typed("x", "2016-10-31T19:30");
        blank.title = " ";
        blank.place = "";
        let p = check(blank, frame()).unwrap_err();
        assert_eq!(fields(p), ["title", "place", "starts_at"]);
    }
}
