//! Entitlements: how many voting passes each organisation may hold at a
//! conference (`rules`), the per-organisation counters taken with a
//! registration and given back on cancellation (`store`), and how staff
//! set them and anyone entitled reads them (`ops`). Visitors and other
//! passes that do not vote never count.

pub mod ops;
pub mod rules;
pub mod store;
