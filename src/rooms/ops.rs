//! Room block operations: staff set up a block; anyone reads the blocks
//! with the rooms left each night; a registration prices and books a
//! delegate's room (`quote`, then `book` once the delegate is written),
//! and a cancellation frees it (`free`).

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::rules::{self, RoomRequest, Stay, TypedBlock};
use super::store::{self, BlockRow, NightRow};
use crate::conferences::{self, Conference};
use crate::db::DbConnection;
use crate::ids::{ConferenceId, RoomBlockId};
use crate::ops::{Command, Ctx, Error};
use crate::values::money::Money;

/// One night of a block.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Night {
    pub night: NaiveDate,
    pub rooms: u32,
    pub left: u32,
}

/// A block with the rooms left each night, as the counters stood.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RoomBlock {
    pub id: RoomBlockId,
    pub conference_id: ConferenceId,
    pub hotel: String,
    pub hotel_address: String,
    pub room_type: String,
    pub nightly_rate: Money,
    pub currency: String,
    pub release_on: NaiveDate,
    /// Still offered now (the release date has not passed).
    pub offered: bool,
    pub nights: Vec<Night>,
}

fn view(
    conference: &Conference,
    now: DateTime<Utc>,
    block: BlockRow,
    nights: Vec<NightRow>,
) -> RoomBlock {
    RoomBlock {
        offered: rules::offered(now, conference.spec.timezone, block.release_on),
        nights: nights
            .into_iter()
            .map(|n| Night {
                night: n.night,
                rooms: n.rooms.max(0) as u32,
                left: (n.rooms - n.taken).max(0) as u32,
            })
            .collect(),
        id: block.id,
        conference_id: block.conference_id,
        hotel: block.hotel,
        hotel_address: block.hotel_address,
        room_type: block.room_type,
        nightly_rate: Money::from_minor(block.nightly_rate_minor),
        currency: conference.spec.currency.clone(),
        release_on: block.release_on,
    }
}

/// A block as typed by staff.
#[derive(Debug, Clone, Serialize)]
pub struct BlockInput {
    pub hotel: String,
    pub hotel_address: String,
    pub room_type: String,
    pub nightly_rate: String,
    pub nights: BTreeMap<String, u32>,
    pub release_on: String,
}

/// Sets up a room block for a conference (staff).
#[derive(Debug, Serialize)]
pub struct CreateRoomBlock {
    pub conference_id: ConferenceId,
    pub block: BlockInput,
}

impl Command for CreateRoomBlock {
    type Output = RoomBlock;
    const NAME: &'static str = "create_room_block";

    fn apply(self, conn: &mut DbConnection, ctx: &Ctx) -> Result<RoomBlock, Error> {
        ctx.actor.require_staff()?;
        let conference = conferences::ops::get(conn, &self.conference_id)?;
        let b = &self.block;
        let typed = TypedBlock {
            hotel: &b.hotel,
            hotel_address: &b.hotel_address,
            room_type: &b.room_type,
            nightly_rate: &b.nightly_rate,
            nights: &b.nights,
            release_on: &b.release_on,
        };
        let spec = &conference.spec;
        let block = rules::check_block(typed, spec.starts_on, spec.ends_on).map_err(|p| p.0)?;
        let row = BlockRow {
            id: RoomBlockId::new(),
            conference_id: conference.id.clone(),
            hotel: block.hotel,
            hotel_address: block.hotel_address,
            room_type: block.room_type,
            nightly_rate_minor: block.nightly_rate.minor(),
            release_on: block.release_on,
            created_at: ctx.now.naive_utc(),
        };
        let nights: Vec<NightRow> = block
            .nights
            .into_iter()
            .map(|(night, rooms)| NightRow {
                room_block_id: row.id.clone(),
                night,
                rooms: rooms as i32,
                taken: 0,
            })
            .collect();
        store::insert(conn, &row, &nights)?;
        Ok(view(&conference, ctx.now, row, nights))
    }
}

/// A conference's room blocks with the rooms left each night (anyone).
pub fn list(
    conn: &mut DbConnection,
    conference_id: &ConferenceId,
    now: DateTime<Utc>,
) -> Result<(Conference, Vec<RoomBlock>), Error> {
    let conference = conferences::ops::get(conn, conference_id)?;
    let blocks = store::list(conn, conference_id)?
        .into_iter()
        .map(|(b, n)| view(&conference, now, b, n))
        .collect();
    Ok((conference, blocks))
}

/// A delegate's room, priced at receipt, to book once the delegate is
/// written.
#[derive(Debug, Clone)]
pub struct RoomBooking {
    pub room_block_id: RoomBlockId,
    pub hotel: String,
    pub room_type: String,
    pub stay: Stay,
    pub fee: Money,
}

/// Prices the room asked for with delegate `index`: the block must be the
/// conference's and still offered, the nights consecutive ones it holds.
pub fn quote(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    conference: &Conference,
    index: usize,
    request: &RoomRequest,
) -> Result<RoomBooking, Error> {
    let field = |f: &str| format!("delegates[{index}].room.{f}");
    let (block, nights) = store::get(conn, &conference.id, &request.room_block_id)?
        .ok_or_else(|| Error::validation(&field("room_block_id"), "no such room block"))?;
    if !rules::offered(now, conference.spec.timezone, block.release_on) {
        return Err(Error::DeadlinePassed(format!(
            "The {} rooms at {} were released to the hotel after {}; they are no longer offered.",
            block.room_type, block.hotel, block.release_on
        )));
    }
    let held: Vec<NaiveDate> = nights.iter().map(|n| n.night).collect();
    let stay =
        rules::stay(&request.nights, &held).map_err(|e| Error::validation(&field("nights"), e))?;
    let fee = stay
        .price(Money::from_minor(block.nightly_rate_minor))
        .ok_or_else(|| Error::validation(&field("nights"), "the room's price is too large"))?;
    Ok(RoomBooking {
        room_block_id: block.id,
        hotel: block.hotel,
        room_type: block.room_type,
        stay,
        fee,
    })
}

/// Takes one room on each night of the stay, or refuses with
/// `capacity_reached` naming the first night without one. Run it in the
/// registration's transaction, after the delegate is written.
pub fn book(conn: &mut DbConnection, booking: &RoomBooking) -> Result<(), Error> {
    for night in booking.stay.nights() {
        if !store::take(conn, &booking.room_block_id, night, 1)? {
            return Err(Error::CapacityReached(format!(
                "no {} rooms left at {} on the night of {night}",
                booking.room_type, booking.hotel
            )));
        }
    }
    Ok(())
}

/// Gives back the nights of a cancelled delegate's room.
pub fn free(conn: &mut DbConnection, room_block_id: &RoomBlockId, stay: Stay) -> Result<(), Error> {
    Ok(store::free(
        conn,
        room_block_id,
        stay.arrival,
        stay.departure,
    )?)
}
