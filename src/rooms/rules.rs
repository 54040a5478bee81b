//! Room block rules: a block's nights and rates, the stay a delegate asks
//! for (consecutive nights the block has), its price (the nightly rate
//! times the nights, fixed at receipt), and the release date after which
//! the hotel has the rooms back and the block is no longer offered.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;

use crate::ids::RoomBlockId;
use crate::values::money::Money;
use crate::values::{self, Problems};

pub const TEXT_MAX: usize = 200;
/// Rooms one block may hold on one night.
pub const ROOMS_MAX: u32 = 10_000;
/// How many days before the conference's first day a block's nights may
/// begin, and after its last day they may end.
pub const NIGHTS_MARGIN_DAYS: i64 = 7;

/// A block as typed by staff.
#[derive(Debug, Clone, Copy)]
pub struct TypedBlock<'a> {
    pub hotel: &'a str,
    pub hotel_address: &'a str,
    pub room_type: &'a str,
    pub nightly_rate: &'a str,
    pub nights: &'a BTreeMap<String, u32>,
    pub release_on: &'a str,
}

/// A block, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    pub hotel: String,
    pub hotel_address: String,
    pub room_type: String,
    pub nightly_rate: Money,
    /// Rooms held on each night (the date the guest arrives that evening).
    pub nights: BTreeMap<NaiveDate, u32>,
    pub release_on: NaiveDate,
}

/// Checks a block against the conference's dates: nights near the
/// conference, and a release date no later than the first night.
pub fn check_block(
    typed: TypedBlock<'_>,
    starts_on: NaiveDate,
    ends_on: NaiveDate,
) -> Result<Block, Problems> {
    let mut p = Problems::default();
    let hotel = p.take("hotel", values::line(typed.hotel, TEXT_MAX));
    let hotel_address = p.take("hotel_address", values::line(typed.hotel_address, TEXT_MAX));
    let room_type = p.take("room_type", values::line(typed.room_type, TEXT_MAX));
    let nightly_rate = p.take(
        "nightly_rate",
        Money::parse_non_negative(typed.nightly_rate),
    );
    let release_on = p.take("release_on", values::date(typed.release_on));
    let first = starts_on - Duration::days(NIGHTS_MARGIN_DAYS);
    let last = ends_on + Duration::days(NIGHTS_MARGIN_DAYS);
    let mut nights = BTreeMap::new();
    if typed.nights.is_empty() {
        p.push("nights", "at least one night is required");
    }
    for (date, rooms) in typed.nights {
        let field = format!("nights.{date}");
        match values::date(date) {
            Err(e) => p.push(field, e),
            Ok(d) if d < first || d > last => p.push(
                field,
                format!("must be within {NIGHTS_MARGIN_DAYS} days of the conference ({first} to {last})"),
            ),
            Ok(_) if *rooms > ROOMS_MAX => {
                p.push(field, format!("must be at most {ROOMS_MAX} rooms"))
            }
            Ok(d) => {
                nights.insert(d, *rooms);
            }
        }
    }
    if let (Some(release), Some(first_night)) = (release_on, nights.keys().next()) {
        if release > *first_night {
            p.push(
                "release_on",
                format!("must be no later than the first night ({first_night})"),
            );
        }
    }
    p.into_result().map_err(Problems)?;
    Ok(Block {
        hotel: hotel.expect("checked"),
        hotel_address: hotel_address.expect("checked"),
        room_type: room_type.expect("checked"),
        nightly_rate: nightly_rate.expect("checked"),
        nights,
        release_on: release_on.expect("checked"),
    })
}

/// Whether the block is still offered at `now`: up to the end of its
/// release date in the conference's zone.
pub fn offered(now: DateTime<Utc>, tz: Tz, release_on: NaiveDate) -> bool {
    now.with_timezone(&tz).date_naive() <= release_on
}

/// A stay: consecutive nights from `arrival`, leaving on `departure`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Stay {
    pub arrival: NaiveDate,
    pub departure: NaiveDate,
}

impl Stay {
    pub fn nights(self) -> impl Iterator<Item = NaiveDate> {
        self.arrival
            .iter_days()
            .take_while(move |d| *d < self.departure)
    }

    pub fn count(self) -> i64 {
        (self.departure - self.arrival).num_days()
    }

    /// The nightly rate times the nights.
    pub fn price(self, nightly_rate: Money) -> Option<Money> {
        nightly_rate
            .minor()
            .checked_mul(self.count())
            .map(Money::from_minor)
    }
}

/// The stay the nights asked for make: at least one, no night twice,
/// consecutive, each one the block holds rooms for.
pub fn stay(asked: &[NaiveDate], held: &[NaiveDate]) -> Result<Stay, String> {
    let mut nights = asked.to_vec();
    nights.sort();
    let (Some(first), Some(last)) = (nights.first().copied(), nights.last().copied()) else {
        return Err("at least one night is required".into());
    };
    if nights.windows(2).any(|w| w[1] != w[0] + Duration::days(1)) {
        return Err("must be consecutive nights, each once".into());
    }
    if let Some(missing) = nights.iter().find(|n| !held.contains(n)) {
        return Err(format!("the block has no rooms on the night of {missing}"));
    }
    Ok(Stay {
        arrival: first,
        departure: last + Duration::days(1),
    })
}

/// A room asked for with a place, as the client sent it.
#[derive(Debug, Clone, serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = RoomRequest)]
pub struct RoomInput {
    /// A room block of the conference (`GET /conferences/{id}/room-blocks`).
    #[schema(format = Uuid)]
    pub room_block_id: String,
    /// Consecutive nights (the date of each evening), within the block's.
    #[schema(value_type = Vec<String>, example = json!(["2016-09-09", "2016-09-10"]))]
    pub nights: Vec<String>,
}

/// A room asked for with a place: which block, which nights.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RoomRequest {
    pub room_block_id: RoomBlockId,
    pub nights: Vec<NaiveDate>,
}

/// Reads a room request, reporting problems under `prefix` (`delegates[0].room.`).
pub fn parse_request(p: &mut Problems, prefix: &str, input: &RoomInput) -> Option<RoomRequest> {
    let block = p.take(
        &format!("{prefix}room_block_id"),
        RoomBlockId::parse(&input.room_block_id),
    );
    let mut nights = Vec::with_capacity(input.nights.len());
    for (i, n) in input.nights.iter().enumerate() {
        nights.push(p.take(&format!("{prefix}nights[{i}]"), values::date(n)));
    }
    Some(RoomRequest {
        room_block_id: block?,
        nights: nights.into_iter().collect::<Option<_>>()?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        values::date(s).unwrap()
    }

    #[test]
    fn a_stay_is_consecutive_nights_of_the_block() {
        let held = [d("2016-09-08"), d("2016-09-09"), d("2016-09-10")];
        let s = stay(&[d("2016-09-10"), d("2016-09-09")], &held).unwrap();
        assert_eq!((s.arrival, s.departure), (d("2016-09-09"), d("2016-09-11")));
        assert_eq!(s.count(), 2);
        assert_eq!(
            s.nights().collect::<Vec<_>>(),
            [d("2016-09-09"), d("2016-09-10")]
        );
        assert_eq!(
            s.price(Money::from_minor(8900)),
            Some(Money::from_minor(17800))
        );
        assert!(stay(&[], &held).is_err());
        assert!(stay(&[d("2016-09-08"), d("2016-09-10")], &held).is_err());
        assert!(stay(&[d("2016-09-09"), d("2016-09-09")], &held).is_err());
        assert!(stay(&[d("2016-09-11")], &held).is_err());
    }

    #[test]
    fn a_block_is_offered_to_the_end_of_its_release_date() {
        let london = chrono_tz::Europe::London;
        let release = d("2016-08-12");
        let last = "2016-08-12T22:59:59Z".parse().unwrap();
        let after = "2016-08-12T23:00:00Z".parse().unwrap();
        assert!(offered(last, london, release));
        assert!(!offered(after, london, release));
    }

    #[test]
    fn a_block_fits_the_conference() {
        let nights = BTreeMap::from([("2016-09-09".to_owned(), 20), ("2016-09-10".to_owned(), 20)]);
        let typed = TypedBlock {
            hotel: "Park Inn Cardiff City Centre",
            hotel_address: "Mary Ann Street, Cardiff CF10 2JH",
            room_type: "Double",
            nightly_rate: "89.00",
            nights: &nights,
            release_on: "2016-08-12",
        };
        let (start, end) = (d("2016-09-09"), d("2016-09-11"));
        let b = check_block(typed, start, end).unwrap();
        assert_eq!(b.nights.len(), 2);
        let late = TypedBlock {
            release_on: "2016-09-10",
            ..typed
        };
        let p = check_block(late, start, end).unwrap_err();
        assert_eq!(p.0[0].field, "release_on");
        let far = BTreeMap::from([("2016-10-09".to_owned(), 20), ("x".to_owned(), 1)]);
        let p = check_block(
            TypedBlock {
                nights: &far,
                ..typed
            },
            start,
            end,
        )
        .unwrap_err();
        let fields: Vec<_> = p.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["nights.2016-10-09", "nights.x"]);
    }
}
