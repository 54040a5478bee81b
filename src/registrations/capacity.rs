//! Capacity: a conference may cap delegate places (`capacity`) and dinner
//! seats (`dinner_capacity`); under any concurrency no more are sold than
//! the cap, and a registration that would exceed either is refused whole.
//!
//! The caps are enforced here and only here, against counters kept on the
//! conference row (`places_taken`, `dinners_taken`) and changed in the same
//! transaction as the delegates, so the check never counts rows. A
//! registration takes its places last, in one conditional update that
//! adds to the counters only where the caps, as they stand at that
//! instant, allow: on PostgreSQL a writer that waits for the row re-checks
//! the condition against the committed counters and holds the row lock
//! only through its commit; on SQLite writers run one at a time.

use diesel::prelude::*;

use crate::conferences::spec::ConferenceSpec;
use crate::db::schema::conferences;
use crate::db::DbConnection;
use crate::ids::ConferenceId;
use crate::ops::Error;

/// Places or seats left under a cap are fewer than asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("only {left} {what} left; {asked} requested")]
pub struct Shortfall {
    pub what: &'static str,
    pub left: u32,
    pub asked: u32,
}

/// Whether `asked` more fit under `cap` (`None`: no cap) with `taken` gone.
pub fn check(
    what: &'static str,
    cap: Option<u32>,
    taken: u32,
    asked: u32,
) -> Result<(), Shortfall> {
    match cap {
        Some(cap) if taken.saturating_add(asked) > cap => Err(Shortfall {
            what,
            left: cap.saturating_sub(taken),
            asked,
        }),
        _ => Ok(()),
    }
}

/// Places and dinner seats sold for a conference.
pub fn taken(conn: &mut DbConnection, conference_id: &ConferenceId) -> QueryResult<(i32, i32)> {
    conferences::table
        .find(conference_id)
        .select((conferences::places_taken, conferences::dinners_taken))
        .first(conn)
}

/// Takes `places` and `dinners` if the caps allow, or refuses with
/// `capacity_reached` saying which ran short. Run it last in the
/// registration's transaction (see the module notes).
pub fn reserve(
    conn: &mut DbConnection,
    conference_id: &ConferenceId,
    places: u32,
    dinners: u32,
) -> Result<(), Error> {
    use conferences::dsl as c;
    let (p, d) = (places as i32, dinners as i32);
    let n = diesel::update(
        c::conferences
            .filter(c::id.eq(conference_id))
            .filter(
                c::capacity
                    .is_null()
                    .or((c::places_taken + p).le(c::capacity.assume_not_null())),
            )
            .filter(
                c::dinner_capacity
                    .is_null()
                    .or((c::dinners_taken + d).le(c::dinner_capacity.assume_not_null())),
            ),
    )
    .set((
        c::places_taken.eq(c::places_taken + p),
        c::dinners_taken.eq(c::dinners_taken + d),
        c::lock_version.eq(c::lock_version + 1),
    ))
    .execute(conn)?;
    if n == 1 {
        return Ok(());
    }
    let spec = crate::conferences::store::get(conn, conference_id)?
        .ok_or(Error::NotFound)?
        .spec;
    Err(refusal(conn, conference_id, &spec, places, dinners)?)
}

/// Why [`reserve`] refused, told against the caps and counts as they stand.
fn refusal(
    conn: &mut DbConnection,
    conference_id: &ConferenceId,
    spec: &ConferenceSpec,
    places: u32,
    dinners: u32,
) -> Result<Error, Error> {
    let (places_taken, dinners_taken) = taken(conn, conference_id)?;
    let detail = check("places", spec.capacity, places_taken as u32, places)
        .and_then(|()| {
            check(
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
    Ok(Error::CapacityReached(detail))
}

/// Gives back a cancelled delegate's place (and dinner seat).
pub fn release(
    conn: &mut DbConnection,
    conference_id: &ConferenceId,
    places: u32,
    dinners: u32,
) -> QueryResult<()> {
    use conferences::dsl as c;
    let (p, d) = (places as i32, dinners as i32);
    diesel::update(c::conferences.find(conference_id))
        .set((
            c::places_taken.eq(c::places_taken - p),
            c::dinners_taken.eq(c::dinners_taken - d),
        ))
        .execute(conn)
        .map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caps() {
        assert!(check("places", None, 1000, 5).is_ok());
        assert!(check("places", Some(10), 9, 1).is_ok());
        assert_eq!(
            check("places", Some(10), 9, 2),
            Err(Shortfall {
                what: "places",
                left: 1,
                asked: 2
            })
        );
        assert!(check("dinner seats", Some(0), 0, 1).is_err());
        assert_eq!(check("places", Some(2), 6, 1).unwrap_err().left, 0);
    }
}
