//! Room blocks and their nights, stored. Each night's `taken` counter
//! changes in the transaction that books or frees rooms, by one
//! conditional update (see [`take`]).

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::db::schema::{room_blocks, room_nights};
use crate::db::DbConnection;
use crate::ids::{ConferenceId, RoomBlockId};

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize, Deserialize)]
#[diesel(table_name = room_blocks)]
pub struct BlockRow {
    pub id: RoomBlockId,
    pub conference_id: ConferenceId,
    pub hotel: String,
    pub hotel_address: String,
    pub room_type: String,
    pub nightly_rate_minor: i64,
    pub release_on: NaiveDate,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize, Deserialize)]
#[diesel(table_name = room_nights)]
pub struct NightRow {
    pub room_block_id: RoomBlockId,
    pub night: NaiveDate,
    pub rooms: i32,
    pub taken: i32,
}

pub fn insert(conn: &mut DbConnection, block: &BlockRow, nights: &[NightRow]) -> QueryResult<()> {
    diesel::insert_into(room_blocks::table)
        .values(block)
        .execute(conn)?;
    for n in nights {
        diesel::insert_into(room_nights::table)
            .values(n)
            .execute(conn)?;
    }
    Ok(())
}

/// A conference's blocks by hotel, then room type, with their nights.
pub fn list(
    conn: &mut DbConnection,
    conference_id: &ConferenceId,
) -> QueryResult<Vec<(BlockRow, Vec<NightRow>)>> {
    let blocks: Vec<BlockRow> = room_blocks::table
        .filter(room_blocks::conference_id.eq(conference_id))
        .order((
            room_blocks::hotel.asc(),
            room_blocks::room_type.asc(),
            room_blocks::id.asc(),
        ))
        .select(BlockRow::as_select())
        .load(conn)?;
    let ids: Vec<&RoomBlockId> = blocks.iter().map(|b| &b.id).collect();
    let mut nights: Vec<NightRow> = room_nights::table
        .filter(room_nights::room_block_id.eq_any(ids))
        .order((room_nights::room_block_id.asc(), room_nights::night.asc()))
        .select(NightRow::as_select())
        .load(conn)?;
    Ok(blocks
        .into_iter()
        .map(|b| {
            let (mine, rest): (Vec<_>, Vec<_>) =
                nights.drain(..).partition(|n| n.room_block_id == b.id);
            nights = rest;
            (b, mine)
        })
        .collect())
}

/// One block of one conference, with its nights.
pub fn get(
    conn: &mut DbConnection,
    conference_id: &ConferenceId,
    id: &RoomBlockId,
) -> QueryResult<Option<(BlockRow, Vec<NightRow>)>> {
    let Some(block) = room_blocks::table
        .find(id)
        .filter(room_blocks::conference_id.eq(conference_id))
        .select(BlockRow::as_select())
        .first(conn)
        .optional()?
    else {
        return Ok(None);
    };
    let nights = room_nights::table
        .filter(room_nights::room_block_id.eq(id))
        .order(room_nights::night.asc())
        .select(NightRow::as_select())
        .load(conn)?;
    Ok(Some((block, nights)))
}

/// Takes `rooms` on one night if that many are left: one conditional
/// update, so on PostgreSQL a writer that waited for the row re-checks
/// against the committed count, and on SQLite writers run one at a time.
/// False when fewer are left.
pub fn take(
    conn: &mut DbConnection,
    block: &RoomBlockId,
    night: NaiveDate,
    rooms: i32,
) -> QueryResult<bool> {
    use room_nights::dsl as n;
    let updated = diesel::update(
        n::room_nights
            .filter(n::room_block_id.eq(block))
            .filter(n::night.eq(night))
            .filter((n::taken + rooms).le(n::rooms)),
    )
    .set(n::taken.eq(n::taken + rooms))
    .execute(conn)?;
    Ok(updated == 1)
}

/// Gives back one room on each night from `arrival` up to `departure`.
pub fn free(
    conn: &mut DbConnection,
    block: &RoomBlockId,
    arrival: NaiveDate,
    departure: NaiveDate,
) -> QueryResult<()> {
    use room_nights::dsl as n;
    diesel::update(
        n::room_nights
            .filter(n::room_block_id.eq(block))
            .filter(n::night.ge(arrival))
            .filter(n::night.lt(departure))
            .filter(n::taken.gt(0)),
    )
    .set(n::taken.eq(n::taken - 1))
    .execute(conn)
    .map(|_| ())
}

/// One guest of the rooming list.
#[derive(Debug, Clone, Queryable)]
pub struct Guest {
    pub name: String,
    pub organisation: String,
    pub reference: String,
    pub hotel: String,
    pub room_type: String,
    pub arrival: NaiveDate,
    pub departure: NaiveDate,
    pub dietary_requirements: String,
    pub access_requirements: String,
}

/// The active delegates with a room at a conference (at one hotel when
/// named), by hotel, arrival and name.
pub fn guests(
    conn: &mut DbConnection,
    conference_id: &ConferenceId,
    hotel: Option<&str>,
) -> QueryResult<Vec<Guest>> {
    use crate::db::schema::{delegates as d, organisations as o, registrations as r};
    let mut q = d::table
        .inner_join(room_blocks::table)
        .inner_join(r::table.inner_join(o::table))
        .filter(d::conference_id.eq(conference_id))
        .filter(d::cancelled_at.is_null())
        .select((
            d::name,
            o::name,
            r::reference,
            room_blocks::hotel,
            room_blocks::room_type,
            d::room_arrival.assume_not_null(),
            d::room_departure.assume_not_null(),
            d::dietary_requirements,
            d::access_requirements,
        ))
        .order((
            room_blocks::hotel.asc(),
            d::room_arrival.asc(),
            d::name.asc(),
            d::id.asc(),
        ))
        .into_boxed();
    if let Some(h) = hotel {
        q = q.filter(room_blocks::hotel.eq(h.to_owned()));
    }
    q.load(conn)
}
