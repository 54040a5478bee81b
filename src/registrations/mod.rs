//! Registrations: delegates booked by an organisation, priced when received,
//! paid for, substituted and cancelled.

pub mod capacity;
pub mod ops;
pub mod rules;
pub mod store;

pub use store::{DelegateRow, PaymentRow, Registration, RegistrationRow};
