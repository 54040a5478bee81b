//! Data protection: the register of every column that holds personal data
//! (what it is, why it is kept and for how long), retention, subject
//! access and erasure.

pub mod job;
pub mod notices;
pub mod ops;
pub mod register;
pub mod retention;
pub mod rules;
pub mod store;

pub use register::{Category, Class, Entry, Retention, REGISTER};
