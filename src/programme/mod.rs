//! A conference's programme: the items (welcome reception, the days, the
//! dinner, the AGM) with their local times (`rules`), stored (`store`),
//! created, changed and listed (`ops`), and the iCalendar feed calendar
//! applications subscribe to (`calendar`).

pub mod calendar;
pub mod ops;
pub mod rules;
pub mod store;
