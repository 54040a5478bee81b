//! Hotel room blocks: rooms a hotel holds for a conference, per night,
//! until a release date (`rules`), their counters (`store`), and how they
//! are set up, offered and booked with a delegate's place (`ops`). The
//! rooming list sent to each hotel is an export (`exports::ops`).

pub mod ops;
pub mod rules;
pub mod store;
