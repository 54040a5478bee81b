//! Deadlines: the one rule (`rules`: calendar dates in the conference's
//! zone, extensions, staff overrides, the substitution cut-off), the
//! extensions granted to organisations (`store`), and how operations apply
//! the rule (`ops`), and what is open and closed for an organisation
//! (`outlook`).

pub mod ops;
pub mod outlook;
pub mod rules;
pub mod store;
