//! The programme as an iCalendar document (RFC 5545): one event per item,
//! its UID the item's id (so a changed item replaces the one a calendar
//! holds, with a higher `SEQUENCE`), its times as UTC instants worked out
//! in the conference's zone, so they are right on either side of a change
//! of the clocks whatever zone the reader's calendar is in.

use chrono::{DateTime, Utc};
use icalendar::{Calendar, Component, Event, EventLike};

/// One item as the feed shows it.
#[derive(Debug, Clone)]
pub struct Entry<'a> {
    pub uid: String,
    pub title: &'a str,
    pub place: &'a str,
    pub starts: DateTime<Utc>,
    pub ends: DateTime<Utc>,
    pub ticketed: bool,
    pub revision: u32,
    pub changed: DateTime<Utc>,
}

/// The domain part of every item's UID.
pub const UID_DOMAIN: &str = "programme.plenary";

/// An item's UID: stable for the item's life.
pub fn uid(item_id: &str) -> String {
    format!("{item_id}@{UID_DOMAIN}")
}

/// The whole feed for a conference.
pub fn feed(conference_name: &str, timezone: &str, entries: &[Entry<'_>]) -> String {
    let mut calendar = Calendar::new();
    calendar
        .name(conference_name)
        .timezone(timezone)
        .append_property(("PRODID", "-//Plenary//Programme//EN"))
        .append_property(("METHOD", "PUBLISH"));
    for e in entries {
        let mut event = Event::new();
        event
            .uid(&e.uid)
            .summary(e.title)
            .location(e.place)
            .starts(e.starts)
            .ends(e.ends)
            .sequence(e.revision)
            .timestamp(e.changed)
            .last_modified(e.changed);
        if e.ticketed {
            event.description("Ticketed: book it with your registration.");
        }
        calendar.push(event.done());
    }
    calendar.done().to_string()
}
