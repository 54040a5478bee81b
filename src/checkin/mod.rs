//! The credentials desk: badges whose QR code carries a check-in code that
//! only this server can make (a MAC over the delegate's id with a secret),
//! checking delegates in, the attendance list and the count of arrivals.

pub mod ops;
pub mod rules;
pub mod store;
