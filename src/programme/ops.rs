//! Programme operations: add, change and remove items (staff), the
//! programme as anyone reads it, and its iCalendar feed.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};

use super::calendar::{self, Entry};
use super::rules::{self, Frame, Typed, ITEMS_MAX};
use super::store::{self, ItemRow};
use crate::conferences::{self, Conference};
use crate::db::DbConnection;
use crate::ids::{ConferenceId, ProgrammeItemId};
use crate::ops::{Command, Ctx, Error};

/// An item as it is shown: its wall-clock times in the conference's zone
/// and the instants they name.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ProgrammeItem {
    pub id: ProgrammeItemId,
    pub conference_id: ConferenceId,
    pub title: String,
    pub starts_at: NaiveDateTime,
    pub ends_at: NaiveDateTime,
    pub starts_utc: DateTime<Utc>,
    pub ends_utc: DateTime<Utc>,
    pub place: String,
    pub ticketed: bool,
    pub revision: u32,
    pub updated_at: NaiveDateTime,
}

impl ProgrammeItem {
    fn new(row: ItemRow, conference: &Conference) -> Result<Self, Error> {
        let tz = conference.spec.timezone;
        let at = |t| {
            rules::instant(tz, t).map_err(|e| Error::Internal(anyhow::anyhow!("stored item: {e}")))
        };
        Ok(Self {
            starts_utc: at(row.starts_at)?,
            ends_utc: at(row.ends_at)?,
            id: row.id,
            conference_id: row.conference_id,
            title: row.title,
            starts_at: row.starts_at,
            ends_at: row.ends_at,
            place: row.place,
            ticketed: row.ticketed,
            revision: u32::try_from(row.revision).unwrap_or(0),
            updated_at: row.updated_at,
        })
    }
}

/// A conference's programme, in the order things happen.
#[derive(Debug, Clone)]
pub struct Programme {
    pub conference: Conference,
    pub items: Vec<ProgrammeItem>,
}

fn frame(c: &Conference) -> Frame {
    Frame {
        timezone: c.spec.timezone,
        starts_on: c.spec.starts_on,
        ends_on: c.spec.ends_on,
    }
}

/// An item as typed (every field).
#[derive(Debug, Clone, Serialize)]
pub struct ItemInput {
    pub title: String,
    pub starts_at: String,
    pub ends_at: String,
    pub place: String,
    pub ticketed: bool,
}

impl ItemInput {
    fn typed(&self) -> Typed<'_> {
        Typed {
            title: &self.title,
            starts_at: &self.starts_at,
            ends_at: &self.ends_at,
            place: &self.place,
            ticketed: self.ticketed,
        }
    }
}

/// Adds an item to a conference's programme (staff).
#[derive(Debug, Serialize)]
pub struct AddItem {
    pub conference_id: ConferenceId,
    pub item: ItemInput,
}

impl Command for AddItem {
    type Output = ProgrammeItem;
    const NAME: &'static str = "add_programme_item";

    fn apply(self, conn: &mut DbConnection, ctx: &Ctx) -> Result<ProgrammeItem, Error> {
        ctx.actor.require_staff()?;
        let conference =
            conferences::store::lock_and_get(conn, &self.conference_id)?.ok_or(Error::NotFound)?;
        let item = rules::check(self.item.typed(), frame(&conference)).map_err(|p| p.0)?;
        if store::count(conn, &conference.id)? >= ITEMS_MAX {
            return Err(Error::Conflict(format!(
                "A programme holds at most {ITEMS_MAX} items."
            )));
        }
        let now = ctx.now.naive_utc();
        let row = ItemRow {
            id: ProgrammeItemId::new(),
            conference_id: conference.id.clone(),
            title: item.title,
            starts_at: item.starts_at,
            ends_at: item.ends_at,
            place: item.place,
            ticketed: item.ticketed,
            revision: 0,
            created_at: now,
            updated_at: now,
        };
        store::insert(conn, &row)?;
        ProgrammeItem::new(row, &conference)
    }
}

/// What a change names; the rest stays.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ItemChange {
    pub title: Option<String>,
    pub starts_at: Option<String>,
    pub ends_at: Option<String>,
    pub place: Option<String>,
    pub ticketed: Option<bool>,
}

/// Changes an item (staff): its revision goes up, so subscribed calendars
/// replace it.
#[derive(Debug, Serialize)]
pub struct ChangeItem {
    pub conference_id: ConferenceId,
    pub item_id: ProgrammeItemId,
    pub change: ItemChange,
}

impl Command for ChangeItem {
    type Output = ProgrammeItem;
    const NAME: &'static str = "change_programme_item";

    fn apply(self, conn: &mut DbConnection, ctx: &Ctx) -> Result<ProgrammeItem, Error> {
        ctx.actor.require_staff()?;
        let conference =
            conferences::store::lock_and_get(conn, &self.conference_id)?.ok_or(Error::NotFound)?;
        let old = store::get(conn, &conference.id, &self.item_id)?.ok_or(Error::NotFound)?;
        let shown = |t: NaiveDateTime| t.format(rules::LOCAL_FORMAT).to_string();
        let c = self.change;
        let input = ItemInput {
            title: c.title.unwrap_or_else(|| old.title.clone()),
            starts_at: c.starts_at.unwrap_or_else(|| shown(old.starts_at)),
            ends_at: c.ends_at.unwrap_or_else(|| shown(old.ends_at)),
            place: c.place.unwrap_or_else(|| old.place.clone()),
            ticketed: c.ticketed.unwrap_or(old.ticketed),
        };
        let item = rules::check(input.typed(), frame(&conference)).map_err(|p| p.0)?;
        let row = ItemRow {
            title: item.title,
            starts_at: item.starts_at,
            ends_at: item.ends_at,
            place: item.place,
            ticketed: item.ticketed,
            revision: old.revision + 1,
            updated_at: ctx.now.naive_utc(),
            ..old
        };
        store::update(conn, &row)?;
        ProgrammeItem::new(row, &conference)
    }
}

/// Removes an item (staff); it leaves subscribed calendars at their next
/// refresh.
#[derive(Debug, Serialize)]
pub struct RemoveItem {
    pub conference_id: ConferenceId,
    pub item_id: ProgrammeItemId,
}

impl Command for RemoveItem {
    type Output = ();
    const NAME: &'static str = "remove_programme_item";

    fn apply(self, conn: &mut DbConnection, ctx: &Ctx) -> Result<(), Error> {
        ctx.actor.require_staff()?;
        if !conferences::store::lock(conn, &self.conference_id)? {
            return Err(Error::NotFound);
        }
        store::get(conn, &self.conference_id, &self.item_id)?.ok_or(Error::NotFound)?;
        Ok(store::delete(conn, &self.item_id)?)
    }
}

/// A conference's programme (anyone).
pub fn programme(conn: &mut DbConnection, id: &ConferenceId) -> Result<Programme, Error> {
    let conference = conferences::ops::get(conn, id)?;
    let items = store::list(conn, id)?
        .into_iter()
        .map(|row| ProgrammeItem::new(row, &conference))
        .collect::<Result<_, _>>()?;
    Ok(Programme { conference, items })
}

/// The programme as an iCalendar document (anyone).
pub fn feed(conn: &mut DbConnection, id: &ConferenceId) -> Result<String, Error> {
    let p = programme(conn, id)?;
    Ok(ical(&p))
}

/// The programme as an iCalendar document.
pub fn ical(p: &Programme) -> String {
    let entries: Vec<Entry<'_>> = p
        .items
        .iter()
        .map(|i| Entry {
            uid: calendar::uid(i.id.as_str()),
            title: &i.title,
            place: &i.place,
            starts: i.starts_utc,
            ends: i.ends_utc,
            ticketed: i.ticketed,
            revision: i.revision,
            changed: i.updated_at.and_utc(),
        })
        .collect();
    calendar::feed(
        &p.conference.spec.name,
        p.conference.spec.timezone.name(),
        &entries,
    )
}
