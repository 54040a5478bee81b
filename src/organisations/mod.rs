//! Organisations: the local parties and co-operative societies that
//! register delegates and submit business.

pub mod ops;
pub mod rules;
pub mod store;

pub use rules::OrganisationKind;
pub use store::OrganisationRow;
